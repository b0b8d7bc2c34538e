"""The staffing plan's services: opening a cycle, the units' proposals, closing the
collection, the appraiser's adjustments, the checks and the allocation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from appraisal.models import (
    AuditEntry,
    JobPositionProject,
    ReductionTarget,
    StaffingPlan,
    StaffingProposal,
    UnitQuota,
)
from appraisal.services import dossiers
from appraisal.services import staffing as svc
from appraisal.services.checklist import checklist_compute
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.project_fixtures import advance

pytestmark = pytest.mark.django_db

Status = StaffingPlan.Status
Action = AuditEntry.Action
YEAR = timezone.localdate().year + 1


def codes(exc) -> set[str]:
    return {error.code for error in exc.value.error_list}


def field_codes(exc) -> set[str]:
    return {error.code for errors in exc.value.error_dict.values() for error in errors}


@pytest.fixture
def plan(people, units):
    UnitQuota.objects.create(unit=units["a"], year=YEAR - 1, headcount=20)
    UnitQuota.objects.create(unit=units["b"], year=YEAR - 1, headcount=30)
    return svc.staffing_plan_open(
        actor=people["division_head"],
        province=units["province"],
        year=YEAR,
        base_year=2021,
        proposal_deadline=timezone.localdate() + datetime.timedelta(days=10),
        ceilings={
            "civil_servant": {"ceiling": 60, "reserve": 2, "base_year_count": 55},
            "public_employee": {"ceiling": 0, "reserve": 0, "base_year_count": 0},
        },
        units=[units["a"], units["b"]],
        appraiser=people["appraiser"],
        ip="10.1.1.1",
    )


def _proposal(plan, unit) -> StaffingProposal:
    return StaffingProposal.objects.get(plan=plan, unit=unit)


def _submit(proposal, people, officer, head, proposed: int, why: str = "") -> None:
    svc.proposal_save(
        proposal=proposal,
        actor=people[officer],
        lines={
            "civil_servant": {"actual": 19, "proposed": proposed, "justification": why}
        },
    )
    svc.proposal_submit(proposal=proposal, actor=people[head])


def test_opening_gives_every_unit_its_own_proposal_with_this_years_quota(plan, units):
    assert plan.status == Status.COLLECTING
    assert plan.dossier_kind == "staffing_plan"
    proposals = {p.unit_id: p for p in StaffingProposal.objects.filter(plan=plan)}
    assert set(proposals) == {units["a"].pk, units["b"].pk}
    line = proposals[units["a"].pk].lines.get(post_kind="civil_servant")
    assert (line.assigned, line.proposed) == (20, 20)
    assert proposals[units["a"].pk].dossier_kind == "staffing_proposal"
    ceiling = plan.ceilings.get(post_kind="civil_servant")
    target = ReductionTarget.objects.get(post_kind="civil_servant")
    # The target of 2022–2026 is not in force on 1 January of next year.
    expected = target.percent if target.valid_to >= datetime.date(YEAR, 1, 1) else 0
    assert ceiling.reduction_percent == expected
    assert AuditEntry.objects.filter(action=Action.CYCLE_OPENED).count() == 3


def test_only_the_division_head_opens_a_cycle_and_a_year_opens_once(
    plan, people, units
):
    kwargs = dict(
        province=units["province"],
        year=YEAR,
        base_year=2021,
        proposal_deadline=timezone.localdate(),
        ceilings={"civil_servant": {"ceiling": 1, "base_year_count": 1}},
        units=[units["a"]],
        appraiser=people["appraiser"],
    )
    with pytest.raises(ValidationError) as exc:
        svc.staffing_plan_open(actor=people["appraiser"], **kwargs)
    assert codes(exc) == {"not_division_head"}
    with pytest.raises(ValidationError) as exc:
        svc.staffing_plan_open(actor=people["division_head"], **kwargs)
    assert "duplicate_year" in field_codes(exc)
    assert StaffingPlan.objects.count() == 1


def test_bad_numbers_are_refused_with_nothing_written(plan, people, units):
    proposal = _proposal(plan, units["a"])
    with pytest.raises(ValidationError) as exc:
        svc.proposal_save(
            proposal=proposal,
            actor=people["officer"],
            lines={"civil_servant": {"actual": 10, "proposed": 10_000_000}},
        )
    assert codes(exc) == {"absurd_number"}
    with pytest.raises(ValidationError) as exc:
        svc.proposal_save(
            proposal=proposal,
            actor=people["officer"],
            lines={"civil_servant": {"actual": 10, "proposed": 30}},
        )
    assert codes(exc) == {"justification_required"}
    line = proposal.lines.get(post_kind="civil_servant")
    assert (line.actual, line.proposed) == (0, 20)


def test_a_unit_sees_to_its_own_proposal_only(plan, people, units):
    with pytest.raises(ValidationError) as exc:
        svc.proposal_save(
            proposal=_proposal(plan, units["b"]),
            actor=people["officer"],
            lines={"civil_servant": {"actual": 1, "proposed": 30}},
        )
    assert codes(exc) == {"not_unit_officer"}
    with pytest.raises(ValidationError) as exc:
        svc.proposal_submit(proposal=_proposal(plan, units["b"]), actor=people["head"])
    assert codes(exc) == {"not_unit_head"}


def test_one_units_revision_leaves_the_other_alone(plan, people, units):
    a, b = _proposal(plan, units["a"]), _proposal(plan, units["b"])
    _submit(a, people, "officer", "head", 19)
    _submit(b, people, "officer_b", "head_b", 30)
    svc.proposal_request_revision(
        proposal=a, actor=people["appraiser"], reason="Giải trình số thực có"
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (Status.REVISION_REQUESTED, Status.SUBMITTED)
    entry = AuditEntry.objects.filter(dossier=a).order_by("-pk").first()
    assert (entry.action, entry.comment) == (
        Action.REVISION_REQUESTED,
        "Giải trình số thực có",
    )
    with pytest.raises(ValidationError) as exc:
        svc.proposal_request_revision(proposal=b, actor=people["reception"], reason="x")
    assert codes(exc) == {"not_appraiser"}
    _submit(a, people, "officer", "head", 18)
    a.refresh_from_db()
    assert (a.status, a.current_revision) == (Status.SUBMITTED, 2)


def test_collection_waits_for_the_deadline_then_counts_silence_as_no_change(
    plan, people, units
):
    a = _proposal(plan, units["a"])
    _submit(a, people, "officer", "head", 19)
    with pytest.raises(ValidationError) as exc:
        svc.collection_close(plan=plan, actor=people["division_head"])
    assert codes(exc) == {"collection_open"}
    StaffingPlan.objects.filter(pk=plan.pk).update(
        proposal_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    plan.refresh_from_db()
    svc.collection_close(plan=plan, actor=people["division_head"])
    assert plan.status == Status.UNDER_APPRAISAL
    b = _proposal(plan, units["b"])
    assert (b.status, b.no_answer) == (Status.RECEIVED, True)
    assert b.lines.get(post_kind="civil_servant").proposed == 30
    silence = AuditEntry.objects.get(dossier=b, action=Action.NO_ANSWER)
    assert "no change" in silence.comment
    assert _proposal(plan, units["a"]).status == Status.RECEIVED
    with pytest.raises(ValidationError) as exc:
        svc.proposal_submit(proposal=b, actor=people["head_b"])
    assert codes(exc) == {"wrong_status"}


def _closed(plan, people, units, a=19, b=30):
    why = "Thêm nhiệm vụ mới được giao"
    _submit(_proposal(plan, units["a"]), people, "officer", "head", a, why)
    _submit(_proposal(plan, units["b"]), people, "officer_b", "head_b", b, why)
    svc.collection_close(plan=plan, actor=people["division_head"])


def test_the_appraiser_adjusts_with_a_reason_and_a_stale_change_is_refused(
    plan, people, units
):
    _closed(plan, people, units)
    line = _proposal(plan, units["b"]).lines.get(post_kind="civil_servant")
    with pytest.raises(ValidationError) as exc:
        svc.number_adjust(line=line, actor=people["appraiser"], to_number=28, reason="")
    assert field_codes(exc) == {"reason_required"}
    svc.number_adjust(
        line=line,
        actor=people["appraiser"],
        to_number=28,
        reason="Giảm theo lộ trình",
        expected=30,
    )
    with pytest.raises(ValidationError) as exc:
        svc.number_adjust(
            line=line, actor=people["appraiser"], to_number=27, reason="x", expected=30
        )
    assert codes(exc) == {"stale"}
    line.refresh_from_db()
    assert (line.proposed, line.appraised, line.current) == (30, 28, 28)
    assert [(a.from_number, a.to_number) for a in line.adjustments.all()] == [(30, 28)]


def test_checks_show_the_ceiling_the_reduction_and_the_establishment(
    plan, people, units, positions
):
    _closed(plan, people, units, a=19, b=40)
    ceiling = plan.ceilings.get(post_kind="civil_servant")
    ceiling.reduction_percent = 5
    ceiling.save()
    checks = {c.code: c for c in svc.staffing_plan_checks(plan=plan)}
    # 59 against 60 less a reserve of 2.
    assert not checks["ceiling_civil_servant"].passed
    assert "59" in str(checks["ceiling_civil_servant"].detail)
    # 55 in 2021 less 5 % allows at most 52: 7 over.
    assert not checks["reduction_civil_servant"].passed
    assert "7" in str(checks["reduction_civil_servant"].detail)
    assert checks["ceiling_public_employee"].passed


def _to_the_committee(plan, people) -> None:
    """The plan's report through the steps every dossier shares: the appraiser
    completes it, the division head reviews it, the director signs it."""
    dossiers.report_complete(
        dossier=plan,
        actor=people["appraiser"],
        recommendation="approve",
        text="Kế hoạch trong trần biên chế được giao.",
    )
    dossiers.report_review(dossier=plan, actor=people["division_head"])
    dossiers.report_sign(dossier=plan, actor=people["director"])


def test_the_plan_goes_through_the_shared_report_and_decision_steps(
    plan, people, units, positions
):
    _closed(plan, people, units, a=19, b=45)
    # The appraiser named at the opening holds the plan's appraisal permission.
    assert people["appraiser"].has_perm("appraisal.appraise_staffing_plan", plan)
    with pytest.raises(ValidationError) as exc:
        dossiers.report_save(dossier=plan, actor=people["appraiser2"], text="x")
    assert codes(exc) == {"not_assigned_appraiser"}
    _to_the_committee(plan, people)
    assert plan.status == Status.AWAITING_DECISION
    report = plan.report
    assert report.number.endswith("/TTr-SNV")
    frozen = {c["code"]: c["passed"] for c in report.checklist_results}
    assert frozen["ceiling_civil_servant"] is False  # 64 against 58

    # Above the ceiling the committee cannot approve; it returns the plan.
    with pytest.raises(ValidationError) as exc:
        dossiers.dossier_decide(
            dossier=plan, actor=people["committee"], outcome="approved"
        )
    assert codes(exc) == {"above_ceiling"}
    plan.refresh_from_db()
    assert plan.status == Status.AWAITING_DECISION
    dossiers.dossier_decide(
        dossier=plan,
        actor=people["committee"],
        outcome="returned",
        comment="Vượt trần biên chế công chức.",
    )
    assert plan.status == Status.UNDER_APPRAISAL

    line = _proposal(plan, units["b"]).lines.get(post_kind="civil_servant")
    svc.number_adjust(
        line=line, actor=people["appraiser"], to_number=39, reason="Trong trần"
    )
    _to_the_committee(plan, people)
    assert (
        dossiers.dossier_decide(
            dossier=plan, actor=people["committee"], outcome="approved"
        )
        is None  # the numbered decision is the allocation, after the council
    )
    assert plan.status == Status.APPROVED
    actions = list(plan.audit_entries.values_list("action", flat=True))
    assert actions.count(Action.REPORT_SIGNED) == 2
    assert Action.RETURNED in actions and Action.APPROVED in actions


def test_allocation_needs_the_resolution_then_applies_once(
    plan, people, units, positions
):
    _closed(plan, people, units, a=19, b=39)
    _to_the_committee(plan, people)
    dossiers.dossier_decide(dossier=plan, actor=people["committee"], outcome="approved")
    with pytest.raises(ValidationError) as exc:
        svc.allocation_apply(plan=plan, actor=people["committee"])
    assert codes(exc) == {"no_resolution"}
    svc.resolution_record(
        plan=plan,
        actor=people["division_head"],
        number="25/NQ-HĐND",
        date=timezone.localdate(),
    )
    decision = svc.allocation_apply(plan=plan, actor=people["committee"])
    assert decision.number.endswith("/QĐ-UBND")
    assert decision.effective_date == datetime.date(YEAR, 1, 1)
    quotas = dict(
        UnitQuota.objects.filter(year=YEAR, post_kind="civil_servant").values_list(
            "unit__code", "headcount"
        )
    )
    assert quotas == {"SA": 19, "SB": 39}
    plan.refresh_from_db()
    assert plan.status == Status.APPLIED
    with pytest.raises(ValidationError) as exc:
        svc.allocation_apply(plan=plan, actor=people["committee"])
    assert codes(exc) == {"wrong_status"}
    assert UnitQuota.objects.filter(year=YEAR).count() == 4


def test_the_project_check_uses_the_allocated_quota_of_the_year(
    plan, people, units, draft
):
    # The plan fixture gave department A a quota of 20 for this year.
    advance(draft, people, JobPositionProject.Status.UNDER_APPRAISAL)
    check = {c.code: c for c in checklist_compute(project=draft)}["headcount_quota"]
    assert not check.informational
    assert "20" in str(check.detail)


def test_the_provincial_summary_adds_up_in_two_queries_whatever_the_units(
    people, units, django_assert_num_queries
):
    from appraisal.selectors.staffing import staffing_plan_summary
    from tests.factories import UnitFactory

    extra = [
        UnitFactory(code=f"SX{i}", parent=units["province"], name=f"Sở X{i}")
        for i in range(12)
    ]
    for unit, quota in ((units["a"], 20), (units["b"], 30)):
        UnitQuota.objects.create(unit=unit, year=YEAR - 1, headcount=quota)
    plan = svc.staffing_plan_open(
        actor=people["division_head"],
        province=units["province"],
        year=YEAR,
        base_year=2021,
        proposal_deadline=timezone.localdate(),
        ceilings={"civil_servant": {"ceiling": 100, "base_year_count": 90}},
        units=[units["a"], units["b"], *extra],
        appraiser=people["appraiser"],
    )
    _submit(_proposal(plan, units["a"]), people, "officer", "head", 19)
    with django_assert_num_queries(2):
        summary = staffing_plan_summary(plan=plan)
    assert (summary.units, summary.answered) == (14, 1)
    row_a = next(r for r in summary.rows if r.unit_code == "SA")
    assert (row_a.assigned, row_a.actual, row_a.proposed) == (20, 19, 19)
    assert row_a.change_percent == Decimal("-5.0")
    assert summary.totals["civil_servant"]["proposed"] == 19 + 30
    assert summary.ceilings["civil_servant"].allocatable == 100
