"""A staffing cycle moved through its real flows, as far as a demo or a test
needs it: the cycle opened (every unit asked at once), proposals drafted,
submitted, accepted or sent back, and the cycle itself at any of its steps.

Each step is what its task page does — the one service, then the task's
activation under the flow lock — so the processes, tasks, audit trail and
numbers are those a person would have left.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from appraisal.models import (
    PostKind,
    StaffingPlan,
    StaffingProposal,
    UnitQuota,
)
from appraisal.services import dossiers as dossier_services
from appraisal.services import staffing as staffing_services
from orgchart.models import Unit

from .demo import DEMO_IP, DemoRequest, task_act
from .flows import StaffingPlanFlow, StaffingProposalFlow
from .models import StaffingPlanProcess, StaffingProposalProcess
from .staffing_forms import DEFAULT_PARTICIPANTS

#: Where a unit's proposal is left.
PROPOSAL_STATES = (
    "open",
    "saved",
    "handed_over",
    "submitted",
    "sent_back",
    "accepted",
)
#: Where the cycle is left: at one of its steps, or applied.
PLAN_STATES = (
    "close_collection",
    "assign_appraiser",
    "appraise",
    "review_report",
    "sign_report",
    "decide",
    "record_resolution",
    "allocate",
    "applied",
)
JUSTIFICATION = "Bổ sung nhiệm vụ theo chức năng mới được giao"


@dataclass(frozen=True)
class CyclePeople:
    """Who acts in a demo cycle: the division head, the appraiser, the director
    and the committee member."""

    division_head: object
    appraiser: object
    director: object
    committee: object


def cycle_open(
    *,
    people: CyclePeople,
    province: Unit,
    year: int,
    units: list[Unit],
    ceilings: dict[str, dict],
    deadline: datetime.date,
    base_year: int = 2021,
) -> StaffingPlanProcess:
    """The division head opens the cycle through the flow's start step: every
    unit gets its proposal process at once."""
    node = StaffingPlanFlow.start
    with transaction.atomic():
        activation = node.activation_class.create(node, None, None)
        activation.start(DemoRequest(people.division_head))
        plan = staffing_services.staffing_plan_open(
            actor=people.division_head,
            province=province,
            year=year,
            base_year=base_year,
            proposal_deadline=deadline,
            ceilings=ceilings,
            units=units,
            appraiser=people.appraiser,
            legal_basis="Nghị định 62/2020/NĐ-CP, Điều 10; Công văn 4966/BNV-TCBC",
            ip=DEMO_IP,
        )
        activation.process.artifact = plan
        activation.execute()
    return StaffingPlanProcess.objects.get(pk=activation.process.pk)


def proposal_process(proposal: StaffingProposal) -> StaffingProposalProcess:
    return StaffingProposalProcess.objects.get(
        flow_class=StaffingProposalFlow, artifact_object_id=proposal.pk
    )


def _numbers(proposal: StaffingProposal, change: int) -> dict[str, dict]:
    """The unit's numbers: employed a little under the quota, proposed with
    ``change`` on the civil servants (justified)."""
    lines = {}
    for line in proposal.lines.all():
        delta = change if line.post_kind == PostKind.CIVIL_SERVANT else 0
        lines[line.post_kind] = {
            "actual": max(0, line.assigned - 1),
            "proposed": max(0, line.assigned + delta),
            "justification": JUSTIFICATION if delta else "",
        }
    return lines


def proposal_walk(
    proposal: StaffingProposal,
    state: str,
    *,
    officer,
    head=None,
    appraiser=None,
    change: int = 1,
    reason: str = "Đề nghị giải trình rõ căn cứ tăng biên chế.",
) -> StaffingProposalProcess:
    """Move one unit's proposal to ``state`` (one of :data:`PROPOSAL_STATES`)."""
    process = proposal_process(proposal)
    if state == "open":
        return process
    lines = _numbers(proposal, change)

    def save(dossier):
        staffing_services.proposal_save(
            proposal=dossier, actor=officer, lines=lines, ip=DEMO_IP
        )

    if state == "saved":
        with transaction.atomic():
            save(proposal)
        return process
    task_act(process, "draft", officer, save)
    if state == "handed_over":
        return process
    task_act(
        process,
        "submit",
        head,
        lambda dossier: staffing_services.proposal_submit(
            proposal=dossier, actor=head, comment="Kính trình Sở Nội vụ", ip=DEMO_IP
        ),
    )
    if state == "submitted":
        return process
    if state == "sent_back":
        task_act(
            process,
            "review",
            appraiser,
            lambda dossier: staffing_services.proposal_request_revision(
                proposal=dossier, actor=appraiser, reason=reason, ip=DEMO_IP
            ),
        )
        return process
    task_act(
        process,
        "review",
        appraiser,
        lambda dossier: staffing_services.proposal_accept(
            proposal=dossier, actor=appraiser, ip=DEMO_IP
        ),
    )
    return process


