"""Writes of the annual staffing plan (kế hoạch biên chế): opening the cycle, each
unit's proposal, closing the collection, the appraiser's adjustments, the checks,
the People's Council resolution and the allocation that gives every unit its quotas
from 1 January (Decree 62/2020/NĐ-CP Art. 10; MoHA Dispatch 4966/BNV-TCBC of 2023;
Conclusion 40-KL/TW on the reduction targets).

Every action locks the row it changes (the plan, a proposal, a proposal line), checks
the status and the actor's right in its own transaction, and writes one audit row on
the dossier concerned (``appraisal.services.dossiers``). A unit's proposal is its own
dossier with its own lock, so a hundred and fifty units submitting at once wait for
nobody but themselves.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.exceptions import ValidationError
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from orgchart.models import JobPosition, Unit
from orgchart.permissions import Role, object_permission_grant
from orgchart.transactions import atomic

from ..documents.registry import Step
from ..models import (
    AuditEntry,
    Decision,
    DossierKind,
    PostKind,
    ReductionTarget,
    Revision,
    StaffingAdjustment,
    StaffingCeiling,
    StaffingPlan,
    StaffingProposal,
    StaffingProposalLine,
    UnitQuota,
)
from ..selectors.projects import ACT_FOR_UNIT, SIGN_FOR_UNIT, user_acts_for_unit
from .checklist import CheckResult
from .documents import documents_request
from .dossiers import (
    KindRules,
    audit_channel_current,
    audit_record,
    clean_ip,
    dossier_lock,
    dossier_transition,
    kind_rules_register,
    require_not_party,
    require_role,
    require_status,
    require_version,
    today,
)
from .numbering import DECISION, number_issue

__all__ = [
    "ABSURD_NUMBER",
    "allocation_apply",
    "collection_close",
    "number_adjust",
    "proposal_accept",
    "proposal_request_revision",
    "proposal_save",
    "proposal_send_back_to_officer",
    "proposal_submit",
    "resolution_record",
    "staffing_plan_checks",
    "staffing_plan_open",
]

Status = StaffingPlan.Status
Action = AuditEntry.Action
COMMITTEE_ISSUER = getattr(settings, "APPRAISAL_COMMITTEE_ISSUER", "UBND")

#: No unit of a province has this many posts of one kind: a number above it is a
#: typing error, refused with a message.
ABSURD_NUMBER = 100_000
#: A proposal that moves a number by more than this share of the assigned number
#: must say why (Decree 62/2020/NĐ-CP Art. 4(2): the grounds of the payroll).
JUSTIFY_ABOVE = Decimal("0.10")


def _require_home_affairs_lead(actor) -> None:
    require_role(
        actor,
        Role.DIVISION_HEAD,
        "not_division_head",
        _("Only the head of the organisation and staffing division does this."),
    )


def _require_plan_appraiser(actor, plan: StaffingPlan) -> None:
    """The appraisers of the division share a province's cycle (the one assigned
    leads it and writes the report); each change names who made it."""
    require_role(
        actor,
        Role.APPRAISER,
        "not_appraiser",
        _("Only an appraiser of the organisation and staffing division does this."),
    )


def _lock_plan(plan: StaffingPlan | int) -> StaffingPlan:
    """The plan locked (:func:`dossier_lock`: in a step, the page's reading)."""
    if not isinstance(plan, StaffingPlan):
        plan = StaffingPlan(pk=plan)
    return dossier_lock(plan)


def _lock_proposal(proposal: StaffingProposal | int) -> StaffingProposal:
    """The proposal locked, with its plan (:func:`dossier_lock`: in a step, the
    page's reading, which joins the plan too)."""
    if not isinstance(proposal, StaffingProposal):
        proposal = StaffingProposal(pk=proposal)
    return dossier_lock(proposal, related=("plan",))


def _previous_quotas(units: list[Unit], year: int) -> dict[tuple[int, str], int]:
    rows = UnitQuota.objects.filter(unit__in=units, year=year).values_list(
        "unit_id", "post_kind", "headcount"
    )
    return {(unit_id, kind): headcount for unit_id, kind, headcount in rows}


def _participants(units: Iterable[Unit], first_day: datetime.date) -> list[Unit]:
    """The units that exist on 1 January of the plan's year; a unit closed by a
    consolidation before then is replaced by its successors (PRODUCT.md flow 3)."""
    result, seen = [], set()
    pending = list(units)
    while pending:
        unit = pending.pop(0)
        if unit.pk in seen:
            continue
        seen.add(unit.pk)
        if unit.is_active_on(first_day):
            result.append(unit)
        else:
            pending.extend(unit.successors.all())
    return result


def _reduction(target: ReductionTarget | None, figures: dict) -> dict:
    """The reduction target a ceiling carries: the one in force on 1 January,
    with its legal basis, unless Home Affairs set another percentage when opening
    the cycle (then with the basis it gives, if any: e.g. the last period's
    target carried forward)."""
    in_force = getattr(target, "percent", Decimal(0))
    percent = figures.get("reduction_percent")
    if percent is None or Decimal(percent) == in_force:
        return {
            "reduction_percent": in_force,
            "reduction_basis": getattr(target, "legal_basis", ""),
        }
    return {
        "reduction_percent": Decimal(percent),
        "reduction_basis": figures.get("reduction_basis", ""),
    }


@atomic
def staffing_plan_open(
    *,
    actor: User,
    province: Unit,
    year: int,
    base_year: int,
    proposal_deadline: datetime.date,
    ceilings: dict[str, dict],
    units: Iterable[Unit],
    appraiser: User,
    title: str = "",
    legal_basis: str = "",
    ip: str | None = None,
) -> StaffingPlan:
    """Home Affairs opens the year's cycle: the province's ceiling, reserve and
    base-year count for each kind of post (``ceilings[post_kind] = {"ceiling": …,
    "reserve": …, "base_year_count": …}``, optionally ``"reduction_percent"``
    and ``"reduction_basis"``),
    the participating units, the deadline and the appraiser. Every unit gets its
    own proposal dossier at once, its lines pre-filled with the quota it holds
    this year. The reduction target in force on 1 January is copied with its
    legal basis, unless another percentage is given."""
    _require_home_affairs_lead(actor)
    if Role.APPRAISER not in set(appraiser.groups.values_list("name", flat=True)):
        raise ValidationError(
            {
                "appraiser": ValidationError(
                    _("Choose an appraiser of the division."), code="not_appraiser"
                )
            }
        )
    errors = {}
    if StaffingPlan.objects.filter(year=year).exists():
        errors["year"] = ValidationError(
            _("The staffing plan of %(year)s is already open."),
            code="duplicate_year",
            params={"year": year},
        )
    if base_year >= year:
        errors["base_year"] = ValidationError(
            _("The base year must come before the plan's year."), code="base_year"
        )
    if proposal_deadline < today():
        errors["proposal_deadline"] = ValidationError(
            _("The proposal deadline cannot be in the past."), code="deadline_past"
        )
    unknown = set(ceilings) - set(PostKind.values)
    if unknown or not ceilings:
        errors["ceilings"] = ValidationError(
            _("Give the ceilings of the kinds of post of the plan."), code="ceilings"
        )
    for figures in ceilings.values():
        for key in ("ceiling", "reserve", "base_year_count"):
            value = figures.get(key, 0)
            if not isinstance(value, int) or value < 0 or value > ABSURD_NUMBER:
                errors["ceilings"] = ValidationError(
                    _("%(figure)s must be a whole number from 0 to %(most)s."),
                    code="ceiling_number",
                    params={"figure": key, "most": ABSURD_NUMBER},
                )
        percent = figures.get("reduction_percent")
        if percent is not None and not (0 <= Decimal(percent) <= 100):
            errors["ceilings"] = ValidationError(
                _("A reduction target is a percentage from 0 to 100."),
                code="reduction_percent",
            )
        if figures.get("reserve", 0) > figures.get("ceiling", 0):
            errors["ceilings"] = ValidationError(
                _("The reserve cannot exceed the ceiling."), code="reserve_above"
            )
    first_day = datetime.date(year, 1, 1)
    participants = _participants(units, first_day)
    if not participants:
        errors["units"] = ValidationError(
            _("Choose the units that take part."), code="no_units"
        )
    if errors:
        raise ValidationError(errors)

    plan = StaffingPlan(
        dossier_kind=DossierKind.STAFFING_PLAN,
        unit=province,
        title=title or str(_("Staffing plan %(year)s") % {"year": year}),
        legal_basis=legal_basis,
        status=Status.COLLECTING,
        created_by=actor,
        assigned_appraiser=appraiser,
        year=year,
        base_year=base_year,
        proposal_deadline=proposal_deadline,
        due_on=proposal_deadline,
        # Revision 1 is the cycle as Home Affairs opened it (frozen below).
        current_revision=1,
    )
    plan.full_clean()
    plan.save()
    object_permission_grant(RULES.appraise_permission, appraiser, plan)
    targets = {
        target.post_kind: target
        for target in ReductionTarget.objects.filter(valid_from__lte=first_day)
        .exclude(valid_to__lt=first_day)
        .order_by("valid_from")
    }
    StaffingCeiling.objects.bulk_create(
        [
            StaffingCeiling(
                plan=plan,
                post_kind=kind,
                ceiling=figures.get("ceiling", 0),
                reserve=figures.get("reserve", 0),
                base_year_count=figures.get("base_year_count", 0),
                **_reduction(targets.get(kind), figures),
            )
            for kind, figures in ceilings.items()
        ]
    )
    Revision.objects.create(
        dossier=plan,
        number=1,
        snapshot={
            "ceilings": {
                kind: {
                    key: value if isinstance(value, int) else str(value)
                    for key, value in figures.items()
                }
                for kind, figures in ceilings.items()
            },
            "units": [unit.code for unit in participants],
            "proposal_deadline": proposal_deadline.isoformat(),
        },
        submitted_by=actor,
    )
    held = _previous_quotas(participants, year - 1)
    now = timezone.now()
    proposals = [
        StaffingProposal(
            dossier_kind=DossierKind.STAFFING_PROPOSAL,
            unit=unit,
            plan=plan,
            title=str(
                _("Staffing proposal %(year)s of %(unit)s")
                % {"year": year, "unit": unit.name}
            ),
            status=Status.DRAFT,
            created_by=actor,
            due_on=proposal_deadline,
            created_at=now,
            updated_at=now,
        )
        for unit in participants
    ]
    for proposal in proposals:
        proposal.save()
    StaffingProposalLine.objects.bulk_create(
        [
            StaffingProposalLine(
                proposal=proposal,
                post_kind=kind,
                assigned=held.get((proposal.unit_id, kind), 0),
                proposed=held.get((proposal.unit_id, kind), 0),
            )
            for proposal in proposals
            for kind in ceilings
        ]
    )
    entries = [
        AuditEntry(
            dossier=proposal,
            actor=actor,
            action=Action.CYCLE_OPENED,
            from_status=Status.DRAFT,
            to_status=Status.DRAFT,
            ip=clean_ip(ip),
            channel=audit_channel_current(),
        )
        for proposal in proposals
    ]
    for entry, proposal in zip(entries, proposals, strict=True):
        entry.seal("")  # the first line of a new proposal's history
        proposal.audit_head = entry.chain_hash
    AuditEntry.objects.bulk_create(entries)
    StaffingProposal.objects.bulk_update(proposals, ["audit_head"])
    audit_record(
        plan,
        actor=actor,
        action=Action.CYCLE_OPENED,
        from_status=Status.DRAFT,
        comment=str(
            _("%(count)s units asked for proposals by %(deadline)s.")
            % {
                "count": len(proposals),
                "deadline": date_format(proposal_deadline, "SHORT_DATE_FORMAT"),
            }
        ),
        ip=ip,
        new=True,
    )
    return plan


def _freeze(proposal: StaffingProposal, actor: User) -> None:
    """Freeze the proposal's numbers as its next revision."""
    proposal.current_revision += 1
    Revision.objects.create(
        dossier=proposal,
        number=proposal.current_revision,
        snapshot={
            "lines": [
                {
                    "post_kind": line.post_kind,
                    "assigned": line.assigned,
                    "actual": line.actual,
                    "proposed": line.proposed,
                    "justification": line.justification,
                }
                for line in proposal.lines.order_by("post_kind")
            ]
        },
        submitted_by=actor,
    )


def _line_errors(lines: dict[str, dict], existing: dict[str, StaffingProposalLine]):
    errors = []
    for kind, values in lines.items():
        line = existing.get(kind)
        if line is None:
            errors.append(
                ValidationError(
                    _("“%(kind)s” is not part of this plan."),
                    code="unknown_kind",
                    params={"kind": kind},
                )
            )
            continue
        label = line.get_post_kind_display()
        absurd = False
        for key in ("actual", "proposed"):
            value = values.get(key, getattr(line, key))
            if not isinstance(value, int) or value < 0 or value > ABSURD_NUMBER:
                errors.append(
                    ValidationError(
                        _("%(kind)s: the number must be from 0 to %(most)s."),
                        code="absurd_number",
                        params={"kind": label, "most": ABSURD_NUMBER},
                    )
                )
                absurd = True
        if absurd:
            continue
        proposed = values.get("proposed", line.proposed)
        justification = values.get("justification", line.justification).strip()
        change = abs(proposed - line.assigned)
        if change > max(1, line.assigned * JUSTIFY_ABOVE) and not justification:
            errors.append(
                ValidationError(
                    _(
                        "%(kind)s: explain a change from %(assigned)s to "
                        "%(proposed)s (more than 10 %% of the assigned number)."
                    ),
                    code="justification_required",
                    params={
                        "kind": label,
                        "assigned": line.assigned,
                        "proposed": proposed,
                    },
                )
            )
    return errors


@atomic
def proposal_save(
    *,
    proposal: StaffingProposal,
    actor: User,
    lines: dict[str, dict],
    expected_version: int | None = None,
    ip: str | None = None,
) -> StaffingProposal:
    """The unit officer records the numbers actually employed and proposed for
    each kind of post, with the justification (``lines[post_kind] = {"actual": …,
    "proposed": …, "justification": …}``). All or nothing."""
    locked = _lock_proposal(proposal)
    if not user_acts_for_unit(actor, locked.unit, ACT_FOR_UNIT):
        raise ValidationError(
            _("Only an officer of %(unit)s may prepare its proposal."),
            code="not_unit_officer",
            params={"unit": locked.unit},
        )
    require_status(locked, Status.DRAFT, Status.REVISION_REQUESTED)
    require_version(locked, expected_version)
    existing = {line.post_kind: line for line in locked.lines.select_for_update()}
    errors = _line_errors(lines, existing)
    if errors:
        raise ValidationError(errors)
    changed = ["actual", "proposed", "justification"]
    for kind, values in lines.items():
        line = existing[kind]
        for key in changed:
            if key in values:
                setattr(line, key, values[key])
        # Its proposal and kind, the only unique pair, are not changed here.
        line.full_clean(validate_constraints=False)
        line.save(update_fields=changed)
    dossier_transition(
        locked,
        proposal,
        actor=actor,
        action=Action.PROPOSAL_SAVED,
        from_status=locked.status,
        ip=ip,
    )
    return proposal


def _require_unit_head_while_open(actor, locked: StaffingProposal) -> None:
    """The unit's head acts on its proposal while it is with the unit and the
    collection is open."""
    if not user_acts_for_unit(actor, locked.unit, SIGN_FOR_UNIT):
        raise ValidationError(
            _("Only the head of %(unit)s may sign and submit its proposal."),
            code="not_unit_head",
            params={"unit": locked.unit},
        )
    require_status(locked, Status.DRAFT, Status.REVISION_REQUESTED)
    if locked.plan.collection_closed_at is not None:
        raise ValidationError(
            _("The collection of proposals is closed."), code="collection_closed"
        )


@atomic
def proposal_submit(
    *,
    proposal: StaffingProposal,
    actor: User,
    comment: str = "",
    ip: str | None = None,
) -> StaffingProposal:
    """The unit head signs and sends the proposal (a numbered revision is frozen,
    as for every dossier); refused once the collection is closed."""
    locked = _lock_proposal(proposal)
    _require_unit_head_while_open(actor, locked)
    _freeze(locked, actor)
    from_status = locked.status
    locked.status = Status.SUBMITTED
    locked.submitted_on = today()
    dossier_transition(
        locked,
        proposal,
        actor=actor,
        action=Action.SUBMITTED,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return proposal


@atomic
def proposal_send_back_to_officer(
    *, proposal: StaffingProposal, actor: User, reason: str, ip: str | None = None
) -> StaffingProposal:
    """The unit head does not sign and sends the proposal back to the unit's
    officer with what to correct; the status does not change (the proposal stays
    with the unit) and the officer's task shows the reason."""
    if not (reason or "").strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Say what the officer must correct."), code="reason_required"
                )
            }
        )
    locked = _lock_proposal(proposal)
    _require_unit_head_while_open(actor, locked)
    dossier_transition(
        locked,
        proposal,
        actor=actor,
        action=Action.SENT_BACK_TO_OFFICER,
        from_status=locked.status,
        comment=reason.strip(),
        ip=ip,
    )
    return proposal


