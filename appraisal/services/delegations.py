"""Delegation (ủy quyền) and the reassignment of an absent appraiser's dossiers.

A person going away names a colleague who acts for them for a period (Decree
30/2020/NĐ-CP Art. 13, signing "for" the absent official). The rules, each refused
with a message the person can act on:

- the delegate is someone else, active, holding the same role; for a unit's roles
  (officer, head) the delegate already holds the same unit permission over every
  unit the delegator acts for, so a delegation never widens a scope;
- the period starts today or later, ends on or after its start and lasts at most
  ``DELEGATION_MAX_DAYS`` days (90 unless configured); it ends by itself;
- no chains: someone standing in for another cannot pass that on, and nobody
  stands in for another while away themselves;
- one delegation at a time per absent person.

Creating and revoking a delegation is recorded in the administrator's history
(``django.contrib.admin``'s log). Acting under a delegation never lets anyone act
against separation of duties: the services check it for the acting person.

Home Affairs (the division head or the director) moves every open dossier of an
absent appraiser to another appraiser in one step
(:func:`dossier_list_reassign_appraiser`): all of them, each audited, or none.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from orgchart.permissions import ROLE_LABELS, Role
from orgchart.selectors import person_name, unit_paths_granted
from orgchart.transactions import atomic

from ..models import AuditEntry, Delegation, Dossier
from ..models.delegations import DELEGABLE_ROLES
from ..selectors.projects import (
    ACT_FOR_UNIT,
    SIGN_FOR_UNIT,
    user_is_party_to_unit,
    user_roles,
)
from .dossiers import appraiser_move, audit_record, dossier_lock, dossier_save

__all__ = [
    "UNIT_ROLE_PERMISSIONS",
    "delegation_create",
    "delegation_max_days",
    "delegation_revoke",
    "dossier_list_reassign_appraiser",
    "reassignable_statuses",
]

#: The unit permission each of a unit's roles acts by.
UNIT_ROLE_PERMISSIONS = {Role.UNIT_OFFICER: ACT_FOR_UNIT, Role.UNIT_HEAD: SIGN_FOR_UNIT}

#: Who moves an absent appraiser's dossiers to another appraiser.
REASSIGNING_ROLES = frozenset({Role.DIVISION_HEAD, Role.DIRECTOR})


def delegation_max_days() -> int:
    return int(getattr(settings, "DELEGATION_MAX_DAYS", 90))


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _log(actor, delegation: Delegation, flag: int, message: str) -> None:
    LogEntry.objects.create(
        user_id=actor.pk,
        content_type=ContentType.objects.get_for_model(Delegation),
        object_id=str(delegation.pk),
        object_repr=str(delegation)[:200],
        action_flag=flag,
        change_message=message,
    )


def _covers(delegate_paths, delegator_paths) -> bool:
    """Every unit of ``delegator_paths`` lies within a unit of ``delegate_paths``."""
    return all(
        any(path.startswith(own) for own in delegate_paths) for path in delegator_paths
    )


def _require_same_role(delegator, delegate, role: str) -> None:
    if role not in DELEGABLE_ROLES or role not in user_roles(delegator):
        raise ValidationError(
            {"role": ValidationError(_("You do not hold this role."), code="no_role")}
        )
    if delegate.pk == delegator.pk:
        raise ValidationError(
            {
                "delegate": ValidationError(
                    _("Choose a colleague: you cannot stand in for yourself."),
                    code="self_delegation",
                )
            }
        )
    if not delegate.is_active or role not in user_roles(delegate):
        raise ValidationError(
            {
                "delegate": ValidationError(
                    _("%(user)s does not hold the role “%(role)s”."),
                    code="delegate_role",
                    params={"user": person_name(delegate), "role": ROLE_LABELS[role]},
                )
            }
        )
    perm = UNIT_ROLE_PERMISSIONS.get(role)
    if perm is None:
        return
    own = unit_paths_granted(user=delegator, perm=perm)
    if not own:
        raise ValidationError(
            {
                "role": ValidationError(
                    _("You act for no unit in this role."), code="no_unit"
                )
            }
        )
    if not _covers(unit_paths_granted(user=delegate, perm=perm), own):
        raise ValidationError(
            {
                "delegate": ValidationError(
                    _(
                        "%(user)s does not act for every unit you act for in this "
                        "role: a delegation never widens anyone's scope. Choose a "
                        "colleague of the same unit."
                    ),
                    code="scope_widened",
                    params={"user": person_name(delegate)},
                )
            }
        )


def _require_period(starts_on, ends_on) -> None:
    if starts_on < timezone.localdate():
        raise ValidationError(
            {
                "starts_on": ValidationError(
                    _("The period cannot start in the past."), code="past"
                )
            }
        )
    if ends_on < starts_on:
        raise ValidationError(
            {
                "ends_on": ValidationError(
                    _("The period must end on or after its first day."),
                    code="ends_before_start",
                )
            }
        )
    days = delegation_max_days()
    if (ends_on - starts_on).days + 1 > days:
        raise ValidationError(
            {
                "ends_on": ValidationError(
                    _("A delegation lasts at most %(days)s days."),
                    code="too_long",
                    params={"days": days},
                )
            }
        )


@atomic
def delegation_create(
    *,
    delegator: User,
    delegate: User,
    role: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str,
) -> Delegation:
    """``delegator``, going away, lets ``delegate`` act for them in ``role`` from
    ``starts_on`` to ``ends_on`` inclusive (see the module docstring for the
    rules). Recorded in the administrator's history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Give the reason."), code="required")}
        )
    _require_same_role(delegator, delegate, role)
    _require_period(starts_on, ends_on)
    # One delegation at a time per person: serialise the delegator's requests.
    get_user_model().objects.select_for_update().filter(pk=delegator.pk).exists()
    clash = (
        Delegation.objects.overlapping(starts_on, ends_on)
        .filter(delegator=delegator)
        .order_by("starts_on")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            _(
                "You already have a delegation from %(start)s to %(end)s to "
                "%(user)s in that period: revoke it first."
            ),
            code="overlap",
            params={
                "start": _date(clash.starts_on),
                "end": _date(clash.ends_on),
                "user": person_name(clash.delegate),
            },
        )
    received = Delegation.objects.overlapping(starts_on, ends_on).filter(
        delegate=delegator, role=role
    )
    if received.exists():
        raise ValidationError(
            _(
                "You stand in for a colleague in that period: what you received "
                "cannot be passed on to someone else."
            ),
            code="chain",
        )
    if (
        Delegation.objects.overlapping(starts_on, ends_on)
        .filter(delegator=delegate, role=role)
        .exists()
    ):
        raise ValidationError(
            {
                "delegate": ValidationError(
                    _("%(user)s is away in that period and cannot stand in for you."),
                    code="delegate_away",
                    params={"user": person_name(delegate)},
                )
            }
        )
    delegation = Delegation(
        delegator=delegator,
        delegate=delegate,
        role=role,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_by=delegator,
    )
    delegation.full_clean()
    delegation.save()
    _log(
        delegator,
        delegation,
        ADDITION,
        str(_("Delegation created: %(reason)s") % {"reason": reason}),
    )
    return delegation


