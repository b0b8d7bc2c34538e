"""What a person does on the task pages: every form can be saved as a draft and
carries a comment for the record; the lines are edited as a table (rows added and
removed) or imported from Excel into the draft, all or nothing; a page built on an
older state of the dossier is refused."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from viewflow.workflow import STATUS

from appraisal.models import AuditEntry, JobPositionProject
from tests.workflows.conftest import url

pytestmark = pytest.mark.django_db

HUMAN_NODES = (
    "draft",
    "submit",
    "receive",
    "assign_appraiser",
    "appraise",
    "revise",
    "review_report",
    "sign_report",
    "decide",
)
OWNER = {
    "draft": "officer",
    "submit": "head",
    "receive": "reception",
    "assign_appraiser": "division_head",
    "appraise": "appraiser",
    "revise": "officer",
    "review_report": "division_head",
    "sign_report": "director",
    "decide": "committee",
}


def _project(process) -> JobPositionProject:
    return JobPositionProject.objects.get(pk=process.artifact_object_id)


def test_every_task_form_offers_save_as_draft_and_a_comment(driver, world):
    for node in HUMAN_NODES:
        process = world[node]
        task = driver.open_task(process)
        if task.owner_id is None:
            driver.take(OWNER[node], task)
        else:
            driver.login(task.owner)
        page = driver.client.get(url(task, "execute"))
        assert page.status_code == 200, node
        content = page.content.decode()
        assert 'name="_save_draft"' in content, node
        assert 'name="comment"' in content, node
        assert 'name="_complete"' in content, node


def test_a_form_saved_as_draft_keeps_its_values_and_the_task_stays_open(driver):
    process = driver.to_reception()
    task = driver.open_task(process)
    driver.take("reception", task)
    reason = "Thiếu quyết định quy định chức năng, nhiệm vụ"
    response = driver.client.post(
        url(task, "execute"),
        {"_save_draft": "1", "decision": "supplement", "reason": reason},
    )
    assert response.status_code == 302
    assert response["Location"] == url(task, "execute")
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED
    assert task.data["draft"]["reason"] == reason
    project = _project(process)
    assert project.status == JobPositionProject.Status.SUBMITTED
    assert not AuditEntry.objects.filter(
        dossier=project, action=AuditEntry.Action.SUPPLEMENT_REQUESTED
    ).exists()

    # Days later the form opens with what was typed.
    page = driver.client.get(url(task, "execute"))
    form = page.context["form"]
    assert form.initial["reason"] == reason
    assert form.initial["decision"] == "supplement"
    assert reason in page.content.decode()


def test_the_report_is_saved_as_a_draft_over_several_days(driver, people):
    process = driver.to_appraisal()
    assert driver.save_report("appraiser", process, "", "Phần 1").status_code == 302
    response = driver.save_report("appraiser", process, "approve", "Phần 1 và 2")
    assert response.status_code == 302
    project = _project(process)
    assert project.report.draft is True
    assert project.report.text == "Phần 1 và 2"
    assert driver.open_task(process).status == STATUS.ASSIGNED
    page = driver.client.get(url(driver.open_task(process), "execute"))
    assert page.context["report_form"].initial["text"] == "Phần 1 và 2"


def test_the_comment_of_whoever_completes_a_task_goes_to_the_audit_trail(driver):
    process = driver.to_reception()
    driver.execute(
        "reception",
        process,
        "receive",
        {"decision": "accept", "comment": "Hồ sơ đầy đủ, hợp lệ"},
    )
    entry = AuditEntry.objects.get(
        dossier=_project(process), action=AuditEntry.Action.ACCEPTED
    )
    assert entry.comment == "Hồ sơ đầy đủ, hợp lệ"
    assert entry.actor == driver.people["reception"]


def test_lines_table_adds_and_removes_rows(driver, ref):
    process = driver.start("officer")
    first = driver.add_line(name="Chuyên viên A")
    second = driver.add_line(name="Chuyên viên B", headcount=1)
    data = driver.draft_data(process, [first, second])
    task = driver.open_task(process)
    response = driver.client.post(url(task, "execute"), {"_save_draft": "1", **data})
    assert response.status_code == 302
    project = _project(process)
    lines = list(project.lines.order_by("order", "pk"))
    assert [line.name for line in lines] == ["Chuyên viên A", "Chuyên viên B"]
    kept_key = lines[0].key

    # The page shows both rows; remove B, change A, add C.
    page = driver.client.get(url(task, "execute"))
    assert page.context["line_formset"].total_form_count() == 3  # two + a blank row
    rows = [
        {**driver.add_line(name="Chuyên viên A", headcount=4), "key": str(kept_key)},
        {**second, "DELETE": "on"},
        driver.add_line(name="Chuyên viên C"),
    ]
    data = driver.draft_data(process, rows)
    response = driver.client.post(url(task, "execute"), {"_save_draft": "1", **data})
    assert response.status_code == 302
    lines = list(project.lines.order_by("order", "pk"))
    assert [(line.name, line.headcount) for line in lines] == [
        ("Chuyên viên A", 4),
        ("Chuyên viên C", 2),
    ]
    assert lines[0].key == kept_key
    assert driver.open_task(process).status == STATUS.ASSIGNED


def test_an_invalid_line_is_shown_in_its_row_and_nothing_is_saved(driver):
    process = driver.start("officer")
    task = driver.open_task(process)
    bad = driver.add_line(name="", headcount=None, rank=None)
    data = driver.draft_data(process, [bad])
    response = driver.client.post(url(task, "execute"), {"_save_draft": "1", **data})
    assert response.status_code == 200
    row = response.context["line_formset"].forms[0]
    assert set(row.errors) >= {"name", "rank"}
    assert "Give the position a name or choose a catalogue entry." in (
        response.content.decode()
    )
    assert _project(process).lines.count() == 0


def _xlsx(rows: list[list]) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        "vi-tri.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


HEADINGS = ["Thao tác", "Tên vị trí", "Nhóm", "Mã ngạch", "Số lượng", "Mô tả công việc"]


def test_excel_import_replaces_the_draft_lines(driver):
    process = driver.start("officer")
    task = driver.open_task(process)
    upload = _xlsx(
        [
            HEADINGS,
            ["thêm", "Chuyên viên pháp chế", "specialised", "01.003", 2, "Pháp chế"],
            ["thêm", "Chuyên viên thanh tra", "specialised", "01.002", 1, ""],
        ]
    )
    response = driver.client.post(
        url(task, "execute"), {"_import": "1", "file": upload}
    )
    assert response.status_code == 302
    lines = list(_project(process).lines.order_by("order", "pk"))
    assert [(line.name, line.rank.code, line.headcount) for line in lines] == [
        ("Chuyên viên pháp chế", "01.003", 2),
        ("Chuyên viên thanh tra", "01.002", 1),
    ]


def test_excel_import_with_a_bad_row_changes_nothing_and_names_the_row(driver):
    process = driver.start("officer")
    task = driver.open_task(process)
    data = driver.draft_data(process, [driver.add_line(name="Giữ nguyên")])
    driver.client.post(url(task, "execute"), {"_save_draft": "1", **data})
    upload = _xlsx(
        [
            HEADINGS,
            ["thêm", "Chuyên viên pháp chế", "specialised", "01.003", 2, ""],
            ["thêm", "Chuyên viên thanh tra", "specialised", "99.999", 1, ""],
        ]
    )
    response = driver.client.post(
        url(task, "execute"), {"_import": "1", "file": upload}
    )
    assert response.status_code == 200
    errors = response.context["import_form"].errors["file"]
    assert any(error.startswith("Line 3") for error in errors), errors
    assert [line.name for line in _project(process).lines.all()] == ["Giữ nguyên"]


def test_a_draft_page_built_on_an_older_state_is_refused(driver):
    process = driver.start("officer")
    task = driver.open_task(process)
    stale = driver.draft_data(process, [driver.add_line(name="Trang cũ")])
    fresh = driver.draft_data(process, [driver.add_line(name="Trang mới")])
    assert (
        driver.client.post(
            url(task, "execute"), {"_save_draft": "1", **fresh}
        ).status_code
        == 302
    )
    response = driver.client.post(url(task, "execute"), {"_save_draft": "1", **stale})
    assert response.status_code == 200
    assert [line.name for line in _project(process).lines.all()] == ["Trang mới"]
    assert response.context["form"].non_field_errors()


def test_the_appraiser_marks_an_answered_remark_resolved(driver):
    process = driver.to_appraisal()
    appraise = driver.open_task(process)
    driver.login("appraiser")
    response = driver.client.post(
        url(appraise, "execute"),
        {"_remark": "1", "remark-text": "Bổ sung khung năng lực"},
    )
    assert response.status_code == 302
    driver.execute(
        "appraiser", process, "appraise", {"action": "request_revision", "comment": ""}
    )
    project = _project(process)
    line = project.lines.get()
    driver.draft(
        "officer",
        process,
        [driver.add_line(key=str(line.key), competency_framework="Khung năng lực")],
        node="revise",
    )
    driver.execute("head", process, "submit", {})
    appraise = driver.open_task(process)
    remark = project.remarks.get(text="Bổ sung khung năng lực")
    driver.login("appraiser")
    page = driver.client.get(url(appraise, "execute"))
    assert f'name="_resolve" value="{remark.pk}"' in page.content.decode()
    response = driver.client.post(url(appraise, "execute"), {"_resolve": remark.pk})
    assert response.status_code == 302
    remark.refresh_from_db()
    assert remark.resolved
    assert AuditEntry.objects.filter(
        dossier=project, action=AuditEntry.Action.REMARK_RESOLVED
    ).exists()
    # Someone else's remark id is not found.
    response = driver.client.post(url(appraise, "execute"), {"_resolve": 999999})
    assert response.status_code == 404