@atomic
def proposal_request_revision(
    *, proposal: StaffingProposal, actor: User, reason: str, ip: str | None = None
) -> StaffingProposal:
    """The plan's appraiser sends one unit's proposal back with the reason; the
    other units' proposals are not touched."""
    if not (reason or "").strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Say what the unit must revise."), code="reason_required"
                )
            }
        )
    locked = _lock_proposal(proposal)
    _require_plan_appraiser(actor, locked.plan)
    require_not_party(actor, locked)
    require_status(locked, Status.SUBMITTED)
    from_status = locked.status
    locked.status = Status.REVISION_REQUESTED
    dossier_transition(
        locked,
        proposal,
        actor=actor,
        action=Action.REVISION_REQUESTED,
        from_status=from_status,
        comment=reason.strip(),
        ip=ip,
    )
    return proposal


@atomic
def proposal_accept(
    *, proposal: StaffingProposal, actor: User, ip: str | None = None
) -> StaffingProposal:
    """The plan's appraiser takes a submitted proposal into the aggregate."""
    locked = _lock_proposal(proposal)
    _require_plan_appraiser(actor, locked.plan)
    require_not_party(actor, locked)
    require_status(locked, Status.SUBMITTED)
    from_status = locked.status
    locked.status = Status.RECEIVED
    locked.received_on = today()
    dossier_transition(
        locked,
        proposal,
        actor=actor,
        action=Action.PROPOSAL_ACCEPTED,
        from_status=from_status,
        ip=ip,
    )
    return proposal


