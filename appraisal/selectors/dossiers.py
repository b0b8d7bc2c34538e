"""Reads of dossiers of every kind together (job-position projects, staffing plans
and the units' proposals, …), each person's scope applied here once: the list of
every dossier a person may see, its filters, and the audit trail across them.

Each kind keeps its own rule of who sees it, and this module only joins them:

- a job-position project: ``projects.project_scope`` (the unit's people; Home Affairs
  and the committee once submitted; the appraiser assigned);
- a staffing plan and a unit's proposal: ``staffing.staffing_scope`` (Home Affairs,
  the committee and observers all; a unit's people the plans their units take part
  in and their own units' proposals);
- a unit consolidation: ``consolidation.consolidation_scope``.

Anything outside the scope is answered as missing, as everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from orgchart.models import Unit
from orgchart.selectors import unit_list_matching
from orgchart.text_search import InArray, indexed_word

from ..models import AuditEntry, Decision, DecisionLine, Dossier, DossierKind
from ..models.dossiers import JOB_POSITION_KINDS
from .consolidation import consolidation_scope
from .deadlines import DeadlineState, deadline_due_soon_until
from .projects import project_scope
from .staffing import staffing_scope

__all__ = [
    "UNIT_SUGGESTION_LIMIT",
    "UnitFilter",
    "audit_list_filter",
    "audit_list_for_user",
    "decision_get",
    "decision_list_for_user",
    "dossier_get",
    "dossier_list_filter",
    "dossier_list_for_user",
    "dossier_unit_suggestions",
    "unit_filter_resolve",
]

#: The most units a unit filter suggests as the person types; a person who may
#: see the dossiers of more units (a province-wide role) gets no suggestion list.
UNIT_SUGGESTION_LIMIT = 50

#: The longest all-digit value read as a unit's id (a bigint has 19 digits).
_MAX_ID_DIGITS = 18


def _scope(user) -> Q:
    return (
        (Q(dossier_kind__in=JOB_POSITION_KINDS) & project_scope(user))
        | (
            Q(
                dossier_kind__in=[
                    DossierKind.STAFFING_PLAN,
                    DossierKind.STAFFING_PROPOSAL,
                ]
            )
            & staffing_scope(user)
        )
        | consolidation_scope(user)
    )


def dossier_list_for_user(*, user) -> QuerySet[Dossier]:
    """Every dossier ``user`` may see, whatever its kind, newest first, with its
    unit and appraiser joined (the scope costs a few queries once per request; the
    list is one query whatever the number of rows)."""
    if not user.is_authenticated or not user.is_active:
        return Dossier.objects.none()
    return (
        Dossier.objects.filter(_scope(user))
        .select_related("unit", "assigned_appraiser")
        .order_by("-created_at", "-pk")
    )


def dossier_get(*, user, pk: int) -> Dossier:
    """The dossier ``pk`` of any kind if ``user`` may see it, as its own kind
    (``Dossier.DoesNotExist`` otherwise, as for a missing one)."""
    return dossier_list_for_user(user=user).get(pk=pk).specific


def decision_list_for_user(*, user) -> QuerySet[Decision]:
    """The committee's decisions on the dossiers ``user`` may see, newest first,
    each with its lines and dossier (three queries whatever the rows)."""
    visible = dossier_list_for_user(user=user).order_by().values("pk")
    return (
        Decision.objects.filter(dossier__in=visible)
        .select_related("dossier", "signer")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=DecisionLine.objects.select_related(
                    "category", "rank", "catalogue_entry"
                ).order_by("order", "pk"),
            )
        )
        .order_by("-date", "-pk")
    )


def decision_get(*, user, pk: int) -> Decision:
    return decision_list_for_user(user=user).get(pk=pk)


@dataclass(frozen=True)
class UnitFilter:
    """What a list's unit filter asks for: one unit chosen by its id (a link of
    the application, ``?unit=<id>``), or the text a person typed (a unit's code
    or part of its name, ``orgchart.selectors.unit_list_matching``). Always true
    as a value, so that a filter dict can be tested without touching the
    database."""

    text: str
    unit: Unit | None = None

    def units(self) -> Unit | QuerySet[Unit]:
        """The unit chosen by id, or the units the text matches."""
        if self.unit is not None:
            return self.unit
        return unit_list_matching(text=self.text)

    def condition(self, field: str = "unit") -> Q:
        """A condition on ``field`` (a foreign key to ``Unit``): its unit is the
        one chosen, or one of those the text matches."""
        if self.unit is not None:
            return Q(**{field: self.unit})
        return Q(**{f"{field}__in": unit_list_matching(text=self.text)})


def unit_filter_resolve(*, dossiers: QuerySet, value: str) -> UnitFilter | None:
    """The unit filter asked for by ``value`` over ``dossiers`` (the dossiers the
    person may see, already scoped); ``None`` for an empty value.

    An id or a code? Every link of the application to a filtered list passes
    the unit's id (``?unit=42``), while unit codes are letters and digits
    (``SNV``, ``X25729``, ``T01.S03``). An all-digit value is therefore read as
    an id first, and taken as such only when it is the id of a unit of
    ``dossiers`` (one query); otherwise (an id of a unit the person may not see,
    or a code made only of digits) it is text like any other, matched against
    codes and names. Either way the list it narrows is the person's own, so an
    id of another unit shows nothing of that unit and raises no error.
    """
    text = (value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS:
        unit = (
            Unit.objects.filter(
                pk=int(text), pk__in=dossiers.order_by().values("unit_id")
            )
            .order_by()
            .first()
        )
        if unit is not None:
            return UnitFilter(text=text, unit=unit)
    return UnitFilter(text=text)


def dossier_unit_suggestions(
    *, dossiers: QuerySet, limit: int = UNIT_SUGGESTION_LIMIT
) -> list[Unit]:
    """The units of ``dossiers`` (the person's, already scoped) to suggest in a
    unit filter, in the tree's order, when there are at most ``limit`` of them;
    none when there are more (a province-wide role types instead). One query
    reading at most ``limit + 1`` units: the first ``limit + 1`` distinct unit ids
    in the order of the dossiers' unit index, so PostgreSQL stops there instead of
    gathering and sorting the units of every dossier the person may see (15,462
    at 50,000 dossiers: 60–80 ms → 10 ms, bench/README.md)."""
    first_units = dossiers.order_by("unit_id").values("unit_id").distinct()
    units = list(
        Unit.objects.filter(pk__in=first_units[: limit + 1])
        .order_by("path")
        .only("pk", "code", "name", "path")
    )
    return units if len(units) <= limit else []


def _unit_condition(unit: Unit | int | UnitFilter, field: str) -> Q:
    if isinstance(unit, UnitFilter):
        return unit.condition(field)
    return Q(**{field: unit})


def dossier_list_filter(
    *,
    queryset: QuerySet,
    search: str = "",
    dossier_kind: str = "",
    status: str = "",
    unit: Unit | int | UnitFilter | None = None,
    due_state: str = "",
    date_from=None,
    date_to=None,
) -> QuerySet:
    """``queryset`` (dossiers of any kind, or of one) narrowed to what a person
    asked for on a list page: words of the title, the receipt number or the unit's
    name (every word must match one of them), the kind of dossier, its status, its
    unit, the state of its deadline (overdue, due soon, on time, clock stopped;
    closed dossiers have no running deadline) and the dates it was opened
    between (inclusive, in the province's time zone). Never widens the person's
    scope."""
    for word in search.split():
        if indexed_word(word):
            # The unit's name through the units' own index (orgchart.text_search).
            named = Unit.objects.filter(name__icontains=word).order_by().values("pk")
            unit_named = Q(InArray(F("unit"), named))
        else:
            # Too short for the index: read on each dossier's own unit, not on
            # every unit of the country.
            unit_named = Q(unit__name__icontains=word)
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(receipt_number__icontains=word) | unit_named
        )
    if dossier_kind:
        queryset = queryset.filter(dossier_kind=dossier_kind)
    if status:
        queryset = queryset.filter(status=status)
    if unit:
        queryset = queryset.filter(_unit_condition(unit, "unit"))
    if date_from:
        queryset = queryset.filter(created_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(created_at__date__lte=date_to)
    if due_state == DeadlineState.STOPPED:
        queryset = queryset.filter(clock_paused_on__isnull=False)
    elif due_state in (
        DeadlineState.OVERDUE,
        DeadlineState.DUE_SOON,
        DeadlineState.ON_TIME,
    ):
        today = timezone.localdate()
        running = queryset.filter(
            clock_paused_on__isnull=True, due_on__isnull=False
        ).exclude(status__in=Dossier.FINAL_STATUSES)
        if due_state == DeadlineState.OVERDUE:
            queryset = running.filter(due_on__lt=today)
        else:
            until = deadline_due_soon_until(on=today)
            if due_state == DeadlineState.DUE_SOON:
                queryset = running.filter(due_on__gte=today, due_on__lte=until)
            else:
                queryset = running.filter(due_on__gt=until)
    return queryset


def audit_list_for_user(*, user) -> QuerySet[AuditEntry]:
    """The audit trail of every dossier ``user`` may see, newest first, with who
    acted and the dossier (and its unit) joined: one query whatever the rows."""
    visible = dossier_list_for_user(user=user).order_by().values("pk")
    return (
        AuditEntry.objects.filter(dossier__in=visible)
        .select_related("actor", "on_behalf_of", "dossier__unit")
        .order_by("-created_at", "-pk")
    )


def audit_list_filter(
    *,
    queryset: QuerySet[AuditEntry],
    search: str = "",
    dossier_kind: str = "",
    unit: Unit | int | UnitFilter | None = None,
    action: str = "",
    date_from=None,
    date_to=None,
) -> QuerySet[AuditEntry]:
    """The audit rows of ``queryset`` matching the filters: words of the dossier's
    title, the comment or the person's login, the kind of dossier, its unit, the
    action, and the dates (inclusive, in the province's time zone)."""
    for word in search.split():
        queryset = queryset.filter(
            Q(dossier__title__icontains=word)
            | Q(comment__icontains=word)
            | Q(actor__username__icontains=word)
        )
    if dossier_kind:
        queryset = queryset.filter(dossier__dossier_kind=dossier_kind)
    if unit:
        queryset = queryset.filter(_unit_condition(unit, "dossier__unit"))
    if action:
        queryset = queryset.filter(action=action)
    if date_from:
        queryset = queryset.filter(created_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(created_at__date__lte=date_to)
    return queryset
