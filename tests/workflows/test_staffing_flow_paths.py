"""A whole staffing cycle driven through the real pages of its two flows, as each
person in turn: the division head opens it with four units, one unit is sent back
for revision once, one answers but is not reviewed before the collection closes,
one stays silent (closed after the deadline: "no change" recorded), the
appraiser adjusts a number with a reason, the report is reviewed and signed, the
committee returns the plan and then approves it, the People's Council resolution
is recorded and the allocation applied: every unit's quota of the year exists
with the decision's number, and the unit sees it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow import PROCESS, STATUS
from viewflow.workflow.models import Task

from appraisal.models import (
    AuditEntry,
    Decision,
    StaffingAdjustment,
    StaffingPlan,
    UnitQuota,
)
from tests.workflows.conftest import messages_of, url
from tests.workflows.staffing_fixtures import WHY, YEAR
from workflows.my_work import work_list_for_user

pytestmark = pytest.mark.django_db

Status = StaffingPlan.Status
Action = AuditEntry.Action


def _actions(dossier) -> list[str]:
    return list(
        AuditEntry.objects.filter(dossier=dossier)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


def _work(user) -> dict[str, list[str]]:
    """A person's home page, as ``{step: [dossier titles]}``."""
    work: dict[str, list[str]] = {}
    for task in work_list_for_user(user=user):
        work.setdefault(task.flow_task.name, []).append(task.project.title)
    return work