@atomic
def collection_close(
    *, plan: StaffingPlan, actor: User, ip: str | None = None
) -> StaffingPlan:
    """Close the collection: when every proposal is in, or after the deadline. A
    unit that did not answer is recorded as "no change" (its proposed numbers stay
    those it was assigned), and its proposal says so in its audit trail; a proposal
    submitted but not yet accepted is accepted as it stands. The deadline is met:
    the cycle and its proposals no longer carry a due date."""
    _require_home_affairs_lead(actor)
    locked = _lock_plan(plan)
    require_status(locked, Status.COLLECTING)
    proposals = list(
        StaffingProposal.objects.select_for_update(of=("self", "dossier_ptr")).filter(
            plan=locked
        )
    )
    open_ones = [p for p in proposals if p.status != Status.RECEIVED]
    if open_ones and today() <= locked.proposal_deadline:
        waiting = [p for p in open_ones if p.status != Status.SUBMITTED]
        if waiting:
            raise ValidationError(
                _(
                    "%(count)s units have not sent their proposal and the deadline "
                    "(%(deadline)s) has not passed."
                ),
                code="collection_open",
                params={
                    "count": len(waiting),
                    "deadline": date_format(
                        locked.proposal_deadline, "SHORT_DATE_FORMAT"
                    ),
                },
            )
    for proposal in open_ones:
        from_status = proposal.status
        if from_status == Status.SUBMITTED:
            action, comment = Action.PROPOSAL_ACCEPTED, ""
        else:
            proposal.no_answer = True
            action = Action.NO_ANSWER
            comment = str(
                _("No proposal by the deadline: the assigned numbers stay (no change).")
            )
            StaffingProposalLine.objects.filter(proposal=proposal).update(
                proposed=F("assigned")
            )
            # What the aggregate takes for the silent unit is frozen too; the
            # revision names who closed the collection.
            _freeze(proposal, actor)
        proposal.status = Status.RECEIVED
        proposal.received_on = today()
        dossier_transition(
            proposal,
            proposal,
            actor=actor,
            action=action,
            from_status=from_status,
            comment=comment,
            ip=ip,
        )
    # The proposal deadline was the cycle's and its proposals' due date; it is
    # met now. No processing time is set for the appraisal of a plan, so the
    # steps that follow run without a due date (rather than "overdue").
    StaffingProposal.objects.filter(plan=locked).update(due_on=None)
    locked.due_on = None
    locked.collection_closed_at = timezone.now()
    locked.received_on = today()
    from_status = locked.status
    locked.status = Status.UNDER_APPRAISAL
    dossier_transition(
        locked,
        plan,
        actor=actor,
        action=Action.COLLECTION_CLOSED,
        from_status=from_status,
        comment=str(
            _("%(answered)s of %(total)s units answered.")
            % {
                "answered": len(proposals) - sum(p.no_answer for p in open_ones),
                "total": len(proposals),
            }
        ),
        ip=ip,
    )
    return plan


