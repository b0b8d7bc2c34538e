"""What every dossier action does, whatever the kind of dossier: check the status,
the version and the actor's role, enforce separation of duties, save the locked
dossier with a new version, write the audit row and hand the new state back to the
caller's instance.

Each kind's own actions (``projects``, ``staffing``) build on these; a reader finds
"how is a dossier's step recorded" here, once.
"""

from __future__ import annotations

import datetime
import ipaddress

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import AuditEntry, Dossier
from ..selectors.projects import user_is_party_to_unit, user_roles

__all__ = [
    "audit_record",
    "clean_ip",
    "dossier_save",
    "dossier_sync",
    "dossier_transition",
    "require_not_party",
    "require_role",
    "require_status",
    "require_version",
    "today",
]


def today() -> datetime.date:
    """Today in the province's time zone."""
    return timezone.localdate()


def clean_ip(ip: str | None) -> str | None:
    """A valid IP address for the audit trail, or nothing."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


def dossier_sync(source: Dossier, target: Dossier) -> None:
    """Give the caller's instance the state the service wrote."""
    if source is target:
        return
    for f in source._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


def dossier_save(dossier: Dossier) -> None:
    """Validate and save the (locked) dossier with a new version, so a form built
    on the older state is refused."""
    dossier.version += 1
    dossier.updated_at = timezone.now()
    dossier.full_clean()
    dossier.save()


def audit_record(
    dossier: Dossier,
    *,
    actor: User | None,
    action: str,
    from_status: str,
    comment: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """One line of the dossier's history (Circular 01/2018/TT-VPCP, forms 05–06)."""
    return AuditEntry.objects.create(
        dossier=dossier,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        revision_number=dossier.current_revision,
        comment=comment or "",
        ip=clean_ip(ip),
    )


def dossier_transition(
    locked: Dossier,
    dossier: Dossier,
    *,
    actor: User | None,
    action: str,
    from_status: str,
    comment: str = "",
    ip: str | None = None,
) -> None:
    """Save a status change of the locked dossier, record it in the audit trail and
    hand the new state to the caller's instance: the last step of every action."""
    dossier_save(locked)
    audit_record(
        locked,
        actor=actor,
        action=action,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    dossier_sync(locked, dossier)


def require_status(dossier: Dossier, *allowed: str) -> None:
    if dossier.status not in allowed:
        raise ValidationError(
            _(
                "This is not possible while the dossier is “%(status)s”. Someone may "
                "have acted on it already: reload the page to see its current state."
            ),
            code="wrong_status",
            params={"status": dossier.get_status_display()},
        )


def require_version(dossier: Dossier, expected: int | None) -> None:
    if expected is not None and int(expected) != dossier.version:
        raise ValidationError(
            _(
                "The dossier was changed by someone else since you opened it. Reload "
                "the page, check their changes and make yours again."
            ),
            code="stale",
        )


def require_role(actor, role: str, code: str, message) -> None:
    """``actor`` holds the product role ``role`` (read afresh, inside the action's
    transaction)."""
    if role not in user_roles(actor):
        raise ValidationError(message, code=code)


def require_not_party(actor, dossier: Dossier) -> None:
    """Separation of duties: nobody who drafts or signs for the dossier's unit
    appraises or decides it (Decree 62/2020/NĐ-CP Art. 7)."""
    if user_is_party_to_unit(actor, dossier.unit):
        raise ValidationError(
            _(
                "You draft or sign for %(unit)s, so you may neither appraise nor "
                "decide its dossiers (separation of duties)."
            ),
            code="conflict_of_interest",
            params={"unit": dossier.unit},
        )
