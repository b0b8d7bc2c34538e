"""Verifying the audit trail's hash chains (``appraisal.audit_chain``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..audit_chain import ALL_CHAINED_FIELDS, entry_hash
from ..models import AuditEntry


@dataclass(frozen=True)
class BrokenLink:
    """The first entry of a dossier whose hash does not match its content and
    its predecessor: it, or one before it, was changed, removed or inserted
    outside the application."""

    dossier_id: int
    entry_id: int
    created_at: object
    action: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    dossiers: int
    broken: list[BrokenLink]


def audit_chains_verify(*, dossier_ids=None, using: str = "default") -> ChainReport:
    """Recompute every dossier's chain (or those of ``dossier_ids``), in the order
    the entries were written; one pass over the table, streamed. ``using`` names
    the database: the restore drill verifies a restored copy with it."""
    rows = AuditEntry.objects.using(using).order_by("dossier_id", "pk")
    if dossier_ids is not None:
        rows = rows.filter(dossier_id__in=dossier_ids)
    previous: dict[int, str] = {}
    broken: dict[int, BrokenLink] = {}
    entries = 0
    values = rows.values("pk", "chain_hash", *ALL_CHAINED_FIELDS)
    for row in values.iterator(chunk_size=2000):
        entries += 1
        dossier = row["dossier_id"]
        expected = entry_hash(previous.get(dossier, ""), row)
        previous[dossier] = row["chain_hash"]
        if row["chain_hash"] != expected and dossier not in broken:
            broken[dossier] = BrokenLink(
                dossier_id=dossier,
                entry_id=row["pk"],
                created_at=row["created_at"],
                action=row["action"],
            )
    return ChainReport(
        entries=entries, dossiers=len(previous), broken=list(broken.values())
    )
