"""The figures of the dashboards (bảng điều khiển), for every kind of dossier at once,
each person's scope applied by ``dossiers.dossier_list_for_user``: the backlog by
step and kind, the dossiers due soon and overdue, the on-time rate per month,
quarter, unit and step, the time each step takes (median and 90th percentile), and
the head-count against quotas and ceilings per unit and for the province.

How the law counts (Decision 766/QĐ-TTg of 2022, the service index): the on-time
rate is the dossiers completed on or before their due date divided by the dossiers
completed. A dossier's ``due_on`` already carries its stopped clocks (each
supplement or revision pushes it by the working days the unit held it,
``services.deadlines.due_date_resume``). Per step (Nghệ An's internal process,
3027/QĐ-UBND) the time is counted from the audit trail in working days, the way
``due_date_resume`` counts a pause: a step's days run from the day after it
reached the step to the day it left it, and the days the dossier spent with the
unit (supplement, revision) between two visits of the same step are not counted;
the step is late when it took longer than the step's processing time in force on
the day it began.

Every figure comes from a fixed number of queries, whatever the number of
dossiers: the dossiers in scope, their audit trail, the processing times, the
calendar of the period, the quotas and positions.
"""

from __future__ import annotations

import datetime
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from orgchart.models import JobPosition, Unit, active_on_condition, subtree_condition
from orgchart.selectors import unit_paths_granted, user_group_names

from ..models import (
    AuditEntry,
    Dossier,
    DossierKind,
    PostKind,
    ProcessingStep,
    ProcessingTime,
    UnitQuota,
)
from ..models.staffing import StaffingCeiling, StaffingProposalLine
from ..services.deadlines import WorkingCalendar
from .deadlines import DeadlineState, deadline_annotate
from .dossiers import dossier_list_filter, dossier_list_for_user
from .staffing import SCOPE_PERMISSION, STAFFING_WIDE_ROLES

__all__ = [
    "COMPLETED_STATUSES",
    "STEP_OF_STATUS",
    "Dashboard",
    "DashboardFilters",
    "dashboard_for_user",
]

Status = Dossier.Status

#: The step a dossier is at while it has each status (the steps that carry a time
#: limit, ``ProcessingStep``).
STEP_OF_STATUS = {
    Status.SUBMITTED: ProcessingStep.RECEIVE,
    Status.RECEIVED: ProcessingStep.ASSIGN_APPRAISER,
    Status.UNDER_APPRAISAL: ProcessingStep.APPRAISE,
    Status.REPORT_COMPLETED: ProcessingStep.REVIEW_REPORT,
    Status.REPORT_REVIEWED: ProcessingStep.SIGN_REPORT,
    Status.AWAITING_DECISION: ProcessingStep.DECIDE,
}
#: While the dossier is back with the unit the clock stands still.
CLOCK_STOPPED_STATUSES = (Status.SUPPLEMENT_REQUESTED, Status.REVISION_REQUESTED)
#: A dossier is completed (processed) when it reaches one of these: an answer was
#: given to the unit (decided, or refused at reception).
COMPLETED_STATUSES = (Status.APPROVED, Status.REJECTED, Status.REFUSED)
#: The longest list of due-soon or overdue dossiers a page shows.
DEADLINE_LIST_LIMIT = 50


@dataclass(frozen=True)
class DashboardFilters:
    """What the person asked for: the period (inclusive, in the province's time
    zone), a unit and a kind of dossier. The unit is one ``Unit`` (a link to
    the dashboard, with its sub-units) or the set of units whose code or name
    matched what the person typed (those units themselves: a name such as
    "Phòng Nội vụ" matches a division in every commune, and their subtrees
    would cost a prefix test per pair)."""

    date_from: datetime.date
    date_to: datetime.date
    unit: Unit | QuerySet[Unit] | None = None
    dossier_kind: str = ""

    @classmethod
    def this_year(cls, on: datetime.date | None = None) -> DashboardFilters:
        on = on or timezone.localdate()
        return cls(date_from=datetime.date(on.year, 1, 1), date_to=on)


