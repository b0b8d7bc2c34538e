"""The dossier's status machine through its services: every step's happy path, its
refusals (wrong status, wrong person, separation of duties), the audit rows, the
numbers and the due dates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from guardian.shortcuts import assign_perm

from appraisal import services as svc
from appraisal.models import (
    AppraisalReport,
    AuditEntry,
    ChecklistCriterion,
    Decision,
    JobPositionProject,
    Remark,
)
from appraisal.services.deadlines import (
    due_date_for,
    due_date_resume,
    working_days_add,
    working_days_between,
)
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.project_fixtures import advance, answer_all_criteria

Status = JobPositionProject.Status
Action = AuditEntry.Action


def codes(exc: pytest.ExceptionInfo) -> set[str]:
    """Every error code of a ValidationError, field errors included."""
    error = exc.value
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def actions(project) -> list[str]:
    return list(project.audit_entries.values_list("action", flat=True))


# --- drafting


def test_unit_officer_creates_a_draft_and_the_trail_records_it(people, units):
    project = svc.project_create(
        unit=units["a"],
        kind="first",
        title="Đề án vị trí việc làm",
        actor=people["officer"],
        ip="10.0.0.7",
    )
    assert project.status == Status.DRAFT
    assert project.current_revision == 0
    entry = project.audit_entries.get()
    assert (entry.action, entry.actor, entry.ip) == (
        Action.CREATED,
        people["officer"],
        "10.0.0.7",
    )


def test_officer_of_a_parent_unit_may_draft_for_a_sub_unit(people, units):
    project = svc.project_create(
        unit=units["a1"], kind="first", title="Phòng A1", actor=people["officer"]
    )
    assert project.unit == units["a1"]


@pytest.mark.parametrize("who", ["officer_b", "reception", "appraiser", "committee"])
def test_only_an_officer_of_the_unit_may_open_its_draft(people, units, who):
    with pytest.raises(ValidationError) as exc:
        svc.project_create(
            unit=units["a"], kind="first", title="Đề án", actor=people[who]
        )
    assert codes(exc) == {"not_unit_officer"}
    assert not JobPositionProject.objects.exists()


def test_a_global_act_for_unit_grant_does_not_count(people, units, make_user):
    sneaky = make_user("unit_officer")
    assign_perm("orgchart.act_for_unit", sneaky)  # global, not per unit
    with pytest.raises(ValidationError) as exc:
        svc.project_create(unit=units["a"], kind="first", title="Đề án", actor=sneaky)
    assert codes(exc) == {"not_unit_officer"}


def test_no_draft_for_a_closed_unit(people, units):
    from orgchart.services import unit_update

    unit_update(unit=units["a1"], valid_to=datetime.date(2025, 12, 31))
    with pytest.raises(ValidationError) as exc:
        svc.project_create(
            unit=units["a1"], kind="first", title="Đề án", actor=people["officer"]
        )
    assert codes(exc) == {"unit_closed"}


def test_update_changes_fields_and_refuses_a_stale_form(draft, people):
    version = draft.version
    svc.project_update(
        project=draft,
        actor=people["officer"],
        expected_version=version,
        title="Tên mới",
    )
    assert JobPositionProject.objects.get(pk=draft.pk).title == "Tên mới"
    with pytest.raises(ValidationError) as exc:
        svc.project_update(
            project=draft,
            actor=people["officer"],
            expected_version=version,
            title="Một tên khác",
        )
    assert codes(exc) == {"stale"}
    assert JobPositionProject.objects.get(pk=draft.pk).title == "Tên mới"


def test_update_refuses_fields_outside_the_form(draft, people):
    with pytest.raises(ValidationError) as exc:
        svc.project_update(project=draft, actor=people["officer"], status="applied")
    assert codes(exc) == {"field_not_editable"}


def test_lines_save_replaces_lines_and_keeps_identities(draft, people, ref):
    lines = list(draft.lines.order_by("order"))
    kept = lines[0]
    svc.project_lines_save(
        project=draft,
        actor=people["officer"],
        lines=[
            {
                "key": kept.key,
                "action": "add",
                "catalogue_entry": kept.catalogue_entry_id,
                "rank_id": ref["principal"].pk,
                "headcount": 5,
            }
        ],
    )
    (line,) = draft.lines.all()
    assert (line.key, line.pk, line.headcount) == (kept.key, kept.pk, 5)
    assert line.category == ref["specialised"]  # from the catalogue entry
    assert actions(draft)[-1] == Action.LINES_SAVED


def test_lines_save_reports_every_bad_line_and_writes_nothing(draft, people, ref):
    before = list(draft.lines.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as exc:
        svc.project_lines_save(
            project=draft,
            actor=people["officer"],
            lines=[
                {
                    "action": "add",
                    "name": "Thiếu ngạch",
                    "category": ref["specialised"],
                },
                {
                    "action": "add",
                    "name": "Đúng",
                    "category": ref["specialised"],
                    "rank": ref["specialist"],
                    "headcount": 1,
                },
                {"action": "grow", "name": "Sai thao tác"},
                {"action": "end"},
            ],
        )
    messages = exc.value.messages
    assert any(m.startswith("Line 1:") and "rank" in m for m in messages)
    assert any(m.startswith("Line 3:") and "grow" in m for m in messages)
    assert any(m.startswith("Line 4:") and "existing position" in m for m in messages)
    assert not any(m.startswith("Line 2:") for m in messages)
    assert list(draft.lines.values_list("pk", flat=True)) == before


def test_a_line_cannot_touch_a_position_of_another_unit(draft, people, units, ref):
    from tests.factories import JobPositionFactory

    foreign = JobPositionFactory(unit=units["b"], rank=ref["specialist"])
    with pytest.raises(ValidationError) as exc:
        svc.project_lines_save(
            project=draft,
            actor=people["officer"],
            lines=[{"action": "end", "position": foreign}],
        )
    assert "not a position of this unit" in exc.value.messages[0]


def test_officer_of_another_unit_cannot_edit_lines(draft, people):
    with pytest.raises(ValidationError) as exc:
        svc.project_lines_save(project=draft, actor=people["officer_b"], lines=[])
    assert codes(exc) == {"not_unit_officer"}


def test_handover_records_the_comment_without_changing_status(draft, people):
    svc.project_handover(project=draft, actor=people["officer"], comment="Xin ký")
    entry = draft.audit_entries.last()
    assert (entry.action, entry.comment, entry.to_status) == (
        Action.HANDED_OVER,
        "Xin ký",
        Status.DRAFT,
    )


# --- submission and reception


def test_head_submits_revision_1_with_reception_due_date(draft, people):
    revision = svc.dossier_submit(
        dossier=draft, actor=people["head"], comment="Kính trình"
    )
    today = timezone.localdate()
    assert revision.number == 1
    assert [line["key"] for line in revision.snapshot["lines"]] == [
        str(key) for key in draft.lines.order_by("order").values_list("key", flat=True)
    ]
    assert draft.status == Status.SUBMITTED
    assert draft.submitted_on == today
    assert draft.due_on == due_date_for(
        dossier_kind="job_position_adjustment", step="receive", start=today
    )
    assert set(draft.attachments.values_list("submitted_in", flat=True)) == {1}
    entry = draft.audit_entries.last()
    assert (entry.action, entry.from_status, entry.to_status, entry.comment) == (
        Action.SUBMITTED,
        Status.DRAFT,
        Status.SUBMITTED,
        "Kính trình",
    )


def test_officer_cannot_submit_only_the_head_can(draft, people):
    with pytest.raises(ValidationError) as exc:
        svc.dossier_submit(dossier=draft, actor=people["officer"])
    assert codes(exc) == {"not_unit_head"}
    assert draft.status == Status.DRAFT


def test_double_submit_is_refused_and_nothing_is_applied_twice(draft, people):
    stale_copy = JobPositionProject.objects.get(pk=draft.pk)
    svc.dossier_submit(dossier=draft, actor=people["head"])
    with pytest.raises(ValidationError) as exc:
        svc.dossier_submit(dossier=stale_copy, actor=people["head"])
    assert codes(exc) == {"wrong_status"}
    assert "reload the page" in exc.value.messages[0]
    assert draft.revisions.count() == 1
    assert actions(draft).count(Action.SUBMITTED) == 1


def test_submit_refused_without_lines(people, units):
    project = svc.project_create(
        unit=units["a"], kind="first", title="Trống", actor=people["officer"]
    )
    with pytest.raises(ValidationError) as exc:
        svc.dossier_submit(dossier=project, actor=people["head"])
    assert codes(exc) == {"no_lines"}


def test_submit_refused_without_the_required_documents(people, units, ref):
    project = svc.project_create(
        unit=units["a"], kind="first", title="Thiếu hồ sơ", actor=people["officer"]
    )
    svc.project_lines_save(
        project=project,
        actor=people["officer"],
        lines=[
            {
                "action": "add",
                "catalogue_entry": ref["entry"],
                "rank": ref["specialist"],
                "headcount": 1,
            }
        ],
    )
    with pytest.raises(ValidationError) as exc:
        svc.dossier_submit(dossier=project, actor=people["head"])
    assert codes(exc) == {"missing_attachments"}
    assert "Submission letter" in exc.value.messages[0]


def test_reception_accepts_with_receipt_number_and_statutory_due_date(draft, people):
    advance(draft, people, Status.SUBMITTED)
    svc.dossier_accept(dossier=draft, actor=people["reception"])
    today = timezone.localdate()
    assert draft.status == Status.RECEIVED
    assert draft.receipt_number == f"{1:06d}/{today.year}/SNV"
    assert draft.received_on == today
    # An adjustment is appraised within 25 working days of receipt (Decree
    # 106/2020/NĐ-CP Art. 7(3)).
    assert working_days_between(start=today, end=draft.due_on) == 25
    assert actions(draft)[-1] == Action.ACCEPTED


def test_receipt_numbers_follow_each_other(draft, people, units, ref, positions):
    advance(draft, people, Status.RECEIVED)
    other = svc.project_create(
        unit=units["a1"], kind="first", title="Phòng A1", actor=people["officer"]
    )
    svc.project_lines_save(
        project=other,
        actor=people["officer"],
        lines=[
            {
                "action": "add",
                "name": "Chuyên viên",
                "category": ref["specialised"],
                "rank": ref["specialist"],
                "headcount": 1,
            }
        ],
    )
    from tests.appraisal.project_fixtures import add_required_attachments

    add_required_attachments(other, people["officer"])
    advance(other, people, Status.RECEIVED)
    assert [draft.receipt_number[:6], other.receipt_number[:6]] == ["000001", "000002"]
    # First approval: 40 working days.
    assert working_days_between(start=other.received_on, end=other.due_on) == 40


@pytest.mark.parametrize("who", ["head", "appraiser", "division_head", "observer"])
def test_only_reception_receives(draft, people, who):
    advance(draft, people, Status.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        svc.dossier_accept(dossier=draft, actor=people[who])
    assert codes(exc) == {"not_reception"}
    assert JobPositionProject.objects.get(pk=draft.pk).status == Status.SUBMITTED


def test_supplement_stops_the_clock_and_the_answer_restarts_it(draft, people):
    advance(draft, people, Status.SUBMITTED)
    reception_due = draft.due_on
    svc.dossier_request_supplement(
        dossier=draft, actor=people["reception"], reason="Thiếu bản mô tả công việc"
    )
    assert draft.status == Status.SUPPLEMENT_REQUESTED
    assert draft.clock_paused_on == timezone.localdate()
    remark = draft.remarks.get()
    assert (remark.text, remark.line, remark.author) == (
        "Thiếu bản mô tả công việc",
        None,
        people["reception"],
    )
    # The unit has held the dossier for about a month.
    month_ago = timezone.localdate() - datetime.timedelta(days=30)
    paused = working_days_add(start=month_ago, days=1)
    JobPositionProject.objects.filter(pk=draft.pk).update(
        clock_paused_on=paused, due_on=working_days_add(start=paused, days=1)
    )
    draft.refresh_from_db()
    old_due = draft.due_on
    svc.project_lines_save(
        project=draft,
        actor=people["officer"],
        lines=[
            {
                "key": line.key,
                "action": line.action,
                "position": line.position,
                "catalogue_entry": line.catalogue_entry,
                "name": line.name,
                "category": line.category,
                "rank": line.rank,
                "headcount": line.headcount,
                "job_description": "Bổ sung",
            }
            for line in draft.lines.all()
        ],
    )
    revision = svc.dossier_submit(dossier=draft, actor=people["head"])
    assert revision.number == 2
    assert draft.status == Status.SUBMITTED
    assert draft.clock_paused_on is None
    assert draft.due_on == due_date_resume(
        due=old_due, paused_on=paused, resumed_on=timezone.localdate()
    )
    assert draft.due_on > old_due
    assert reception_due is not None


def test_supplement_and_refusal_need_a_reason(draft, people):
    advance(draft, people, Status.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        svc.dossier_request_supplement(
            dossier=draft, actor=people["reception"], reason=" "
        )
    assert codes(exc) == {"required"}
    with pytest.raises(ValidationError):
        svc.dossier_refuse(dossier=draft, actor=people["reception"], reason="")
    assert JobPositionProject.objects.get(pk=draft.pk).status == Status.SUBMITTED


def test_refusal_ends_the_dossier(draft, people):
    advance(draft, people, Status.SUBMITTED)
    svc.dossier_refuse(
        dossier=draft, actor=people["reception"], reason="Không thuộc thẩm quyền"
    )
    assert (draft.status, draft.outcome) == (Status.REFUSED, "refused")
    assert draft.is_final
    with pytest.raises(ValidationError) as exc:
        svc.dossier_accept(dossier=draft, actor=people["reception"])
    assert codes(exc) == {"wrong_status"}
    entry = draft.audit_entries.last()
    assert (entry.action, entry.comment) == (Action.REFUSED, "Không thuộc thẩm quyền")


def test_unit_cannot_edit_once_submitted(draft, people):
    advance(draft, people, Status.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        svc.project_lines_save(project=draft, actor=people["officer"], lines=[])
    assert codes(exc) == {"wrong_status"}
    assert draft.lines.count() == 3


# --- assignment and appraisal


def test_division_head_assigns_an_appraiser_who_gets_the_object_permission(
    draft, people
):
    advance(draft, people, Status.RECEIVED)
    svc.dossier_assign_appraiser(
        dossier=draft, actor=people["division_head"], appraiser=people["appraiser"]
    )
    assert draft.status == Status.UNDER_APPRAISAL
    assert draft.assigned_appraiser == people["appraiser"]
    assert people["appraiser"].has_perm("appraisal.appraise_project", draft)
    # Reassignment moves the permission.
    svc.dossier_assign_appraiser(
        dossier=draft, actor=people["division_head"], appraiser=people["appraiser2"]
    )
    from django.contrib.auth import get_user_model

    first = get_user_model().objects.get(pk=people["appraiser"].pk)
    assert not first.has_perm("appraisal.appraise_project", draft)
    assert people["appraiser2"].has_perm("appraisal.appraise_project", draft)
    with pytest.raises(ValidationError) as exc:
        svc.dossier_assign_appraiser(
            dossier=draft, actor=people["division_head"], appraiser=people["appraiser2"]
        )
    assert codes(exc) == {"already_assigned"}


def test_only_the_division_head_assigns(draft, people):
    advance(draft, people, Status.RECEIVED)
    with pytest.raises(ValidationError) as exc:
        svc.dossier_assign_appraiser(
            dossier=draft, actor=people["director"], appraiser=people["appraiser"]
        )
    assert codes(exc) == {"not_division_head"}


def test_someone_who_is_not_an_appraiser_cannot_be_assigned(draft, people):
    advance(draft, people, Status.RECEIVED)
    with pytest.raises(ValidationError) as exc:
        svc.dossier_assign_appraiser(
            dossier=draft, actor=people["division_head"], appraiser=people["observer"]
        )
    assert codes(exc) == {"not_an_appraiser"}


def test_an_appraiser_who_acts_for_the_unit_cannot_be_assigned(
    draft, people, units, make_user
):
    """Separation of duties: a grant on an ancestor unit counts too."""
    conflicted = make_user("appraiser", username="conflicted")
    assign_perm("orgchart.sign_for_unit", conflicted, units["province"])
    advance(draft, people, Status.RECEIVED)
    with pytest.raises(ValidationError) as exc:
        svc.dossier_assign_appraiser(
            dossier=draft, actor=people["division_head"], appraiser=conflicted
        )
    assert codes(exc) == {"conflict_of_interest"}
    from appraisal.selectors.projects import appraiser_list_eligible

    assert list(appraiser_list_eligible(project=draft)) == [
        people["appraiser"],
        people["appraiser2"],
    ]


def test_only_the_assigned_appraiser_appraises(draft, people):
    advance(draft, people, Status.UNDER_APPRAISAL)
    for who in ("appraiser2", "division_head", "officer"):
        with pytest.raises(ValidationError) as exc:
            svc.remark_add(dossier=draft, actor=people[who], text="Nhận xét")
        assert codes(exc) == {"not_assigned_appraiser"}
    assert not draft.remarks.exists()


def test_appraiser_who_later_gets_a_unit_grant_is_stopped(draft, people, units):
    advance(draft, people, Status.UNDER_APPRAISAL)
    assign_perm("orgchart.act_for_unit", people["appraiser"], units["a"])
    with pytest.raises(ValidationError) as exc:
        svc.report_save(dossier=draft, actor=people["appraiser"], text="…")
    assert codes(exc) == {"conflict_of_interest"}


def test_revision_loop_freezes_revision_2_and_restarts_the_clock(draft, people, ref):
    advance(draft, people, Status.UNDER_APPRAISAL)
    line = draft.lines.get(action="add")
    svc.remark_add(
        dossier=draft, actor=people["appraiser"], text="Giảm số lượng", line=line
    )
    with pytest.raises(ValidationError):
        svc.dossier_request_revision(dossier=draft, actor=people["officer"])
    svc.dossier_request_revision(
        dossier=draft, actor=people["appraiser"], comment="Xem các nhận xét"
    )
    assert draft.status == Status.REVISION_REQUESTED
    assert draft.clock_paused_on == timezone.localdate()
    assert draft.remarks.filter(resolved=False).count() == 2
    lines = [
        {
            "key": each.key,
            "action": each.action,
            "position": each.position,
            "catalogue_entry": each.catalogue_entry,
            "name": each.name,
            "category": each.category,
            "rank": each.rank,
            "headcount": 1 if each.pk == line.pk else each.headcount,
        }
        for each in draft.lines.all()
    ]
    svc.project_lines_save(project=draft, actor=people["officer"], lines=lines)
    due = draft.due_on
    revision = svc.dossier_submit(dossier=draft, actor=people["head"])
    assert (revision.number, draft.status) == (2, Status.UNDER_APPRAISAL)
    assert draft.due_on == due  # same day: no working day was lost
    assert draft.clock_paused_on is None
    remark = draft.remarks.get(line=line)
    svc.remark_resolve(remark=remark, actor=people["appraiser"])
    assert Remark.objects.get(pk=remark.pk).resolved
    assert Action.REVISION_REQUESTED in actions(draft)


def test_revision_request_needs_a_remark_or_comment(draft, people):
    advance(draft, people, Status.UNDER_APPRAISAL)
    with pytest.raises(ValidationError) as exc:
        svc.dossier_request_revision(dossier=draft, actor=people["appraiser"])
    assert codes(exc) == {"no_remarks"}


def test_report_can_be_saved_as_draft_many_times(draft, people):
    advance(draft, people, Status.UNDER_APPRAISAL)
    svc.report_save(dossier=draft, actor=people["appraiser"], text="Ngày 1")
    svc.report_save(
        dossier=draft,
        actor=people["appraiser"],
        text="Ngày 2",
        recommendation="approve",
        answers={"need_and_basis": {"result": "remark", "note": "Bổ sung căn cứ"}},
    )
    report = AppraisalReport.objects.get(dossier=draft)
    assert (report.text, report.recommendation, report.draft) == (
        "Ngày 2",
        "approve",
        True,
    )
    assert report.answers.get().note == "Bổ sung căn cứ"
    assert actions(draft).count(Action.REPORT_SAVED) == 2


def test_a_failed_criterion_needs_a_note(draft, people):
    advance(draft, people, Status.UNDER_APPRAISAL)
    with pytest.raises(ValidationError) as exc:
        svc.report_save(
            dossier=draft, actor=people["appraiser"], answers={"need_and_basis": "fail"}
        )
    assert "Explain a failed criterion" in exc.value.messages[0]


def test_report_cannot_be_completed_with_an_unanswered_criterion(draft, people):
    advance(draft, people, Status.UNDER_APPRAISAL)
    svc.report_save(dossier=draft, actor=people["appraiser"], recommendation="approve")
    with pytest.raises(ValidationError) as exc:
        svc.report_complete(dossier=draft, actor=people["appraiser"])
    assert codes(exc) == {"unanswered_criteria"}
    answer_all_criteria(draft, people["appraiser"])
    # A criterion added later must be answered as well; an inactive one need not.
    ChecklistCriterion.objects.create(code="extra", label="Tiêu chí mới")
    ChecklistCriterion.objects.create(code="old", label="Tiêu chí cũ", active=False)
    with pytest.raises(ValidationError) as exc:
        svc.report_complete(dossier=draft, actor=people["appraiser"])
    assert "Tiêu chí mới" in exc.value.messages[0]
    svc.report_save(dossier=draft, actor=people["appraiser"], answers={"extra": "pass"})
    report = svc.report_complete(dossier=draft, actor=people["appraiser"])
    assert draft.status == Status.REPORT_COMPLETED
    assert not report.draft
    assert {r["code"] for r in report.checklist_results} >= {"rank_allowed"}


def test_report_needs_a_recommendation_and_changes_need_lines(draft, people):
    advance(draft, people, Status.UNDER_APPRAISAL)
    answer_all_criteria(draft, people["appraiser"])
    with pytest.raises(ValidationError):
        svc.report_complete(dossier=draft, actor=people["appraiser"])
    svc.report_save(
        dossier=draft, actor=people["appraiser"], recommendation="approve_with_changes"
    )
    with pytest.raises(ValidationError) as exc:
        svc.report_complete(dossier=draft, actor=people["appraiser"])
    assert codes(exc) == {"no_proposed_lines"}


def test_director_signs_with_a_submission_number(draft, people):
    advance(draft, people, Status.REPORT_REVIEWED)
    with pytest.raises(ValidationError) as exc:
        svc.report_sign(dossier=draft, actor=people["division_head"])
    assert codes(exc) == {"not_director"}
    report = svc.report_sign(dossier=draft, actor=people["director"])
    assert report.number == "1/TTr-SNV"
    assert report.signed_by == people["director"]
    assert draft.status == Status.AWAITING_DECISION
    with pytest.raises(ValidationError) as exc:
        svc.report_sign(dossier=draft, actor=people["director"])
    assert codes(exc) == {"wrong_status"}


def test_director_sends_the_report_back_to_the_appraiser(draft, people):
    advance(draft, people, Status.REPORT_REVIEWED)
    with pytest.raises(ValidationError):
        svc.report_send_back(dossier=draft, actor=people["director"], comment="")
    svc.report_send_back(
        dossier=draft, actor=people["director"], comment="Làm rõ cơ cấu ngạch"
    )
    assert draft.status == Status.UNDER_APPRAISAL
    assert AppraisalReport.objects.get(dossier=draft).draft
    assert draft.assigned_appraiser == people["appraiser"]


# --- decision


def test_committee_approves_with_a_decision_number_and_the_unit_lines(draft, people):
    advance(draft, people, Status.AWAITING_DECISION)
    effective = timezone.localdate() + datetime.timedelta(days=10)
    decision = svc.dossier_decide(
        dossier=draft,
        actor=people["committee"],
        outcome="approved",
        effective_date=effective,
        comment="Đồng ý",
        ip="2001:db8::1",
    )
    assert decision.number == "1/QĐ-UBND"
    assert (decision.date, decision.effective_date) == (timezone.localdate(), effective)
    assert (draft.status, draft.outcome) == (Status.APPROVED, "approved")
    assert sorted(decision.lines.values_list("action", "headcount")) == sorted(
        draft.lines.values_list("action", "headcount")
    )
    entry = draft.audit_entries.last()
    assert (entry.action, entry.actor, entry.ip) == (
        Action.APPROVED,
        people["committee"],
        "2001:db8::1",
    )


def test_approval_with_changes_takes_the_appraisers_lines(draft, people):
    advance(
        draft, people, Status.AWAITING_DECISION, recommendation="approve_with_changes"
    )
    decision = svc.dossier_decide(
        dossier=draft, actor=people["committee"], outcome="approved"
    )
    add = decision.lines.get(action="add")
    assert add.headcount == draft.lines.get(action="add").headcount + 1
    assert add.key == draft.lines.get(action="add").key


def test_the_committee_returns_to_home_affairs(draft, people):
    advance(draft, people, Status.AWAITING_DECISION)
    with pytest.raises(ValidationError):
        svc.dossier_decide(dossier=draft, actor=people["committee"], outcome="returned")
    decision = svc.dossier_decide(
        dossier=draft,
        actor=people["committee"],
        outcome="returned",
        comment="Làm rõ số lượng lãnh đạo",
    )
    assert (decision.outcome, decision.number) == ("returned", "")
    assert draft.status == Status.UNDER_APPRAISAL
    assert AppraisalReport.objects.get(dossier=draft).draft
    # The appraiser completes again; the director signs a new submission.
    svc.report_complete(dossier=draft, actor=people["appraiser"])
    svc.report_review(dossier=draft, actor=people["division_head"])
    report = svc.report_sign(dossier=draft, actor=people["director"])
    assert report.number == "2/TTr-SNV"


def test_the_committee_rejects_with_reasons(draft, people):
    advance(draft, people, Status.AWAITING_DECISION)
    decision = svc.dossier_decide(
        dossier=draft,
        actor=people["committee"],
        outcome="rejected",
        comment="Trái luật",
    )
    assert (draft.status, draft.outcome, decision.reason) == (
        Status.REJECTED,
        "rejected",
        "Trái luật",
    )
    with pytest.raises(ValidationError) as exc:
        svc.dossier_decide(dossier=draft, actor=people["committee"], outcome="approved")
    assert codes(exc) == {"wrong_status"}
    assert Decision.objects.filter(dossier=draft).count() == 1


def test_nobody_decides_for_a_unit_they_sign_for(draft, people, units):
    advance(draft, people, Status.AWAITING_DECISION)
    assign_perm("orgchart.sign_for_unit", people["committee"], units["a"])
    with pytest.raises(ValidationError) as exc:
        svc.dossier_decide(dossier=draft, actor=people["committee"], outcome="approved")
    assert codes(exc) == {"conflict_of_interest"}
    with pytest.raises(ValidationError) as exc:
        svc.dossier_decide(dossier=draft, actor=people["director"], outcome="approved")
    assert codes(exc) == {"not_committee"}
    assert draft.status == Status.AWAITING_DECISION


def test_the_effective_date_cannot_precede_the_decision(draft, people):
    advance(draft, people, Status.AWAITING_DECISION)
    with pytest.raises(ValidationError) as exc:
        svc.dossier_decide(
            dossier=draft,
            actor=people["committee"],
            outcome="approved",
            effective_date=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert codes(exc) == {"effective_before_decision"}


def test_whole_path_leaves_one_audit_row_per_action(draft, people):
    advance(draft, people, Status.APPLIED)
    assert actions(draft) == [
        Action.CREATED,
        Action.LINES_SAVED,
        Action.ATTACHMENT_ADDED,
        Action.ATTACHMENT_ADDED,
        Action.ATTACHMENT_ADDED,
        Action.SUBMITTED,
        Action.ACCEPTED,
        Action.APPRAISER_ASSIGNED,
        Action.REPORT_SAVED,
        Action.REPORT_SAVED,
        Action.REPORT_COMPLETED,
        Action.REPORT_REVIEWED,
        Action.REPORT_SIGNED,
        Action.APPROVED,
        Action.DECISION_APPLIED,
    ]
    statuses = list(draft.audit_entries.values_list("from_status", "to_status"))
    assert statuses[-1] == (Status.APPROVED, Status.APPLIED)


# --- the audit trail is append-only


def test_audit_entries_cannot_be_changed_or_deleted(draft):
    entry = draft.audit_entries.first()
    entry.comment = "sửa lịch sử"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        AuditEntry.objects.filter(pk=entry.pk).update(comment="x")
    with pytest.raises(ValidationError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).comment == ""


def test_audit_admin_offers_no_change_or_delete(draft, rf):
    from django.contrib.admin.sites import site
    from django.contrib.auth import get_user_model

    admin = site._registry[AuditEntry]
    request = rf.get("/")
    request.user = get_user_model().objects.create_superuser("root", password="x-y-z-1")
    entry = draft.audit_entries.first()
    assert not admin.has_change_permission(request, entry)
    assert not admin.has_delete_permission(request, entry)
    assert not admin.has_add_permission(request)


@pytest.mark.parametrize(
    "model",
    [
        "jobpositionproject",
        "decision",
        "auditentry",
        "checklistcriterion",
        "leadershiplimit",
        "unitquota",
    ],
)
def test_admin_lists_of_the_dossier_records_open(draft, people, admin_client, model):
    advance(draft, people, Status.APPLIED)
    page = admin_client.get(f"/admin/appraisal/{model}/")
    assert page.status_code == 200


def test_the_dossier_admin_is_read_only(draft, admin_client):
    page = admin_client.get(f"/admin/appraisal/jobpositionproject/{draft.pk}/change/")
    assert page.status_code == 200
    assert b'name="title"' not in page.content
    admin_client.post(
        f"/admin/appraisal/jobpositionproject/{draft.pk}/change/", {"title": "X"}
    )
    assert JobPositionProject.objects.get(pk=draft.pk).title != "X"


def test_the_appraisers_lines_cannot_touch_another_units_position(
    draft, people, units, ref
):
    from tests.factories import JobPositionFactory

    foreign = JobPositionFactory(unit=units["b"], rank=ref["specialist"])
    advance(draft, people, Status.UNDER_APPRAISAL)
    with pytest.raises(ValidationError) as exc:
        svc.report_save(
            dossier=draft,
            actor=people["appraiser"],
            proposed_lines=[{"action": "end", "position": foreign.pk}],
        )
    assert "not a position of this unit" in exc.value.messages[0]


def test_a_change_line_that_names_nothing_keeps_the_positions_own_name(
    draft, people, units, ref
):
    from tests.factories import JobPositionFactory

    chief = JobPositionFactory(
        unit=units["a"],
        catalogue_entry=ref["entry"],
        name="Chuyên viên tổ chức bộ máy (chính)",
        category=ref["specialised"],
        rank=ref["principal"],
        headcount=1,
    )
    (line,) = svc.project_lines_save(
        project=draft,
        actor=people["officer"],
        lines=[{"action": "change", "position": chief, "headcount": 2}],
    )
    assert (line.display_name, line.catalogue_entry, line.rank, line.headcount) == (
        "Chuyên viên tổ chức bộ máy (chính)",
        ref["entry"],
        ref["principal"],
        2,
    )


# --- hand-over, send-back and one row per action


def test_handover_without_the_documents_is_refused_and_names_them(people, units, ref):
    project = svc.project_create(
        unit=units["a"], kind="first", title="Đề án", actor=people["officer"]
    )
    with pytest.raises(ValidationError) as exc:
        svc.project_handover(
            project=project,
            actor=people["officer"],
            lines=[
                {
                    "action": "add",
                    "catalogue_entry": ref["entry"],
                    "rank": ref["specialist"],
                    "headcount": 1,
                }
            ],
        )
    assert codes(exc) == {"missing_attachments"}
    assert "Submission letter" in exc.value.messages[0]
    assert project.lines.count() == 0
    assert actions(project) == [Action.CREATED]


def test_only_the_unit_head_sends_a_dossier_back_and_with_a_reason(draft, people):
    with pytest.raises(ValidationError) as exc:
        svc.project_send_back_to_officer(
            project=draft, actor=people["officer"], reason="Sửa lại"
        )
    assert codes(exc) == {"not_unit_head"}
    with pytest.raises(ValidationError) as exc:
        svc.project_send_back_to_officer(
            project=draft, actor=people["head"], reason="  "
        )
    assert codes(exc) == {"required"}
    svc.project_send_back_to_officer(
        project=draft, actor=people["head"], reason="Sửa lại dòng 2", ip="10.0.0.9"
    )
    entry = draft.audit_entries.last()
    assert (entry.action, entry.comment, entry.to_status, entry.ip) == (
        Action.SENT_BACK_TO_OFFICER,
        "Sửa lại dòng 2",
        Status.DRAFT,
        "10.0.0.9",
    )


def test_saving_the_draft_page_writes_one_row(draft, people, ref):
    before = actions(draft)
    svc.project_draft_save(
        project=draft,
        actor=people["officer"],
        fields={"title": "Tên mới"},
        lines=[
            {
                "action": "add",
                "catalogue_entry": ref["entry"],
                "rank": ref["specialist"],
                "headcount": 1,
            }
        ],
    )
    assert actions(draft) == [*before, Action.UPDATED]
    assert draft.title == "Tên mới"


def test_division_head_reviews_the_report_before_the_director_signs(draft, people):
    advance(draft, people, Status.REPORT_COMPLETED)
    with pytest.raises(ValidationError) as exc:
        svc.report_sign(dossier=draft, actor=people["director"])
    assert codes(exc) == {"wrong_status"}
    with pytest.raises(ValidationError) as exc:
        svc.report_review(dossier=draft, actor=people["director"])
    assert codes(exc) == {"not_division_head"}
    svc.report_review(
        dossier=draft, actor=people["division_head"], comment="Đủ căn cứ", ip="10.0.0.9"
    )
    assert draft.status == Status.REPORT_REVIEWED
    entry = AuditEntry.objects.filter(dossier=draft).order_by("-pk").first()
    assert (entry.action, entry.comment, entry.ip) == (
        "report_reviewed",
        "Đủ căn cứ",
        "10.0.0.9",
    )
    with pytest.raises(ValidationError) as exc:
        svc.report_review(dossier=draft, actor=people["division_head"])
    assert codes(exc) == {"wrong_status"}


def test_division_head_sends_the_report_back_to_the_appraiser(draft, people):
    advance(draft, people, Status.REPORT_COMPLETED)
    with pytest.raises(ValidationError) as exc:
        svc.report_send_back(dossier=draft, actor=people["director"], comment="Sửa")
    assert codes(exc) == {"not_division_head"}
    svc.report_send_back(
        dossier=draft, actor=people["division_head"], comment="Bổ sung căn cứ"
    )
    assert draft.status == Status.UNDER_APPRAISAL
    assert AppraisalReport.objects.get(dossier=draft).draft