@atomic
def number_adjust(
    *,
    line: StaffingProposalLine,
    actor: User,
    to_number: int,
    reason: str,
    expected: int | None = None,
    ip: str | None = None,
) -> StaffingAdjustment:
    """The plan's appraiser changes one unit's number for one kind of post, with
    the reason (kept per change). ``expected`` is the number the appraiser saw: if
    someone changed it meanwhile the change is refused (two appraisers on one
    cycle)."""
    if not (reason or "").strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Give the reason of the change."), code="reason_required"
                )
            }
        )
    if not isinstance(to_number, int) or to_number < 0 or to_number > ABSURD_NUMBER:
        raise ValidationError(
            {
                "to_number": ValidationError(
                    _("The number must be from 0 to %(most)s."),
                    code="absurd_number",
                    params={"most": ABSURD_NUMBER},
                )
            }
        )
    locked_line = (
        StaffingProposalLine.objects.select_for_update()
        .select_related("proposal__plan", "proposal__unit")
        .get(pk=line.pk)
    )
    plan = _lock_plan(locked_line.proposal.plan_id)
    _require_plan_appraiser(actor, plan)
    require_not_party(actor, locked_line.proposal)
    require_status(plan, Status.UNDER_APPRAISAL)
    current = locked_line.current
    if expected is not None and int(expected) != current:
        raise ValidationError(
            _(
                "Someone changed this number to %(current)s meanwhile. Check it and "
                "make your change again."
            ),
            code="stale",
            params={"current": current},
        )
    adjustment = StaffingAdjustment.objects.create(
        line=locked_line,
        from_number=current,
        to_number=to_number,
        reason=reason.strip(),
        author=actor,
    )
    locked_line.appraised = to_number
    locked_line.save(update_fields=["appraised"])
    audit_record(
        plan,
        actor=actor,
        action=Action.NUMBER_ADJUSTED,
        from_status=plan.status,
        comment=f"{locked_line.proposal.unit.name} · "
        f"{locked_line.get_post_kind_display()}: {current} → {to_number}. "
        f"{reason.strip()}",
        ip=ip,
    )
    line.appraised = to_number
    return adjustment


