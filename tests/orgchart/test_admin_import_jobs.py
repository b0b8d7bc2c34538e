"""The admin's imports of reference data and units as jobs (issue 12 §1): a file
of more than ``IMPORT_BACKGROUND_ROWS`` rows skips the in-request preview and is
imported by a worker, all or nothing, followed on the job's page; a smaller one
keeps the preview and confirmation."""

from __future__ import annotations

import pytest
from django.conf import settings

from orgchart.models import ImportJob, Unit
from orgchart.permissions import Role
from tests.orgchart.test_import_export import (
    CSV,
    UNIT_HEADER,
    admin_url,
    make_file,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user(Role.ADMINISTRATOR, username="quantri", is_staff=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def unit_rows(count: int, *, bad_line: int | None = None) -> list[list]:
    rows = [UNIT_HEADER]
    for index in range(count):
        kind = "nonsense" if index + 2 == bad_line else "division"
        rows.append(
            [f"SA-X{index}", f"Phòng {index}", kind, "province", "SA", "2025-07-01"]
        )
    return rows


def test_a_large_unit_file_is_imported_by_a_job_and_followed_on_its_page(
    staff_client,
    two_units,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.IMPORT_BACKGROUND_ROWS = 5
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(staff_client, Unit, make_file(unit_rows(12), CSV), CSV)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.kind, job.background, job.status, job.rows_written) == (
        "units",
        True,
        ImportJob.Status.SUCCEEDED,
        12,
    )
    child = Unit.objects.get(code="SA-X7")
    assert child.parent == two_units["a"]
    assert child.path == f"{two_units['a'].path}{child.pk}/"
    page = staff_client.get(job.get_absolute_url()).content.decode()
    assert "12 rows written." in page
    assert f'href="{admin_url(Unit, "import")}"' in page


def test_a_bad_row_in_a_large_unit_file_writes_nothing_and_is_listed(
    staff_client,
    two_units,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.IMPORT_BACKGROUND_ROWS = 5
    before = Unit.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, Unit, make_file(unit_rows(12, bad_line=13), CSV), CSV)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert [error["line"] for error in job.errors] == [13]
    assert Unit.objects.count() == before
    page = staff_client.get(job.get_absolute_url()).content.decode()
    assert 'data-line="13"' in page


def test_a_small_unit_file_keeps_the_preview(staff_client, two_units, settings):
    settings.IMPORT_BACKGROUND_ROWS = 5
    response = upload(staff_client, Unit, make_file(unit_rows(3), CSV), CSV)
    assert response.status_code == 200
    assert "confirm_form" in response.context
    assert not ImportJob.objects.exists()
    assert not Unit.objects.filter(code__startswith="SA-X").exists()


def test_the_import_page_says_when_a_file_goes_to_the_background(
    staff_client,
    settings,
):
    settings.IMPORT_BACKGROUND_ROWS = 500
    page = staff_client.get(admin_url(Unit, "import")).content.decode()
    assert "A file of more than 500 rows is imported in the background" in page


def test_someone_without_the_import_right_cannot_start_a_job(
    client, make_user, two_units, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 5
    client.force_login(make_user(Role.UNIT_OFFICER, username="o", is_staff=True))
    response = upload(client, Unit, make_file(unit_rows(12), CSV), CSV)
    assert response.status_code == 403
    assert not ImportJob.objects.exists()
    assert not Unit.objects.filter(code__startswith="SA-X").exists()
