"""A dossier's spreadsheet imports as jobs (issue 12 §1): a project's lines of
more than ``IMPORT_BACKGROUND_ROWS`` rows are imported by a worker, the person
follows the job's page and finds the way back to the dossier; a bad row anywhere
writes nothing; nobody but the dossier's officer may start one."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from appraisal.models import AuditEntry, JobPositionProject
from orgchart.import_jobs import import_job_submit
from orgchart.models import ImportJob
from tests.workflows.conftest import url

pytestmark = pytest.mark.django_db

HEADINGS = ["Thao tác", "Tên vị trí", "Nhóm", "Mã ngạch", "Số lượng", "Mô tả công việc"]


def lines_file(count: int, *, bad_line: int | None = None) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADINGS)
    for index in range(count):
        rank = "99.999" if index + 2 == bad_line else "01.003"
        sheet.append(["thêm", f"Chuyên viên {index}", "specialised", rank, 1, ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("vi-tri.xlsx", buffer.getvalue())


def line_names(process) -> list[str]:
    project = JobPositionProject.objects.get(pk=process.artifact_object_id)
    return [line.name for line in project.lines.order_by("order", "pk")]


@pytest.fixture
def draft(driver):
    process = driver.start("officer")
    task = driver.open_task(process)
    data = driver.draft_data(process, [driver.add_line(name="Giữ nguyên")])
    driver.client.post(url(task, "execute"), {"_save_draft": "1", **data})
    return driver, process, task


def test_a_large_lines_file_is_imported_in_the_background_and_links_back(
    draft, settings, django_capture_on_commit_callbacks
):
    driver, process, task = draft
    settings.IMPORT_BACKGROUND_ROWS = 3
    task_page = url(task, "execute")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = driver.client.post(
            task_page,
            {"_import": "1", "file": lines_file(6)},
            REMOTE_ADDR="203.0.113.9",
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert len(callbacks) == 1 and job.background
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.kind, job.rows_written, job.return_url) == (
        "project_lines",
        6,
        task_page,
    )
    assert line_names(process) == [f"Chuyên viên {i}" for i in range(6)]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LINES_IMPORTED)
    assert entry.ip == "203.0.113.9"
    assert "vi-tri.xlsx" in entry.comment
    page = driver.client.get(job.get_absolute_url()).content.decode()
    assert f'href="{task_page}"' in page
    assert "6 rows written." in page


def test_a_bad_row_at_the_end_of_a_background_file_writes_nothing(
    draft, settings, django_capture_on_commit_callbacks
):
    driver, process, task = draft
    settings.IMPORT_BACKGROUND_ROWS = 3
    with django_capture_on_commit_callbacks(execute=True):
        driver.client.post(
            url(task, "execute"), {"_import": "1", "file": lines_file(8, bad_line=9)}
        )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and job.rows_written == 0
    assert [error["line"] for error in job.errors] == [9]
    assert "99.999" in job.errors[0]["reason"]
    assert line_names(process) == ["Giữ nguyên"]
    assert not AuditEntry.objects.filter(
        action=AuditEntry.Action.LINES_IMPORTED
    ).exists()
    page = driver.client.get(job.get_absolute_url()).content.decode()
    assert 'data-line="9"' in page


def test_a_small_file_is_imported_at_once_and_its_bad_rows_shown_on_the_form(draft):
    driver, process, task = draft
    response = driver.client.post(
        url(task, "execute"), {"_import": "1", "file": lines_file(2, bad_line=3)}
    )
    assert response.status_code == 200
    assert ImportJob.objects.get().background is False
    errors = response.context["import_form"].errors["file"]
    assert len(errors) == 1 and errors[0].startswith("Line 3: ")
    assert line_names(process) == ["Giữ nguyên"]


@pytest.mark.parametrize("who", ["officer_b", "head_b", "reception", "appraiser"])
def test_only_the_dossiers_officer_may_import_its_lines(draft, people, who):
    _driver, process, _task = draft
    with pytest.raises(PermissionDenied):
        import_job_submit(
            kind="project_lines",
            user=people[who],
            file=lines_file(2),
            target_id=process.artifact_object_id,
        )
    assert not ImportJob.objects.exists()
    assert line_names(process) == ["Giữ nguyên"]
