"""What a person reads of the appraisal's reference data and dates: Vietnamese legal
citations, no remark meant for administrators, dates dd/mm/yyyy."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps

from appraisal.models import (
    ChecklistCriterion,
    JobPositionProject,
    LeadershipLimit,
    ProcessingTime,
)
from tests.vietnamese_text import visible_text
from tests.workflows.conftest import dossier_url, url

pytestmark = pytest.mark.django_db

texts_migration = importlib.import_module(
    "appraisal.migrations.0012_vietnamese_reference_texts"
)


@pytest.fixture(autouse=True)
def _english(settings):
    """These pages are read in the default language."""
    settings.LANGUAGE_CODE = "vi"


def test_the_default_processing_times_limits_and_criteria_cite_in_vietnamese():
    times = list(ProcessingTime.objects.all())
    assert len(times) == 18
    for row in times:
        basis = (
            "Nghị định 158/2018/NĐ-CP"
            if row.dossier_kind == "consolidation"
            else "Nghị định 106/2020/NĐ-CP, khoản 3 Điều 7"
        )
        assert row.legal_basis.startswith(basis)
        assert "Assumption" not in row.legal_basis
    assert {
        row.internal_note[:8]
        for row in times
        if row.step != "total" and row.dossier_kind != "consolidation"
    } == {"Giả định"}
    department = LeadershipLimit.objects.get(unit_kind="department")
    assert department.legal_basis == "Nghị định 45/2025/NĐ-CP"
    assert department.internal_note.startswith("Giả định")
    for criterion in ChecklistCriterion.objects.all():
        assert not re.search(r"Decree|Circular|Law |Art\.", criterion.legal_basis)
    assert ChecklistCriterion.objects.get(code="job_descriptions").legal_basis == (
        "Thông tư 12/2022/TT-BNV; Luật 80/2025/QH15, Điều 23"
    )


def test_the_appraisal_migration_rewrites_old_texts_and_reverses():
    limit = LeadershipLimit.objects.get(unit_kind="department")
    old_basis = texts_migration.LIMITS["department"][0]
    LeadershipLimit.objects.filter(pk=limit.pk).update(
        legal_basis=old_basis, internal_note=""
    )
    ChecklistCriterion.objects.filter(code="task_inventory").update(
        legal_basis="Decree 106/2020/NĐ-CP Art. 7"
    )

    texts_migration.forward(apps, None)

    limit.refresh_from_db()
    assert limit.legal_basis == "Nghị định 45/2025/NĐ-CP"
    assert "có thể sửa" in limit.internal_note
    assert ChecklistCriterion.objects.get(code="task_inventory").legal_basis == (
        "Nghị định 106/2020/NĐ-CP, Điều 7"
    )

    texts_migration.backward(apps, None)

    limit.refresh_from_db()
    assert (limit.legal_basis, limit.internal_note) == (old_basis, "")


def test_a_dossiers_due_date_reads_dd_mm_yyyy(driver):
    process = driver.to_reception(title="Hồ sơ có hạn")
    project = JobPositionProject.objects.get(pk=process.artifact_object_id)
    assert project.due_on is not None

    driver.login("officer")
    text = visible_text(driver.client.get(dossier_url(process)).content.decode())

    assert project.due_on.strftime("%d/%m/%Y") in text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)


def test_the_appraisers_page_cites_in_vietnamese_without_admin_remarks(driver):
    process = driver.to_appraisal(title="Đang thẩm định")
    task = driver.open_task(process, "appraise")
    if task.owner_id is None:
        driver.take("appraiser", task)
    driver.login("appraiser")

    page = driver.client.get(url(task, "execute")).content.decode()

    assert "Thông tư 12/2022/TT-BNV; Luật 80/2025/QH15, Điều 23" in page
    assert "Giả định" not in page
    assert "Assumption" not in page
    assert "configurable" not in page
