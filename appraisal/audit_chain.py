"""The hash that chains a dossier's audit entries.

Each entry carries the SHA-256 of its own content and of the hash of the entry
before it in the same dossier, so an entry changed, removed or slipped in
afterwards, even directly in the database, breaks the chain from that entry on
(``manage.py verify_audit`` names it). A pure function of the stored values, so
that the migration which sealed the existing entries and the verification
compute exactly what ``audit_record`` did.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json

#: The columns an entry's hash covers, in this order.
CHAINED_FIELDS = (
    "dossier_id",
    "actor_id",
    "action",
    "from_status",
    "to_status",
    "revision_number",
    "comment",
    "ip",
    "created_at",
)

#: Columns added later: an entry's hash covers each (name and value) only when it
#: holds a value, so the entries sealed before the column existed keep their hash.
OPTIONAL_CHAINED_FIELDS = ("on_behalf_of_id",)

#: Every column an entry's hash may cover.
ALL_CHAINED_FIELDS = CHAINED_FIELDS + OPTIONAL_CHAINED_FIELDS


def _canonical(name: str, value):
    if name == "created_at":
        # The same instant whatever the time zone the database returns it in.
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if name == "ip" and value:
        return ipaddress.ip_address(str(value)).compressed
    return value


def entry_hash(previous: str, values: dict) -> str:
    """The chain hash of an entry whose columns are ``values`` and whose
    predecessor's hash is ``previous`` (empty for a dossier's first entry)."""
    content = [previous] + [_canonical(name, values[name]) for name in CHAINED_FIELDS]
    for name in OPTIONAL_CHAINED_FIELDS:
        if values.get(name) is not None:
            content += [name, values[name]]
    data = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()
