"""Reads of unit consolidations: who sees which, one consolidation, and what a
closed unit became.

Who sees a consolidation:

- Home Affairs (reception, appraisers, the division head, the director): every
  consolidation Home Affairs proposed, whatever its state, and a unit's once
  submitted; the committee and observers every consolidation once submitted;
- a unit's officers and head: the consolidations their units proposed, and, once
  submitted, those that reorganise one of their units;
- the appraiser assigned, always.

Anything outside the scope is answered as missing, as everywhere.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from orgchart.models import Unit
from orgchart.permissions import Role
from orgchart.selectors import unit_paths_granted, user_group_names

from ..models import (
    Consolidation,
    ConsolidationOperation,
    Decision,
    DossierKind,
    OperationSource,
)
from .projects import ACT_FOR_UNIT, PROVINCE_WIDE_ROLES, SIGN_FOR_UNIT

__all__ = [
    "CONSOLIDATION_RELATED",
    "UnitHistory",
    "consolidation_get",
    "consolidation_list_for_user",
    "consolidation_scope",
    "consolidation_visible",
    "unit_history",
]

#: What a consolidation is read with, for its lists and its pages.
CONSOLIDATION_RELATED = ("unit", "assigned_appraiser", "created_by")

#: The roles of Home Affairs, who see their own proposals from the first draft.
HOME_AFFAIRS_ROLES = frozenset(
    {Role.RECEPTION, Role.APPRAISER, Role.DIVISION_HEAD, Role.DIRECTOR}
)


def consolidation_scope(user) -> Q:
    """The consolidations ``user`` may see, as a condition on ``Dossier`` (the
    lists of every kind together; see the module docstring)."""
    kind = Q(dossier_kind=DossierKind.CONSOLIDATION)
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    roles = user_group_names(user=user)
    submitted = Q(current_revision__gte=1)
    scope = Q(assigned_appraiser=user)
    if roles & HOME_AFFAIRS_ROLES:
        own = Consolidation.objects.filter(proposed_by_home_affairs=True).order_by()
        scope |= Q(pk__in=own.values("pk")) | submitted
    elif roles & PROVINCE_WIDE_ROLES:
        scope |= submitted
    paths = _granted_paths(user)
    touched = Q(pk__in=[])
    for path in paths:
        scope |= Q(unit__path__startswith=path)
        touched |= Q(unit__path__startswith=path)
    if paths:
        reorganising = OperationSource.objects.filter(touched).values(
            "operation__consolidation_id"
        )
        scope |= submitted & Q(pk__in=reorganising)
    return kind & scope


def _granted_paths(user) -> list[str]:
    return sorted(
        {
            path
            for perm in (ACT_FOR_UNIT, SIGN_FOR_UNIT)
            for path in unit_paths_granted(user=user, perm=perm)
        }
    )


def consolidation_visible(user, consolidation: Consolidation) -> bool:
    """Whether ``user`` may see ``consolidation`` (read with its unit): the rule
    of :func:`consolidation_scope`, evaluated on a row already read so that a
    step's page reads its dossier by key alone; only a unit person asking about a
    submitted consolidation of another unit costs a query (does it reorganise one
    of their units?). ``tests/workflows/test_scope_predicates.py`` holds the two
    equal."""
    if not user.is_authenticated or not user.is_active:
        return False
    if consolidation.assigned_appraiser_id == user.pk:
        return True
    roles = user_group_names(user=user)
    submitted = consolidation.current_revision >= 1
    if roles & HOME_AFFAIRS_ROLES:
        if consolidation.proposed_by_home_affairs or submitted:
            return True
    elif roles & PROVINCE_WIDE_ROLES and submitted:
        return True
    paths = _granted_paths(user)
    if any(consolidation.unit.path.startswith(path) for path in paths):
        return True
    if not paths or not submitted:
        return False
    touched = Q(pk__in=[])
    for path in paths:
        touched |= Q(unit__path__startswith=path)
    return (
        OperationSource.objects.filter(operation__consolidation=consolidation)
        .filter(touched)
        .exists()
    )


def consolidation_list_for_user(*, user) -> QuerySet[Consolidation]:
    """The consolidations ``user`` may see, newest first, with unit and appraiser
    joined."""
    if not user.is_authenticated or not user.is_active:
        return Consolidation.objects.none()
    return (
        Consolidation.objects.filter(consolidation_scope(user))
        .select_related(*CONSOLIDATION_RELATED)
        .order_by("-created_at", "-pk")
    )


def consolidation_get(user, pk: int) -> Consolidation:
    """The consolidation ``pk`` if ``user`` may see it;
    ``Consolidation.DoesNotExist`` otherwise."""
    return consolidation_list_for_user(user=user).get(pk=pk)


@dataclass
class UnitHistory:
    """What became of a unit: when it closed (its last day), how, into which
    units, by which operation and decision; and what it came from."""

    unit: Unit
    closed_on: datetime.date | None
    status: str
    successors: list[Unit] = field(default_factory=list)
    predecessors: list[Unit] = field(default_factory=list)
    operation: ConsolidationOperation | None = None
    decision_number: str = ""
    decision_date: datetime.date | None = None

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


def _decision_of(operation: ConsolidationOperation | None) -> Decision | None:
    if operation is None:
        return None
    return (
        Decision.objects.filter(
            dossier_id=operation.consolidation_id,
            outcome=Decision.Outcome.APPROVED,
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def unit_history(unit: Unit) -> UnitHistory:
    """The unit's history: closed or not, what it became (successors, the last
    day, the decision), what it came from (four queries)."""
    source = (
        OperationSource.objects.filter(unit=unit, operation__applied_at__isnull=False)
        .select_related("operation__consolidation")
        .first()
    )
    operation = source.operation if source is not None else None
    decision = _decision_of(operation)
    return UnitHistory(
        unit=unit,
        closed_on=unit.valid_to,
        status=unit.status,
        successors=list(unit.successors.order_by("path")),
        predecessors=list(unit.predecessors.order_by("path")),
        operation=operation,
        decision_number=decision.number if decision else "",
        decision_date=decision.date if decision else None,
    )