def _report(plan, people: CyclePeople) -> None:
    dossier_services.report_save(
        dossier=plan,
        actor=people.appraiser,
        recommendation="approve",
        text="Tổng số đề nghị trong chỉ tiêu được giao; đề nghị phê duyệt.",
        ip=DEMO_IP,
    )
    dossier_services.report_complete(
        dossier=plan, actor=people.appraiser, comment="Hoàn thành thẩm định"
    )


def plan_walk(process: StaffingPlanProcess, state: str, people: CyclePeople):
    """Move the cycle to ``state`` (one of :data:`PLAN_STATES`); its collection
    closes after the deadline (moved to yesterday when it has not passed)."""
    steps = [
        (
            "close_collection",
            people.division_head,
            lambda plan: staffing_services.collection_close(
                plan=plan, actor=people.division_head, ip=DEMO_IP
            ),
        ),
        (
            "assign_appraiser",
            people.division_head,
            lambda plan: None,  # the appraiser of the cycle goes on with it
        ),
        ("appraise", people.appraiser, lambda plan: _report(plan, people)),
        (
            "review_report",
            people.division_head,
            lambda plan: dossier_services.report_review(
                dossier=plan, actor=people.division_head, ip=DEMO_IP
            ),
        ),
        (
            "sign_report",
            people.director,
            lambda plan: dossier_services.report_sign(
                dossier=plan, actor=people.director, ip=DEMO_IP
            ),
        ),
        (
            "decide",
            people.committee,
            lambda plan: dossier_services.dossier_decide(
                dossier=plan, actor=people.committee, outcome="approved", ip=DEMO_IP
            ),
        ),
        (
            "record_resolution",
            people.division_head,
            lambda plan: staffing_services.resolution_record(
                plan=plan,
                actor=people.division_head,
                number=f"{plan.year % 100}/NQ-HĐND",
                date=timezone.localdate(),
                ip=DEMO_IP,
            ),
        ),
        (
            "allocate",
            people.committee,
            lambda plan: staffing_services.allocation_apply(
                plan=plan, actor=people.committee, ip=DEMO_IP
            ),
        ),
    ]
    stop = PLAN_STATES.index(state)
    plan = process.plan
    if stop > 0 and plan.proposal_deadline >= timezone.localdate():
        StaffingPlan.objects.filter(pk=plan.pk).update(
            proposal_deadline=timezone.localdate() - datetime.timedelta(days=1)
        )
    for node_name, who, perform in steps[:stop]:
        task_act(process, node_name, who, perform)
    return process


# --- the demo's cycle ------------------------------------------------------------


