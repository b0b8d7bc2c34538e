"""Reads of the official documents of a dossier: each document the dossier's
kind issues with every version, its state, its files and the signatures of its
PDF as checked now; and one file for a person who may see its dossier (the same
scope as the dossier itself: ``dossiers.dossier_list_for_user``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from ..documents.registry import document_specs
from ..documents.signing import SignatureCheck
from ..models import Attachment, DocumentIssue, Dossier
from .dossiers import dossier_list_for_user

__all__ = ["DocumentVersion", "document_file_get", "dossier_documents"]


@dataclass
class DocumentVersion:
    """One version of one document as the dossier page shows it."""

    name: str
    issue: DocumentIssue
    word: Attachment | None = None
    pdf: Attachment | None = None
    signatures: list[SignatureCheck] = field(default_factory=list)

    @property
    def latest(self) -> bool:
        return getattr(self.issue, "is_latest", True)


def dossier_documents(*, dossier: Dossier, check: bool = True) -> list[DocumentVersion]:
    """Every issued document of ``dossier``, in the order its kind lists them,
    newest version first; with ``check`` the signatures of each signed PDF are
    verified against the trust roots now (a changed byte shows as invalid). Two
    queries, plus the trust roots once when something is signed."""
    from ..services.documents import attachment_signatures

    names = {spec.key: spec.name for spec in document_specs(dossier)}
    order = {key: index for index, key in enumerate(names)}
    issues = sorted(
        DocumentIssue.objects.filter(dossier_id=dossier.pk)
        .select_related("signer")
        .prefetch_related(
            Prefetch("files", queryset=Attachment.objects.order_by("extension"))
        ),
        key=lambda issue: (order.get(issue.document, 99), -issue.version),
    )
    rows, seen = [], set()
    for issue in issues:
        issue.is_latest = issue.document not in seen
        seen.add(issue.document)
        files = {f.extension: f for f in issue.files.all()}
        row = DocumentVersion(
            name=str(names.get(issue.document, issue.document)),
            issue=issue,
            word=files.get("docx"),
            pdf=files.get("pdf"),
        )
        if check and row.pdf is not None and row.pdf.signed_at is not None:
            row.signatures = attachment_signatures(row.pdf)
        rows.append(row)
    return rows


def document_file_get(*, user, pk: int) -> Attachment:
    """A generated file of a dossier ``user`` may see; ``Attachment.DoesNotExist``
    otherwise (another unit's file answers as missing)."""
    return Attachment.objects.select_related("dossier").get(
        pk=pk,
        issue__isnull=False,
        dossier__in=dossier_list_for_user(user=user).values("pk"),
    )
