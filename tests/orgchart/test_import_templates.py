"""The administrators' imports speak Vietnamese: Vietnamese column headings (the
English ones still work), labels and names as well as codes, a downloadable Excel
template per import with a sample row and an explanation sheet, and the template's
sample imports as it is.

Real files built with openpyxl and CSV bytes; the admin driven over HTTP. Messages
are read in Vietnamese, the default language.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from orgchart.imports import CSVFormat, XLSXFormat
from orgchart.models import (
    CatalogueEntry,
    JobPosition,
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
from tests.hostile_files import xlsx as xlsx_bytes

RESOURCES = {
    SalaryGroup: SalaryGroupResource,
    Rank: RankResource,
    PositionCategory: PositionCategoryResource,
    CatalogueEntry: CatalogueEntryResource,
    Unit: UnitResource,
    JobPosition: JobPositionResource,
}

#: The Vietnamese headings of the unit import, in the template's order.
UNIT_HEADINGS = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Tên viết tắt",
    "Loại đơn vị",
    "Cấp",
    "Mã đơn vị cấp trên",
    "Mã đơn vị hành chính",
    "Hiệu lực từ",
    "Hiệu lực đến",
    "Trạng thái",
]


def csv_bytes(rows: list[list]) -> bytes:
    lines = [";".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def run(resource_class, rows, fmt="xlsx"):
    if fmt == "xlsx":
        dataset = XLSXFormat().create_dataset(xlsx_bytes(rows))
    else:
        dataset = CSVFormat().create_dataset(csv_bytes(rows))
    return resource_class().import_data(dataset)


def admin_url(model, action: str) -> str:
    return reverse(f"admin:orgchart_{model._meta.model_name}_{action}")


def open_book(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(response.content))


def guide_rows(book) -> dict[str, tuple]:
    """The explanation sheet's rows by column heading."""
    sheet = book.worksheets[1]
    return {row[0]: row for row in sheet.iter_rows(min_row=5, values_only=True)}


@pytest.fixture
def admin_client(client, make_user):
    """An administrator who kept the default language, Vietnamese."""
    user = make_user(Role.ADMINISTRATOR, username="admin-vi", is_staff=True)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    return client


# ------------------------------------------------------------- headings and labels


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_units_import_with_vietnamese_headings_and_labels(two_units, fmt):
    result = run(
        UnitResource,
        [
            [
                "Mã đơn vị",
                "Tên đơn vị",
                "Loại đơn vị",
                "Cấp",
                "Mã đơn vị cấp trên",
                "Hiệu lực từ",
            ],  # fmt: skip
            ["SC", "Sở C", "Sở (cơ quan chuyên môn)", "Cấp tỉnh", "UBND", "01/07/2025"],
        ],
        fmt,
    )

    assert not result.has_validation_errors(), result.error_messages()
    unit = Unit.objects.get(code="SC")
    assert (unit.kind, unit.level, unit.parent) == (
        Unit.Kind.DEPARTMENT,
        Unit.Level.PROVINCE,
        two_units["province"],
    )


def test_headings_are_matched_without_case_accents_or_extra_spaces(two_units):
    result = run(
        UnitResource,
        [
            [
                "MA DON VI",
                "  tên   đơn vị ",
                "loai don vi",
                "CẤP",
                "Mã đơn vị cấp trên",
                "hieu luc tu",
            ],  # fmt: skip
            ["SC", "Sở C", "department", "province", "UBND", "2025-07-01"],
        ],
    )

    assert not result.has_validation_errors(), result.error_messages()
    assert Unit.objects.filter(code="SC", name="Sở C").exists()


def test_english_headings_of_earlier_files_still_import(two_units):
    result = run(
        UnitResource,
        [
            ["code", "name", "kind", "level", "parent_code", "valid_from"],
            ["SC", "Sở C", "department", "province", "UBND", "2025-07-01"],
        ],
    )

    assert not result.has_validation_errors(), result.error_messages()
    assert Unit.objects.filter(code="SC").exists()


def test_references_are_read_by_name_as_well_as_by_code(two_units, ref):
    result = run(
        JobPositionResource,
        [
            [
                "Mã đơn vị",
                "Tên vị trí việc làm",
                "Nhóm vị trí",
                "Mã ngạch",
                "Số lượng",
                "Hiệu lực từ",
                "Số quyết định",
            ],  # fmt: skip
            [
                "SA",
                "Trưởng phòng",
                "Lãnh đạo, quản lý",
                "chuyen vien chinh",
                1,
                "2025-07-01",
                "345/QĐ-UBND",
            ],  # fmt: skip
        ],
    )

    assert not result.has_validation_errors(), result.error_messages()
    position = JobPosition.objects.get(name="Trưởng phòng")
    assert position.category == ref["leadership"]
    assert position.rank == ref["principal"]


def test_rank_kind_and_level_are_read_from_their_vietnamese_labels(ref):
    result = run(
        RankResource,
        [
            ["Mã ngạch", "Tên ngạch", "Loại", "Mã nhóm lương", "Cấp ngạch tương đương"],
            ["01.004", "Cán sự", "Ngạch công chức", "A1", "Cán sự và tương đương"],
        ],
    )

    assert not result.has_validation_errors(), result.error_messages()
    rank = Rank.objects.get(code="01.004")
    assert (rank.kind, rank.ladder_level) == ("civil_servant_rank", "officer")