@dataclass
class Rate:
    """Completed (processed) and completed on time, with the rate in percent."""

    key: str
    label: str
    processed: int = 0
    on_time: int = 0

    @property
    def late(self) -> int:
        return self.processed - self.on_time

    @property
    def percent(self) -> float | None:
        if not self.processed:
            return None
        return round(100 * self.on_time / self.processed, 1)


@dataclass
class StepTime:
    """The working days a step took, over the steps completed in the period."""

    step: str
    label: str
    days: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.days)

    @property
    def median(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def p90(self) -> int | None:
        """The 90th percentile by the nearest rank: nine in ten steps took at most
        this many days."""
        if not self.days:
            return None
        ordered = sorted(self.days)
        return ordered[math.ceil(0.9 * len(ordered)) - 1]


@dataclass(frozen=True)
class BacklogRow:
    status: str
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class HeadcountRow:
    """One unit's (or, with ``unit=None``, the province's) payroll in a year."""

    key: str
    label: str
    quota: int | None
    ceiling: int | None
    establishment: int | None
    employed: int | None

    @property
    def quota_left(self) -> int | None:
        if self.quota is None or self.employed is None:
            return None
        return self.quota - self.employed


@dataclass
class Dashboard:
    filters: DashboardFilters
    kinds: list[tuple[str, str]]
    backlog: list[BacklogRow]
    due_soon: list[Dossier]
    overdue: list[Dossier]
    rate_total: Rate
    rate_by_month: list[Rate]
    rate_by_quarter: list[Rate]
    rate_by_unit: list[Rate]
    rate_by_step: list[Rate]
    step_times: list[StepTime]
    headcount_year: int
    headcount_units: list[HeadcountRow]
    headcount_province: list[HeadcountRow]
    sees_province: bool

    @property
    def backlog_total(self) -> int:
        return sum(row.total for row in self.backlog)


def _in_unit(unit: Unit | QuerySet[Unit], prefix: str) -> Q:
    """A condition on a unit (``prefix`` leads from the row to it): within the
    subtree of one unit, or one of a set of units."""
    if isinstance(unit, Unit):
        return Q(**{f"{prefix}path__startswith": unit.path})
    return Q(**{f"{prefix}pk__in": unit.values("pk")})


def _scoped(user, filters: DashboardFilters) -> QuerySet[Dossier]:
    queryset = dossier_list_for_user(user=user).order_by()
    if filters.dossier_kind:
        queryset = queryset.filter(dossier_kind=filters.dossier_kind)
    if filters.unit is not None:
        queryset = queryset.filter(_in_unit(filters.unit, "unit__"))
    return queryset


def _backlog(queryset: QuerySet[Dossier]) -> tuple[list[BacklogRow], list]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = (
        queryset.exclude(status__in=Dossier.FINAL_STATUSES)
        .values_list("status", "dossier_kind")
        .annotate(n=Count("pk"))
    )
    kinds_seen = set()
    for status, kind, number in rows:
        counts[status][kind] = number
        kinds_seen.add(kind)
    kinds = [
        (value, label) for value, label in DossierKind.choices if value in kinds_seen
    ]
    backlog = [
        BacklogRow(status=value, label=str(label), counts=counts[value])
        for value, label in Status.choices
        if value in counts
    ]
    return backlog, kinds


def _deadline_list(queryset: QuerySet[Dossier], state: str, on) -> list[Dossier]:
    rows = dossier_list_filter(queryset=queryset, due_state=state).select_related(
        "unit", "assigned_appraiser"
    )
    return deadline_annotate(
        rows=rows.order_by("due_on", "pk")[:DEADLINE_LIST_LIMIT], on=on
    )


class _Limits:
    """The processing times of every kind and step, read once."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], list[tuple[datetime.date, int]]] = defaultdict(
            list
        )
        for kind, step, since, days in ProcessingTime.objects.order_by(
            "-valid_from"
        ).values_list("dossier_kind", "step", "valid_from", "working_days"):
            self.rows[kind, step].append((since, days))

    def days(self, kind: str, step: str, on: datetime.date) -> int | None:
        for since, days in self.rows.get((kind, step), ()):
            if since <= on:
                return days
        return None


def _completed_outcomes(
    scoped: QuerySet[Dossier], first: datetime.date, last: datetime.date
) -> list[tuple[str, str, datetime.date, int, int]]:
    """The dossiers of ``scoped`` first completed in ``first`` … ``last`` (local
    days), counted in the database per unit and month: ``(unit code, unit name,
    first day of the month, completed, completed on or before the due date)``, in
    tree order. One query; its rows grow with units and months, not dossiers."""
    zone = timezone.get_current_timezone()
    earlier = AuditEntry.objects.filter(
        dossier_id=OuterRef("dossier_id"),
        to_status__in=COMPLETED_STATUSES,
        created_at__lt=OuterRef("created_at"),
    )
    rows = (
        AuditEntry.objects.filter(
            dossier__in=scoped.filter(due_on__isnull=False).values("pk"),
            to_status__in=COMPLETED_STATUSES,
            created_at__gte=datetime.datetime.combine(first, datetime.time(), zone),
            created_at__lt=datetime.datetime.combine(
                last + datetime.timedelta(days=1), datetime.time(), zone
            ),
        )
        .exclude(Exists(earlier))
        .annotate(
            finished=TruncDate("created_at", tzinfo=zone),
            month=TruncMonth("created_at", tzinfo=zone),
        )
        .values(
            "dossier__unit__path",
            "dossier__unit__code",
            "dossier__unit__name",
            "month",
        )
        .annotate(
            processed=Count("dossier_id", distinct=True),
            on_time=Count(
                "dossier_id",
                distinct=True,
                filter=Q(finished__lte=F("dossier__due_on")),
            ),
        )
        .values_list(
            "dossier__unit__code",
            "dossier__unit__name",
            "month",
            "processed",
            "on_time",
        )
        .order_by("dossier__unit__path", "month")
    )
    return [
        (code, name, _as_date(month), processed, on_time)
        for code, name, month, processed, on_time in rows
    ]


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


@dataclass(frozen=True)
class _StepDone:
    dossier_id: int
    kind: str
    step: str
    days: int
    limit: int | None
    finished_on: datetime.date


def _steps_done(entries: Iterable[tuple], last: datetime.date) -> list[_StepDone]:
    """The steps each dossier completed, from its status changes in time order:
    ``(dossier_id, kind, from_status, to_status, local date)``. A step's visits
    interrupted by the unit's time (a supplement or a revision) add up. Working
    days are counted as differences of the calendar's ordinals."""
    entries = list(entries)
    if not entries:
        return []
    calendar = WorkingCalendar(entries[0][4], last)
    limits = _Limits()
    done: list[_StepDone] = []
    # Per dossier: the step running (or paused) → (its first day, days so far, entered)
    running: dict[int, dict] = {}
    for dossier_id, kind, from_status, to_status, on in entries:
        state = running.setdefault(dossier_id, {})
        step = STEP_OF_STATUS.get(from_status)
        if step is not None and state.get("step") == step and "entered" in state:
            state["days"] += calendar.count(state.pop("entered"), on)
            if to_status not in CLOCK_STOPPED_STATUSES:
                done.append(
                    _StepDone(
                        dossier_id=dossier_id,
                        kind=kind,
                        step=step,
                        days=state["days"],
                        limit=limits.days(kind, step, state["began"]),
                        finished_on=on,
                    )
                )
                state.clear()
        next_step = STEP_OF_STATUS.get(to_status)
        if next_step is not None:
            if state.get("step") != next_step:
                state.clear()
                state.update(step=next_step, began=on, days=0)
            state["entered"] = on
    return done


def _quarter(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _rates(
    keys: Iterable[tuple[str, str]], outcomes: Iterable[tuple[str, int, int]]
) -> list[Rate]:
    """Rates in the order of ``keys`` from ``(key, processed, on time)`` counts."""
    rates = {key: Rate(key=key, label=label) for key, label in keys}
    for key, processed, on_time in outcomes:
        rate = rates.setdefault(key, Rate(key=key, label=key))
        rate.processed += processed
        rate.on_time += on_time
    return [rate for rate in rates.values() if rate.processed]


def _months(first: datetime.date, last: datetime.date) -> list[tuple[str, str]]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((f"{year}-{month:02d}", f"{month:02d}/{year}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _quarters(first: datetime.date, last: datetime.date) -> list[tuple[str, str]]:
    seen = []
    for key, _label in _months(first, last):
        year, month = key.split("-")
        quarter = _quarter(datetime.date(int(year), int(month), 1))
        if quarter not in [k for k, _ in seen]:
            number = quarter.split("Q")[1]
            seen.append((quarter, f"{number}/{year}"))
    return seen


def _reported_staff(year: int, per: str, **narrow) -> dict:
    """The staff employed the units reported in ``year``'s proposals (a proposal
    counts once submitted), summed per ``per``: one query."""
    return dict(
        StaffingProposalLine.objects.filter(
            proposal__plan__year=year,
            proposal__current_revision__gte=1,
            proposal__no_answer=False,
            **narrow,
        )
        .values(per)
        .annotate(n=Sum("actual"))
        .values_list(per, "n")
    )


def _headcount(
    user, filters: DashboardFilters, sees_province: bool
) -> tuple[int, list[HeadcountRow], list[HeadcountRow]]:
    """Per unit of the person's scope with a quota or positions in the year of the
    period's end: the quota allocated, the approved establishment in force on that
    day, and the staff the unit reported employed in that year's proposal; for the
    province (Home Affairs, the committee, observers), per kind of post, the
    ceilings against the quotas and the staff. Four queries."""
    year, on = filters.date_to.year, filters.date_to
    units = Unit.objects.all()
    if not sees_province:
        paths = unit_paths_granted(user=user, perm=SCOPE_PERMISSION)
        units = units.filter(subtree_condition(paths))
    if filters.unit is not None:
        units = units.filter(_in_unit(filters.unit, ""))
    quota_of = Sum("quotas__headcount", filter=Q(quotas__year=year))
    quotas = dict(
        units.filter(quotas__year=year).annotate(n=quota_of).values_list("pk", "n")
    )
    establishment = dict(
        JobPosition.objects.filter(active_on_condition(on), unit__in=units)
        .values("unit_id")
        .annotate(n=Sum("headcount"))
        .values_list("unit_id", "n")
    )
    employed = _reported_staff(year, "proposal__unit_id", proposal__unit__in=units)
    wanted = set(quotas) | set(establishment) | set(employed)
    rows = [
        HeadcountRow(
            key=unit.code,
            label=unit.name,
            quota=quotas.get(unit.pk),
            ceiling=None,
            establishment=establishment.get(unit.pk),
            employed=employed.get(unit.pk),
        )
        for unit in Unit.objects.filter(pk__in=wanted).order_by("path")
    ]
    province: list[HeadcountRow] = []
    if sees_province and filters.unit is None:
        ceilings = dict(
            StaffingCeiling.objects.filter(plan__year=year).values_list(
                "post_kind", "ceiling"
            )
        )
        by_kind = {
            kind: (quota, staff) for kind, quota, staff in _province_totals(year)
        }
        province = [
            HeadcountRow(
                key=value,
                label=str(label),
                quota=by_kind.get(value, (None, None))[0],
                ceiling=ceilings.get(value),
                establishment=None,
                employed=by_kind.get(value, (None, None))[1],
            )
            for value, label in PostKind.choices
        ]
    return year, rows, province


def _province_totals(year: int) -> list[tuple[str, int | None, int | None]]:
    """Per kind of post, the quotas of every unit and the staff they reported."""
    quotas = dict(
        UnitQuota.objects.filter(year=year)
        .values("post_kind")
        .annotate(n=Sum("headcount"))
        .values_list("post_kind", "n")
    )
    staff = _reported_staff(year, "post_kind")
    return [(kind, quotas.get(kind), staff.get(kind)) for kind in PostKind.values]


def dashboard_for_user(*, user, filters: DashboardFilters) -> Dashboard:
    """Every figure of the dashboard as ``user`` may see it (their scope of
    dossiers, their units' payroll), narrowed by ``filters``. The number of
    queries does not depend on the number of dossiers."""
    today = timezone.localdate()
    scoped = _scoped(user, filters)
    backlog, kinds = _backlog(scoped)
    overdue = _deadline_list(scoped, DeadlineState.OVERDUE, today)
    due_soon = _deadline_list(scoped, DeadlineState.DUE_SOON, today)

    first, last = filters.date_from, filters.date_to
    outcomes = _completed_outcomes(scoped, first, last)
    total = Rate(key="total", label="")
    for _code, _name, _month, processed, on_time in outcomes:
        total.processed += processed
        total.on_time += on_time
    by_month = _rates(
        _months(first, last),
        ((f"{m.year}-{m.month:02d}", p, ok) for _c, _n, m, p, ok in outcomes),
    )
    by_quarter = _rates(
        _quarters(first, last), ((_quarter(m), p, ok) for _c, _n, m, p, ok in outcomes)
    )
    by_unit = _rates(
        dict.fromkeys((code, name) for code, name, *_counts in outcomes),
        ((code, p, ok) for code, _n, _m, p, ok in outcomes),
    )

    # The status changes, up to the period's end, of the dossiers that changed
    # status in the period (a step finished in it began with one of them).
    active = AuditEntry.objects.filter(
        dossier__in=scoped.values("pk"),
        created_at__date__range=(first, last),
    ).exclude(from_status=F("to_status"))
    changes = (
        AuditEntry.objects.filter(
            dossier__in=active.values("dossier_id"), created_at__date__lte=last
        )
        .exclude(from_status=F("to_status"))
        .order_by("created_at", "pk")
        .values_list(
            "dossier_id",
            "dossier__dossier_kind",
            "from_status",
            "to_status",
            TruncDate("created_at", tzinfo=timezone.get_current_timezone()),
        )
    )
    steps = [
        done for done in _steps_done(changes, last) if first <= done.finished_on <= last
    ]
    step_labels = [
        (value, str(label))
        for value, label in ProcessingStep.choices
        if value != ProcessingStep.TOTAL
    ]
    by_step = _rates(
        step_labels,
        ((done.step, 1, done.days <= done.limit) for done in steps if done.limit),
    )
    times = {value: StepTime(step=value, label=label) for value, label in step_labels}
    for done in steps:
        times[done.step].days.append(done.days)

    sees_province = bool(user_group_names(user=user) & STAFFING_WIDE_ROLES)
    year, headcount_units, headcount_province = _headcount(user, filters, sees_province)
    return Dashboard(
        filters=filters,
        kinds=kinds,
        backlog=backlog,
        due_soon=due_soon,
        overdue=overdue,
        rate_total=total,
        rate_by_month=by_month,
        rate_by_quarter=by_quarter,
        rate_by_unit=by_unit,
        rate_by_step=by_step,
        step_times=[time for time in times.values() if time.count],
        headcount_year=year,
        headcount_units=headcount_units,
        headcount_province=headcount_province,
        sees_province=sees_province,
    )