def _totals(plan: StaffingPlan) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for line in StaffingProposalLine.objects.filter(proposal__plan=plan):
        totals[line.post_kind] += line.current
    return totals


def staffing_plan_checks(*, plan: StaffingPlan) -> list[CheckResult]:
    """The checks of the plan, computed on its current numbers: the province's
    totals within the allocatable ceilings (blocking at the committee: ``code``
    starts with ``ceiling_``), the reduction against the base year meeting the
    target (a warning with the shortfall), each unit's proposed civil servants
    within its approved establishment on 1 January. A fixed number of queries."""
    results = []
    totals = _totals(plan)
    for ceiling in plan.ceilings.all():
        kind = ceiling.get_post_kind_display()
        total = totals.get(ceiling.post_kind, 0)
        results.append(
            CheckResult(
                code=f"ceiling_{ceiling.post_kind}",
                label=_("%(kind)s within the ceiling") % {"kind": kind},
                passed=total <= ceiling.allocatable,
                detail=_(
                    "%(total)s against %(allocatable)s (ceiling %(ceiling)s less a "
                    "reserve of %(reserve)s)."
                )
                % {
                    "total": total,
                    "allocatable": ceiling.allocatable,
                    "ceiling": ceiling.ceiling,
                    "reserve": ceiling.reserve,
                },
            )
        )
        if ceiling.reduction_percent and ceiling.base_year_count:
            needed = ceiling.base_year_count * (1 - ceiling.reduction_percent / 100)
            most = int(needed)  # whole posts, rounded down
            results.append(
                CheckResult(
                    code=f"reduction_{ceiling.post_kind}",
                    label=_("%(kind)s: reduction against %(year)s")
                    % {"kind": kind, "year": plan.base_year},
                    passed=total <= most,
                    detail=_(
                        "At most %(most)s for a reduction of %(percent)s %% "
                        "(%(basis)s); %(total)s proposed, %(shortfall)s over."
                    )
                    % {
                        "most": most,
                        "percent": ceiling.reduction_percent,
                        "basis": ceiling.reduction_basis,
                        "total": total,
                        "shortfall": max(0, total - most),
                    },
                )
            )
    first_day = datetime.date(plan.year, 1, 1)
    civil = {
        line.proposal.unit_id: (line.proposal.unit, line.current)
        for line in StaffingProposalLine.objects.filter(
            proposal__plan=plan, post_kind=PostKind.CIVIL_SERVANT
        ).select_related("proposal__unit")
    }
    establishment = dict(
        JobPosition.objects.active_on(first_day)
        .filter(unit_id__in=list(civil))
        .values("unit_id")
        .annotate(total=Sum("headcount"))
        .values_list("unit_id", "total")
    )
    over = [
        (unit, number, establishment.get(unit_id, 0))
        for unit_id, (unit, number) in civil.items()
        if establishment.get(unit_id) is not None and number > establishment[unit_id]
    ]
    results.append(
        CheckResult(
            code="within_establishment",
            label=_("Civil servants within each unit's approved establishment"),
            passed=not over,
            detail="; ".join(
                f"{unit.name}: {number} > {approved}" for unit, number, approved in over
            )
            or _("Every unit is within its establishment."),
        )
    )
    return results


