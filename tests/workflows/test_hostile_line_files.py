"""A project's line import against hostile and careless files, over HTTP as the
unit officer on the draft page: a clear message beside the file field, never
an error page, and the draft's lines unchanged."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from appraisal.models import JobPositionProject
from appraisal.services.imports import lines_layout
from tests import hostile_files
from tests.workflows.conftest import url

HEADINGS = [
    "Thao tác",
    "Mã vị trí hiện có",
    "Tên vị trí",
    "Nhóm",
    "Mã ngạch",
    "Số lượng",
]
SAMPLE = ["thêm", "", "Chuyên viên pháp chế", "specialised", "01.003", "2"]
ROWS = [HEADINGS, SAMPLE]


@pytest.fixture
def page(driver):
    """The officer's draft task, with one line saved."""
    process = driver.start("officer")
    task = driver.open_task(process)
    data = driver.draft_data(process, [driver.add_line(name="Giữ nguyên")])
    driver.client.post(url(task, "execute"), {"_save_draft": "1", **data})
    return driver, process, task


def lines_of(process) -> list[str]:
    project = JobPositionProject.objects.get(pk=process.artifact_object_id)
    return [line.name for line in project.lines.order_by("pk")]


def refused(page, data: bytes, name: str) -> str:
    driver, process, task = page
    response = driver.client.post(
        url(task, "execute"),
        {"_import": "1", "file": SimpleUploadedFile(name, data)},
    )
    assert response.status_code == 200
    assert lines_of(process) == ["Giữ nguyên"]
    return " ".join(response.context["import_form"].errors["file"])


def test_a_sheet_declaring_a_million_rows_is_refused(page):
    message = refused(page, hostile_files.huge_dimension_xlsx(ROWS), "vi-tri.xlsx")
    assert "The sheet declares 1048576 rows, more than the 2000" in message


def test_a_zip_bomb_is_refused(page):
    message = refused(page, hostile_files.zip_bomb_xlsx(ROWS), "vi-tri.xlsx")
    assert "unpacks to far more data than its size suggests" in message


def test_sixty_thousand_rows_are_refused(page):
    message = refused(page, hostile_files.many_rows_csv(ROWS), "vi-tri.csv")
    assert "more than 2.000 rows" in message


def test_a_file_over_the_size_limit_is_refused(page, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    data = hostile_files.csv(ROWS) + b" " * (1024 * 1024)
    message = refused(page, data, "vi-tri.csv")
    assert "too big to import; the largest is 1 MB" in message


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_column_given_twice_is_refused(page, fmt):
    rows = hostile_files.with_repeated_column(ROWS, index=2)
    data = hostile_files.xlsx(rows) if fmt == "xlsx" else hostile_files.csv(rows)
    message = refused(page, data, f"vi-tri.{fmt}")
    assert "These columns appear more than once: Tên vị trí = Tên vị trí" in message


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("Số lượng", hostile_files.superscript(2), "the headcount must be"),
        ("Số lượng", "\u0663", "the headcount must be"),  # Arabic-Indic three
        ("Mã vị trí hiện có", hostile_files.superscript(1), "the position id must"),
    ],
)
def test_digits_other_than_0_to_9_are_a_clear_row_error(page, column, value, words):
    sample = list(SAMPLE)
    sample[HEADINGS.index(column)] = value
    if column == "Mã vị trí hiện có":
        sample[0] = "sửa"
    message = refused(page, hostile_files.xlsx([HEADINGS, sample]), "vi-tri.xlsx")
    assert "Line 2" in message
    assert words in message
    assert "digits 0 to 9" in message
    assert value in message


def test_decomposed_text_is_stored_precomposed(page):
    driver, process, task = page
    sample = list(SAMPLE)
    sample[2] = hostile_files.nfd("Chuyên viên quản lý đất đai") + "\u202e"
    response = driver.client.post(
        url(task, "execute"),
        {
            "_import": "1",
            "file": SimpleUploadedFile(
                "vi-tri.csv", hostile_files.csv([HEADINGS, sample])
            ),
        },
    )
    assert response.status_code == 302
    assert lines_of(process) == ["Chuyên viên quản lý đất đai"]


def test_the_line_layout_accepts_every_heading_of_the_corpus():
    keys = lines_layout().match(HEADINGS)
    assert None not in keys