@atomic
def delegation_revoke(*, delegation: Delegation, actor: User) -> Delegation:
    """The absent person (or the colleague standing in) ends a delegation that
    has not ended yet; it stops at once. Recorded in the administrator's history.
    """
    locked = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if actor.pk not in (locked.delegator_id, locked.delegate_id):
        raise ValidationError(
            _("Only the people named in a delegation may revoke it."),
            code="not_yours",
        )
    if locked.revoked_at is not None or locked.ends_on < timezone.localdate():
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ValidationError(
                    _("This delegation has already ended."), code="ended"
                )
            }
        )
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.save(update_fields=["revoked_at", "revoked_by"])
    _log(actor, locked, CHANGE, str(_("Delegation revoked")))
    delegation.revoked_at, delegation.revoked_by = locked.revoked_at, actor
    return delegation


def reassignable_statuses() -> tuple[str, ...]:
    """The statuses of a dossier whose appraiser still has, or may again have,
    work on it (from the collection of a staffing plan to the committee's
    decision)."""
    Status = Dossier.Status
    closed = {*Dossier.FINAL_STATUSES, Status.APPROVED, Status.DRAFT}
    return tuple(value for value in Status.values if value not in closed)


@atomic
def dossier_list_reassign_appraiser(
    *,
    actor: User,
    absent: User,
    appraiser: User,
    ip: str | None = None,
) -> list[Dossier]:
    """The head of the organisation and payroll division (or the director) moves
    every open dossier of the appraiser ``absent`` (every kind) to ``appraiser``
    in one transaction: each dossier is audited. Refused as a whole — nothing
    moves — when ``appraiser`` may not appraise one of them (not an appraiser,
    or a party of its unit: separation of duties). Returns the dossiers moved;
    the caller moves their open tasks in the same transaction."""
    if not (REASSIGNING_ROLES & user_roles(actor)):
        raise ValidationError(
            _(
                "Only the head of the organisation and payroll division or the "
                "director reassigns an appraiser's dossiers."
            ),
            code="not_division_head",
        )
    if appraiser.pk == absent.pk:
        raise ValidationError(
            {
                "appraiser": ValidationError(
                    _("Choose another appraiser than the absent one."),
                    code="same_appraiser",
                )
            }
        )
    if not appraiser.is_active or Role.APPRAISER not in user_roles(appraiser):
        raise ValidationError(
            {
                "appraiser": ValidationError(
                    _("%(user)s is not an appraiser."),
                    code="not_an_appraiser",
                    params={"user": person_name(appraiser)},
                )
            }
        )
    ids = list(
        Dossier.objects.filter(
            assigned_appraiser=absent, status__in=reassignable_statuses()
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise ValidationError(
            {
                "absent": ValidationError(
                    _("%(user)s has no open dossier."),
                    code="nothing_to_reassign",
                    params={"user": person_name(absent)},
                )
            }
        )
    locked = [dossier_lock(pk) for pk in ids]
    conflicts = [d for d in locked if user_is_party_to_unit(appraiser, d.unit)]
    if conflicts:
        raise ValidationError(
            {
                "appraiser": ValidationError(
                    _(
                        "%(user)s drafts or signs for the unit of these dossiers "
                        "and cannot appraise them (separation of duties): "
                        "%(dossiers)s. Nothing was reassigned."
                    ),
                    code="conflict_of_interest",
                    params={
                        "user": person_name(appraiser),
                        "dossiers": "; ".join(
                            f"{d.title} ({d.unit})" for d in conflicts
                        ),
                    },
                )
            }
        )
    for dossier in locked:
        appraiser_move(dossier, appraiser)
        dossier_save(dossier)
        audit_record(
            dossier,
            actor=actor,
            action=AuditEntry.Action.APPRAISER_ASSIGNED,
            from_status=dossier.status,
            comment=str(
                _("Reassigned from %(absent)s to %(appraiser)s")
                % {"absent": person_name(absent), "appraiser": person_name(appraiser)}
            ),
            ip=ip,
        )
    return locked
