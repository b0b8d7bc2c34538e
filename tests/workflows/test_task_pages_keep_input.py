"""Task pages never lose what a person typed, and each click is one line of the
dossier's history: the appraiser's report survives a refused completion (every
value shown again, the error beside its field), a remark does not discard the
report being written, the officer cannot hand over a dossier without its
documents, the unit head can send the dossier back to the officer with a reason
shown at the top of the officer's page, and the creation row carries the
address the draft was opened from."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from viewflow.workflow import STATUS

from appraisal.models import AuditEntry, ChecklistCriterion, JobPositionProject
from tests.workflows.conftest import url

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
Status = JobPositionProject.Status


def _project(process) -> JobPositionProject:
    return JobPositionProject.objects.get(pk=process.artifact_object_id)


def _actions(project) -> list[str]:
    return list(project.audit_entries.order_by("pk").values_list("action", flat=True))


def _value_shown(content: str, name: str, value: str) -> bool:
    """Whether the page shows ``value`` in the field ``name`` (an input's value, a
    selected option or a textarea's text)."""
    value = html.escape(value, quote=True)
    patterns = [
        rf'<input[^>]*name="{re.escape(name)}"[^>]*value="{re.escape(value)}"',
        rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>\s*{re.escape(value)}\s*</textarea>',
    ]
    select = re.search(
        rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', content, re.S
    )
    if select and re.search(
        rf'<option value="{re.escape(value)}"[^>]*selected', select.group(1)
    ):
        return True
    return any(re.search(pattern, content) for pattern in patterns)


def _appraisal_page(driver, process) -> tuple:
    task = driver.open_task(process, "appraise")
    driver.login("appraiser")
    return task, _project(process)


def _typed_report(driver, project, *, unanswered: str) -> dict:
    """A report as the appraiser types it, one criterion left unanswered."""
    project.refresh_from_db()
    line = project.lines.get()
    data = {
        "version": project.version,
        "recommendation": "approve_with_changes",
        "text": "Đề án cơ bản đáp ứng; đề nghị giảm biên chế còn 1",
        "action": "complete",
        "comment": "Trình Giám đốc ký",
        **driver.formset_data(
            "proposed",
            [
                driver.add_line(
                    key=str(line.key),
                    headcount=1,
                    competency_framework="Am hiểu cải cách hành chính",
                )
            ],
        ),
    }
    for criterion in ChecklistCriterion.objects.filter(active=True):
        if criterion.code == unanswered:
            data[f"answer_{criterion.code}"] = ""
            data[f"note_{criterion.code}"] = "Còn phải xem lại"
        else:
            data[f"answer_{criterion.code}"] = "pass"
            data[f"note_{criterion.code}"] = f"Đạt ({criterion.code})"
    return data


def test_a_refused_completion_shows_the_whole_typed_report_again(driver):
    process = driver.to_appraisal()
    task, project = _appraisal_page(driver, process)
    criterion = ChecklistCriterion.objects.filter(active=True).first()
    data = _typed_report(driver, project, unanswered=criterion.code)
    rows_before = _actions(project)

    response = driver.client.post(url(task, "execute"), {"_complete": "1", **data})

    assert response.status_code == 200
    content = response.content.decode()
    for name, value in data.items():
        if name in ("action",) or name.endswith("_FORMS") or value == "":
            continue
        assert _value_shown(content, name, str(value)), (name, value)
    assert re.search(r'name="action"[^>]*value="complete"[^>]*checked', content)
    # The error is beside the unanswered criterion's own field.
    report_form = response.context["report_form"]
    assert report_form.errors[f"answer_{criterion.code}"] == [
        "Answer this criterion to complete the report."
    ]
    field_html = content.split(f'name="answer_{criterion.code}"')[1].split(
        '<div class="pf-field'
    )[0]
    assert "Answer this criterion to complete the report." in field_html
    # Nothing moved: the task is open, the dossier under appraisal, no row written.
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED
    project.refresh_from_db()
    assert project.status == Status.UNDER_APPRAISAL
    assert _actions(project) == rows_before

    # The page holds it on the task: opened again later, everything is there.
    page = driver.client.get(url(task, "execute"))
    content = page.content.decode()
    assert _value_shown(content, "text", data["text"])
    assert _value_shown(content, "recommendation", "approve_with_changes")
    assert _value_shown(
        content, f"note_{criterion.code}", data[f"note_{criterion.code}"]
    )
    assert _value_shown(content, "proposed-0-headcount", "1")

    # Answering the last criterion completes the report in one action, one row.
    data[f"answer_{criterion.code}"] = "pass"
    response = driver.client.post(url(task, "execute"), {"_complete": "1", **data})
    assert response.status_code == 302, response.content[:3000]
    project.refresh_from_db()
    assert project.status == Status.REPORT_COMPLETED
    assert project.report.text == data["text"]
    assert project.report.lines.get().headcount == 1
    assert _actions(project) == [*rows_before, Action.REPORT_COMPLETED]


def test_a_completion_without_a_recommendation_says_so_beside_the_field(driver):
    process = driver.to_appraisal()
    task, project = _appraisal_page(driver, process)
    data = _typed_report(driver, project, unanswered="")
    data["recommendation"] = ""
    response = driver.client.post(url(task, "execute"), {"_complete": "1", **data})
    assert response.status_code == 200
    assert response.context["report_form"].errors["recommendation"] == [
        "Choose the report's recommendation."
    ]
    assert _value_shown(response.content.decode(), "text", data["text"])


def test_adding_a_remark_keeps_the_report_being_typed(driver):
    process = driver.to_appraisal()
    task, project = _appraisal_page(driver, process)
    data = _typed_report(driver, project, unanswered="")
    data.pop("action")
    rows_before = _actions(project)
    response = driver.client.post(
        url(task, "execute"),
        {**data, "_remark": "1", "remark-text": "Bổ sung khung năng lực"},
    )
    assert response.status_code == 302, response.content[:3000]
    assert project.remarks.filter(text="Bổ sung khung năng lực").exists()
    page = driver.client.get(url(task, "execute"))
    content = page.content.decode()
    assert _value_shown(content, "recommendation", "approve_with_changes")
    assert _value_shown(content, "text", data["text"])
    assert _value_shown(content, "proposed-0-headcount", "1")
    assert "Bổ sung khung năng lực" not in content.split('id="remark-form"')[1]
    assert Action.REMARK_ADDED in _actions(project)[len(rows_before) :]


def test_saving_an_unchanged_report_writes_no_row(driver):
    process = driver.to_appraisal()
    assert driver.save_report("appraiser", process, "approve", "Đạt").status_code == 302
    project = _project(process)
    rows = _actions(project)
    assert rows.count(Action.REPORT_SAVED) == 1
    assert driver.save_report("appraiser", process, "approve", "Đạt").status_code == 302
    assert _actions(project) == rows


def test_hand_over_without_the_documents_is_refused_and_changes_nothing(driver):
    process = driver.start("officer")
    project = _project(process)
    rows_before = _actions(project)
    response = driver.draft(
        "officer", process, [driver.add_line(name="Chuyên viên pháp chế")]
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert errors[0].startswith("Attach the missing documents before submitting:")
    assert "Submission letter" in errors[0]
    content = response.content.decode()
    assert errors[0] in html.unescape(content)
    # What was typed is still on the page; nothing was written; the task is open.
    assert _value_shown(content, "lines-0-name", "Chuyên viên pháp chế")
    project.refresh_from_db()
    assert project.lines.count() == 0
    assert _actions(project) == rows_before
    task = driver.open_task(process)
    assert (task.flow_task.name, task.status) == ("draft", STATUS.ASSIGNED)


def test_hand_over_refusal_is_in_vietnamese(driver, settings):
    settings.LANGUAGE_CODE = "vi"
    process = driver.start("officer")
    response = driver.draft("officer", process, [driver.add_line()])
    assert response.status_code == 200
    error = response.context["form"].non_field_errors()[0]
    assert error.startswith("Đính kèm các tài liệu còn thiếu trước khi nộp:")
    assert "Tờ trình" in error


def test_the_head_sends_the_draft_back_to_the_officer_with_a_reason(driver, people):
    process = driver.start("officer")
    driver.attach_required("officer", process)
    assert driver.draft("officer", process, [driver.add_line()]).status_code == 302
    reason = "Đề nghị bổ sung mô tả công việc cho dòng 1"

    # A send-back without a reason is refused beside the reason field.
    response = driver.execute("head", process, "submit", {"action": "send_back"})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert driver.open_task(process).flow_task.name == "submit"

    response = driver.execute(
        "head", process, "submit", {"action": "send_back", "reason": reason}
    )
    assert response.status_code == 302
    project = _project(process)
    assert project.status == Status.DRAFT
    draft = driver.open_task(process)
    assert (draft.flow_task.name, draft.owner) == ("draft", people["officer"])
    entry = project.audit_entries.order_by("pk").last()
    assert (entry.action, entry.actor, entry.comment) == (
        Action.SENT_BACK_TO_OFFICER,
        people["head"],
        reason,
    )
    assert _actions(project).count(Action.SENT_BACK_TO_OFFICER) == 1

    # The officer's page shows the reason at the top.
    driver.login("officer")
    page = driver.client.get(url(draft, "execute"))
    content = page.content.decode()
    box = content.split('id="return-reason"')[1].split("</div>")[0]
    assert "The unit head sent the dossier back" in box
    assert reason in box
    assert content.index('id="return-reason"') < content.index('id="draft-form"')

    # The officer corrects it and hands it over; the head submits it.
    response = driver.draft(
        "officer", process, [driver.add_line(job_description="Mô tả đầy đủ")]
    )
    assert response.status_code == 302
    assert driver.open_task(process).flow_task.name == "submit"
    response = driver.execute("head", process, "submit", {"comment": "Kính trình"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.SUBMITTED
    assert _actions(project)[-3:] == [
        Action.SENT_BACK_TO_OFFICER,
        Action.HANDED_OVER,
        Action.SUBMITTED,
    ]


def test_a_head_sending_back_a_revision_reaches_the_drafting_officer(driver, people):
    process = driver.to_appraisal()
    response = driver.execute(
        "appraiser",
        process,
        "appraise",
        {"action": "request_revision", "comment": "Giảm biên chế còn 1"},
    )
    assert response.status_code == 302
    line = _project(process).lines.get()
    driver.draft(
        "officer", process, [driver.add_line(key=str(line.key))], node="revise"
    )
    response = driver.execute(
        "head", process, "submit", {"action": "send_back", "reason": "Chưa giảm"}
    )
    assert response.status_code == 302
    revise = driver.open_task(process)
    assert (revise.flow_task.name, revise.owner) == ("revise", people["officer"])
    assert _project(process).status == Status.REVISION_REQUESTED


def test_the_appraisers_revision_request_is_at_the_top_of_the_officers_page(driver):
    process = driver.to_appraisal()
    driver.execute(
        "appraiser",
        process,
        "appraise",
        {"action": "request_revision", "comment": "Giảm biên chế còn 1"},
    )
    revise = driver.open_task(process)
    driver.take("officer", revise)
    content = driver.client.get(url(revise, "execute")).content.decode()
    box = content.split('id="return-reason"')[1].split("</div>")[0]
    assert "The appraiser asked for a revision" in box
    assert "Giảm biên chế còn 1" in box


def test_saving_the_draft_page_is_one_row(driver):
    process = driver.start("officer")
    project = _project(process)
    rows_before = _actions(project)
    task = driver.open_task(process)
    data = driver.draft_data(process, [driver.add_line()], title="Tên mới")
    response = driver.client.post(url(task, "execute"), {"_save_draft": "1", **data})
    assert response.status_code == 302
    assert _actions(project) == [*rows_before, Action.UPDATED]
    project.refresh_from_db()
    assert (project.title, project.lines.count()) == ("Tên mới", 1)


def test_attaching_a_document_keeps_the_lines_being_typed(driver):
    from tests.factories import pdf_upload

    process = driver.start("officer")
    task = driver.open_task(process)
    data = driver.draft_data(
        process, [driver.add_line(name="Chuyên viên chưa lưu")], title="Tiêu đề mới"
    )
    response = driver.client.post(
        url(task, "execute"),
        {**data, "_attach": "1", "kind": "other", "file": pdf_upload("Phụ lục.pdf")},
    )
    assert response.status_code == 302
    content = driver.client.get(url(task, "execute")).content.decode()
    assert _value_shown(content, "lines-0-name", "Chuyên viên chưa lưu")
    assert _value_shown(content, "title", "Tiêu đề mới")
    assert "Phụ lục.pdf" in content
    # Saved, the dossier holds it and the page is built from the dossier again.
    page = driver.client.get(url(task, "execute"))
    data = driver.draft_data(
        process, [driver.add_line(name="Chuyên viên chưa lưu")], title="Tiêu đề mới"
    )
    response = driver.client.post(url(task, "execute"), {"_save_draft": "1", **data})
    assert response.status_code == 302, page
    assert _project(process).lines.get().name == "Chuyên viên chưa lưu"
    task.refresh_from_db()
    assert "draft" not in (task.data or {})


def test_the_creation_row_has_the_address_of_the_request(driver, people, units):
    driver.login("officer")
    response = driver.client.post(
        reverse("jobpositionproject:start:execute"),
        {"unit": units["a"].pk, "kind": "adjustment", "title": "Đề án có địa chỉ"},
        REMOTE_ADDR="10.20.30.40",
    )
    assert response.status_code == 302
    project = JobPositionProject.objects.get(title="Đề án có địa chỉ")
    entry = project.audit_entries.get()
    assert (entry.action, entry.ip) == (Action.CREATED, "10.20.30.40")


def test_taking_a_task_names_the_step_not_an_id(driver, settings):
    process = driver.to_reception()
    task = driver.open_task(process)
    driver.login("reception")
    response = driver.client.post(url(task, "assign"), follow=True)
    texts = [str(message) for message in response.context["messages"]]
    taken = [text for text in texts if "taken" in text]
    # (the head's earlier take is still in the messages of the same session)
    assert taken[-1:] == [
        "You have taken the task “Receive the dossier” of “Đề án vị trí việc làm Sở A”."
    ]
    assert not any(f"#{task.pk}" in text for text in texts)


def test_the_lines_table_carries_the_catalogue_data_and_every_column(driver, ref):
    process = driver.start("officer")
    task = driver.open_task(process)
    data = driver.draft_data(
        process,
        [
            driver.add_line(
                name="Chuyên viên có tên rất dài về quản lý tổ chức bộ máy và biên chế",
                competency_framework="Khung năng lực cấp 3",
                job_description="x" * 300,
            )
        ],
    )
    driver.client.post(url(task, "execute"), {"_save_draft": "1", **data})
    content = driver.client.get(url(task, "execute")).content.decode()
    entry = ref["entry"]
    select = re.search(
        r'<select[^>]*name="lines-0-catalogue_entry"[^>]*>(.*?)</select>', content, re.S
    ).group(0)
    assert 'data-fill="catalogue"' in select
    option = re.search(rf'<option value="{entry.pk}"[^>]*>', select).group(0)
    assert f'data-name="{entry.name}"' in option
    assert f'data-category="{entry.category_id}"' in option
    assert 'data-fill="catalogue"' in content
    dossier = driver.client.get(
        reverse("jobpositionproject:process_detail", args=[process.pk])
    ).content.decode()
    lines_table = dossier.split('id="lines"')[1].split("</table>")[0]
    assert "Chuyên viên có tên rất dài về quản lý tổ chức bộ máy và biên chế" in (
        lines_table
    )
    assert "Competency framework" in lines_table
    assert "Khung năng lực cấp 3" in lines_table
    assert "x" * 300 in lines_table
