"""The reference-data, administrative-unit and role commands, as an administrator
runs them from a shell."""

import csv
import datetime
import io
import shutil
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.utils import translation
from vietnam_provinces import ProvinceCode, Ward

from orgchart import services
from orgchart.demo import DATA_DIR, admin_units_import
from orgchart.models import PositionCategory, Rank, SalaryGroup, Unit
from orgchart.permissions import ROLE_LABELS, Role

pytestmark = pytest.mark.django_db

NGHE_AN = 40


def run(*args, **options) -> str:
    """Run a command in English and return what it printed."""
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out, **options)
    return out.getvalue()


def csv_rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ------------------------------------------------------------ load_reference_data


def test_reference_data_matches_the_csv_files():
    output = run("load_reference_data")

    assert SalaryGroup.objects.count() == len(csv_rows("salary_groups.csv"))
    assert Rank.objects.count() == len(csv_rows("ranks.csv"))
    assert PositionCategory.objects.count() == len(csv_rows("position_categories.csv"))
    assert "Salary groups: 11 created, 0 updated, 0 unchanged." in output


def test_salary_coefficients_are_those_of_decree_204():
    run("load_reference_data")

    a1 = SalaryGroup.objects.get(code="A1")
    assert a1.steps == 9
    assert a1.coefficient(1) == Decimal("2.34")
    assert a1.coefficient(9) == Decimal("4.98")
    b = SalaryGroup.objects.get(code="B")
    assert b.months_per_step == 24
    assert b.coefficients[-1] == Decimal("4.06")
    for row in csv_rows("salary_groups.csv"):
        group = SalaryGroup.objects.get(code=row["code"])
        listed = [Decimal(v) for v in row["coefficients"].split(";")]
        assert group.coefficients == listed


def test_ranks_carry_their_salary_group_and_ladder_level():
    run("load_reference_data")

    officer = Rank.objects.select_related("salary_group").get(code="01.004")
    assert officer.name == "Cán sự"
    assert officer.salary_group.code == "A0"
    assert officer.ladder_level == "officer"
    teacher = Rank.objects.get(code="V.07.03.29")
    assert teacher.kind == Rank.Kind.PROFESSIONAL_TITLE


def test_position_categories_keep_the_order_of_the_file():
    run("load_reference_data")

    expected = [row["code"] for row in csv_rows("position_categories.csv")]
    assert list(PositionCategory.objects.values_list("code", flat=True)) == expected
    assert PositionCategory.objects.get(code="leadership").order == 1


def test_second_reference_load_changes_nothing():
    run("load_reference_data")

    output = run("load_reference_data")

    assert "0 created, 0 updated, 11 unchanged" in output
    assert "0 created, 0 updated, 24 unchanged" in output
    assert "0 created, 0 updated, 4 unchanged" in output


def test_reference_load_restores_a_value_edited_away_from_the_file():
    run("load_reference_data")
    Rank.objects.filter(code="01.003").update(name="Chuyen vien (typo)")

    output = run("load_reference_data")

    assert Rank.objects.get(code="01.003").name == "Chuyên viên"
    assert "Ranks and professional titles: 0 created, 1 updated" in output


def test_wrong_coefficient_in_the_file_fails_loudly_and_loads_nothing(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "salary_groups.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("4.65;4.98", "4.65;4.99"),
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match=r"A1, step 9 .*4\.99.*4\.98"):
        run("load_reference_data", data_dir=data)

    assert SalaryGroup.objects.count() == 0
    assert Rank.objects.count() == 0


