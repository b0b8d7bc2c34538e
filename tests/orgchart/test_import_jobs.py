"""Imports as jobs (issue 12 §1): the establishment's fast path, all or nothing
with every bad row named, the job page and its progress endpoint for each role,
and a run again after a failure. The real worker's runs are in
``test_import_jobs_worker.py``."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orgchart.import_jobs import import_job_submit
from orgchart.models import ImportJob, JobPosition
from orgchart.permissions import Role

HEADINGS = [
    "Mã đơn vị",
    "Tên vị trí việc làm",
    "Nhóm vị trí",
    "Mã ngạch",
    "Số lượng",
    "Hiệu lực từ",
    "Số quyết định",
]


def establishment_rows(
    count: int, units: list[str], *, bad_at: dict | None = None, prefix: str = ""
):
    """``count`` valid rows over ``units``; ``bad_at``: line -> row replacing it."""
    bad_at = bad_at or {}
    for index in range(count):
        line = index + 2
        if line in bad_at:
            yield bad_at[line]
            continue
        yield [
            units[index % len(units)],
            f"Chuyên viên {prefix}{index}",
            "specialised",
            "01.003",
            str(1 + index % 3),
            "01/01/2026",
            "345/QĐ-UBND",
        ]


def csv_upload(rows, name: str = "bien-che.csv") -> SimpleUploadedFile:
    lines = [",".join(HEADINGS)] + [",".join(row) for row in rows]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8"))


def xlsx_upload(rows, name: str = "bien-che.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMINISTRATOR, username="quantri")


@pytest.fixture
def establishment(two_units, ref, media):
    return {"units": ["SA", "SB", "SA-P1"], **two_units, **ref}


def test_a_large_file_is_validated_and_written_in_the_background(
    establishment, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 50
    upload = csv_upload(establishment_rows(120, establishment["units"]))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = import_job_submit(kind="establishment", user=admin_user, file=upload)
    assert job.background and len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.rows_read, job.rows_validated, job.rows_written) == (120, 120, 120)
    assert JobPosition.objects.filter(decision_number="345/QĐ-UBND").count() == 120
    position = JobPosition.objects.get(name="Chuyên viên 5")
    assert position.unit.code == "SA-P1" and position.headcount == 3
    assert position.valid_from == datetime.date(2026, 1, 1)


def test_a_bad_row_near_the_end_writes_nothing_and_every_bad_row_is_listed(
    establishment, admin_user, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 100_000
    count = 3000
    bad = {
        7: ["SA", "Chuyên viên x", "specialised", "01.999", "1", "01/01/2026", "1/QĐ"],
        count: ["SA", "Chuyên viên y", "specialised", "01.003", "0", "01/01/2026", ""],
    }
    upload = xlsx_upload(establishment_rows(count, establishment["units"], bad_at=bad))
    job = import_job_submit(kind="establishment", user=admin_user, file=upload)
    assert job.status == ImportJob.Status.FAILED
    assert JobPosition.objects.count() == 0
    assert job.rows_written == 0 and job.rows_validated == count - 2
    lines = [(e["line"], e["column"]) for e in job.errors]
    assert lines == [(7, ""), (count, ""), (count, "")]
    assert "01.999" in job.errors[0]["reason"]
    assert (
        "Số quyết định" in job.errors[2]["reason"]
        or "quyết định" in (job.errors[2]["reason"])
    )


def test_duplicates_in_the_file_and_in_the_establishment_are_refused(
    establishment, admin_user, positions
):
    existing = positions[0]
    first_day = existing.valid_from.strftime("%d/%m/%Y")
    rows = [
        ["SA", "Chuyên viên a", "specialised", "01.003", "1", "01/01/2026", "1/QĐ"],
        ["SA", "Chuyên viên a", "specialised", "01.003", "2", "01/01/2026", "1/QĐ"],
        ["SA", existing.name, "specialised", "01.003", "1", first_day, "1/QĐ"],
        ["ZZ", "Chuyên viên b", "specialised", "01.003", "1", "01/01/2026", "1/QĐ"],
    ]
    job = import_job_submit(
        kind="establishment", user=admin_user, file=csv_upload(rows)
    )
    assert job.status == ImportJob.Status.FAILED
    assert [e["line"] for e in job.errors] == [3, 4, 5]
    assert "dòng 2" in job.errors[0]["reason"]
    assert str(existing.pk) in job.errors[1]["reason"]
    assert "ZZ" in job.errors[2]["reason"]
    assert JobPosition.objects.count() == 2


def test_the_establishment_reads_the_reference_tables_once(
    establishment, admin_user, django_assert_max_num_queries
):
    small = csv_upload(establishment_rows(10, establishment["units"]))
    with django_assert_max_num_queries(30) as small_queries:
        import_job_submit(kind="establishment", user=admin_user, file=small)
    rows = establishment_rows(400, establishment["units"], prefix="b")
    large = csv_upload(rows, "b.csv")
    with django_assert_max_num_queries(len(small_queries) + 5):
        job = import_job_submit(kind="establishment", user=admin_user, file=large)
    assert job.status == ImportJob.Status.SUCCEEDED
    assert JobPosition.objects.count() == 410


def test_a_file_that_is_not_a_spreadsheet_fails_with_a_message(
    establishment, admin_user
):
    upload = SimpleUploadedFile("notes.txt", b"hello")
    job = import_job_submit(kind="establishment", user=admin_user, file=upload)
    assert job.status == ImportJob.Status.FAILED
    assert "xlsx" in job.errors[0]["reason"]


# ---------------------------------------------------------------- the pages


@pytest.fixture
def people(make_user, establishment, admin_user):
    return {
        "admin": admin_user,
        "officer_a": make_user(Role.UNIT_OFFICER, units=[establishment["a"]]),
        "officer_b": make_user(Role.UNIT_OFFICER, units=[establishment["b"]]),
        "head_a": make_user(Role.UNIT_HEAD, units=[establishment["a"]]),
        "appraiser": make_user(Role.APPRAISER),
        "division_head": make_user(Role.DIVISION_HEAD),
        "director": make_user(Role.DIRECTOR),
        "committee": make_user(Role.COMMITTEE),
        "observer": make_user(Role.OBSERVER),
        "reception": make_user(Role.RECEPTION),
    }


def test_the_administrator_imports_from_the_page_and_follows_the_job(
    client, people, establishment, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 5
    client.force_login(people["admin"])
    page = client.get(reverse("orgchart:establishment_import"))
    assert page.status_code == 200
    upload = csv_upload(establishment_rows(20, establishment["units"]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("orgchart:establishment_import"), {"file": upload}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert job.background
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hoàn thành" in html and "Đã ghi 20 dòng" in html
    assert 'http-equiv="refresh"' not in html
    progress = client.get(reverse("orgchart:import_job_progress", args=[job.pk]))
    assert progress.json() == {
        "id": job.pk,
        "status": "succeeded",
        "status_label": "Hoàn thành",
        "stale": False,
        "finished": True,
        "rows_total": 20,
        "rows_read": 20,
        "rows_validated": 20,
        "rows_written": 20,
        "error_count": 0,
        "message": "",
    }


def test_a_running_job_shows_its_progress_and_reloads_itself(
    client, people, establishment
):
    from django.core.cache import cache

    from orgchart.import_jobs import progress_key

    job = ImportJob.objects.create(
        kind="establishment",
        user=people["admin"],
        file="imports/x.csv",
        file_name="x.csv",
        status=ImportJob.Status.RUNNING,
        rows_total=1000,
        background=True,
    )
    import time

    cache.set(
        progress_key(job.pk),
        {"read": 400, "validated": 390, "written": 0, "beat": time.time()},
    )
    client.force_login(people["admin"])
    html = client.get(job.get_absolute_url()).content.decode()
    assert '<progress max="1000" value="390"' in html
    assert 'http-equiv="refresh"' in html
    data = client.get(reverse("orgchart:import_job_progress", args=[job.pk])).json()
    assert (data["status"], data["rows_read"], data["rows_validated"]) == (
        "running",
        400,
        390,
    )


def test_a_job_whose_worker_died_is_shown_failed_and_runs_again(
    client, people, establishment, settings
):
    settings.IMPORT_JOB_STALE_SECONDS = 0
    job = import_job_submit(
        kind="establishment",
        user=people["admin"],
        file=csv_upload(establishment_rows(3, establishment["units"])),
    )
    JobPosition.objects.all().delete()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    client.force_login(people["admin"])
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Thất bại" in html and "đã dừng" in html
    data = client.get(reverse("orgchart:import_job_progress", args=[job.pk])).json()
    assert data["status"] == "failed" and data["stale"] is True
    response = client.post(reverse("orgchart:import_job_retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED and job.attempts == 2
    assert JobPosition.objects.count() == 3


@pytest.mark.parametrize(
    "role",
    [
        "officer_a",
        "officer_b",
        "head_a",
        "appraiser",
        "division_head",
        "director",
        "committee",
        "observer",
        "reception",
    ],
)
def test_only_administrators_may_import_the_establishment(client, people, role):
    client.force_login(people[role])
    assert client.get(reverse("orgchart:establishment_import")).status_code == 403
    upload = csv_upload([["SA", "x", "specialised", "01.003", "1", "01/01/2026", "1"]])
    response = client.post(reverse("orgchart:establishment_import"), {"file": upload})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_anonymous_is_sent_to_log_in(client, people):
    response = client.get(reverse("orgchart:establishment_import"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("admin", True),
        ("officer_a", True),  # the submitter
        ("head_a", True),  # the same unit's scope
        ("officer_b", False),
        ("appraiser", False),
        ("division_head", False),
        ("director", False),
        ("committee", False),
        ("observer", False),
        ("reception", False),
    ],
)
def test_a_job_is_seen_by_its_submitters_scope_and_administrators(
    client, people, establishment, role, sees
):
    job = ImportJob.objects.create(
        kind="establishment",
        user=people["officer_a"],
        unit=establishment["a"],
        file="imports/x.csv",
        file_name="x.csv",
        status=ImportJob.Status.FAILED,
    )
    client.force_login(people[role])
    expected = 200 if sees else 404
    assert client.get(job.get_absolute_url()).status_code == expected
    url = reverse("orgchart:import_job_progress", args=[job.pk])
    assert client.get(url).status_code == expected
    retry = client.post(reverse("orgchart:import_job_retry", args=[job.pk]))
    may_retry = role in ("admin", "officer_a")
    assert retry.status_code == (302 if may_retry else 403 if sees else 404)
    if not may_retry:
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED and job.attempts == 0
