"""The position mapping through Excel: the template is the mapping as it stands,
edited in a real workbook and imported back; a bad file is refused with a clear
message and writes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from appraisal.models import AuditEntry, PositionMapping
from appraisal.services import consolidation as cons
from orgchart.import_jobs import import_job_submit
from orgchart.models import ImportJob
from tests.appraisal.consolidation_fixtures import *  # noqa: F403
from tests.appraisal.consolidation_fixtures import D, new_unit, open_consolidation

pytestmark = pytest.mark.django_db


@pytest.fixture
def split(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org)
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="split",
        effective_date=D,
        source_units=[u["a"]],
        successors=[
            new_unit("Sở A1", "SA1", u["province"]),
            new_unit("Sở A2", "SA2", u["province"]),
        ],
    )
    return consolidation


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def upload(book, name="mapping.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def mapping_state():
    return sorted(
        PositionMapping.objects.values_list(
            "source_position_id",
            "action",
            "successor__code",
            "target_name",
            "headcount",
        )
    )


def test_the_template_lists_every_position_with_the_default_mapping(split, org):
    book = workbook(cons.mapping_template(consolidation=split))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Mã vị trí",
        "Đơn vị hiện tại",
        "Tên vị trí hiện tại",
        "Xử lý",
        "Mã đơn vị tiếp nhận",
        "Tên vị trí tại đơn vị tiếp nhận",
        "Số lượng",
    )
    p = org["positions"]
    assert sorted(row[0] for row in rows[1:]) == sorted(
        p[key].pk
        for key in ("a_director", "a_deputy", "a_officer", "a1_head", "a1_officer")
    )
    deputy = next(row for row in rows[1:] if row[0] == p["a_deputy"].pk)
    assert deputy[1:] == ("Sở A", "Phó Giám đốc", "Keep", "SA1", "Phó Giám đốc", 3)
    # Reading the template writes nothing.
    assert not PositionMapping.objects.exists()


def test_an_edited_workbook_imports_whole(split, people, org):
    p = org["positions"]
    book = workbook(cons.mapping_template(consolidation=split))
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == p["a_officer"].pk:
            row[3].value, row[4].value, row[5].value, row[6].value = (
                "Giữ",
                "sa2",
                "Chuyên viên tổ chức cán bộ",
                4,
            )
        if row[0].value == p["a_deputy"].pk:
            row[3].value, row[4].value, row[6].value = "Kết thúc", None, None
    assert (
        cons.mapping_import(
            user=people["division_head"], consolidation=split, file=upload(book)
        )
        == 5
    )
    officer = PositionMapping.objects.get(source_position=p["a_officer"])
    assert (officer.successor.code, officer.target_name, officer.headcount) == (
        "SA2",
        "Chuyên viên tổ chức cán bộ",
        4,
    )
    deputy = PositionMapping.objects.get(source_position=p["a_deputy"])
    assert (deputy.action, deputy.successor, deputy.headcount) == ("end", None, 0)
    assert cons.mapping_unmapped(consolidation=split) == []
    assert (
        split.audit_entries.filter(action=AuditEntry.Action.MAPPING_IMPORTED).count()
        == 1
    )


def test_a_bad_file_is_refused_with_every_line_named_and_nothing_written(
    split, people, org
):
    cons.mapping_default(consolidation=split)
    before, audit = mapping_state(), AuditEntry.objects.count()
    p = org["positions"]
    book = workbook(cons.mapping_template(consolidation=split))
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == p["a_officer"].pk:
            row[3].value = "Chuyển đi nơi khác"
        if row[0].value == p["a_deputy"].pk:
            row[4].value = "SB"
        if row[0].value == p["a_director"].pk:
            row[6].value = "hai"
    with pytest.raises(ValidationError) as exc:
        cons.mapping_import(
            user=people["division_head"], consolidation=split, file=upload(book)
        )
    lines = {int(row[0].row): row[0].value for row in sheet.iter_rows(min_row=2)}
    line_of = {pk: number for number, pk in lines.items()}
    messages = exc.value.messages
    assert len(messages) == 3
    assert (
        f'Line {line_of[p["a_officer"].pk]}: "Chuyển đi nơi khác" is not one of: '
        "keep, merge_into, end." in messages
    )
    assert (
        f"Line {line_of[p['a_deputy'].pk]}: no successor of this position's operation "
        "has the code “SB”." in messages
    )
    assert (
        f"Line {line_of[p['a_director'].pk]}: the head-count must be a whole number, "
        "not “hai”." in messages
    )
    assert mapping_state() == before
    assert AuditEntry.objects.count() == audit


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("mapping.pdf", b"%PDF-1.4", "Import an Excel workbook (.xlsx) or a CSV file"),
        ("mapping.xlsx", b"not a workbook", "Import an Excel workbook (.xlsx)"),
        (
            "mapping.csv",
            "Mã vị trí,Ghi chú\n1,x\n".encode(),
            "Missing columns: Xử lý (action).",
        ),
    ],
)
def test_an_unreadable_file_is_refused_with_a_clear_message(
    split, people, name, content, expected
):
    with pytest.raises(ValidationError) as exc:
        cons.mapping_import(
            user=people["division_head"],
            consolidation=split,
            file=SimpleUploadedFile(name, content),
        )
    assert expected in " ".join(exc.value.messages)
    assert not PositionMapping.objects.exists()


def test_a_mapping_file_over_the_threshold_is_imported_by_a_job(
    split, people, org, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_BACKGROUND_ROWS = 2
    p = org["positions"]
    book = workbook(cons.mapping_template(consolidation=split))
    for row in book.worksheets[0].iter_rows(min_row=2):
        if row[0].value == p["a_officer"].pk:
            row[4].value, row[6].value = "SA2", 4
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = import_job_submit(
            kind="consolidation_mapping",
            user=people["division_head"],
            file=upload(book),
            target_id=split.pk,
            ip="198.51.100.7",
        )
    job.refresh_from_db()
    assert job.background and len(callbacks) == 1
    assert (job.status, job.rows_written) == (ImportJob.Status.SUCCEEDED, 5)
    officer = PositionMapping.objects.get(source_position=p["a_officer"])
    assert (officer.successor.code, officer.headcount) == ("SA2", 4)
    entry = split.audit_entries.get(action=AuditEntry.Action.MAPPING_IMPORTED)
    assert entry.ip == "198.51.100.7"