def test_rank_with_unknown_salary_group_names_the_line(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "ranks.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",Officer,A0,", ",Officer,Z9,"), encoding="utf-8")

    with pytest.raises(CommandError, match=r"ranks\.csv, line 5: .*Z9"):
        run("load_reference_data", data_dir=data)

    assert SalaryGroup.objects.count() == 0


# ------------------------------------------------------------- import_admin_units


def nghe_an_wards() -> dict[str, Ward]:
    return {
        f"{int(w.code):05d}": w
        for w in Ward.iter_all()
        if w.province_code == ProvinceCode(NGHE_AN)
    }


def test_import_builds_nghe_an_people_committee_and_its_130_communes():
    output = run("import_admin_units", province=NGHE_AN)

    pc = Unit.objects.get(admin_code="40")
    assert pc.name == "Ủy ban nhân dân tỉnh Nghệ An"
    assert pc.code == "UBND-40"
    assert (pc.kind, pc.level, pc.parent) == ("provincial_pc", "province", None)
    communes = Unit.objects.filter(parent=pc, kind=Unit.Kind.COMMUNE_PC)
    assert communes.count() == 130
    assert set(communes.values_list("admin_code", flat=True)) == set(nghe_an_wards())
    assert communes.filter(name__startswith="Ủy ban nhân dân phường ").count() == 11
    assert communes.filter(name__startswith="Ủy ban nhân dân xã ").count() == 119
    assert "131 created, 0 updated" in output


def test_imported_commune_has_its_official_code_name_and_reform_date():
    run("import_admin_units", province=NGHE_AN)

    anh_son = Unit.objects.get(admin_code="17329")
    assert nghe_an_wards()["17329"].name == "Xã Anh Sơn"
    assert anh_son.name == "Ủy ban nhân dân xã Anh Sơn"
    assert anh_son.code == "X17329"
    assert anh_son.level == Unit.Level.COMMUNE
    assert anh_son.valid_from == datetime.date(2025, 7, 1)
    assert anh_son.path == f"{anh_son.parent.path}{anh_son.pk}/"
    ward = Unit.objects.get(admin_code="16690")
    assert (ward.code, ward.name) == ("P16690", "Ủy ban nhân dân phường Trường Vinh")


def test_second_import_reports_nothing_created_or_updated(
    django_assert_max_num_queries,
):
    run("import_admin_units", province=NGHE_AN)
    before = set(Unit.objects.values_list("pk", "code", "name", "path"))

    with django_assert_max_num_queries(8):
        output = run("import_admin_units", province=NGHE_AN)

    assert "0 created, 0 updated, 131 unchanged" in output
    assert set(Unit.objects.values_list("pk", "code", "name", "path")) == before


def test_import_brings_back_the_official_name_of_a_renamed_commune():
    run("import_admin_units", province=NGHE_AN)
    commune = Unit.objects.get(admin_code="17329")
    services.unit_update(unit=commune, name="UBND Anh Son (old name)")

    output = run("import_admin_units", province=NGHE_AN)

    commune.refresh_from_db()
    assert commune.name == "Ủy ban nhân dân xã Anh Sơn"
    assert "0 created, 1 updated" in output


def test_import_adds_only_the_communes_that_are_missing():
    result = admin_units_import(province_code=NGHE_AN)
    Unit.objects.filter(admin_code="17329").delete()

    again = admin_units_import(province_code=NGHE_AN)

    assert (result["created"], again["created"]) == (131, 1)
    assert Unit.objects.filter(kind=Unit.Kind.COMMUNE_PC).count() == 130


def test_other_provinces_keep_their_own_committees():
    run("import_admin_units", province=NGHE_AN)
    run("import_admin_units", province=1)

    hanoi = Unit.objects.get(admin_code="01")
    assert hanoi.name == "Ủy ban nhân dân thành phố Hà Nội"
    assert Unit.objects.filter(parent=hanoi).count() == sum(
        1 for w in Ward.iter_all() if w.province_code == ProvinceCode(1)
    )
    assert Unit.objects.filter(admin_code="40").get().children.count() == 130


def test_import_refuses_a_commune_code_already_used_by_another_unit():
    services.unit_create(
        code="X17329",
        name="Đơn vị tự đặt mã",
        kind=Unit.Kind.OTHER,
        level=Unit.Level.PROVINCE,
        valid_from=datetime.date(2025, 7, 1),
    )

    with pytest.raises(CommandError, match="uses code X17329"):
        run("import_admin_units", province=NGHE_AN)

    assert Unit.objects.count() == 1


def test_unknown_province_code_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="no province with code 99"):
        run("import_admin_units", province=99)

    assert not Unit.objects.exists()


# -------------------------------------------------------------------- setup_roles


def test_setup_roles_creates_every_role_group_once():
    run("setup_roles")
    output = run("setup_roles")

    assert set(Group.objects.values_list("name", flat=True)) == set(ROLE_LABELS)
    assert Group.objects.count() == len(ROLE_LABELS)
    assert "unit_officer (Unit officer): 0 global permissions" in output
    observer = Group.objects.get(name=Role.OBSERVER)
    assert list(observer.permissions.values_list("codename", flat=True)) == [
        "view_all_units"
    ]


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("load_reference_data", "salary groups"),
        ("import_admin_units", "official codes"),
        ("seed_demo", "one login per role"),
        ("setup_roles", "role groups"),
    ],
)
def test_command_help_explains_what_it_does(command, words):
    with translation.override("en"):
        parser = load_command_class("orgchart", command).create_parser(
            "manage.py", command
        )
        assert words in " ".join(parser.format_help().split()).lower()
