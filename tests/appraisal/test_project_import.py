"""Importing a draft's lines from Excel or CSV: all or nothing, every bad row
reported with its row number and the reason."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from appraisal import services as svc
from appraisal.models import AuditEntry, JobPositionProject
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.project_fixtures import advance

HEADINGS = [
    "action",
    "position_id",
    "catalogue_code",
    "name",
    "category_code",
    "rank_code",
    "headcount",
    "job_description",
    "competency_framework",
]


def xlsx(rows, headings=HEADINGS, name="lines.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(text: str, name="lines.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"))


def do_import(project, people, upload):
    return svc.project_lines_import(
        project=project, actor=people["officer"], file=upload
    )


def test_excel_rows_become_the_drafts_lines(draft, people, ref, positions):
    upload = xlsx(
        [
            ["add", None, "TCBC-01", None, None, "01.003", 2, "Tham mưu", "Cấp 3"],
            ["add", None, None, "Chuyên viên pháp chế", "specialised", "01.002", 1],
            ["change", positions[0].pk, None, None, None, None, 4],
            [None] * 9,  # an empty row is skipped
            ["end", positions[1].pk],
        ]
    )
    lines = do_import(draft, people, upload)
    assert [(line.action, line.display_name, line.headcount) for line in lines] == [
        ("add", ref["entry"].name, 2),
        ("add", "Chuyên viên pháp chế", 1),
        ("change", positions[0].name, 4),
        ("end", positions[1].name, None),
    ]
    assert lines[0].category == ref["specialised"]
    assert lines[0].competency_framework == "Cấp 3"
    assert lines[2].rank == positions[0].rank  # taken from the changed position
    entry = draft.audit_entries.last()
    assert entry.action == AuditEntry.Action.LINES_IMPORTED
    assert "4 lines imported from lines.xlsx" in entry.comment


def test_reimporting_keeps_the_identity_of_matching_lines(draft, people, positions):
    before = {line.position_id: line.key for line in draft.lines.all()}
    lines = do_import(
        draft,
        people,
        xlsx(
            [
                ["change", positions[0].pk, None, None, None, None, 6],
                ["end", positions[1].pk],
            ]
        ),
    )
    assert {line.position_id: line.key for line in lines} == {
        positions[0].pk: before[positions[0].pk],
        positions[1].pk: before[positions[1].pk],
    }


def test_every_bad_row_is_reported_with_its_number_and_nothing_is_written(
    draft, people, units, ref
):
    from tests.factories import JobPositionFactory

    foreign = JobPositionFactory(unit=units["b"], rank=ref["specialist"])
    keys_before = set(draft.lines.values_list("key", flat=True))
    upload = xlsx(
        [
            ["add", None, "TCBC-01", None, None, "01.003", 1],  # row 2: fine
            ["grow", None, None, "Sai", "specialised", "01.003", 1],  # row 3
            ["add", None, None, "Ngạch lạ", "specialised", "99.999", 1],  # row 4
            ["add", None, None, "Số âm", "specialised", "01.003", -2],  # row 5
            ["end", None],  # row 6: which position?
            ["end", foreign.pk],  # row 7: another unit's position
            ["add", None, "NOPE", None, None, "01.003", 1],  # row 8
            ["add", None, None, "Không nhóm", None, "01.003", 1],  # row 9
        ]
    )
    with pytest.raises(ValidationError) as exc:
        do_import(draft, people, upload)
    messages = exc.value.messages
    assert [m.split(":")[0] for m in messages] == [
        "Line 3",
        "Line 4",
        "Line 5",
        "Line 6",
        "Line 7",
        "Line 8",
        "Line 9",
    ]
    assert "grow" in messages[0]
    assert "99.999" in messages[1]
    assert "-2" in messages[2]
    assert "existing position" in messages[3]
    assert "not a position of this unit" in messages[4]
    assert "NOPE" in messages[5]
    assert "category" in messages[6]
    assert set(draft.lines.values_list("key", flat=True)) == keys_before


def test_csv_with_vietnamese_headings_and_semicolons(draft, people, ref):
    text = (
        "Thao tác;Tên vị trí;Nhóm;Mã ngạch;Số lượng\n"
        "thêm;Chuyên viên thi đua;specialised;01.003;2\n"
    )
    (line,) = do_import(draft, people, csv_file(text))
    assert (line.action, line.name, line.rank, line.headcount) == (
        "add",
        "Chuyên viên thi đua",
        ref["specialist"],
        2,
    )


def test_unknown_headings_are_refused(draft, people):
    with pytest.raises(ValidationError) as exc:
        do_import(draft, people, csv_file("action,salary\nadd,100\n"))
    assert [error.code for error in exc.value.error_list] == ["unknown_columns"]
    assert exc.value.messages[0].startswith("Unknown columns: salary.")


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("lines.pdf", b"%PDF-1.4", "file_type_not_allowed"),
        ("lines.xlsx", b"not a zip at all", "file_type_not_allowed"),
        ("lines.xlsx", b"PK\x03\x04broken", "bad_file"),
        ("lines.csv", "action\n".encode("utf-16"), "bad_encoding"),
        ("lines.csv", b"action\n", "no_rows"),
        ("lines.csv", b"", "empty_file"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(draft, people, name, content, code):
    with pytest.raises(ValidationError) as exc:
        do_import(draft, people, SimpleUploadedFile(name, content))
    assert exc.value.code == code


def test_import_only_into_a_dossier_the_unit_holds(draft, people):
    advance(draft, people, JobPositionProject.Status.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        do_import(draft, people, csv_file("action,name\nadd,X\n"))
    assert exc.value.code == "wrong_status"


def test_import_by_another_units_officer_is_refused(draft, people):
    with pytest.raises(ValidationError) as exc:
        svc.project_lines_import(
            project=draft,
            actor=people["officer_b"],
            file=csv_file("action,name\nadd,X\n"),
        )
    assert exc.value.code == "not_unit_officer"


# ------------------------------------------- Vietnamese headings, labels, template

VI_HEADINGS = [
    "Thao tác",
    "Mã vị trí hiện có",
    "Mã danh mục",
    "Tên vị trí việc làm",
    "Nhóm vị trí",
    "Mã ngạch",
    "Số lượng",
    "Mô tả công việc",
    "Khung năng lực",
]


def test_vietnamese_headings_and_labels_import(draft, people, ref, positions):
    upload = xlsx(
        [
            [
                "Thêm",
                None,
                None,
                "Trưởng phòng",
                "Lãnh đạo, quản lý",
                "Chuyên viên chính",
                1,
                "Điều hành",
                "Cấp 4",
            ],  # fmt: skip
            ["Sửa", positions[0].pk, None, None, None, None, 5],
            ["Kết thúc", positions[1].pk],
            ["thêm", None, "Chuyên viên về tổ chức bộ máy", None, None, "01.003", 2],
        ],
        headings=VI_HEADINGS,
    )
    lines = do_import(draft, people, upload)
    assert [(line.action, line.display_name, line.headcount) for line in lines] == [
        ("add", "Trưởng phòng", 1),
        ("change", positions[0].name, 5),
        ("end", positions[1].name, None),
        ("add", ref["entry"].name, 2),
    ]
    assert (lines[0].category, lines[0].rank) == (ref["leadership"], ref["principal"])
    assert lines[0].job_description == "Điều hành"
    assert lines[3].catalogue_entry == ref["entry"]


def test_csv_with_vietnamese_headings_written_without_accents(draft, people, ref):
    text = (
        "THAO TAC;ten vi tri viec lam;Nhom vi tri;Ma ngach;So luong\n"
        "Them;Chuyên viên pháp chế;specialised;01.003;1\n"
    )
    (line,) = do_import(draft, people, csv_file(text))
    assert (line.action, line.name, line.category, line.headcount) == (
        "add",
        "Chuyên viên pháp chế",
        ref["specialised"],
        1,
    )


def test_a_bad_label_names_the_accepted_ones(draft, people, ref):
    upload = xlsx([["Thay thế", None, None, "X", "specialised", "01.003", 1]])
    with pytest.raises(ValidationError) as exc:
        do_import(draft, people, upload)
    assert exc.value.messages == [
        "Line 2: the action must be Add (add), Change (change), End (end), not "
        "“Thay thế”."
    ]


def test_a_column_given_twice_is_refused_by_its_names(draft, people):
    text = "Thao tác,action,Tên vị trí việc làm\nThêm,add,X\n"
    with pytest.raises(ValidationError) as exc:
        do_import(draft, people, csv_file(text))
    assert [error.code for error in exc.value.error_list] == ["repeated_columns"]
    assert exc.value.messages == [
        "These columns appear more than once: Thao tác = action."
    ]


def test_a_file_without_the_action_column_is_refused(draft, people):
    with pytest.raises(ValidationError) as exc:
        do_import(draft, people, csv_file("Tên vị trí việc làm\nX\n"))
    assert exc.value.messages[0].startswith(
        "Missing columns: Thao tác (action). The first line must name the columns: "
        "Thao tác, Mã vị trí hiện có,"
    )


def _template_book():
    from openpyxl import load_workbook

    from appraisal.services.imports import lines_template

    return load_workbook(io.BytesIO(lines_template()))


def test_template_has_the_headings_a_sample_and_a_guide(ref):
    from django.utils import translation

    with translation.override("vi"):
        book = _template_book()
    assert book.sheetnames == ["Dữ liệu", "Hướng dẫn"]
    headings, sample = book.worksheets[0].iter_rows(max_row=2, values_only=True)
    assert list(headings) == VI_HEADINGS
    assert dict(zip(headings, sample, strict=True)) == {
        "Thao tác": "Thêm",
        "Mã vị trí hiện có": None,
        "Mã danh mục": None,
        "Tên vị trí việc làm": "Chuyên viên mẫu",
        "Nhóm vị trí": "Lãnh đạo, quản lý",
        "Mã ngạch": "01.001",
        "Số lượng": 1,
        "Mô tả công việc": "Tham mưu, tổng hợp",
        "Khung năng lực": "Cấp độ 3",
    }
    guide = {
        row[0]: row for row in book.worksheets[1].iter_rows(min_row=5, values_only=True)
    }
    assert list(guide) == VI_HEADINGS
    assert guide["Thao tác"][1] == "Có"
    assert guide["Số lượng"][1] == "Không"
    assert guide["Thao tác"][3].splitlines() == [
        "Thêm (add)",
        "Sửa (change)",
        "Kết thúc (end)",
    ]
    # The reference lists are today's.
    assert guide["Nhóm vị trí"][3].splitlines() == [
        "leadership: Lãnh đạo, quản lý",
        f"specialised: {ref['specialised'].name}",
    ]
    assert "01.002: Chuyên viên chính" in guide["Mã ngạch"][3]
    assert "TCBC-01: Chuyên viên về tổ chức bộ máy" in guide["Mã danh mục"][3]
    assert guide["Mã ngạch"][4] == "rank_code, rank, ngạch"
    assert "framework list" not in guide["Mã danh mục"][2]  # in Vietnamese


def test_templates_sample_row_imports_into_a_draft(draft, people, ref):
    """The sample's references come from the reference data: the downloaded
    template imports as it is."""
    from appraisal.services.imports import lines_template

    upload = SimpleUploadedFile("mau.xlsx", lines_template())
    (line,) = do_import(draft, people, upload)
    assert (line.action, line.name, line.category, line.rank, line.headcount) == (
        "add",
        "Chuyên viên mẫu",
        ref["leadership"],
        ref["senior"],
        1,
    )
