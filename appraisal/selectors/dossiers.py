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

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from orgchart.models import Unit

from ..models import AuditEntry, Decision, DecisionLine, Dossier, DossierKind
from ..models.dossiers import JOB_POSITION_KINDS
from .consolidation import consolidation_scope
from .deadlines import DeadlineState, deadline_due_soon_until
from .projects import project_scope
from .staffing import staffing_scope

__all__ = [
    "audit_list_filter",
    "audit_list_for_user",
    "decision_get",
    "decision_list_for_user",
    "dossier_get",
    "dossier_list_filter",
    "dossier_list_for_user",
]


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


def dossier_list_filter(
    *,
    queryset: QuerySet,
    search: str = "",
    dossier_kind: str = "",
    status: str = "",
    unit: Unit | int | None = None,
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
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(receipt_number__icontains=word)
            | Q(unit__name__icontains=word)
        )
    if dossier_kind:
        queryset = queryset.filter(dossier_kind=dossier_kind)
    if status:
        queryset = queryset.filter(status=status)
    if unit:
        queryset = queryset.filter(unit=unit)
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
    unit: Unit | int | None = None,
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
        queryset = queryset.filter(dossier__unit=unit)
    if action:
        queryset = queryset.filter(action=action)
    if date_from:
        queryset = queryset.filter(created_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(created_at__date__lte=date_to)
    return queryset