def test_an_unknown_column_is_refused_by_its_name(two_units):
    result = run(
        UnitResource,
        [
            [
                "Mã đơn vị",
                "Tên đơn vị",
                "Loại đơn vị",
                "Cấp",
                "Mã đơn vị cấp trên",
                "Hiệu lực từ",
                "Số điện thoại",
            ],  # fmt: skip
            ["SC", "Sở C", "department", "province", "UBND", "2025-07-01", "0238"],
        ],
    )

    assert not Unit.objects.filter(code="SC").exists()
    (message,) = result.error_messages()
    assert message.startswith("Cột không hợp lệ: Số điện thoại. Các cột của tệp này")


def test_a_column_given_twice_under_two_names_is_refused_naming_both(two_units):
    result = run(
        UnitResource,
        [
            [
                "Mã đơn vị",
                "Tên đơn vị",
                "Loại đơn vị",
                "Cấp",
                "Mã đơn vị cấp trên",
                "Hiệu lực từ",
                "name",
            ],  # fmt: skip
            ["SC", "Sở C", "department", "province", "UBND", "2025-07-01", "Sở D"],
        ],
    )

    assert not Unit.objects.filter(code="SC").exists()
    assert result.error_messages() == ["Các cột sau bị lặp lại: Tên đơn vị = name."]


def test_row_errors_name_the_column_as_the_file_does(two_units):
    result = run(
        UnitResource,
        [
            [
                "Mã đơn vị",
                "Tên đơn vị",
                "Loại đơn vị",
                "Cấp",
                "Mã đơn vị cấp trên",
                "Hiệu lực từ",
            ],  # fmt: skip
            ["SC", "Sở C", "department", "province", "UBND", "31/02/2025"],
        ],
    )

    (message,) = result.error_messages()
    assert message.startswith("Dòng 2, cột Hiệu lực từ: “31/02/2025” không phải")


def test_an_export_has_vietnamese_headings_and_imports_back_unchanged(two_units):
    exported = UnitResource().export()
    assert exported.headers == UNIT_HEADINGS

    before = list(Unit.objects.order_by("pk").values())
    result = UnitResource().import_data(
        CSVFormat().create_dataset(exported.export("csv").encode("utf-8-sig"))
    )

    assert not result.has_validation_errors(), result.error_messages()
    assert result.totals["skip"] == len(before)
    assert list(Unit.objects.order_by("pk").values()) == before


# ---------------------------------------------------------------------- templates


@pytest.mark.parametrize("model", list(RESOURCES), ids=lambda m: m.__name__)
def test_each_admin_import_offers_its_template(admin_client, two_units, ref, model):
    page = admin_client.get(admin_url(model, "import"))
    template_url = admin_url(model, "import_template")
    assert f'href="{template_url}"' in page.content.decode()
    assert "Tải mẫu Excel" in page.content.decode()

    response = admin_client.get(template_url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith("attachment; filename=")
    book = open_book(response)
    assert book.sheetnames[1] == "Hướng dẫn"
    layout = RESOURCES[model]().layout()
    data = book.worksheets[0]
    headings, sample = list(data.iter_rows(max_row=2, values_only=True))
    assert list(headings) == layout.headers
    assert any(value not in (None, "") for value in sample)
    guide = guide_rows(book)
    assert list(guide) == layout.headers
    for column in layout.columns:
        assert guide[column.header][1] == ("Có" if column.required else "Không")
        assert guide[column.header][2], column.key  # what the column means


def test_the_guide_lists_allowed_values_and_current_reference_data(
    admin_client, two_units, ref
):
    response = admin_client.get(admin_url(JobPosition, "import_template"))
    guide = guide_rows(open_book(response))

    assert "Lãnh đạo, quản lý" in guide["Nhóm vị trí"][3]
    assert "01.002: Chuyên viên chính" in guide["Mã ngạch"][3]
    assert "SA: Sở A" in guide["Mã đơn vị"][3]
    assert guide["Mã ngạch"][4] == "rank_code"
    assert guide["Mã đơn vị"][1] == "Có"
    assert guide["Ngày quyết định"][1] == "Không"

    response = admin_client.get(admin_url(Unit, "import_template"))
    guide = guide_rows(open_book(response))
    assert "Sở (cơ quan chuyên môn) (department)" in guide["Loại đơn vị"][3]
    assert "Đang hoạt động (active)" in guide["Trạng thái"][3]


@pytest.mark.parametrize("model", list(RESOURCES), ids=lambda m: m.__name__)
def test_a_templates_sample_row_imports_as_it_is(admin_client, two_units, ref, model):
    """The sample's references are those of the database: upload the template
    unchanged, preview, confirm; one record more."""
    before = model.objects.count()
    template = admin_client.get(admin_url(model, "import_template")).content

    from django.core.files.uploadedfile import SimpleUploadedFile

    preview = admin_client.post(
        admin_url(model, "import"),
        {
            "resource": "0",
            "format": "1",
            "import_file": SimpleUploadedFile("mau.xlsx", template),
        },
    )
    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_validation_errors(), result.error_messages()
    assert not result.has_errors()
    done = admin_client.post(
        admin_url(model, "process_import"), preview.context["confirm_form"].initial
    )

    assert done.status_code == 302
    assert model.objects.count() == before + 1


def test_template_is_refused_to_people_who_may_not_import(client, make_user, ref):
    url = admin_url(Rank, "import_template")
    # Anonymous: the admin's login page.
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    # A unit officer is not staff: the admin's login page too.
    client.force_login(make_user(Role.UNIT_OFFICER, username="officer-x"))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    # Staff without the right to import: refused.
    client.force_login(make_user(Role.OBSERVER, username="staff-x", is_staff=True))
    assert client.get(url).status_code == 403
