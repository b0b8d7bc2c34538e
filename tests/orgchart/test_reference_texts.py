"""Reference data in Vietnamese: names in the person's language, legal bases in
Vietnamese citation style, remarks for administrators only, and dates dd/mm/yyyy
in the Excel files."""

from __future__ import annotations

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from orgchart.demo import reference_data_load
from orgchart.models import PositionCategory, Rank, SalaryGroup
from orgchart.permissions import Role
from tests.factories import PositionCategoryFactory

pytestmark = pytest.mark.django_db

texts_migration = importlib.import_module(
    "orgchart.migrations.0005_vietnamese_reference_texts"
)


@pytest.fixture
def reference(db):
    reference_data_load()


@pytest.fixture
def person(client, make_user):
    client.force_login(make_user(Role.UNIT_OFFICER, username="lan"))
    return client


@pytest.fixture
def administrator(client, make_user):
    user = make_user(Role.ADMINISTRATOR, username="quan-tri", is_staff=True)
    client.force_login(user)
    return client


def test_ranks_and_salary_groups_read_vietnamese_names_and_citations(reference, person):
    ranks = person.get(reverse("orgchart:ranks")).content.decode()
    groups = person.get(reverse("orgchart:salary_groups")).content.decode()

    assert "Kế toán viên cao cấp" in ranks
    assert "Thông tư 11/2014/TT-BNV; Thông tư 02/2021/TT-BNV" in ranks
    assert "Nghị định 204/2004/NĐ-CP, Bảng 2" in groups
    for english in ("Senior accountant", "Circular", "Decree", "A3 group 1"):
        assert english not in ranks + groups
    # The remarks for administrators are on no user page.
    for note in ("Cần đối chiếu", "Chưa chắc chắn", "verify", "names may change"):
        assert note not in ranks


def test_english_names_only_for_who_chose_english(reference, person):
    person.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    ranks = person.get(reverse("orgchart:ranks")).content.decode()

    assert "Senior accountant" in ranks
    assert "Kế toán viên cao cấp" not in ranks


def test_internal_notes_are_in_the_admin_for_an_administrator(reference, administrator):
    note = "Cần đối chiếu với thông tư hiện hành của Bộ Tài chính."
    rank = Rank.objects.get(code="06.029")
    assert (rank.internal_note, rank.note) == (note, "")

    page = administrator.get(
        reverse("admin:orgchart_rank_change", args=[rank.pk])
    ).content.decode()

    assert note in page
    assert "Quản trị PositionFlow" in page
    assert "Django" not in page.split("<body")[1].split("</header>")[0]


def test_the_migration_rewrites_the_old_texts_and_loading_the_files_changes_nothing(
    reference,
):
    """A database filled before the change (English bases, remarks in the rank's
    note) ends up exactly as the current files load it; the reverse restores it."""
    old = {
        "06.029": (
            "Decree 204/2004 groups",
            "verify against the current Ministry of Finance circular",
        ),
        "01.004": ("Circular 02/2021/TT-BNV (B before 2021)", ""),
        "01.001": ("Circular 11/2014/TT-BNV; Circular 02/2021/TT-BNV", ""),
    }
    for code, (basis, note) in old.items():
        Rank.objects.filter(code=code).update(basis=basis, note=note, internal_note="")
    SalaryGroup.objects.filter(code="A1").update(basis="Decree 204/2004 Table 2")
    PositionCategory.objects.filter(code="leadership").update(
        basis="Decree 62/2020/NĐ-CP Art. 5; Decree 106/2020/NĐ-CP"
    )

    texts_migration.forward(apps, None)

    assert reference_data_load()["ranks"].updated == 0
    assert reference_data_load()["salary_groups"].updated == 0
    assert reference_data_load()["categories"].updated == 0
    rank = Rank.objects.get(code="01.004")
    assert (rank.basis, rank.internal_note) == (
        "Thông tư 02/2021/TT-BNV",
        "Trước năm 2021 thuộc loại B.",
    )
    assert PositionCategory.objects.get(code="leadership").basis == (
        "Nghị định 62/2020/NĐ-CP, Điều 5; Nghị định 106/2020/NĐ-CP"
    )

    texts_migration.backward(apps, None)

    for code, (basis, note) in old.items():
        rank = Rank.objects.get(code=code)
        assert (rank.basis, rank.note, rank.internal_note) == (basis, note, "")
    assert SalaryGroup.objects.get(code="A1").basis == "Decree 204/2004 Table 2"


def test_an_administrators_own_wording_is_kept(reference):
    Rank.objects.filter(code="01.003").update(basis="Theo công văn riêng của tỉnh")

    texts_migration.forward(apps, None)

    assert Rank.objects.get(code="01.003").basis == "Theo công văn riêng của tỉnh"


def test_excel_export_has_date_cells_reading_dd_mm_yyyy(administrator):
    PositionCategoryFactory(code="leadership", valid_from=datetime.date(2025, 7, 1))

    exported = administrator.post(
        reverse("admin:orgchart_positioncategory_export"),
        {"resource": "0", "format": "1"},  # xlsx
    )

    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).active
    dates = [c for row in sheet.iter_rows(min_row=2) for c in row if c.is_date]
    assert dates, "the valid-from column holds real dates"
    assert {cell.number_format for cell in dates} == {"DD/MM/YYYY"}
    assert dates[0].value.date() == datetime.date(2025, 7, 1)
