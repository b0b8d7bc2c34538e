"""Reads of the staffing plan: the provincial summary Home Affairs watches while
the proposals come in (per unit and kind of post: assigned, actually employed,
proposed, appraised, approved and the change; the province's totals against the
ceilings), in a fixed number of queries whatever the number of units."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..models import StaffingCeiling, StaffingPlan, StaffingProposalLine

__all__ = ["StaffingSummary", "SummaryRow", "staffing_plan_summary"]

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


def staffing_plan_summary(*, plan: StaffingPlan) -> StaffingSummary:
    """The provincial summary of ``plan``: two queries (the lines with their
    proposal and unit; the ceilings), rows in tree order."""
    lines = (
        StaffingProposalLine.objects.filter(proposal__plan=plan)
        .select_related("proposal__unit")
        .order_by("proposal__unit__path", "post_kind")
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
