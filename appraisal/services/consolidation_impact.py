"""The impact statement of a consolidation, computed from its operations, the
position mapping, the establishment and the quotas, before anything changes: per
successor unit the establishment and head-count before and after, the positions
ended, the staff above the new establishment and the date by which it must be
absorbed, the leadership posts above the limits and the end of their allowance
protection, the quotas that follow; for administrative units the population and
area against the standards, and the voters' share in favour.

The legal rules (BRIEF §4; Res. 76/2025/UBTVQH15 Art. 11; Res. 35/2023/UBTVQH15):

- the head-count of a unit after a merger may not exceed the sum before it
  (blocking);
- the surplus must be absorbed within 5 years of the effective date;
- leadership numbers may exceed the limits for a time; their salary and position
  allowances are preserved for 6 months;
- administrative units: a commune needs 16,000 people and 30 km², a ward 21,000
  people and 5.5 km² (Res. 112/2025/UBTVQH15); a unit formed from three or more
  units is exempt; more than half of the voters must be in favour (blocking).
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from orgchart.frozen_queries import FrozenQuery
from orgchart.models import JobPosition, PositionCategory
from orgchart.spreadsheets import fold

from ..models import (
    Consolidation,
    ConsolidationOperation,
    LeadershipLimit,
    OperationSuccessor,
    PositionMapping,
)
from .checklist import CheckResult
from .consolidation import _operations, _pending_read, _shares, source_quotas

__all__ = [
    "ADMINISTRATIVE_STANDARDS",
    "ImpactRow",
    "ImpactStatement",
    "add_months",
    "consolidation_checks",
    "impact_compute",
]

MappingAction = PositionMapping.Action

#: Years within which the surplus is absorbed; months of the leaders' allowance
#: protection (Res. 76/2025/UBTVQH15 Art. 11).
SURPLUS_YEARS = 5
ALLOWANCE_MONTHS = 6
#: Standards of an administrative unit: (population, natural area in km²)
#: (Res. 112/2025/UBTVQH15, superseding Res. 1211/2016 as amended by 27/2022).
ADMINISTRATIVE_STANDARDS = {
    "commune": (16_000, Decimal("30")),
    "ward": (21_000, Decimal("5.5")),
}
#: A new administrative unit formed from this many units or more is exempt from
#: the standards (Res. 76/2025/UBTVQH15).
EXEMPT_FROM = 3
#: The share of voters in favour the policy needs (more than half).
VOTERS_NEEDED = Decimal("50")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months (the last day of a shorter month)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@dataclass
class ImpactRow:
    """One successor unit of one operation (or the dissolved sources of a
    dissolution, ``successor`` None)."""

    operation: ConsolidationOperation
    successor: OperationSuccessor | None
    name: str
    sources: list[str]
    positions_before: int = 0
    headcount_before: int = 0
    positions_after: int = 0
    headcount_after: int = 0
    positions_ended: int = 0
    headcount_ended: int = 0
    leaders_after: int = 0
    leader_limit: int | None = None
    quotas_moved: dict[tuple[int, str], int] = field(default_factory=dict)
    population_before: int | None = None
    population_after: int | None = None
    area_before: Decimal | None = None
    area_after: Decimal | None = None
    standard: tuple[int, Decimal] | None = None
    exempt: bool = False

    @property
    def effective_date(self) -> datetime.date:
        return self.operation.effective_date

    @property
    def surplus(self) -> int:
        """Posts of the sources the successor no longer has."""
        return max(0, self.headcount_before - self.headcount_after)

    @property
    def absorb_by(self) -> datetime.date | None:
        if not self.surplus:
            return None
        return add_months(self.effective_date, 12 * SURPLUS_YEARS)

    @property
    def leaders_above(self) -> int:
        if self.leader_limit is None:
            return 0
        return max(0, self.leaders_after - self.leader_limit)

    @property
    def allowance_protected_until(self) -> datetime.date | None:
        if not self.leaders_above:
            return None
        return add_months(self.effective_date, ALLOWANCE_MONTHS)

    @property
    def figures_missing(self) -> bool:
        """Whether the standard applies but the population or the area after is
        not known (a source unit's figures were never recorded): the statement
        cannot say whether the unit meets it."""
        if self.standard is None or self.exempt:
            return False
        return self.population_after is None or self.area_after is None

    @property
    def meets_standard(self) -> bool | None:
        """Whether population and area reach the standard (None: not assessed,
        because the unit is exempt or its figures are missing)."""
        if self.standard is None or self.exempt or self.figures_missing:
            return None
        population, area = self.standard
        return self.population_after >= population and self.area_after >= area


@dataclass
class ImpactStatement:
    consolidation: Consolidation
    rows: list[ImpactRow]
    warnings: list = field(default_factory=list)
    blocking: list = field(default_factory=list)

    @property
    def surplus(self) -> int:
        return sum(row.surplus for row in self.rows)

    @property
    def headcount_before(self) -> int:
        return sum(row.headcount_before for row in self.rows)

    @property
    def headcount_after(self) -> int:
        return sum(row.headcount_after for row in self.rows)


def _top(successor: OperationSuccessor, by_pk: dict) -> OperationSuccessor:
    while successor.parent_successor_id is not None:
        successor = by_pk[successor.parent_successor_id]
    return successor


def _standard_of(name: str) -> tuple[int, Decimal]:
    kind = "ward" if fold(name).startswith("phuong") else "commune"
    return ADMINISTRATIVE_STANDARDS[kind]


def _rows_of(operation, positions, mappings, existing, limits) -> list[ImpactRow]:
    """The rows of one operation: one per successor (the sub-units of a new unit
    each have theirs), or one for the dissolved sources."""
    sources = [source.unit for source in operation.sources.all()]
    source_names = [unit.name for unit in sources]
    successors = list(operation.successors.all())
    rows: dict[int | None, ImpactRow] = {}
    for successor in successors:
        rows[successor.pk] = ImpactRow(
            operation=operation,
            successor=successor,
            name=successor.display_name,
            sources=source_names,
        )
    if not successors:
        rows[None] = ImpactRow(
            operation=operation,
            successor=None,
            name=", ".join(source_names),
            sources=source_names,
        )
    first = successors[0].pk if successors else None
    by_position = {m.source_position_id: m for m in mappings}
    after: dict[int, dict[tuple[str, int], tuple[int, str]]] = defaultdict(dict)
    for position in positions:
        mapping = by_position.get(position.pk)
        if mapping is None or mapping.action == MappingAction.END:
            row = rows[first]
            row.positions_ended += 1
            row.headcount_ended += position.headcount
        else:
            row = rows[mapping.successor_id]
            key = (fold(mapping.target_name), position.rank_id)
            count, category = after[mapping.successor_id].get(key, (0, ""))
            after[mapping.successor_id][key] = (
                count + mapping.headcount,
                position.category.code,
            )
        row.positions_before += 1
        row.headcount_before += position.headcount
    for successor in successors:
        row = rows[successor.pk]
        kept = after[successor.pk]
        for own in existing.get(successor.unit_id, []):
            row.positions_before += 1
            row.headcount_before += own.headcount
            key = (fold(own.name), own.rank_id)
            count, _category = kept.get(key, (0, own.category.code))
            kept[key] = (count + own.headcount, own.category.code)
        row.positions_after = len(kept)
        row.headcount_after = sum(count for count, _c in kept.values())
        row.leaders_after = sum(
            count
            for count, category in kept.values()
            if category == PositionCategory.LEADERSHIP
        )
        kind = successor.unit.kind if successor.unit_id else successor.kind
        row.leader_limit = limits.get(kind)
    return list(rows.values())


def _administrative(row: ImpactRow, operation, by_pk: dict) -> None:
    """Population and area before and after, and the standard, of a top
    successor of an operation on administrative units."""
    successor = row.successor
    sources = [source.unit for source in operation.sources.all()]
    units = list(sources)
    if successor is not None and successor.unit_id is not None:
        units.append(successor.unit)
    populations = [u.population for u in units]
    areas = [u.area_km2 for u in units]
    if units and None not in populations:
        row.population_before = sum(populations)
    if units and None not in areas:
        row.area_before = sum(areas)
    if successor is None:
        return
    single = len(
        [s for s in operation.successors.all() if s.parent_successor_id is None]
    )
    given_population = successor.population if successor.unit_id is None else None
    given_area = successor.area_km2 if successor.unit_id is None else None
    row.population_after = (
        given_population
        if given_population is not None
        else (row.population_before if single == 1 else None)
    )
    row.area_after = (
        given_area
        if given_area is not None
        else (row.area_before if single == 1 else None)
    )
    row.standard = _standard_of(row.name)
    row.exempt = successor.unit_id is None and len(sources) >= EXEMPT_FROM


def _quotas(rows: list[ImpactRow], operations, mappings_of) -> None:
    """The sources' quotas of the effective year and later, shared among the top
    successors as applying shares them (in proportion to the head-count mapped)."""
    sources = {
        op.pk: [s.unit_id for s in op.sources.all()] for op in operations if op.pk
    }
    ids = [pk for pks in sources.values() for pk in pks]
    quotas = defaultdict(list)
    first_year = min((op.effective_date.year for op in operations), default=0)
    for quota in source_quotas(ids, first_year):
        quotas[quota.unit_id].append((quota.year, quota.post_kind, quota.headcount))
    by_operation = defaultdict(list)
    for row in rows:
        by_operation[row.operation.pk].append(row)
    for operation in operations:
        by_pk = {s.pk: s for s in operation.successors.all()}
        weights: dict[int, int] = defaultdict(int)
        for mapping in mappings_of[operation.pk]:
            if mapping.action != MappingAction.END:
                weights[_top(by_pk[mapping.successor_id], by_pk).pk] += (
                    mapping.headcount
                )
        tops = [s for s in by_pk.values() if s.parent_successor_id is None]
        if not tops:
            continue
        if not weights:
            weights = {tops[0].pk: 1}
        totals: dict[tuple[int, str], int] = defaultdict(int)
        for unit_id in sources[operation.pk]:
            for year, kind, headcount in quotas[unit_id]:
                if year >= operation.effective_date.year:
                    totals[(year, kind)] += headcount
        row_of = {
            row.successor.pk: row for row in by_operation[operation.pk] if row.successor
        }
        for key, total in totals.items():
            for successor_pk, part in _shares(total, weights).items():
                if part:
                    row_of[successor_pk].quotas_moved[key] = part


#: The leadership limits by kind of unit: read by every impact statement (on
#: the appraisal and the decision), compiled once.
_LIMITS = FrozenQuery(
    lambda: LeadershipLimit.objects.only("unit_kind", "max_headcount")
)


def impact_compute(*, consolidation: Consolidation) -> ImpactStatement:
    """The impact statement of the operations not applied yet (a fixed number of
    queries per effective date, whatever the number of units)."""
    operations, positions, successors = _pending_read(consolidation)
    mappings_of: dict[int, list[PositionMapping]] = {
        operation.pk: list(operation.mappings.all()) for operation in operations
    }
    # The positions already in each existing successor, on its operation's date.
    existing: dict[int, list[JobPosition]] = defaultdict(list)
    for (_date, unit_id), found in successors.items():
        existing[unit_id].extend(found)
    limits = {limit.unit_kind: limit.max_headcount for limit in _LIMITS()}
    rows: list[ImpactRow] = []
    warnings, blocking = [], []
    administrative = consolidation.scope == Consolidation.Scope.ADMINISTRATIVE
    for operation in operations:
        op_rows = _rows_of(
            operation,
            positions[operation.pk],
            mappings_of[operation.pk],
            existing,
            limits,
        )
        rows.extend(op_rows)
        by_pk = {s.pk: s for s in operation.successors.all()}
        before = sum(r.headcount_before for r in op_rows)
        after = sum(r.headcount_after for r in op_rows)
        has_sources = bool(list(operation.sources.all()))
        if has_sources and after > before:
            blocking.append(
                _(
                    "%(operation)s: the head-count after (%(after)s) exceeds the sum "
                    "before (%(before)s)."
                )
                % {"operation": operation, "after": after, "before": before}
            )
        for row in op_rows:
            if row.surplus:
                warnings.append(
                    _(
                        "%(unit)s: %(count)s post(s) above the new establishment, to "
                        "be absorbed by %(date)s."
                    )
                    % {
                        "unit": row.name,
                        "count": row.surplus,
                        "date": date_format(row.absorb_by, "SHORT_DATE_FORMAT"),
                    }
                )
            if row.leaders_above:
                warnings.append(
                    _(
                        "%(unit)s: %(count)s leadership post(s) above the limit of "
                        "%(limit)s; allowances protected until %(date)s."
                    )
                    % {
                        "unit": row.name,
                        "count": row.leaders_above,
                        "limit": row.leader_limit,
                        "date": date_format(
                            row.allowance_protected_until, "SHORT_DATE_FORMAT"
                        ),
                    }
                )
            top = row.successor is None or row.successor.parent_successor_id is None
            if administrative and top and has_sources:
                _administrative(row, operation, by_pk)
                if row.figures_missing:
                    warnings.append(
                        _(
                            "%(unit)s: the population or the area is not recorded, "
                            "so the standard of %(population)s people and "
                            "%(area)s km² cannot be checked."
                        )
                        % {
                            "unit": row.name,
                            "population": f"{row.standard[0]:,}".replace(",", "."),
                            "area": row.standard[1],
                        }
                    )
                elif row.meets_standard is False:
                    warnings.append(
                        _(
                            "%(unit)s is below the standard of %(population)s people "
                            "and %(area)s km²."
                        )
                        % {
                            "unit": row.name,
                            "population": f"{row.standard[0]:,}".replace(",", "."),
                            "area": row.standard[1],
                        }
                    )
        if administrative and has_sources:
            share = operation.voters_in_favour_pct
            if share is None:
                blocking.append(
                    _("%(operation)s: record the voters' consultation result.")
                    % {"operation": operation}
                )
            elif share <= VOTERS_NEEDED:
                blocking.append(
                    _(
                        "%(operation)s: only %(share)s %% of voters are in favour; "
                        "more than half is needed."
                    )
                    % {"operation": operation, "share": share}
                )
    _quotas(rows, operations, mappings_of)
    unmapped = sum(
        1
        for operation in operations
        for position in positions[operation.pk]
        if position.pk not in {m.source_position_id for m in mappings_of[operation.pk]}
    )
    if unmapped:
        blocking.append(
            _("%(count)s position(s) of the source units are not mapped.")
            % {"count": unmapped}
        )
    return ImpactStatement(
        consolidation=consolidation, rows=rows, warnings=warnings, blocking=blocking
    )


def consolidation_checks(*, consolidation: Consolidation) -> list[CheckResult]:
    """The computed checks the appraisal report freezes: operations present,
    every position mapped, the head-count rule, the voters and the standards
    (blocking findings fail), the surplus and the leaders above the limits
    (reported with their dates)."""
    statement = impact_compute(consolidation=consolidation)
    operations = _operations(consolidation)
    has_operations = bool(operations)
    results = [
        CheckResult(
            code="operations",
            label=_("At least one operation"),
            passed=has_operations,
            detail=str(_("%(count)s operation(s).") % {"count": len(operations)}),
        ),
        CheckResult(
            code="blocking",
            label=_("Every position mapped; head-count, voters within the law"),
            passed=not statement.blocking,
            detail=" ".join(str(m) for m in statement.blocking) or str(_("None.")),
        ),
        CheckResult(
            code="impact",
            label=_("Surplus, leaders above the limits, standards"),
            passed=True,
            informational=True,
            detail=" ".join(str(m) for m in statement.warnings) or str(_("None.")),
        ),
    ]
    return results
