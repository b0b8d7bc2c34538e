"""Every path of the job-position project, driven through the flow's real URLs as
each person in turn: approval (as proposed and with the appraiser's changes), return
to Home Affairs, rejection, refusal at reception, the supplement loop and the
revision loop. Each asserts the process and task states, who holds each task, the
numbers, the due dates, the audit trail and the establishment before and after the
decision's effective date."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from viewflow.workflow import PROCESS, STATUS
from viewflow.workflow.models import Task

from appraisal.models import AuditEntry, Decision, JobPositionProject
from appraisal.services.deadlines import due_date_for, due_date_resume
from orgchart.selectors import unit_get_establishment
from tests.workflows.conftest import dossier_url, messages_of, url
from workflows.flows import JobPositionProjectFlow
from workflows.selectors import task_list_inbox, task_list_queue

pytestmark = pytest.mark.django_db

Status = JobPositionProject.Status
Action = AuditEntry.Action


def _project(process) -> JobPositionProject:
    return JobPositionProject.objects.get(pk=process.artifact_object_id)


def _actions(project) -> list[str]:
    return list(
        AuditEntry.objects.filter(dossier=project)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


def _establishment(unit, on) -> dict[str, int]:
    establishment = unit_get_establishment(unit=unit, as_of=on)
    return {position.name: position.headcount for position in establishment.positions}


def _effective_date() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=30)


def test_approved_project_changes_the_establishment_from_its_effective_date(
    driver, people, units
):
    officer, head = people["officer"], people["head"]
    process = driver.start("officer")
    project = _project(process)
    draft = driver.open_task(process)
    assert (draft.flow_task.name, draft.status, draft.owner) == (
        "draft",
        STATUS.ASSIGNED,
        officer,
    )
    assert project.status == Status.DRAFT and project.created_by == officer

    driver.attach_required("officer", process)
    response = driver.draft(
        "officer", process, [driver.add_line()], comment="Xin trình thủ trưởng ký"
    )
    assert response.status_code == 302
    submit = driver.open_task(process)
    assert (submit.flow_task.name, submit.status, submit.owner) == (
        "submit",
        STATUS.NEW,
        None,
    )
    # Only the heads of department A find it in their queue.
    assert submit in task_list_queue(user=head)
    assert submit not in task_list_queue(user=people["head_b"])
    assert submit not in task_list_queue(user=people["reception"])

    response = driver.execute("head", process, "submit", {"comment": "Kính trình"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.SUBMITTED and project.current_revision == 1
    receive = driver.open_task(process)
    assert receive.flow_task.name == "receive" and receive.owner is None
    assert receive in task_list_queue(user=people["reception"])
    assert receive not in task_list_queue(user=head)

    response = driver.execute(
        "reception", process, "receive", {"decision": "accept", "comment": "Đủ hồ sơ"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    today = timezone.localdate()
    assert project.status == Status.RECEIVED
    assert re.fullmatch(rf"\d{{6}}/{today.year}/SNV", project.receipt_number)
    assert project.received_on == today
    assert project.due_on == due_date_for(
        dossier_kind=project.dossier_kind, step="total", start=today
    )

    response = driver.execute(
        "division_head",
        process,
        "assign_appraiser",
        {"appraiser": people["appraiser"].pk, "comment": "Giao đ/c thẩm định"},
    )
    assert response.status_code == 302
    appraise = driver.open_task(process)
    # The appraisal goes straight to the assigned appraiser's inbox.
    assert (appraise.flow_task.name, appraise.status, appraise.owner) == (
        "appraise",
        STATUS.ASSIGNED,
        people["appraiser"],
    )

    assert driver.save_report("appraiser", process, "approve").status_code == 302
    response = driver.execute(
        "appraiser", process, "appraise", {"action": "complete", "comment": "Đạt"}
    )
    assert response.status_code == 302
    assert driver.open_node(process) == "review_report"
    review = driver.open_task(process)
    # The division head is the only one who may review: the task is theirs.
    assert review.owner == people["division_head"]
    response = driver.execute(
        "division_head",
        process,
        "review_report",
        {"action": "sign", "comment": "Đủ căn cứ"},
    )
    assert response.status_code == 302
    assert driver.open_node(process) == "sign_report"

    response = driver.execute(
        "director", process, "sign_report", {"action": "sign", "comment": ""}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.AWAITING_DECISION
    assert project.report.number.endswith("/TTr-SNV")
    assert project.report.signed_by == people["director"]

    effective = _effective_date()
    before = _establishment(units["a"], effective - datetime.timedelta(days=1))
    response = driver.execute(
        "committee",
        process,
        "decide",
        {"outcome": "approved", "effective_date": effective.isoformat()},
        follow=True,
    )
    assert response.status_code == 200
    decision = Decision.objects.get(dossier=project)
    assert decision.number.endswith("/QĐ-UBND")
    assert decision.number in " ".join(messages_of(response))
    assert decision.applied_at is not None

    process.refresh_from_db()
    project.refresh_from_db()
    assert process.status == PROCESS.DONE and process.finished is not None
    assert project.status == Status.APPLIED and project.outcome == "approved"
    apply_task = Task.objects.get(
        process=process, flow_task=JobPositionProjectFlow.apply_decision
    )
    assert apply_task.status == STATUS.DONE
    assert Task.objects.filter(process=process).exclude(status=STATUS.DONE).count() == 0

    # The establishment the day before is what it was; from the effective date it
    # carries the new position with the decision's number and date.
    assert _establishment(units["a"], effective - datetime.timedelta(days=1)) == before
    after = unit_get_establishment(unit=units["a"], as_of=effective)
    added = [p for p in after.positions if p.name == "Chuyên viên cải cách hành chính"]
    assert len(added) == 1
    assert (added[0].headcount, added[0].decision_number, added[0].valid_from) == (
        2,
        decision.number,
        effective,
    )
    assert after.total_headcount == sum(before.values()) + 2

    assert _actions(project) == [
        Action.CREATED,
        Action.ATTACHMENT_ADDED,
        Action.ATTACHMENT_ADDED,
        Action.ATTACHMENT_ADDED,
        # "Hand over" with the page's edits is one action: one row.
        "handed_over",
        Action.SUBMITTED,
        Action.ACCEPTED,
        Action.APPRAISER_ASSIGNED,
        Action.REPORT_SAVED,
        Action.REPORT_COMPLETED,
        Action.REPORT_REVIEWED,
        Action.REPORT_SIGNED,
        Action.APPROVED,
        Action.DECISION_APPLIED,
    ]
    audit = {
        entry.action: entry for entry in AuditEntry.objects.filter(dossier=project)
    }
    assert audit["handed_over"].comment == "Xin trình thủ trưởng ký"
    assert audit[Action.SUBMITTED].actor == head
    assert audit[Action.SUBMITTED].comment == "Kính trình"
    assert audit[Action.SUBMITTED].ip == "127.0.0.1"
    assert audit[Action.ACCEPTED].comment == "Đủ hồ sơ"
    assert audit[Action.APPRAISER_ASSIGNED].actor == people["division_head"]

    # The dossier page shows the whole story.
    driver.login("observer")
    page = driver.client.get(dossier_url(process))
    assert page.status_code == 200
    content = page.content.decode()
    for text in (
        project.receipt_number,
        project.report.number,
        decision.number,
        "Kính trình",
        "Chuyên viên cải cách hành chính",
    ):
        assert text in content


def test_approved_with_changes_applies_the_appraisers_lines(driver, people, units):
    proposed = [driver.add_line(headcount=1, name="Chuyên viên cải cách hành chính")]
    process = driver.to_committee(
        recommendation="approve_with_changes", proposed=proposed
    )
    project = _project(process)
    assert project.report.recommendation == "approve_with_changes"
    assert [line.headcount for line in project.report.lines.all()] == [1]
    # The unit asked for two.
    assert [line.headcount for line in project.lines.all()] == [2]

    effective = _effective_date()
    response = driver.execute(
        "committee",
        process,
        "decide",
        {"outcome": "approved", "effective_date": effective.isoformat()},
    )
    assert response.status_code == 302
    decision = Decision.objects.get(dossier=project)
    assert [line.headcount for line in decision.lines.all()] == [1]
    after = _establishment(units["a"], effective)
    assert after["Chuyên viên cải cách hành chính"] == 1
    assert "Chuyên viên cải cách hành chính" not in _establishment(
        units["a"], effective - datetime.timedelta(days=1)
    )


def test_returned_project_goes_back_to_the_same_appraiser_then_is_approved(
    driver, people, units
):
    process = driver.to_committee()
    project = _project(process)
    response = driver.execute(
        "committee",
        process,
        "decide",
        {"outcome": "returned", "comment": "Làm rõ cơ cấu ngạch"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.UNDER_APPRAISAL
    appraise = driver.open_task(process)
    assert (appraise.flow_task.name, appraise.owner) == (
        "appraise",
        people["appraiser"],
    )
    decision = Decision.objects.get(dossier=project)
    assert (decision.outcome, decision.number) == ("returned", "")
    entry = AuditEntry.objects.get(dossier=project, action=Action.RETURNED)
    assert (entry.actor, entry.comment) == (people["committee"], "Làm rõ cơ cấu ngạch")

    assert driver.save_report("appraiser", process, "approve").status_code == 302
    driver.execute("appraiser", process, "appraise", {"action": "complete"})
    driver.execute("division_head", process, "review_report", {"action": "sign"})
    driver.execute("director", process, "sign_report", {"action": "sign"})
    effective = _effective_date()
    response = driver.execute(
        "committee",
        process,
        "decide",
        {"outcome": "approved", "effective_date": effective.isoformat()},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.APPLIED
    assert _project(process).decisions.filter(outcome="approved").count() == 1
    assert "Chuyên viên cải cách hành chính" in _establishment(units["a"], effective)


def test_rejected_project_ends_without_touching_the_establishment(
    driver, people, units
):
    process = driver.to_committee()
    project = _project(process)
    effective = _effective_date()
    before = _establishment(units["a"], effective)
    response = driver.execute(
        "committee",
        process,
        "decide",
        {"outcome": "rejected", "comment": "Không phù hợp quy hoạch"},
    )
    assert response.status_code == 302
    process.refresh_from_db()
    project.refresh_from_db()
    assert process.status == PROCESS.DONE
    assert project.status == Status.REJECTED and project.outcome == "rejected"
    assert not Task.objects.filter(
        process=process, flow_task=JobPositionProjectFlow.apply_decision
    ).exists()
    assert Decision.objects.get(dossier=project).number == ""
    assert _establishment(units["a"], effective) == before
    assert _actions(project)[-1] == Action.REJECTED


def test_refused_dossier_ends_at_reception_without_a_receipt_number(driver, people):
    process = driver.to_reception()
    response = driver.execute(
        "reception",
        process,
        "receive",
        {"decision": "refuse", "reason": "Không thuộc thẩm quyền của Sở"},
    )
    assert response.status_code == 302
    process.refresh_from_db()
    project = _project(process)
    assert process.status == PROCESS.DONE
    assert project.status == Status.REFUSED and project.outcome == "refused"
    assert project.receipt_number == ""
    entry = AuditEntry.objects.get(dossier=project, action=Action.REFUSED)
    assert "Không thuộc thẩm quyền của Sở" in entry.comment
    assert entry.actor == people["reception"]


def test_refusal_without_a_reason_is_not_accepted(driver):
    process = driver.to_reception()
    response = driver.execute(
        "reception", process, "receive", {"decision": "refuse", "reason": " "}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert _project(process).status == Status.SUBMITTED
    assert driver.open_task(process).status == STATUS.ASSIGNED


def test_supplement_stops_the_clock_and_returns_to_the_unit_officer(
    driver, people, units
):
    # Changed behaviour: the request reaches the officer who drafted the dossier
    # (who may edit the lines and documents), no longer the unit head directly.
    process = driver.to_reception()
    project = _project(process)
    response = driver.execute(
        "reception",
        process,
        "receive",
        {"decision": "supplement", "reason": "Thiếu bản mô tả công việc"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.SUPPLEMENT_REQUESTED
    assert project.clock_paused_on == timezone.localdate()
    revise = driver.open_task(process)
    assert (revise.flow_task.name, revise.owner) == ("revise", people["officer"])
    assert revise in task_list_inbox(user=people["officer"])

    # The officer sees the desk's reason at the top of the page, attaches what
    # was missing, changes a line and hands the dossier over.
    driver.login("officer")
    page = driver.client.get(url(revise, "execute"))
    assert page.context["return_reason"].comment == "Thiếu bản mô tả công việc"
    reason_box = page.content.decode().split('id="return-reason"')[1][:600]
    assert "Thiếu bản mô tả công việc" in reason_box
    from tests.factories import pdf_upload

    response = driver.client.post(
        url(revise, "execute"),
        {"_attach": "1", "kind": "other", "file": pdf_upload("Bản mô tả.pdf")},
    )
    assert response.status_code == 302
    line = project.lines.get()
    response = driver.draft(
        "officer",
        process,
        [driver.add_line(key=str(line.key), headcount=3)],
        node="revise",
        comment="Đã bổ sung bản mô tả",
    )
    assert response.status_code == 302
    assert project.lines.get().headcount == 3

    submit = driver.open_task(process)
    assert submit.flow_task.name == "submit"
    response = driver.execute(
        "head", process, "submit", {"comment": "Đã bổ sung bản mô tả"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.SUBMITTED
    assert project.current_revision == 2
    assert project.clock_paused_on is None
    receive = driver.open_task(process)
    assert receive.flow_task.name == "receive" and receive.owner is None

    response = driver.execute("reception", process, "receive", {"decision": "accept"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.RECEIVED and project.receipt_number
    assert _actions(project).count(Action.SUBMITTED) == 2
    assert Action.SUPPLEMENT_REQUESTED in _actions(project)


def test_revision_loop_goes_through_the_unit_and_back_to_the_same_appraiser(
    driver, people, units
):
    process = driver.to_appraisal()
    project = _project(process)
    project.refresh_from_db()
    line = project.lines.get()
    appraise = driver.open_task(process)

    driver.login("appraiser")
    response = driver.client.post(
        url(appraise, "execute"),
        {"_remark": "1", "remark-line": line.pk, "remark-text": "Giảm biên chế còn 1"},
    )
    assert response.status_code == 302
    due_before = JobPositionProject.objects.get(pk=project.pk).due_on
    response = driver.execute(
        "appraiser",
        process,
        "appraise",
        {"action": "request_revision", "comment": "Đề nghị chỉnh sửa theo ý kiến"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.REVISION_REQUESTED
    paused_on = project.clock_paused_on
    assert paused_on == timezone.localdate()

    # The dossier goes back to the officer who drafted it, straight to their inbox.
    revise = driver.open_task(process)
    assert (revise.flow_task.name, revise.owner) == ("revise", people["officer"])
    assert revise in task_list_inbox(user=people["officer"])
    assert revise not in task_list_queue(user=people["officer2"])
    assert revise not in task_list_queue(user=people["officer_b"])
    assert revise not in task_list_queue(user=people["appraiser"])

    # The revise page shows the remark to answer.
    driver.login("officer")
    page = driver.client.get(url(revise, "execute"))
    assert "Giảm biên chế còn 1" in page.content.decode()
    lines = [driver.add_line(headcount=1, key=str(line.key))]
    response = driver.draft("officer", process, lines, node="revise")
    assert response.status_code == 302
    assert driver.open_node(process) == "submit"
    response = driver.execute("head", process, "submit", {"comment": "Đã chỉnh sửa"})
    assert response.status_code == 302

    project.refresh_from_db()
    assert project.status == Status.UNDER_APPRAISAL
    assert project.current_revision == 2
    assert project.clock_paused_on is None
    assert project.due_on == due_date_resume(
        due=due_before, paused_on=paused_on, resumed_on=timezone.localdate()
    )
    appraise = driver.open_task(process)
    assert (appraise.flow_task.name, appraise.owner, appraise.status) == (
        "appraise",
        people["appraiser"],
        STATUS.ASSIGNED,
    )
    # The appraiser sees what changed since revision 1, line by line.
    driver.login("appraiser")
    page = driver.client.get(url(appraise, "execute"))
    diff = page.context["diff"]
    assert (diff.revision_a, diff.revision_b) == (1, 2)
    assert [change.field for change in diff.changed[0].fields] == ["headcount"]
    assert (diff.changed[0].fields[0].before, diff.changed[0].fields[0].after) == (
        2,
        1,
    )
    assert _actions(project).count(Action.REVISION_REQUESTED) == 1


def test_division_head_sends_the_report_back_with_the_reason(driver, people):
    process = driver.to_division_head()
    response = driver.execute(
        "division_head", process, "review_report", {"action": "send_back"}
    )
    assert response.status_code == 200
    assert "comment" in response.context["form"].errors
    assert driver.open_node(process) == "review_report"
    response = driver.execute(
        "division_head",
        process,
        "review_report",
        {"action": "send_back", "comment": "Bổ sung căn cứ pháp lý"},
    )
    assert response.status_code == 302
    assert driver.open_node(process) == "appraise"
    project = _project(process)
    assert project.status == Status.UNDER_APPRAISAL
    entry = AuditEntry.objects.filter(dossier=project).order_by("-pk").first()
    assert (entry.action, entry.comment, entry.actor) == (
        "report_sent_back",
        "Bổ sung căn cứ pháp lý",
        people["division_head"],
    )
    driver.login("appraiser")
    page = driver.client.get(url(driver.open_task(process), "execute"), follow=True)
    assert "Bổ sung căn cứ pháp lý" in page.content.decode()


def test_the_trail_names_the_appraiser_assigned_by_full_name(driver, people):
    appraiser = people["appraiser"]
    appraiser.first_name, appraiser.last_name = "Minh", "Phạm Văn"
    appraiser.save(update_fields=["first_name", "last_name"])
    process = driver.to_appraisal()
    entry = AuditEntry.objects.get(
        dossier=process.project, action=Action.APPRAISER_ASSIGNED
    )
    assert entry.comment == "Minh Phạm Văn"
    driver.login("observer")
    page = driver.client.get(dossier_url(process)).content.decode()
    assert "Minh Phạm Văn" in page
    assert ">appraiser<" not in page and "— appraiser" not in page