def _demo_quota(unit: Unit, index: int) -> dict[str, int]:
    """Illustrative quotas of last year for a demo unit (no allocation was ever
    recorded in a fresh demo)."""
    if unit.kind == Unit.Kind.PUBLIC_SERVICE_UNIT:
        return {PostKind.PUBLIC_EMPLOYEE: 40 + index % 25, PostKind.CONTRACT: 3}
    if unit.kind == Unit.Kind.COMMUNE_PC:
        return {PostKind.CIVIL_SERVANT: 40 + index % 20, PostKind.CONTRACT: 2}
    return {PostKind.CIVIL_SERVANT: 20 + (index * 7) % 30, PostKind.CONTRACT: 2}


def demo_quotas_ensure(*, units: list[Unit], year: int) -> dict[str, int]:
    """The quotas of ``year`` of the demo units (created where missing) and the
    province's total per kind of post."""
    existing = {
        (quota.unit_id, quota.post_kind)
        for quota in UnitQuota.objects.filter(unit__in=units, year=year)
    }
    new = []
    for index, unit in enumerate(units):
        for kind, headcount in _demo_quota(unit, index).items():
            if (unit.pk, kind) not in existing:
                new.append(
                    UnitQuota(
                        unit=unit,
                        year=year,
                        post_kind=kind,
                        headcount=headcount,
                        legal_basis="Số liệu minh họa",
                    )
                )
    UnitQuota.objects.bulk_create(new)
    totals: dict[str, int] = {}
    for kind, headcount in UnitQuota.objects.filter(
        unit__in=units, year=year
    ).values_list("post_kind", "headcount"):
        totals[kind] = totals.get(kind, 0) + headcount
    return totals


def demo_ceilings(totals: dict[str, int]) -> dict[str, dict]:
    """Ceilings a little under last year's totals (the streamlining goes on),
    one post kept in reserve, the base year's counts a little above."""
    return {
        kind: {
            "ceiling": math.floor(total * 0.99),
            "reserve": 1,
            "base_year_count": math.ceil(total * 1.06),
        }
        for kind, total in totals.items()
    }


def demo_staffing_seed(*, users: dict, year: int, unit_code: str = "STP"):
    """The demo's staffing cycle of ``year`` (idempotent: nothing when it is
    open already): every agency, public service unit and commune is asked, and
    ``unit_code`` (the demo unit) with two of its divisions; the demo unit's
    proposal is accepted, one division's waits for review, the other's was sent
    back for revision; the other units have not answered yet. ``users`` maps
    the demo logins (officer, unithead, appraiser, divisionhead, director,
    committee) to people."""
    if StaffingPlan.objects.filter(year=year).exists():
        return None
    today = timezone.localdate()
    demo_unit = Unit.objects.get(code=unit_code, valid_to__isnull=True)
    divisions = list(
        Unit.objects.active_on(today)
        .filter(parent=demo_unit, kind=Unit.Kind.DIVISION)
        .order_by("path")[:2]
    )
    units = list(
        Unit.objects.active_on(today)
        .filter(kind__in=DEFAULT_PARTICIPANTS)
        .order_by("path")
    )
    units += [unit for unit in divisions if unit not in units]
    province = (
        Unit.objects.active_on(today)
        .filter(kind=Unit.Kind.PROVINCIAL_PC)
        .order_by("path")
        .first()
    )
    totals = demo_quotas_ensure(units=units, year=year - 1)
    people = CyclePeople(
        division_head=users["divisionhead"],
        appraiser=users["appraiser"],
        director=users["director"],
        committee=users["committee"],
    )
    process = cycle_open(
        people=people,
        province=province,
        year=year,
        units=units,
        ceilings=demo_ceilings(totals),
        deadline=today + datetime.timedelta(days=21),
    )
    plan = process.plan
    acting = {"officer": users["officer"], "head": users["unithead"]}
    walks = [(demo_unit, "accepted")] + list(
        zip(divisions, ("submitted", "sent_back"), strict=False)
    )
    for unit, state in walks:
        proposal_walk(
            StaffingProposal.objects.get(plan=plan, unit=unit),
            state,
            appraiser=users["appraiser"],
            **acting,
        )
    return process