def _require_within_ceilings(plan: StaffingPlan) -> None:
    """The province's totals within the allocatable ceilings: the law is firm
    there, so the committee's approval and the allocation are refused above them."""
    failed = [
        result
        for result in staffing_plan_checks(plan=plan)
        if result.code.startswith("ceiling_") and not result.passed
    ]
    if failed:
        raise ValidationError(
            [
                ValidationError(str(result.detail), code="above_ceiling")
                for result in failed
            ]
        )


@atomic
def resolution_record(
    *,
    plan: StaffingPlan,
    actor: User,
    number: str,
    date: datetime.date,
    ip: str | None = None,
) -> StaffingPlan:
    """Record the Provincial People's Council's resolution that assigns the payroll
    (its number and date) once the committee has approved the plan."""
    _require_home_affairs_lead(actor)
    locked = _lock_plan(plan)
    require_status(locked, Status.APPROVED)
    if not (number or "").strip():
        raise ValidationError(
            {
                "number": ValidationError(
                    _("Give the resolution's number."), code="number_required"
                )
            }
        )
    locked.council_resolution_number = number.strip()
    locked.council_resolution_date = date
    dossier_transition(
        locked,
        plan,
        actor=actor,
        action=Action.RESOLUTION_RECORDED,
        from_status=locked.status,
        comment=f"{number.strip()} ({date_format(date, 'SHORT_DATE_FORMAT')})",
        ip=ip,
    )
    return plan


