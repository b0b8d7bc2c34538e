"""Reads of delegations (``appraisal.models.Delegation``): who stands in for whom
today, and each person's delegations given and received.

The delegations a person has received and that are in force today are read once
per request and kept on the user object, as ``orgchart.selectors`` keeps the
person's groups and unit grants: every permission check, list and inbox of the
request then costs no further query.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from orgchart.permissions import Role
from orgchart.selectors import person_cache, user_group_names

from ..models import Delegation

__all__ = [
    "appraiser_list_active",
    "delegation_candidates",
    "appraiser_or_delegate",
    "delegates_active_for",
    "delegates_active_of",
    "has_stand_in",
    "delegation_list_given",
    "delegation_list_received",
    "delegators_active",
    "delegators_for",
]


def delegators_active(*, user) -> dict[str, frozenset[int]]:
    """Per role, the ids of the people ``user`` stands in for today (none for an
    anonymous or inactive person). One query per person and request."""
    if not user.is_authenticated or not user.is_active:
        return {}
    cache = person_cache(user)
    if "delegators" not in cache:
        found: dict[str, set[int]] = {}
        rows = Delegation.objects.active_on(timezone.localdate()).filter(
            delegate=user, delegator__is_active=True
        )
        for role, delegator_id in rows.values_list("role", "delegator_id"):
            found.setdefault(role, set()).add(delegator_id)
        cache["delegators"] = {role: frozenset(ids) for role, ids in found.items()}
    return cache["delegators"]


def delegators_for(*, user, roles: Iterable[str]) -> frozenset[int]:
    """Ids of the people ``user`` stands in for today in one of ``roles``."""
    active = delegators_active(user=user)
    ids: set[int] = set()
    for role in roles:
        ids |= active.get(role, frozenset())
    return frozenset(ids)


def delegates_active_for(
    *,
    delegator_ids: Iterable[int],
    roles: Iterable[str],
    day: datetime.date | None = None,
) -> set[int]:
    """Ids of the active people standing in today for one of ``delegator_ids`` in
    one of ``roles`` (they are told of the tasks that reach the absent person)."""
    ids = list(delegator_ids)
    if not ids:
        return set()
    return set(
        Delegation.objects.active_on(day or timezone.localdate())
        .filter(delegator_id__in=ids, role__in=list(roles), delegate__is_active=True)
        .values_list("delegate_id", flat=True)
    )


def has_stand_in(*, roles: Iterable[str], day: datetime.date | None = None) -> Exists:
    """An expression for a query of people: whether someone active stands in for
    the person today in one of ``roles`` (annotated on the people a task is
    given to, it tells :func:`delegates_active_for` is not worth a query)."""
    return Exists(
        Delegation.objects.active_on(day or timezone.localdate()).filter(
            delegator_id=OuterRef("pk"), role__in=list(roles), delegate__is_active=True
        )
    )


def delegates_active_of(
    *, delegator_ids: Iterable[int], day: datetime.date | None = None
) -> dict[int, list[tuple[str, int]]]:
    """Per absent person of ``delegator_ids``, the ``(role, delegate id)`` of the
    active people standing in for them today: one query for any number of
    people (the deadline sweep reads them for every reminder at once)."""
    ids = list(delegator_ids)
    found: dict[int, list[tuple[str, int]]] = {}
    if not ids:
        return found
    rows = (
        Delegation.objects.active_on(day or timezone.localdate())
        .filter(delegator_id__in=ids, delegate__is_active=True)
        .values_list("delegator_id", "role", "delegate_id")
    )
    for delegator_id, role, delegate_id in rows:
        found.setdefault(delegator_id, []).append((role, delegate_id))
    return found


def delegation_list_given(*, user) -> QuerySet[Delegation]:
    """The delegations ``user`` gave, newest first, with the people joined."""
    return Delegation.objects.filter(delegator=user).select_related(
        "delegate", "revoked_by"
    )


def delegation_list_received(*, user) -> QuerySet[Delegation]:
    """The delegations ``user`` received, newest first, with the people joined."""
    return Delegation.objects.filter(delegate=user).select_related(
        "delegator", "revoked_by"
    )


def appraiser_or_delegate(user, dossier) -> bool:
    """``user`` is the appraiser assigned to ``dossier`` or stands in today for
    them (the caller checks the role and separation of duties)."""
    assigned = dossier.assigned_appraiser_id
    if assigned is None:
        return False
    return assigned == user.pk or assigned in delegators_for(
        user=user, roles=[Role.APPRAISER]
    )


def delegation_candidates(*, user) -> QuerySet:
    """The active colleagues who hold one of the delegable roles ``user`` holds
    (whom ``user`` may name; the service checks the role and the unit)."""
    from django.contrib.auth import get_user_model

    from ..models.delegations import DELEGABLE_ROLES

    roles = [role for role in DELEGABLE_ROLES if role in user_group_names(user=user)]
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=roles)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def appraiser_list_active() -> QuerySet:
    """Every active appraiser, by name."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.APPRAISER)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
