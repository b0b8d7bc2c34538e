"""Reads of the staffing plan: the provincial summary Home Affairs watches while
the proposals come in (per unit and kind of post: assigned, actually employed,
proposed, appraised, approved and the change; the province's totals against the
ceilings), in a fixed number of queries whatever the number of units."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet

from orgchart.permissions import Role
from orgchart.selectors import unit_paths_granted, user_group_names

from ..models import (
    DossierKind,
    StaffingCeiling,
    StaffingPlan,
    StaffingProposal,
    StaffingProposalLine,
)

__all__ = [
    "STAFFING_WIDE_ROLES",
    "StaffingSummary",
    "SummaryRow",
    "staffing_plan_get",
    "staffing_plan_list_for_user",
    "staffing_plan_summary",
    "staffing_plan_summary_for_user",
    "staffing_scope",
]

#: Home Affairs, the committee and observers see every plan and the whole summary
#: (the appraisers of the division share a province's cycle).
STAFFING_WIDE_ROLES = frozenset(
    {
        Role.RECEPTION,
        Role.DIVISION_HEAD,
        Role.APPRAISER,
        Role.DIRECTOR,
        Role.COMMITTEE,
        Role.OBSERVER,
    }
)
SCOPE_PERMISSION = "orgchart.act_for_unit"

FIGURES = ("assigned", "actual", "proposed", "appraised", "approved")


@dataclass
class SummaryRow:
    """One unit's numbers for one kind of post."""

    unit_id: int
    unit_code: str
    unit_name: str
    unit_path: str
    post_kind: str
    proposal_status: str
    no_answer: bool
    assigned: int
    actual: int
    proposed: int
    appraised: int | None
    approved: int | None

    @property
    def current(self) -> int:
        for value in (self.approved, self.appraised):
            if value is not None:
                return value
        return self.proposed

    @property
    def change_percent(self) -> Decimal | None:
        """The change of the current number against the assigned one, in %."""
        if not self.assigned:
            return None
        change = Decimal(self.current - self.assigned) * 100 / self.assigned
        return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class StaffingSummary:
    plan: StaffingPlan
    rows: list[SummaryRow]
    ceilings: dict[str, StaffingCeiling]
    totals: dict[str, dict[str, int]] = field(default_factory=dict)
    answered: int = 0
    units: int = 0
    #: False when the reader sees only their own units' rows (a unit officer or
    #: head): the province's totals and checks are not theirs to see.
    province_wide: bool = True

    @property
    def unit_count(self) -> int:
        return len({row.unit_id for row in self.rows})


def staffing_plan_summary(*, plan: StaffingPlan) -> StaffingSummary:
    """The provincial summary of ``plan``: two queries (the lines with their
    proposal and unit; the ceilings), rows in tree order."""
    return _summary(plan, StaffingProposalLine.objects.filter(proposal__plan=plan))


def _summary(plan: StaffingPlan, lines: QuerySet) -> StaffingSummary:
    lines = lines.select_related("proposal__unit").order_by(
        "proposal__unit__path", "post_kind"
    )
    rows, totals, seen, answered = [], {}, set(), set()
    for line in lines:
        proposal = line.proposal
        unit = proposal.unit
        rows.append(
            SummaryRow(
                unit_id=unit.pk,
                unit_code=unit.code,
                unit_name=unit.name,
                unit_path=unit.path,
                post_kind=line.post_kind,
                proposal_status=proposal.status,
                no_answer=proposal.no_answer,
                assigned=line.assigned,
                actual=line.actual,
                proposed=line.proposed,
                appraised=line.appraised,
                approved=line.approved,
            )
        )
        total = totals.setdefault(
            line.post_kind, {**dict.fromkeys(FIGURES, 0), "current": 0}
        )
        for name in FIGURES:
            total[name] += getattr(line, name) or 0
        total["current"] += line.current
        seen.add(unit.pk)
        if proposal.current_revision and not proposal.no_answer:
            answered.add(unit.pk)
    ceilings = {c.post_kind: c for c in StaffingCeiling.objects.filter(plan=plan)}
    return StaffingSummary(
        plan=plan,
        rows=rows,
        ceilings=ceilings,
        totals=totals,
        answered=len(answered),
        units=len(seen),
    )