def _page(client, who, url):
    client.force_login(who)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_a_whole_cycle_through_the_pages(staffing, people, units, client):
    # --- the division head opens the cycle --------------------------------------------
    client.force_login(people["division_head"])
    start = client.get(reverse("staffing:staffingplan:start:execute"))
    assert start.status_code == 200
    # The reduction target in force (Conclusion 40-KL/TW) is filled in.
    assert start.context["form"]["reduction_civil_servant"].value() is not None
    plan = staffing.open_cycle()
    assert plan.status == Status.COLLECTING
    assert plan.ceilings.get().reduction_percent == 5
    cycle = staffing.plan_process(plan)
    close = staffing.open_task(cycle, "close_collection")
    # Only the division head may close it: it is in their inbox at once.
    assert (close.status, close.owner) == (STATUS.ASSIGNED, people["division_head"])
    # Every unit got its own proposal task at the same moment.
    for unit in ("a", "a1", "b", "b1"):
        process = staffing.proposal_process(plan, unit)
        assert process.parent_task.process_id == cycle.pk
        assert staffing.open_task(process).flow_task.name == "draft"
    assert sorted(_work(people["officer"])["draft"]) == sorted(
        [staffing.proposal(plan, "a").title, staffing.proposal(plan, "a1").title]
    )
    assert "draft" not in _work(people["division_head"])

    # --- department A: sent back once for revision ------------------------------------
    page = _page(
        client,
        people["officer"],
        url(staffing.open_task(staffing.proposal_process(plan, "a")), "assign"),
    )
    assert "Take the task" in page
    response = staffing.draft("officer", plan, "a", actual=19, proposed=21)
    assert response.status_code == 302
    submit = staffing.open_task(staffing.proposal_process(plan, "a"))
    assert submit.flow_task.name == "submit"
    # The head sends it back once with the reason; it returns to the officer.
    response = staffing.submit(
        "head", plan, "a", action="send_back", reason="Ghi rõ căn cứ"
    )
    assert response.status_code == 302
    back = staffing.open_task(staffing.proposal_process(plan, "a"))
    assert (back.flow_task.name, back.owner) == ("draft", people["officer"])
    page = _page(client, people["officer"], url(back, "execute"))
    assert "Ghi rõ căn cứ" in page
    assert (
        staffing.draft("officer", plan, "a", actual=19, proposed=21).status_code == 302
    )
    assert staffing.submit("head", plan, "a").status_code == 302
    review = staffing.open_task(staffing.proposal_process(plan, "a"))
    assert review.flow_task.name == "review" and review.owner is None
    # Any appraiser may review it; the unit's people may not.
    assert review.pk in {t.pk for t in work_list_for_user(user=people["appraiser2"])}
    assert review.pk not in {t.pk for t in work_list_for_user(user=people["head"])}
    response = staffing.review(
        "appraiser2", plan, "a", "request_revision", "Giải trình số đề nghị tăng"
    )
    assert response.status_code == 302
    proposal_a = staffing.proposal(plan, "a")
    assert proposal_a.status == Status.REVISION_REQUESTED
    revise = staffing.open_task(staffing.proposal_process(plan, "a"))
    # Back to the officer who drafted it, with the reason on the page; the other
    # units' proposals are not touched.
    assert (revise.flow_task.name, revise.owner) == ("draft", people["officer"])
    page = _page(client, people["officer"], url(revise, "execute"))
    assert "Giải trình số đề nghị tăng" in page
    assert staffing.proposal(plan, "a1").status == Status.DRAFT
    assert (
        staffing.draft("officer", plan, "a", actual=19, proposed=20).status_code == 302
    )
    assert staffing.submit("head", plan, "a").status_code == 302
    assert staffing.review("appraiser2", plan, "a").status_code == 302
    process_a = staffing.proposal_process(plan, "a")
    assert process_a.status == PROCESS.DONE
    assert staffing.proposal(plan, "a").status == Status.RECEIVED
    assert staffing.proposal(plan, "a").current_revision == 2

    # --- division A1 answers but is not reviewed before the collection closes ---------
    staffing.propose(plan, "a1", officer="officer", head="head", actual=5, proposed=5)
    # --- division B1 answers and is accepted; department B stays silent ---------------
    staffing.propose(
        plan, "b1", officer="officer_b", head="head_b", actual=0, proposed=0
    )
    assert staffing.review("appraiser", plan, "b1").status_code == 302

    # --- closing: refused before the deadline while B has not answered ----------------
    response = staffing.step("division_head", plan, "close_collection")
    assert response.status_code == 200
    assert "deadline" in response.content.decode()
    assert StaffingPlan.objects.get(pk=plan.pk).status == Status.COLLECTING
    staffing.deadline_passed(plan)
    response = staffing.step("division_head", plan, "close_collection", follow=True)
    assert response.status_code == 200
    assert "3 of 4 units answered" in " ".join(messages_of(response))
    plan.refresh_from_db()
    assert plan.status == Status.UNDER_APPRAISAL
    silent = staffing.proposal(plan, "b")
    assert silent.no_answer and silent.status == Status.RECEIVED
    assert Action.NO_ANSWER in _actions(silent)
    assert (
        "no change"
        in AuditEntry.objects.get(dossier=silent, action=Action.NO_ANSWER).comment
    )
    # The proposals still open are closed: their tasks left everybody's lists.
    for unit in ("b", "a1"):
        process = staffing.proposal_process(plan, unit)
        assert process.status == PROCESS.CANCELED
        assert not Task.objects.filter(
            process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED]
        ).exists()
    assert "draft" not in _work(people["officer_b"])
    assert "review" not in _work(people["appraiser"])
    assert staffing.proposal(plan, "a1").status == Status.RECEIVED

    # --- appraisal --------------------------------------------------------------------
    assign = staffing.open_task(cycle, "assign_appraiser")
    assert assign.owner == people["division_head"]
    response = staffing.step(
        "division_head",
        plan,
        "assign_appraiser",
        {"appraiser": people["appraiser"].pk},
    )
    assert response.status_code == 302
    appraise = staffing.open_task(cycle, "appraise")
    assert (appraise.status, appraise.owner) == (STATUS.ASSIGNED, people["appraiser"])
    page = _page(client, people["appraiser"], url(appraise, "execute"))
    assert "No answer (no change)" in page
    line_b = silent.lines.get()
    # An adjustment without a reason is refused; one with a stale number too.
    appraise_url = url(appraise, "execute")
    client.force_login(people["appraiser"])
    prefix = f"adjust-{line_b.pk}"
    response = client.post(
        appraise_url,
        {"_adjust": line_b.pk, f"{prefix}-expected": 30, f"{prefix}-to_number": 28},
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = client.post(
        appraise_url,
        {
            "_adjust": line_b.pk,
            f"{prefix}-expected": 31,
            f"{prefix}-to_number": 28,
            f"{prefix}-reason": "Giảm theo lộ trình",
        },
    )
    assert response.status_code == 200
    assert "changed this number to 30 meanwhile" in response.content.decode()
    # What was typed is still there.
    assert "Giảm theo lộ trình" in response.content.decode()
    assert not StaffingAdjustment.objects.exists()
    response = client.post(
        appraise_url,
        {
            "_adjust": line_b.pk,
            f"{prefix}-expected": 30,
            f"{prefix}-to_number": 28,
            f"{prefix}-reason": "Giảm theo lộ trình tinh giản",
        },
        follow=True,
    )
    assert response.status_code == 200
    line_b.refresh_from_db()
    assert line_b.appraised == 28
    adjustment = StaffingAdjustment.objects.get()
    assert (adjustment.from_number, adjustment.reason, adjustment.author) == (
        30,
        "Giảm theo lộ trình tinh giản",
        people["appraiser"],
    )
    assert "Giảm theo lộ trình tinh giản" in response.content.decode()

    def complete_report(text):
        plan.refresh_from_db()
        return staffing.step(
            "appraiser",
            plan,
            "appraise",
            {"version": plan.version, "recommendation": "approve", "text": text},
        )

    assert complete_report("Đề nghị phê duyệt").status_code == 302
    assert StaffingPlan.objects.get(pk=plan.pk).status == Status.REPORT_COMPLETED
    assert (
        staffing.step(
            "division_head", plan, "review_report", {"action": "sign"}
        ).status_code
        == 302
    )
    assert (
        staffing.step("director", plan, "sign_report", {"action": "sign"}).status_code
        == 302
    )
    plan.refresh_from_db()
    assert plan.status == Status.AWAITING_DECISION
    assert plan.report.number.endswith("/TTr-SNV")

    # --- the committee returns it, then approves it -----------------------------------
    response = staffing.step("committee", plan, "decide", {"outcome": "returned"})
    assert response.status_code == 200  # the reason is required
    response = staffing.step(
        "committee",
        plan,
        "decide",
        {"outcome": "returned", "comment": "Rà soát lại số hợp đồng"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == Status.UNDER_APPRAISAL
    appraise = staffing.open_task(cycle, "appraise")
    assert appraise.owner == people["appraiser"]
    page = _page(client, people["appraiser"], url(appraise, "execute"))
    assert "Rà soát lại số hợp đồng" in page
    assert complete_report("Đã rà soát lại").status_code == 302
    staffing.step("division_head", plan, "review_report", {"action": "sign"})
    staffing.step("director", plan, "sign_report", {"action": "sign"})
    response = staffing.step("committee", plan, "decide", {"outcome": "approved"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == Status.APPROVED

    # --- the People's Council resolution and the allocation ---------------------------
    record = staffing.open_task(cycle, "record_resolution")
    assert record.owner == people["division_head"]
    response = staffing.step(
        "division_head",
        plan,
        "record_resolution",
        {"number": "25/NQ-HĐND", "date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    allocate = staffing.open_task(cycle, "allocate")
    # Two committee members may allocate: it waits in both their queues.
    assert allocate.owner is None
    for member in ("committee", "committee_a"):
        assert "allocate" in _work(people[member])
    response = staffing.step("committee", plan, "allocate", follow=True)
    assert response.status_code == 200
    decision = Decision.objects.get(dossier=plan, outcome="approved", number__gt="")
    assert decision.number.endswith("/QĐ-UBND")
    assert decision.number in " ".join(messages_of(response))
    assert decision.effective_date == datetime.date(YEAR, 1, 1)
    plan.refresh_from_db()
    cycle.refresh_from_db()
    assert plan.status == Status.APPLIED and cycle.status == PROCESS.DONE
    quotas = {
        quota.unit.code: (quota.headcount, quota.decision_number)
        for quota in UnitQuota.objects.filter(year=YEAR).select_related("unit")
    }
    assert quotas == {
        "SA": (20, decision.number),
        "SA-P1": (5, decision.number),
        "SB": (28, decision.number),
        "SB-P1": (0, decision.number),
    }
    # The unit sees its quota: on its proposal's page and in the summary.
    page = _page(
        client,
        people["officer_b"],
        reverse(
            "staffing:staffingproposal:process_detail",
            args=[staffing.proposal_process(plan, "b").pk],
        ),
    )
    assert 'data-figure="approved">28<' in page
    summary = _page(
        client, people["officer_b"], reverse("staffing:summary", args=[plan.pk])
    )
    assert 'data-figure="approved">28<' in summary
    assert _actions(plan) == [
        Action.CYCLE_OPENED,
        Action.COLLECTION_CLOSED,
        Action.NUMBER_ADJUSTED,
        Action.REPORT_SAVED,
        Action.REPORT_COMPLETED,
        Action.REPORT_REVIEWED,
        Action.REPORT_SIGNED,
        Action.RETURNED,
        Action.REPORT_SAVED,
        Action.REPORT_COMPLETED,
        Action.REPORT_REVIEWED,
        Action.REPORT_SIGNED,
        Action.APPROVED,
        Action.RESOLUTION_RECORDED,
        Action.QUOTAS_APPLIED,
    ]
    assert WHY in _page(
        client,
        people["observer"],
        reverse("staffing:staffingproposal:process_detail", args=[process_a.pk]),
    )
