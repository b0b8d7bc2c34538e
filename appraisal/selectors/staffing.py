"""Reads of the staffing plan: the provincial summary Home Affairs watches while
the proposals come in (per unit and kind of post: assigned, actually employed,
proposed, appraised, approved and the change; the province's totals against the
ceilings), in a fixed number of queries whatever the number of units; and one
unit's payroll for a year (quota, approved establishment and reported staff side
by side, with the years before it)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from orgchart.models import (
    JobPosition,
    Rank,
    Unit,
    active_on_condition,
    subtree_condition,
)
from orgchart.permissions import Role
from orgchart.selectors import unit_paths_granted, user_group_names

from ..models import (
    PAYROLL_POST_KINDS,
    DossierKind,
    PostKind,
    StaffingAdjustment,
    StaffingCeiling,
    StaffingPlan,
    StaffingProposal,
    StaffingProposalLine,
    UnitQuota,
)

__all__ = [
    "PLAN_RELATED",
    "PROPOSAL_RELATED",
    "RANK_KIND_POST",
    "STAFFING_WIDE_ROLES",
    "StaffingSummary",
    "SummaryRow",
    "UnitKindFigures",
    "UnitStaffing",
    "UnitYearFigures",
    "staffing_adjustment_list",
    "staffing_plan_get",
    "staffing_plan_list_for_user",
    "staffing_plan_list_province_wide",
    "staffing_plan_visible_province_wide",
    "staffing_proposal_list_for_user",
    "staffing_proposal_visible",
    "staffing_plan_summary",
    "staffing_plan_summary_for_user",
    "staffing_scope",
    "unit_staffing_get",
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
#: Unit people who draft or sign for a unit see its proposal.
UNIT_PERMISSIONS = ("orgchart.act_for_unit", "orgchart.sign_for_unit")

#: What a unit's proposal and a plan are read with, for their lists and pages.
PROPOSAL_RELATED = ("unit", "plan", "assigned_appraiser", "created_by")
PLAN_RELATED = ("unit", "assigned_appraiser", "created_by")

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
    #: The proposal line the row shows (the appraiser's adjustments name it).
    line_id: int | None = None

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
                line_id=line.pk,
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
    return subtree_condition(
        unit_paths_granted(user=user, perm=SCOPE_PERMISSION), prefix
    )


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


# --- One unit's payroll for a year ---------------------------------------------

#: The kind of post a job position belongs to, read from the rank it requires: a
#: civil-servant rank (ngạch) is a civil servant's post, a professional title
#: (chức danh nghề nghiệp) a public employee's (job positions of civil servants
#: under Decree 62/2020/NĐ-CP, of public employees under Decree 106/2020/NĐ-CP).
#: Contract workers hold no job position (``PAYROLL_POST_KINDS``).
RANK_KIND_POST = {
    Rank.Kind.CIVIL_SERVANT_RANK: PostKind.CIVIL_SERVANT,
    Rank.Kind.PROFESSIONAL_TITLE: PostKind.PUBLIC_EMPLOYEE,
}
#: How many earlier years (those with a quota or a report) the unit page lists
#: under the chosen one.
PREVIOUS_YEARS = 4


@dataclass
class UnitKindFigures:
    """One kind of post of a unit in a year: the quota the committee's allocation
    decision gave it (``UnitQuota``: the number, the decision's number and the
    People's Council resolution it rests on), the approved headcount of its job
    positions of that kind in force on 1 January (``None`` for contract workers,
    who hold no job position) and the number actually employed that the unit
    reported in that year's staffing proposal (``None`` until it reported)."""

    post_kind: str
    quota: int | None
    establishment: int | None
    actual: int | None
    decision_number: str = ""
    legal_basis: str = ""

    @property
    def label(self) -> str:
        return PostKind(self.post_kind).label if self.post_kind else ""

    @property
    def difference(self) -> int | None:
        """The quota less the staff employed: posts left to fill when positive,
        staff above the quota when negative."""
        if self.quota is None or self.actual is None:
            return None
        return self.quota - self.actual


@dataclass
class UnitYearFigures:
    """A unit's payroll in one year, per kind of post (in the order of
    ``PostKind``), and the payroll (civil servants and public employees together)
    against the whole establishment: the figures the job-position appraisal
    compares (``appraisal.services.checklist``, headcount against the year's
    quota)."""

    year: int
    kinds: list[UnitKindFigures]
    establishment_total: int
    reported: bool

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def has_quota(self) -> bool:
        return any(kind.quota is not None for kind in self.kinds)

    @property
    def has_data(self) -> bool:
        return self.has_quota or self.reported or bool(self.establishment_total)

    @property
    def payroll(self) -> UnitKindFigures:
        payroll = [k for k in self.kinds if k.post_kind in PAYROLL_POST_KINDS]
        quotas = [k.quota for k in payroll if k.quota is not None]
        actuals = [k.actual for k in payroll if k.actual is not None]
        return UnitKindFigures(
            post_kind="",
            quota=sum(quotas) if quotas else None,
            establishment=self.establishment_total,
            actual=sum(actuals) if actuals else None,
        )

    def kind(self, post_kind: str) -> UnitKindFigures:
        return next(k for k in self.kinds if k.post_kind == post_kind)


@dataclass
class UnitStaffing:
    """What a unit's page shows of its payroll: the chosen year, the years before
    it that have a quota or a report (newest first), and the years to choose from
    (those with data, this year and the chosen one)."""

    unit: Unit
    year: int
    current: UnitYearFigures
    previous: list[UnitYearFigures]
    years: list[int]


def _years_with_data(unit: Unit) -> set[int]:
    """The years the unit has a quota in or takes part in a staffing plan of."""
    quota_years = (
        UnitQuota.objects.filter(unit=unit).order_by().values_list("year", flat=True)
    )
    plan_years = (
        StaffingProposal.objects.filter(unit=unit)
        .order_by()
        .values_list("plan__year", flat=True)
    )
    return set(quota_years.union(plan_years))


def _establishment(unit: Unit, years: list[int]) -> dict[tuple[int, str], int]:
    """The approved headcount of the unit's job positions in force on 1 January
    of each year, per kind of post and in all (``(year, "")``): one query."""
    sums = {}
    for year in years:
        active = active_on_condition(datetime.date(year, 1, 1))
        sums[f"y{year}"] = Sum("headcount", filter=active)
        for rank_kind, post_kind in RANK_KIND_POST.items():
            sums[f"y{year}_{post_kind}"] = Sum(
                "headcount", filter=active & Q(rank__kind=rank_kind)
            )
    totals = JobPosition.objects.filter(unit=unit).aggregate(**sums)
    result = {}
    for year in years:
        result[year, ""] = totals[f"y{year}"] or 0
        for post_kind in RANK_KIND_POST.values():
            result[year, post_kind] = totals[f"y{year}_{post_kind}"] or 0
    return result


def unit_staffing_get(*, unit: Unit, year: int) -> UnitStaffing:
    """The payroll of ``unit`` in ``year`` and the years before it with data:
    per kind of post the quota allocated (Decree 62/2020/NĐ-CP Art. 10), the
    approved establishment on 1 January (job positions by the kind of their rank)
    and the number actually employed the unit reported in that year's staffing
    proposal (a proposal counts once submitted; one left unanswered reported
    nothing). Only ``unit``'s own rows: the caller has checked that the person
    may see it (``orgchart.selectors.unit_get_page``). Four queries, whatever the
    number of years, positions or plans."""
    with_data = _years_with_data(unit)
    previous_years = sorted((y for y in with_data if y < year), reverse=True)
    previous_years = previous_years[:PREVIOUS_YEARS]
    wanted = [year, *previous_years]
    quotas = {
        (quota.year, quota.post_kind): quota
        for quota in UnitQuota.objects.filter(unit=unit, year__in=wanted)
    }
    actual, reported = {}, set()
    lines = StaffingProposalLine.objects.filter(
        proposal__unit=unit,
        proposal__plan__year__in=wanted,
        proposal__current_revision__gte=1,
        proposal__no_answer=False,
    ).values_list("proposal__plan__year", "post_kind", "actual")
    for line_year, post_kind, number in lines:
        actual[line_year, post_kind] = number
        reported.add(line_year)
    establishment = _establishment(unit, wanted)

    def kind_figures(one_year: int, post_kind: str) -> UnitKindFigures:
        quota = quotas.get((one_year, post_kind))
        return UnitKindFigures(
            post_kind=post_kind,
            quota=None if quota is None else quota.headcount,
            establishment=establishment.get((one_year, post_kind)),
            actual=actual.get((one_year, post_kind)),
            decision_number=getattr(quota, "decision_number", ""),
            legal_basis=getattr(quota, "legal_basis", ""),
        )

    def figures(one_year: int) -> UnitYearFigures:
        return UnitYearFigures(
            year=one_year,
            kinds=[kind_figures(one_year, kind) for kind in PostKind.values],
            establishment_total=establishment[one_year, ""],
            reported=one_year in reported,
        )

    previous = [figures(y) for y in previous_years]
    return UnitStaffing(
        unit=unit,
        year=year,
        current=figures(year),
        previous=[f for f in previous if f.has_quota or f.reported],
        years=sorted(with_data | {year, timezone.localdate().year}, reverse=True),
    )


def staffing_plan_list_province_wide(*, user) -> QuerySet[StaffingPlan]:
    """The plans whose whole cycle ``user`` follows (its steps, the province's
    totals): Home Affairs, the committee and observers; nothing for anybody else
    (unit people follow their own proposals). One query."""
    if not user.is_authenticated or not user.is_active or not _sees_province(user):
        return StaffingPlan.objects.none()
    return StaffingPlan.objects.select_related(*PLAN_RELATED)


def staffing_plan_visible_province_wide(user, plan: StaffingPlan) -> bool:
    """Whether ``user`` follows ``plan``'s whole cycle: the rule of
    :func:`staffing_plan_list_province_wide`, on a plan already read."""
    return bool(user.is_authenticated and user.is_active and _sees_province(user))


def staffing_proposal_list_for_user(*, user) -> QuerySet[StaffingProposal]:
    """The unit proposals ``user`` may see: every one for Home Affairs, the
    committee and observers (the summary shows them all while they arrive); those
    of the units (and sub-units) a unit officer or head drafts or signs for;
    nothing for anybody else. One query once the person's scope is known."""
    if not user.is_authenticated or not user.is_active:
        return StaffingProposal.objects.none()
    proposals = StaffingProposal.objects.select_related(*PROPOSAL_RELATED)
    if _sees_province(user):
        return proposals
    scope = Q(pk__in=[])
    for perm in UNIT_PERMISSIONS:
        for path in unit_paths_granted(user=user, perm=perm):
            scope |= Q(unit__path__startswith=path)
    return proposals.filter(scope)


def staffing_proposal_visible(user, proposal: StaffingProposal) -> bool:
    """Whether ``user`` may see ``proposal`` (read with its unit): the rule of
    :func:`staffing_proposal_list_for_user`, evaluated on a row already read so
    that a step's page reads its dossier by key alone
    (``tests/workflows/test_scope_predicates.py`` holds the two equal)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if _sees_province(user):
        return True
    path = proposal.unit.path
    return any(
        path.startswith(granted)
        for perm in UNIT_PERMISSIONS
        for granted in unit_paths_granted(user=user, perm=perm)
    )


def staffing_adjustment_list(*, plan: StaffingPlan) -> dict[int, list]:
    """The appraisers' changes of the plan's numbers, oldest first, by proposal
    line (one query): the appraisal page shows each reason beside its number."""
    result: dict[int, list] = {}
    for adjustment in (
        StaffingAdjustment.objects.filter(line__proposal__plan=plan)
        .select_related("author")
        .order_by("created_at", "pk")
    ):
        result.setdefault(adjustment.line_id, []).append(adjustment)
    return result
