"""Import and export of reference data and of the establishment (xlsx and csv).

Real files: workbooks built with openpyxl and CSV bytes, read by the project's own
formats; the admin is driven over HTTP as an administrator (upload, preview,
confirm). Messages are checked in English, the source language: the Vietnamese
wording comes from the translations.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from orgchart.imports import CSVFormat, ImportFileError, XLSXFormat
from orgchart.models import (
    CatalogueEntry,
    JobPosition,
    LadderLevel,
    PositionCategory,
    Rank,
    SalaryGroup,
    Unit,
)
from orgchart.permissions import Role
from orgchart.resources import (
    CatalogueEntryResource,
    JobPositionResource,
    PositionCategoryResource,
    RankResource,
    SalaryGroupResource,
    UnitResource,
)
from tests.factories import (
    CatalogueEntryFactory,
    JobPositionFactory,
    PositionCategoryFactory,
    RankFactory,
    SalaryGroupFactory,
    UnitFactory,
)

XLSX, CSV = "xlsx", "csv"
#: Index of each format in the admin's import and export forms.
FORMAT_INDEX = {CSV: "0", XLSX: "1"}

UNIT_HEADER = ["code", "name", "kind", "level", "parent_code", "valid_from"]
POSITION_HEADER = [
    "unit_code",
    "name",
    "category_code",
    "rank_code",
    "catalogue_code",
    "headcount",
    "valid_from",
    "decision_number",
]


# ---------------------------------------------------------------------- helpers


def xlsx_file(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(rows: list[list]) -> bytes:
    lines = [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def make_file(rows: list[list], fmt: str) -> bytes:
    return xlsx_file(rows) if fmt == XLSX else csv_file(rows)


def read(data: bytes, fmt: str):
    return (XLSXFormat() if fmt == XLSX else CSVFormat()).create_dataset(data)


@pytest.fixture(autouse=True)
def _english_wording():
    """Assertions read the English source wording of the messages; the Vietnamese
    wording is checked by ``test_row_errors_read_in_vietnamese_by_default``."""
    with translation.override("en"):
        yield


def run_import(resource_class, rows, *, fmt=XLSX, dry_run=False, language="en"):
    """Import ``rows``; the messages are worded in ``language`` as they are made
    (most assertions read the English source wording)."""
    with translation.override(language):
        return resource_class().import_data(
            read(make_file(rows, fmt), fmt), dry_run=dry_run
        )


def problems(result, language="en") -> list[str]:
    with translation.override(language):
        return result.error_messages()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (SalaryGroup, Rank, PositionCategory, CatalogueEntry, Unit)
    } | {"JobPosition": JobPosition.objects.count()}


def snapshot(model) -> list[dict]:
    return list(model.objects.order_by("pk").values())


def export_file(resource_class, fmt: str) -> bytes:
    dataset = resource_class().export()
    if fmt == XLSX:
        from import_export.formats.base_formats import XLSX as ExportXLSX

        # The admin exports workbooks with native cell types (dates, numbers).
        dataset = resource_class().export(force_native_type=True)
        return ExportXLSX().export_data(dataset)
    return dataset.export("csv").encode("utf-8-sig")


@pytest.fixture
def reference(db):
    """Salary groups, ranks, categories and a catalogue entry that allows ranks
    from principal specialist down to officer."""
    a1 = SalaryGroupFactory(code="A1")
    a2 = SalaryGroupFactory(code="A2.1", name="Loại A2 nhóm 1", step1="4.40")
    a3 = SalaryGroupFactory(code="A3.1", name="Loại A3 nhóm 1", step1="6.20")
    specialist = RankFactory(code="01.003", salary_group=a1)
    principal = RankFactory(
        code="01.002",
        name="Chuyên viên chính",
        salary_group=a2,
        ladder_level=LadderLevel.PRINCIPAL_SPECIALIST,
    )
    senior = RankFactory(
        code="01.001",
        name="Chuyên viên cao cấp",
        salary_group=a3,
        ladder_level=LadderLevel.SENIOR_SPECIALIST,
    )
    specialised = PositionCategoryFactory(code="specialised")
    leadership = PositionCategoryFactory(
        code="leadership", name="Lãnh đạo, quản lý", order=1
    )
    entry = CatalogueEntryFactory(code="CAT-001", category=specialised)
    return {
        "specialist": specialist,
        "principal": principal,
        "senior": senior,
        "specialised": specialised,
        "leadership": leadership,
        "entry": entry,
    }


@pytest.fixture
def province(reference, two_units):
    return two_units


@pytest.fixture
def staff_client(client, make_user):
    """An administrator with access to the admin (staff), who chose English."""
    user = make_user(Role.ADMINISTRATOR, username="admin-user", is_staff=True)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def position_row(**overrides) -> list:
    row = {
        "unit_code": "SA",
        "name": "Chuyên viên tổ chức",
        "category_code": "specialised",
        "rank_code": "01.003",
        "catalogue_code": "",
        "headcount": 2,
        "valid_from": "2025-07-01",
        "decision_number": "345/QĐ-UBND",
    }
    row.update(overrides)
    return [row[column] for column in POSITION_HEADER]


def admin_url(model, action: str) -> str:
    return reverse(f"admin:orgchart_{model._meta.model_name}_{action}")


def upload(client, model, data: bytes, fmt: str, name: str | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        admin_url(model, "import"),
        {
            "resource": "0",
            "format": FORMAT_INDEX[fmt],
            "import_file": SimpleUploadedFile(name or f"data.{fmt}", data),
        },
    )


def confirm(client, model, preview):
    form = preview.context["confirm_form"]
    return client.post(admin_url(model, "process_import"), form.initial)


def page_text(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------- units: good files


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_unit_file_builds_the_tree_with_right_paths(db, fmt):
    result = run_import(
        UnitResource,
        [
            UNIT_HEADER + ["admin_code"],
            [
                "UBND",
                "UBND tỉnh Nghệ An",
                "provincial_pc",
                "province",
                "",
                "2025-07-01",
                "40",
            ],
            ["SNV", "Sở Nội vụ", "department", "province", "UBND", "01/07/2025", ""],
            ["SNV-TCBC", "Phòng TCBC", "division", "province", "SNV", "2025-07-01", ""],
        ],
        fmt=fmt,
    )

    assert problems(result) == []
    assert result.totals["new"] == 3
    root, child, grandchild = (
        Unit.objects.get(code=code) for code in ("UBND", "SNV", "SNV-TCBC")
    )
    assert root.path == f"/{root.pk}/"
    assert child.path == f"/{root.pk}/{child.pk}/"
    assert grandchild.path == f"/{root.pk}/{child.pk}/{grandchild.pk}/"
    assert (root.depth, child.depth, grandchild.depth) == (0, 1, 2)
    assert child.valid_from == datetime.date(2025, 7, 1)
    assert root.admin_code == "40"


def test_unit_row_with_an_open_units_code_updates_it(province):
    result = run_import(
        UnitResource,
        [
            UNIT_HEADER,
            ["SA-P1", "Phòng A1 (đổi tên)", "division", "province", "SA", "2025-07-01"],
        ],
    )

    assert problems(result) == []
    assert result.totals["update"] == 1 and result.totals["new"] == 0
    unit = Unit.objects.get(code="SA-P1")
    assert unit.name == "Phòng A1 (đổi tên)"
    assert unit.path == f"{province['a'].path}{unit.pk}/"


def test_moving_a_unit_by_import_rewrites_the_paths_of_its_subtree(province):
    division = UnitFactory(code="SA-P1-T1", parent=province["a1"], kind="division")

    result = run_import(
        UnitResource,
        [
            UNIT_HEADER,
            ["SA-P1", "Phòng A1", "division", "province", "SB", "2025-07-01"],
        ],
    )

    assert problems(result) == []
    moved = Unit.objects.get(code="SA-P1")
    division.refresh_from_db()
    assert moved.path == f"{province['b'].path}{moved.pk}/"
    assert division.path == f"{moved.path}{division.pk}/"


def test_excel_date_cells_and_dd_mm_yyyy_are_read_as_dates(province):
    result = run_import(
        JobPositionResource,
        [
            POSITION_HEADER + ["decision_date"],
            # Excel date cells come back as naive datetimes.
            position_row(valid_from=datetime.datetime(2025, 8, 1))  # noqa: DTZ001
            + ["15/07/2025"],
            position_row(name="Văn thư", valid_from="02/08/2025") + [None],
        ],
    )

    assert problems(result) == []
    first, second = JobPosition.objects.order_by("pk")
    assert first.valid_from == datetime.date(2025, 8, 1)
    assert first.decision_date == datetime.date(2025, 7, 15)
    assert second.valid_from == datetime.date(2025, 8, 2)


# -------------------------------------------------------------- units: bad rows


UNIT_BAD_ROWS = [
    pytest.param(
        ["SA-P2", "Phòng A2", "division", "province", "NOPE", "2025-07-01"],
        "Line 3: unknown parent unit code NOPE.",
        id="unknown-parent",
    ),
    pytest.param(
        ["SA-P2", "Phòng A2", "division", "province", "SA", "31/02/2025"],
        'Line 3, column valid_from: "31/02/2025" is not a valid date; '
        "write it as 2025-07-01 or 01/07/2025.",
        id="impossible-date",
    ),
    pytest.param(
        ["SA-P2", "Phòng A2", "division", "province", "SA", "abc"],
        'Line 3, column valid_from: "abc" is not a valid date',
        id="date-abc",
    ),
    pytest.param(
        ["SA-P2", "Phòng A2", "bureau", "province", "SA", "2025-07-01"],
        'Line 3, column kind: "bureau" is not one of: provincial_pc, department,',
        id="unknown-kind",
    ),
    pytest.param(
        ["SA-P2", "", "division", "province", "SA", "2025-07-01"],
        "Line 3: name must not be empty.",
        id="empty-name",
    ),
    pytest.param(
        ["SA-P2", "Phòng A2", "division", "province", "SA", "2024-01-01"],
        # The wording is the model's own (clean()).
        "Line 3: A unit cannot exist outside",
        id="before-parent",
    ),
]


@pytest.mark.parametrize("fmt", [XLSX, CSV])
@pytest.mark.parametrize(("bad_row", "expected"), UNIT_BAD_ROWS)
def test_bad_unit_row_writes_nothing_and_names_line_and_reason(
    province, fmt, bad_row, expected
):
    before = counts()

    result = run_import(
        UnitResource,
        [
            UNIT_HEADER,
            ["SB-P2", "Phòng B2", "division", "province", "SB", "2025-07-01"],
            bad_row,
        ],
        fmt=fmt,
    )

    assert counts() == before
    assert result.bad_lines == [3]
    assert any(message.startswith(expected) for message in problems(result)), problems(
        result
    )


def test_unit_code_twice_in_the_file_is_refused_on_the_second_line(province):
    before = counts()

    result = run_import(
        UnitResource,
        [
            UNIT_HEADER,
            ["SA-P2", "Phòng A2", "division", "province", "SA", "2025-07-01"],
            ["SA-P3", "Phòng A3", "division", "province", "SA", "2025-07-01"],
            ["SA-P2", "Phòng A2 bis", "division", "province", "SA", "2025-07-01"],
        ],
    )

    assert counts() == before
    assert problems(result) == [
        "Line 4: code SA-P2 appears more than once in the file for the same period "
        "(also on line 2)."
    ]


def test_unit_code_clashing_with_a_closed_unit_of_the_database_is_refused(province):
    old = UnitFactory(
        code="SA-OLD",
        parent=province["a"],
        valid_to=datetime.date(2025, 12, 31),
    )
    Unit.objects.filter(pk=old.pk).update(status=Unit.Status.DISSOLVED)
    before = counts()

    result = run_import(
        UnitResource,
        [
            UNIT_HEADER,
            ["SA-OLD", "Phòng mới", "division", "province", "SA", "2025-10-01"],
        ],
    )

    assert counts() == before
    assert problems(result) == [
        "Line 2: Another unit already uses code SA-OLD during this period."
    ]


def test_administrative_code_of_another_open_unit_is_refused(province):
    Unit.objects.filter(pk=province["b"].pk).update(admin_code="17")
    before = counts()

    result = run_import(
        UnitResource,
        [
            UNIT_HEADER + ["admin_code"],
            ["SC", "Sở C", "department", "province", "UBND", "2025-07-01", "17"],
        ],
    )

    assert counts() == before
    assert problems(result) == [
        "Line 2: another open unit already has the administrative code 17."
    ]


def test_closed_status_without_last_day_is_explained(province):
    result = run_import(
        UnitResource,
        [
            UNIT_HEADER + ["status"],
            ["SC", "Sở C", "department", "province", "UBND", "2025-07-01", "merged"],
        ],
    )

    assert problems(result) == [
        "Line 2: a merged or dissolved unit needs its last day in valid_to."
    ]


def test_sub_unit_above_its_parent_is_told_to_move_below_it(province):
    before = counts()

    result = run_import(
        UnitResource,
        [
            UNIT_HEADER,
            ["SC-P1", "Phòng C1", "division", "province", "SC", "2025-07-01"],
            ["SC", "Sở C", "department", "province", "UBND", "2025-07-01"],
        ],
    )

    assert counts() == before
    assert problems(result) == [
        "Line 2: parent unit SC comes further down, on line 3; put parent units "
        "above their sub-units."
    ]


def test_sub_unit_of_a_bad_parent_row_points_at_that_row(province):
    result = run_import(
        UnitResource,
        [
            UNIT_HEADER,
            ["SC", "Sở C", "department", "province", "UBND", "abc"],
            ["SC-P1", "Phòng C1", "division", "province", "SC", "2025-07-01"],
        ],
    )

    assert problems(result) == [
        'Line 2, column valid_from: "abc" is not a valid date; write it as '
        "2025-07-01 or 01/07/2025.",
        "Line 3: parent unit SC has errors on line 2.",
    ]


# ------------------------------------------------------------ positions: bad rows


def _existing_position(province):
    return JobPositionFactory(
        unit=province["a"],
        name="Kế toán",
        rank=RankFactory(code="01.003"),
        category=PositionCategoryFactory(code="specialised"),
    )


POSITION_BAD_ROWS = [
    pytest.param(
        {"rank_code": "01.999"}, "Line 3: unknown rank code 01.999.", id="rank"
    ),
    pytest.param({"unit_code": "ZZ"}, "Line 3: unknown unit code ZZ.", id="unit"),
    pytest.param(
        {"category_code": "nope"},
        "Line 3: unknown position category code nope.",
        id="category",
    ),
    pytest.param(
        {"catalogue_code": "CAT-404"},
        "Line 3: unknown catalogue entry code CAT-404.",
        id="catalogue",
    ),
    pytest.param(
        {"headcount": 0},
        'Line 3: the approved headcount must be a whole number of at least 1, not "0".',
        id="headcount-0",
    ),
    pytest.param(
        {"headcount": -3},
        "Line 3: the approved headcount must be a whole number of at least 1, "
        'not "-3".',
        id="headcount-negative",
    ),
    pytest.param(
        {"headcount": "abc"},
        "Line 3: the approved headcount must be a whole number of at least 1, "
        'not "abc".',
        id="headcount-abc",
    ),
    pytest.param(
        {"valid_from": "31/02/2025"},
        'Line 3, column valid_from: "31/02/2025" is not a valid date; write it as '
        "2025-07-01 or 01/07/2025.",
        id="date-31-02",
    ),
    pytest.param(
        {"valid_from": "abc"},
        'Line 3, column valid_from: "abc" is not a valid date',
        id="date-abc",
    ),
    pytest.param(
        {"catalogue_code": "CAT-001", "rank_code": "01.001"},
        "Line 3: Rank 01.001 is not allowed for catalogue entry CAT-001.",
        id="rank-not-allowed-by-catalogue",
    ),
    pytest.param(
        {"decision_number": ""},
        "Line 3: the decision number is missing: a position is added only by a "
        "decision (e.g. 345/QĐ-UBND).",
        id="no-decision",
    ),
    pytest.param(
        {"name": "Kế toán"},
        'Line 3: unit SA already has the position "Kế toán" with rank 01.003 from '
        "01/07/2025 (id ",
        id="duplicate-of-database",
    ),
    pytest.param(
        {"name": "Văn thư"},
        "Line 3: the same position appears more than once in the file (also on "
        "line 2).",
        id="duplicate-in-file",
    ),
]


@pytest.mark.parametrize("fmt", [XLSX, CSV])
@pytest.mark.parametrize(("bad", "expected"), POSITION_BAD_ROWS)
def test_bad_position_row_writes_nothing_and_names_line_and_reason(
    province, fmt, bad, expected
):
    _existing_position(province)
    before = counts()

    result = run_import(
        JobPositionResource,
        [POSITION_HEADER, position_row(name="Văn thư"), position_row(**bad)],
        fmt=fmt,
    )

    assert counts() == before
    assert result.bad_lines == [3]
    assert any(message.startswith(expected) for message in problems(result)), problems(
        result
    )


def test_changing_an_existing_position_by_import_is_refused(province):
    position = _existing_position(province)
    before = snapshot(JobPosition)
    exported = read(export_file(JobPositionResource, XLSX), XLSX)
    row = list(exported[0])
    row[exported.headers.index("Số lượng")] = 9
    exported[0] = row

    result = JobPositionResource().import_data(exported)

    assert snapshot(JobPosition) == before
    assert problems(result) == [
        f"Line 2: position {position.pk} already exists with other values. The "
        "establishment changes only by a decision: an import adds new positions and "
        "cannot change existing ones."
    ]


def test_unknown_position_id_is_refused(province):
    row = position_row()
    result = run_import(JobPositionResource, [["id", *POSITION_HEADER], [987654, *row]])

    assert JobPosition.objects.count() == 0
    assert problems(result) == [
        "Line 2: there is no position with id 987654; leave the id empty to add a "
        "new position."
    ]


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(province):
    before = counts()

    result = run_import(
        JobPositionResource,
        [
            POSITION_HEADER,
            position_row(name="Văn thư"),
            position_row(name="A", rank_code="01.999"),
            position_row(name="B"),
            position_row(name="C", headcount=0, valid_from="31/02/2025"),
            position_row(name="D", unit_code="ZZ"),
        ],
    )

    assert counts() == before
    assert result.bad_lines == [3, 5, 6]
    assert problems(result) == [
        "Line 3: unknown rank code 01.999.",
        'Line 5: the approved headcount must be a whole number of at least 1, not "0".',
        'Line 5, column valid_from: "31/02/2025" is not a valid date; write it as '
        "2025-07-01 or 01/07/2025.",
        "Line 6: unknown unit code ZZ.",
    ]


def test_blank_lines_keep_the_line_numbers_of_the_file(province):
    data = csv_file(
        [POSITION_HEADER, position_row(name="Văn thư"), [], position_row(rank_code="X")]
    )

    result = JobPositionResource().import_data(read(data, CSV))

    assert problems(result) == ["Line 4: unknown rank code X."]


def test_good_position_file_adds_positions_through_the_catalogue(province, reference):
    result = run_import(
        JobPositionResource,
        [
            POSITION_HEADER,
            position_row(name="", category_code="", catalogue_code="CAT-001"),
            position_row(unit_code="SA-P1", headcount="3"),
        ],
        fmt=CSV,
    )

    assert problems(result) == []
    from_catalogue, own = JobPosition.objects.order_by("pk")
    assert from_catalogue.name == reference["entry"].name
    assert from_catalogue.category == reference["entry"].category
    assert from_catalogue.decision_number == "345/QĐ-UBND"
    assert own.unit == province["a1"] and own.headcount == 3


# ------------------------------------------------------------- the file as a whole


def test_missing_columns_give_one_error_naming_them(province):
    before = counts()

    result = run_import(
        JobPositionResource,
        [
            ["unit_code", "name", "category_code", "rank", "valid_from"],
            ["SA", "Văn thư", "specialised", "01.003", "2025-07-01"],
        ],
    )

    assert counts() == before
    messages = problems(result)
    assert messages[0].startswith(
        "Missing columns: Mã ngạch (rank_code), Số lượng (headcount), Số quyết định "
        "(decision_number). The first line must name the columns: Mã vị trí hiện có, "
        "Mã đơn vị,"
    )
    assert messages[1].startswith("Unknown columns: rank.")
    assert len(messages) == 2
    assert result.totals["new"] == 0 and result.invalid_rows == []


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_file_with_only_the_header_says_there_is_no_data(province, fmt):
    result = run_import(UnitResource, [UNIT_HEADER, [None] * 6], fmt=fmt)

    assert problems(result) == [
        "The file has no data: nothing below the line of column names."
    ]


def test_empty_workbook_says_the_file_is_empty(db):
    result = UnitResource().import_data(read(xlsx_file([]), XLSX))

    assert problems(result)[0].startswith("The file is empty.")


def test_garbage_uploaded_as_xlsx_is_a_clear_error():
    with pytest.raises(ImportFileError) as error, translation.override("en"):
        XLSXFormat().create_dataset(b"%PDF-1.4 this is not a workbook")

    with translation.override("en"):
        assert str(error.value.message).startswith(
            "The file is not an Excel workbook (.xlsx)."
        )


def test_csv_that_is_not_utf8_is_a_clear_error():
    # "Sở A" as Excel writes it on a Vietnamese Windows (code page 1258).
    data = "code,name\nSA,Sơ\u0309 A\n".encode("cp1258")

    with pytest.raises(ImportFileError) as error, translation.override("en"):
        CSVFormat().create_dataset(data)

    with translation.override("en"):
        assert str(error.value.message).startswith("The file is not UTF-8 text.")


def test_csv_with_semicolons_as_excel_writes_it_is_read(province):
    data = "\ufeffcode;name;kind;level;parent_code;valid_from\n".encode()
    data += "SC;Sở C;department;province;UBND;01/07/2025\n".encode()

    result = UnitResource().import_data(read(data, CSV))

    assert problems(result) == []
    assert Unit.objects.get(code="SC").parent == province["province"]


# -------------------------------------------------------------- reference tables


def test_reference_tables_import_and_report_unknown_codes(db):
    groups = run_import(
        SalaryGroupResource,
        [
            ["code", "name", "step1", "increment", "steps", "months_per_step"],
            ["A1", "Loại A1", "2,34", 0.33, 9, 36],
            ["A2.1", "Loại A2 nhóm 1", "abc", 0.33, 8, 36],
        ],
    )
    assert problems(groups) == ['Line 3, column step1: "abc" is not a number.']
    assert SalaryGroup.objects.count() == 0

    groups = run_import(
        SalaryGroupResource,
        [
            ["code", "name", "step1", "increment", "steps", "months_per_step"],
            ["A1", "Loại A1", "2,34", 0.33, 9, 36],
        ],
    )
    assert problems(groups) == []
    assert SalaryGroup.objects.get(code="A1").step1 == Decimal("2.34")

    ranks = run_import(
        RankResource,
        [
            ["code", "name", "kind", "salary_group_code", "ladder_level"],
            ["01.003", "Chuyên viên", "civil_servant_rank", "A1", "specialist"],
            ["01.002", "Chuyên viên chính", "civil_servant_rank", "A9", "specialist"],
        ],
    )
    assert problems(ranks) == ["Line 3: unknown salary group code A9."]
    assert Rank.objects.count() == 0

    categories = run_import(
        PositionCategoryResource,
        [["code", "name", "order"], ["specialised", "Chuyên môn", 2]],
    )
    assert problems(categories) == []

    entries = run_import(
        CatalogueEntryResource,
        [
            ["code", "name", "category_code", "highest_level", "lowest_level"],
            ["CAT-1", "Kế toán", "specialised", "principal_specialist", "officer"],
            ["CAT-2", "Văn thư", "support", "specialist", "staff"],
            ["CAT-1", "Kế toán (lặp)", "specialised", "specialist", "officer"],
        ],
    )
    assert problems(entries) == [
        "Line 3: unknown position category code support.",
        "Line 4: code CAT-1 appears more than once in the file (also on line 2).",
    ]
    assert CatalogueEntry.objects.count() == 0


# ----------------------------------------------------------------- round trips


def _full_reference_data(province):
    closed = UnitFactory(
        code="SA-P9",
        parent=province["a"],
        kind="division",
        valid_to=datetime.date(2025, 9, 30),
        admin_code="",
    )
    Unit.objects.filter(pk=closed.pk).update(status=Unit.Status.MERGED)
    # The code comes back for a new unit after the old one closed.
    UnitFactory(
        code="SA-P9",
        parent=province["a"],
        kind="division",
        valid_from=datetime.date(2025, 10, 1),
    )
    JobPositionFactory(unit=province["a"], name="Kế toán", headcount=3)
    JobPositionFactory(
        unit=closed,
        name="Văn thư",
        valid_to=datetime.date(2025, 9, 30),
        decision_date=datetime.date(2025, 6, 20),
        job_description="Quản lý văn bản đến, đi.",
    )
    JobPositionFactory(
        unit=province["a1"],
        name="",
        catalogue_entry=CatalogueEntry.objects.get(code="CAT-001"),
        category=None,
        rank=Rank.objects.get(code="01.002"),
    )


ALL_RESOURCES = [
    SalaryGroupResource,
    RankResource,
    PositionCategoryResource,
    CatalogueEntryResource,
    UnitResource,
    JobPositionResource,
]


@pytest.mark.parametrize("fmt", [XLSX, CSV])
@pytest.mark.parametrize("resource_class", ALL_RESOURCES)
def test_exported_file_imports_back_unchanged(province, resource_class, fmt):
    _full_reference_data(province)
    model = resource_class._meta.model
    before = snapshot(model)

    data = export_file(resource_class, fmt)
    result = resource_class().import_data(read(data, fmt))

    assert problems(result) == []
    assert result.totals["new"] == result.totals["update"] == 0
    assert result.totals["skip"] == len(before) > 0
    assert snapshot(model) == before


def test_exported_units_rebuild_the_same_tree_in_an_empty_database(province):
    _full_reference_data(province)
    data = export_file(UnitResource, XLSX)
    tree = sorted(
        (u.code, u.valid_from, u.parent.code if u.parent else None, u.depth, u.status)
        for u in Unit.objects.select_related("parent")
    )
    JobPosition.objects.all().delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()

    result = UnitResource().import_data(read(data, XLSX))

    assert problems(result) == []
    rebuilt = sorted(
        (u.code, u.valid_from, u.parent.code if u.parent else None, u.depth, u.status)
        for u in Unit.objects.select_related("parent")
    )
    assert rebuilt == tree
    for unit in Unit.objects.select_related("parent"):
        expected = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
        assert unit.path == expected


# ------------------------------------------------------------- the admin, over HTTP


def test_admin_imports_units_after_a_preview_that_writes_nothing(
    staff_client, province
):
    data = xlsx_file(
        [
            UNIT_HEADER,
            ["SC", "Sở C", "department", "province", "UBND", "2025-07-01"],
            ["SC-P1", "Phòng C1", "division", "province", "SC", "2025-07-01"],
            ["SC-P1-T1", "Tổ 1", "division", "province", "SC-P1", "2025-07-01"],
        ]
    )
    form_page = staff_client.get(admin_url(Unit, "import"))
    assert form_page.status_code == 200
    assert (
        "<code>Mã đơn vị (code), Tên đơn vị (name), Loại đơn vị (kind), Cấp (level), "
        "Mã đơn vị cấp trên (parent_code), Hiệu lực từ (valid_from)</code>"
    ) in page_text(form_page)

    preview = upload(staff_client, Unit, data, XLSX)

    assert preview.status_code == 200
    assert "Confirm import" in page_text(preview)
    assert not Unit.objects.filter(code__startswith="SC").exists()

    done = confirm(staff_client, Unit, preview)

    assert done.status_code == 302
    assert done["Location"] == admin_url(Unit, "changelist")
    root = province["province"]
    sc, sc1, sc11 = (Unit.objects.get(code=c) for c in ("SC", "SC-P1", "SC-P1-T1"))
    assert sc11.path == f"{root.path}{sc.pk}/{sc1.pk}/{sc11.pk}/"
    messages = [str(m) for m in done.wsgi_request._messages]
    assert messages == [
        "Import finished: 3 new, 0 updated, 0 deleted and 0 skipped "
        "organisational units."
    ]


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_admin_shows_every_bad_line_and_offers_no_confirmation(
    staff_client, province, fmt
):
    before = counts()
    data = make_file(
        [
            POSITION_HEADER,
            position_row(name="Văn thư"),
            position_row(name="A", rank_code="01.999"),
            position_row(name="B", headcount=-1),
            position_row(name="C", valid_from="31/02/2025"),
        ],
        fmt,
    )

    response = upload(staff_client, JobPosition, data, fmt)

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    text = page_text(response)
    assert "3 lines of the file have errors" in text
    assert "Line 3: unknown rank code 01.999." in text
    assert "Line 4: the approved headcount must be a whole number of at least 1" in text
    assert (
        "Line 5, column valid_from: &quot;31/02/2025&quot; is not a valid date" in text
    )
    assert "Traceback" not in text
    assert counts() == before


def test_admin_refuses_garbage_named_xlsx_with_a_clear_message(staff_client, province):
    response = upload(staff_client, Unit, b"PK\x03\x04 not really a zip", XLSX)

    assert response.status_code == 200
    assert response.context["form"].errors["import_file"] == [
        'The file is not an Excel workbook (.xlsx). Save it from Excel as "Excel '
        'Workbook (.xlsx)", or choose the CSV format.'
    ]


def test_admin_names_the_missing_columns(staff_client, province):
    data = csv_file([["code", "name"], ["SC", "Sở C"]])

    response = upload(staff_client, Unit, data, CSV)

    assert response.status_code == 200
    errors = response.context["form"].errors["import_file"]
    assert errors[0].startswith(
        "Missing columns: Loại đơn vị (kind), Cấp (level), Mã đơn vị cấp trên "
        "(parent_code), Hiệu lực từ (valid_from)."
    )


def test_admin_refuses_an_empty_upload(staff_client, province):
    response = upload(staff_client, Unit, b"", XLSX)

    assert response.status_code == 200
    assert response.context["form"].errors["import_file"] == [
        "The submitted file is empty."
    ]


@pytest.mark.parametrize("fmt", [XLSX, CSV])
@pytest.mark.parametrize("model", [Unit, JobPosition, Rank, CatalogueEntry])
def test_admin_export_imports_back_with_every_row_skipped(
    staff_client, province, model, fmt
):
    _full_reference_data(province)
    before = snapshot(model)

    exported = staff_client.post(
        admin_url(model, "export"), {"resource": "0", "format": FORMAT_INDEX[fmt]}
    )
    assert exported.status_code == 200
    assert exported["Content-Disposition"].endswith(f'.{fmt}"')
    # The file speaks Vietnamese, whatever the language of the session.
    resource_class = {
        Unit: UnitResource,
        JobPosition: JobPositionResource,
        Rank: RankResource,
        CatalogueEntry: CatalogueEntryResource,
    }[model]
    assert read(exported.content, fmt).headers == resource_class().layout().headers
    assert read(exported.content, fmt).headers[0].startswith("Mã")

    preview = upload(staff_client, model, exported.content, fmt)
    assert "confirm_form" in preview.context, page_text(preview)
    assert {row.import_type for row in preview.context["result"].rows} == {"skip"}
    done = confirm(staff_client, model, preview)

    assert done.status_code == 302
    assert snapshot(model) == before
    message = str(next(iter(done.wsgi_request._messages)))
    assert message.startswith(
        f"Import finished: 0 new, 0 updated, 0 deleted and {len(before)} skipped"
    )


def test_confirming_a_file_that_became_invalid_writes_nothing(staff_client, province):
    data = xlsx_file(
        [POSITION_HEADER, position_row(name="Văn thư"), position_row(name="Kế toán")]
    )
    preview = upload(staff_client, JobPosition, data, XLSX)
    assert "confirm_form" in preview.context
    # Meanwhile the same position is recorded by someone else.
    _existing_position(province)

    response = confirm(staff_client, JobPosition, preview)

    assert response.status_code == 200
    assert JobPosition.objects.count() == 1
    assert 'Line 3: unit SA already has the position "Kế toán"' in page_text(
        response
    ).replace("&quot;", '"')


def test_confirming_after_the_upload_expired_asks_for_it_again(staff_client, province):
    data = xlsx_file([POSITION_HEADER, position_row(name="Văn thư")])
    preview = upload(staff_client, JobPosition, data, XLSX)
    cache.clear()

    response = confirm(staff_client, JobPosition, preview)

    assert response.status_code == 302
    assert response["Location"] == admin_url(JobPosition, "import")
    assert [str(m) for m in response.wsgi_request._messages] == [
        "The uploaded file is no longer available (it is kept for one hour). "
        "Upload it again."
    ]
    assert JobPosition.objects.count() == 0


def test_establishment_admin_is_read_only_except_import(staff_client, province):
    position = _existing_position(province)

    assert staff_client.get(admin_url(JobPosition, "add")).status_code == 403
    change_url = reverse("admin:orgchart_jobposition_change", args=[position.pk])
    page = staff_client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page_text(page)
    response = staff_client.post(change_url, {"headcount": 9})
    assert response.status_code == 403
    position.refresh_from_db()
    assert position.headcount == 2
    delete_url = reverse("admin:orgchart_jobposition_delete", args=[position.pk])
    assert staff_client.get(delete_url).status_code == 403
    listing = staff_client.get(admin_url(JobPosition, "changelist"))
    assert admin_url(JobPosition, "import") in page_text(listing)
    assert staff_client.get(admin_url(JobPosition, "import")).status_code == 200


def test_unit_added_in_the_admin_gets_its_tree_path(staff_client, province):
    response = staff_client.post(
        admin_url(Unit, "add"),
        {
            "code": "SA-P5",
            "name": "Phòng A5",
            "kind": "division",
            "level": "province",
            "parent": province["a"].pk,
            "valid_from": "2025-07-01",
            "status": "active",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    unit = Unit.objects.get(code="SA-P5")
    assert unit.path == f"{province['a'].path}{unit.pk}/"
    page = staff_client.get(reverse("admin:orgchart_unit_change", args=[unit.pk]))
    assert unit.path in page_text(page)
    assert 'name="path"' not in page_text(page)


@pytest.mark.parametrize("action", ["import", "export", "changelist"])
@pytest.mark.parametrize("model", [Unit, JobPosition, Rank])
def test_unit_officer_cannot_reach_the_admin(
    client, make_user, province, model, action
):
    officer = make_user(Role.UNIT_OFFICER, units=[province["a"]])
    client.force_login(officer)

    response = client.get(admin_url(model, action))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_unit_officer_cannot_post_an_import(client, make_user, province):
    officer = make_user(Role.UNIT_OFFICER, units=[province["a"]])
    client.force_login(officer)
    before = counts()

    response = upload(
        client,
        Unit,
        xlsx_file(
            [
                UNIT_HEADER,
                ["SC", "Sở C", "department", "province", "UBND", "2025-07-01"],
            ]
        ),
        XLSX,
    )

    assert response.status_code == 302
    assert counts() == before


# ---------------------------------------------------------------- query budgets


def _queries(client, method, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200
    return len(queries)


def test_export_and_list_queries_do_not_grow_with_rows(
    staff_client, province, django_assert_max_num_queries
):
    entry = CatalogueEntry.objects.get(code="CAT-001")

    def add_rows(count, start=0):
        for number in range(start, start + count):
            JobPositionFactory(
                unit=province["a1"],
                name=f"Vị trí {number}",
                catalogue_entry=entry if number % 2 else None,
            )
            UnitFactory(code=f"SB-X{number}", parent=province["b"], kind="division")
            RankFactory(code=f"09.{number:03d}", salary_group=SalaryGroupFactory())
            CatalogueEntryFactory(code=f"CAT-X{number}")

    add_rows(2)
    pages = [
        (method, admin_url(model, action), data)
        for model in (JobPosition, Unit, Rank, CatalogueEntry)
        for method, action, data in (
            ("post", "export", {"resource": "0", "format": FORMAT_INDEX[XLSX]}),
            ("get", "changelist", None),
        )
    ]
    budgets = [_queries(staff_client, *page) for page in pages]
    add_rows(20, start=2)

    for (method, url, data), budget in zip(pages, budgets, strict=True):
        with django_assert_max_num_queries(budget):
            response = getattr(staff_client, method)(url, data or {})
        assert response.status_code == 200


def test_row_errors_read_in_vietnamese_by_default(province):
    """The people who import are Vietnamese civil servants: the default wording
    of a bad row is Vietnamese, with its line number."""
    rows = [
        UNIT_HEADER,
        ["SA-P2", "Phòng A2", "division", "province", "SA", "2025-07-01"],
        ["SA-P3", "Phòng A3", "division", "province", "NOPE", "2025-07-01"],
    ]
    before = counts()
    result = run_import(UnitResource, rows, language="vi")
    assert problems(result, language="vi") == [
        "Dòng 3: không có mã đơn vị cấp trên NOPE."
    ]
    assert counts() == before