@atomic
def allocation_apply(
    *, plan: StaffingPlan, actor: User, ip: str | None = None
) -> Decision:
    """The committee's allocation decision (``…/QĐ-UBND``), effective 1 January of
    the plan's year, gives every unit its quota for each kind of post; refused
    while a province total is above its ceiling or the People's Council resolution
    is not recorded. Applied once: a second call finds the plan applied."""
    require_role(
        actor,
        Role.COMMITTEE,
        "not_committee",
        _("Only the Provincial People's Committee allocates the quotas."),
    )
    locked = _lock_plan(plan)
    require_not_party(actor, locked)
    require_status(locked, Status.APPROVED)
    if not locked.council_resolution_number:
        raise ValidationError(
            _("Record the People's Council resolution first."),
            code="no_resolution",
        )
    _require_within_ceilings(locked)
    effective = datetime.date(locked.year, 1, 1)
    issued = number_issue(
        issuer=COMMITTEE_ISSUER, doc_type=DECISION, subject=str(locked)[:255]
    )
    decision = Decision.objects.create(
        dossier=locked,
        outcome=Decision.Outcome.APPROVED,
        number=issued.text,
        date=today(),
        signer=actor,
        effective_date=effective,
        applied_at=timezone.now(),
    )
    lines = StaffingProposalLine.objects.filter(proposal__plan=locked).select_related(
        "proposal__unit"
    )
    quotas = []
    for line in lines:
        line.approved = line.current
        quotas.append(
            UnitQuota(
                unit=line.proposal.unit,
                year=locked.year,
                post_kind=line.post_kind,
                headcount=line.approved,
                decision_number=issued.text,
                legal_basis=locked.council_resolution_number,
                plan=locked,
            )
        )
    StaffingProposalLine.objects.bulk_update(lines, ["approved"])
    UnitQuota.objects.bulk_create(quotas)
    documents_request(dossier=locked, step=Step.DECIDE, signer=actor)
    from_status = locked.status
    locked.status = Status.APPLIED
    locked.outcome = StaffingPlan.Outcome.APPROVED
    dossier_transition(
        locked,
        plan,
        actor=actor,
        action=Action.QUOTAS_APPLIED,
        from_status=from_status,
        comment=issued.text,
        ip=ip,
    )
    return decision


# --- the staffing plan's part in the shared steps ------------------------------------


def _approve(
    locked: StaffingPlan,
    report,
    decision: Decision,
    effective_date: datetime.date | None,
    comment: str,
) -> None:
    """The committee approves the plan for the People's Council: refused while a
    province total is above its ceiling (the law is firm there); the numbered
    allocation decision comes after the council's resolution
    (:func:`allocation_apply`)."""
    _require_within_ceilings(locked)
    return None


RULES = kind_rules_register(
    KindRules(
        model=StaffingPlan,
        appraise_permission="appraisal.appraise_staffing_plan",
        decide_message=_(
            "Only the Provincial People's Committee approves the staffing plan."
        ),
        checks=lambda plan: staffing_plan_checks(plan=plan),
        approve=_approve,
    )
)
