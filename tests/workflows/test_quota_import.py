"""The payroll quotas in force imported from a spreadsheet (issue 12 §1, the
staffing numbers): written all or nothing, a unit, year and kind given twice
refused, a quota a staffing plan allocated never changed by a file, a large file
imported by a job, and only by someone with the right."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from import_export.formats.base_formats import XLSX as ExportXLSX

from appraisal.models import UnitQuota
from appraisal.resources import UnitQuotaResource
from appraisal.services import staffing as staffing_services
from orgchart.import_jobs import import_job_submit
from orgchart.imports import XLSXFormat
from orgchart.models import ImportJob
from orgchart.permissions import Role
from tests.orgchart.test_import_export import xlsx_file

pytestmark = pytest.mark.django_db

YEAR = 2026
HEADINGS = ["Mã đơn vị", "Năm", "Loại biên chế", "Số được giao", "Số quyết định"]


def run(rows):
    dataset = XLSXFormat().create_dataset(xlsx_file([HEADINGS, *rows]))
    result = UnitQuotaResource().import_data(dataset)
    return result.error_messages()


def quotas() -> list[tuple]:
    return sorted(
        UnitQuota.objects.values_list("unit__code", "year", "post_kind", "headcount")
    )


def test_the_quotas_are_written_and_an_existing_one_updated(units):
    UnitQuota.objects.create(unit=units["a"], year=YEAR, headcount=20)
    problems = run(
        [
            ["SA", YEAR, "civil_servant", 25, "120/QĐ-UBND"],
            ["SA", YEAR, "public_employee", 10, "120/QĐ-UBND"],
            ["SB", YEAR, "", 40, "120/QĐ-UBND"],
        ]
    )
    assert problems == []
    assert quotas() == [
        ("SA", YEAR, "civil_servant", 25),
        ("SA", YEAR, "public_employee", 10),
        ("SB", YEAR, "civil_servant", 40),
    ]
    assert (
        UnitQuota.objects.get(
            unit=units["a"], post_kind="civil_servant"
        ).decision_number
        == "120/QĐ-UBND"
    )


def test_a_bad_or_repeated_row_writes_nothing_and_names_the_lines(units):
    UnitQuota.objects.create(unit=units["a"], year=YEAR, headcount=20)
    problems = run(
        [
            ["SA", YEAR, "civil_servant", 25, ""],
            ["SB", YEAR, "civil_servant", 40, ""],
            ["SA", YEAR, "civil_servant", 26, ""],
            ["XX", YEAR, "civil_servant", 3, ""],
            ["SB", YEAR, "public_employee", "ba", ""],
        ]
    )
    text = " ".join(problems)
    assert "Line 4" in text and "also on line 2" in text
    assert "Line 5" in text and "unknown unit code XX" in text
    assert "Line 6" in text
    assert quotas() == [("SA", YEAR, "civil_servant", 20)]


@pytest.fixture
def allocated(units, people):
    plan = staffing_services.staffing_plan_open(
        actor=people["division_head"],
        province=units["province"],
        year=YEAR + 1,
        base_year=2021,
        proposal_deadline=timezone.localdate() + datetime.timedelta(days=10),
        ceilings={
            "civil_servant": {"ceiling": 80, "reserve": 2, "base_year_count": 70},
            "public_employee": {"ceiling": 30, "reserve": 0, "base_year_count": 20},
            "contract": {"ceiling": 15, "reserve": 0, "base_year_count": 10},
        },
        units=[units["a"], units["b"]],
        appraiser=people["appraiser"],
    )
    return UnitQuota.objects.create(
        unit=units["a"], year=YEAR + 1, headcount=30, plan=plan
    )


def test_a_quota_allocated_by_a_staffing_plan_is_not_changed_by_a_file(allocated):
    problems = run([["SA", YEAR + 1, "civil_servant", 35, ""]])
    assert len(problems) == 1
    assert (
        "Line 2" in problems[0]
        and "only a new staffing plan changes it" in (problems[0])
    )
    allocated.refresh_from_db()
    assert allocated.headcount == 30


def test_an_exported_file_imports_back_unchanged(allocated, units):
    UnitQuota.objects.create(unit=units["b"], year=YEAR, headcount=40)
    before = quotas()
    exported = ExportXLSX().export_data(
        UnitQuotaResource().export(force_native_type=True)
    )
    result = UnitQuotaResource().import_data(XLSXFormat().create_dataset(exported))
    assert result.error_messages() == []
    assert result.totals["skip"] == 2
    assert quotas() == before


def test_a_large_quota_file_runs_as_a_job_for_an_administrator_only(
    units, make_user, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_BACKGROUND_ROWS = 2
    rows = [
        [code, year, "civil_servant", 10 + year - YEAR, ""]
        for code in ("SA", "SB", "SA-P1")
        for year in (YEAR, YEAR + 1)
    ]
    data = xlsx_file([HEADINGS, *rows])
    with pytest.raises(PermissionDenied):
        import_job_submit(
            kind="quotas",
            user=make_user(Role.UNIT_OFFICER, units=[units["a"]]),
            file=SimpleUploadedFile("bien-che.xlsx", data),
        )
    assert not ImportJob.objects.exists()
    admin = make_user(Role.ADMINISTRATOR, username="quantri")
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_submit(
            kind="quotas", user=admin, file=SimpleUploadedFile("bien-che.xlsx", data)
        )
    job.refresh_from_db()
    assert (job.background, job.status, job.rows_written) == (
        True,
        ImportJob.Status.SUCCEEDED,
        6,
    )
    assert len(quotas()) == 6
