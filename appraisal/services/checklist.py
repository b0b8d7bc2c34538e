"""The computed part of the appraisal checklist (issue 3 §4), shown to the appraiser
on every revision and frozen into the report when it is completed.

The lines cannot change while Home Affairs holds the dossier, so during the
appraisal the current lines are those of the current revision. Each check reads the
project's lines and its unit's establishment on ``on`` (default today) in a fixed
number of queries.

The manual criteria (``ChecklistCriterion``) are answered by the appraiser in the
report; see :func:`appraisal.services.projects.report_save`.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgchart.models import JobPosition, PositionCategory

from ..models import (
    PAYROLL_POST_KINDS,
    Attachment,
    JobPositionProject,
    LeadershipLimit,
    LineAction,
    ProjectLine,
    UnitQuota,
)


@dataclass
class CheckResult:
    """One computed check: ``passed`` is False when the appraiser must act on it;
    ``informational`` results report a figure without a rule to hold it against."""

    code: str
    label: str
    passed: bool
    detail: str
    informational: bool = False

    def as_dict(self) -> dict:
        data = asdict(self)
        data["label"] = str(self.label)
        data["detail"] = str(self.detail)
        return data


def _normalised(name: str) -> str:
    return " ".join(name.split()).casefold()


def _establishment_after(
    active: list[JobPosition], lines: list[ProjectLine]
) -> list[tuple[str, str, int]]:
    """``(name, category code, headcount)`` of every position once the lines apply."""
    replaced = {
        line.position_id
        for line in lines
        if line.action in (LineAction.CHANGE, LineAction.END)
    }
    after = [
        (position.name, position.category.code, position.headcount)
        for position in active
        if position.pk not in replaced
    ]
    after += [
        (
            line.display_name,
            line.category.code if line.category_id else "",
            line.headcount or 0,
        )
        for line in lines
        if line.action in (LineAction.ADD, LineAction.CHANGE)
    ]
    return after


def _check_ranks(lines: list[ProjectLine], unit_kind: str) -> CheckResult:
    problems = []
    for number, line in enumerate(lines, start=1):
        if line.action == LineAction.END or not line.rank_id:
            continue
        entry = line.catalogue_entry if line.catalogue_entry_id else None
        if entry is None:
            continue
        if line.category_id != entry.category_id:
            problems.append(
                _("line %(n)s: category %(category)s is not that of %(entry)s")
                % {"n": number, "category": line.category, "entry": entry.code}
            )
        if not entry.allows_rank(line.rank):
            problems.append(
                _("line %(n)s: rank %(rank)s is outside the range of %(entry)s")
                % {"n": number, "rank": line.rank.code, "entry": entry.code}
            )
        if not entry.allows_unit_kind(unit_kind):
            problems.append(
                _("line %(n)s: %(entry)s does not apply to this kind of unit")
                % {"n": number, "entry": entry.code}
            )
    without_entry = sum(
        1
        for line in lines
        if line.action != LineAction.END and not line.catalogue_entry_id
    )
    detail = "; ".join(str(p) for p in problems) or str(
        _("Every rank is within its catalogue entry's range.")
    )
    if without_entry:
        detail += " " + str(
            _(
                "%(count)s line(s) have no catalogue entry: their rank is for the "
                "appraiser to judge."
            )
            % {"count": without_entry}
        )
    return CheckResult(
        code="rank_allowed",
        label=_("Each line's rank is allowed for its category and catalogue entry"),
        passed=not problems,
        detail=detail,
    )


def _check_positions(
    lines: list[ProjectLine], project: JobPositionProject, active_ids: set[int]
) -> CheckResult:
    problems, seen = [], set()
    for number, line in enumerate(lines, start=1):
        if line.action not in (LineAction.CHANGE, LineAction.END):
            continue
        if line.position_id in seen:
            problems.append(
                _("line %(n)s: another line already changes or ends this position")
                % {"n": number}
            )
        seen.add(line.position_id)
        if (
            line.position.unit_id != project.unit_id
            or line.position_id not in active_ids
        ):
            problems.append(
                _("line %(n)s: “%(name)s” is not an active position of the unit")
                % {"n": number, "name": line.position.name}
            )
    return CheckResult(
        code="positions_active",
        label=_("Changed and ended lines point to active positions of the unit"),
        passed=not problems,
        detail="; ".join(str(p) for p in problems)
        or str(_("Every changed or ended position is active in the unit.")),
    )


def _check_names(
    active: list[JobPosition], after: list[tuple[str, str, int]]
) -> CheckResult:
    """A name the change makes appear more than once fails; a duplicate the
    establishment already had (e.g. one position kept at two ranks) is only
    reported."""
    before: dict[str, int] = {}
    for position in active:
        key = _normalised(position.name)
        before[key] = before.get(key, 0) + 1
    counts: dict[str, list[str]] = {}
    for name, _category, _headcount in after:
        counts.setdefault(_normalised(name), []).append(name)
    created = sorted(
        names[0]
        for key, names in counts.items()
        if len(names) > 1 and len(names) > before.get(key, 0)
    )
    kept = sorted(
        names[0]
        for key, names in counts.items()
        if len(names) > 1 and len(names) <= before.get(key, 0)
    )
    if created:
        detail = str(_("Duplicated: %(names)s.") % {"names": ", ".join(created)})
    else:
        detail = str(_("The change creates no duplicate name."))
    if kept:
        detail += " " + str(
            _("Already more than once before the change: %(names)s.")
            % {"names": ", ".join(kept)}
        )
    return CheckResult(
        code="unique_names",
        label=_("No duplicate position names in the unit after the change"),
        passed=not created,
        detail=detail,
    )


def _check_leadership(after: list[tuple[str, str, int]], unit_kind: str) -> CheckResult:
    total = sum(
        headcount
        for _name, category, headcount in after
        if category == PositionCategory.LEADERSHIP
    )
    limit = LeadershipLimit.objects.filter(unit_kind=unit_kind).first()
    label = _("Leadership posts within the configured limit")
    if limit is None:
        return CheckResult(
            code="leadership_limit",
            label=label,
            passed=True,
            informational=True,
            detail=str(
                _(
                    "%(total)s leadership post(s) after the change; no limit is "
                    "configured for this kind of unit."
                )
                % {"total": total}
            ),
        )
    return CheckResult(
        code="leadership_limit",
        label=label,
        passed=total <= limit.max_headcount,
        detail=str(
            _(
                "%(total)s leadership post(s) after the change; the limit is "
                "%(limit)s (%(basis)s)."
            )
            % {"total": total, "limit": limit.max_headcount, "basis": limit.legal_basis}
        ),
    )


def _check_attachments(project: JobPositionProject) -> CheckResult:
    present = set(project.attachments.values_list("kind", flat=True))
    missing = [
        str(Attachment.Kind(kind).label)
        for kind in Attachment.REQUIRED_KINDS
        if kind not in present
    ]
    return CheckResult(
        code="attachments_present",
        label=_("Required documents attached"),
        passed=not missing,
        detail=str(_("Missing: %(kinds)s.") % {"kinds": ", ".join(missing)})
        if missing
        else str(_("Every required document is attached.")),
    )


def _check_headcount(
    project: JobPositionProject,
    before: int,
    after: list[tuple[str, str, int]],
    on: datetime.date,
) -> CheckResult:
    total = sum(headcount for _name, _category, headcount in after)
    # The payroll the staffing plan allocated for the year: civil servants and
    # budget-paid public employees (contract workers under Decree 111/2022/NĐ-CP
    # hold no job position of the establishment).
    quota = (
        UnitQuota.objects.filter(
            unit=project.unit, year=on.year, post_kind__in=PAYROLL_POST_KINDS
        )
        .values("unit")
        .annotate(headcount=Sum("headcount"))
        .order_by("unit")
        .first()
    )
    label = _("Headcount after the change within the unit's quota")
    figures = {"before": before, "after": total, "year": on.year}
    if quota is None:
        return CheckResult(
            code="headcount_quota",
            label=label,
            passed=True,
            informational=True,
            detail=str(
                _(
                    "Headcount %(before)s before, %(after)s after the change; no "
                    "payroll quota is recorded for %(year)s."
                )
                % figures
            ),
        )
    return CheckResult(
        code="headcount_quota",
        label=label,
        passed=total <= quota["headcount"],
        detail=str(
            _(
                "Headcount %(before)s before, %(after)s after the change; the "
                "quota for %(year)s is %(quota)s."
            )
            % {**figures, "quota": quota["headcount"]}
        ),
    )


def checklist_compute(
    *, project: JobPositionProject, on: datetime.date | None = None
) -> list[CheckResult]:
    """The computed checks of the appraisal (issue 3 §4) on the project's lines and
    its unit's establishment on ``on`` (default today): ranks allowed by the
    catalogue entry (Decree 62/2020/NĐ-CP Art. 5; the framework lists of Decree
    361/2025/NĐ-CP), changed/ended positions active in the unit, unique names,
    leadership within the configured limit, required documents (Decree
    106/2020/NĐ-CP Art. 7(2)), and the headcount against the year's quota when one
    is recorded (Decree 62/2020/NĐ-CP Art. 10). Seven queries."""
    on = on or timezone.localdate()
    lines = list(
        project.lines.select_related(
            "position", "catalogue_entry", "category", "rank"
        ).order_by("order", "pk")
    )
    active = list(
        JobPosition.objects.active_on(on)
        .filter(unit=project.unit)
        .select_related("category")
    )
    after = _establishment_after(active, lines)
    return [
        _check_ranks(lines, project.unit.kind),
        _check_positions(lines, project, {position.pk for position in active}),
        _check_names(active, after),
        _check_leadership(after, project.unit.kind),
        _check_attachments(project),
        _check_headcount(
            project, sum(position.headcount for position in active), after, on
        ),
    ]