def _unit_scope(user, prefix: str) -> Q:
    """Rows whose unit (through ``prefix``) lies under a unit granted to ``user``."""
    condition = Q(pk__in=[])
    for path in unit_paths_granted(user=user, perm=SCOPE_PERMISSION):
        condition |= Q(**{f"{prefix}path__startswith": path})
    return condition


def _sees_province(user) -> bool:
    return bool(user_group_names(user=user) & STAFFING_WIDE_ROLES)


def staffing_scope(user) -> Q:
    """The staffing plans and the units' proposals ``user`` may see, as a condition
    on ``Dossier`` (for the lists of every kind together): everything for Home
    Affairs, the committee and observers; for a unit's people their own units'
    proposals and the plans those take part in; nothing for anybody else."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if _sees_province(user):
        return Q(
            dossier_kind__in=[DossierKind.STAFFING_PLAN, DossierKind.STAFFING_PROPOSAL]
        )
    if not unit_paths_granted(user=user, perm=SCOPE_PERMISSION):
        return Q(pk__in=[])
    own = StaffingProposal.objects.filter(_unit_scope(user, "unit__")).order_by()
    return Q(pk__in=own.values("pk")) | Q(pk__in=own.values("plan_id"))


def staffing_plan_list_for_user(*, user) -> QuerySet[StaffingPlan]:
    """The staffing plans ``user`` may see, newest year first, each with
    ``unit_total`` and ``answered_total`` counted over the proposals they see:
    every plan and every unit for Home Affairs, the committee and observers; the
    plans their units take part in, counted over their own units, for unit
    officers and heads; nothing for anybody else. One query."""
    if not user.is_authenticated or not user.is_active:
        return StaffingPlan.objects.none()
    answered = Q(proposals__current_revision__gte=1, proposals__no_answer=False)
    plans = StaffingPlan.objects.select_related("unit").order_by("-year")
    if _sees_province(user):
        return plans.annotate(
            unit_total=Count("proposals", distinct=True),
            answered_total=Count("proposals", filter=answered, distinct=True),
        )
    scope = _unit_scope(user, "proposals__unit__")
    if not unit_paths_granted(user=user, perm=SCOPE_PERMISSION):
        return StaffingPlan.objects.none()
    return (
        plans.filter(scope)
        .annotate(
            unit_total=Count("proposals", filter=scope, distinct=True),
            answered_total=Count("proposals", filter=scope & answered, distinct=True),
        )
        .distinct()
    )


def staffing_plan_get(*, user, pk: int) -> StaffingPlan:
    """The plan ``pk`` if ``user`` may see it; ``StaffingPlan.DoesNotExist``
    otherwise (a plan outside one's scope is answered as missing)."""
    return staffing_plan_list_for_user(user=user).get(pk=pk)


def staffing_plan_summary_for_user(*, user, pk: int) -> StaffingSummary:
    """The summary of the plan ``pk`` as ``user`` may see it: the whole province
    for Home Affairs, the committee and observers; only the rows of their own
    units (their own proposals), without the province's totals, for a unit
    officer or head. ``StaffingPlan.DoesNotExist`` when the plan is not theirs
    to see. A fixed number of queries whatever the number of units."""
    plan = staffing_plan_get(user=user, pk=pk)
    lines = StaffingProposalLine.objects.filter(proposal__plan=plan)
    if _sees_province(user):
        return _summary(plan, lines)
    summary = _summary(plan, lines.filter(_unit_scope(user, "proposal__unit__")))
    summary.province_wide = False
    summary.totals = {}
    summary.ceilings = {}
    return summary
