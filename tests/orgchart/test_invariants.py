"""The organisational chart's invariants hold in clean() and in the database."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from orgchart import services
from orgchart.models import JobPosition, LadderLevel, SalaryGroup, Unit
from tests.factories import (
    EPOCH,
    CatalogueEntryFactory,
    JobPositionFactory,
    RankFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


def test_subunit_path_extends_parent_path():
    root = UnitFactory(code="ROOT")
    child = UnitFactory(code="CHILD", parent=root)
    grandchild = UnitFactory(code="GRAND", parent=child)
    assert grandchild.path == f"/{root.pk}/{child.pk}/{grandchild.pk}/"
    assert grandchild.depth == 2
    assert grandchild.ancestor_ids == [root.pk, child.pk]


def test_unit_cannot_become_its_own_ancestor():
    root = UnitFactory(code="ROOT")
    child = UnitFactory(code="CHILD", parent=root)
    grandchild = UnitFactory(code="GRAND", parent=child)
    with pytest.raises(ValidationError) as excinfo:
        services.unit_update(unit=root, parent=grandchild)
    assert excinfo.value.error_dict["parent"][0].code == "cycle"
    root.refresh_from_db()
    assert root.parent_id is None and root.path == f"/{root.pk}/"


def test_unit_cannot_be_its_own_parent_even_bypassing_clean():
    unit = UnitFactory(code="SELF")
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(parent=unit)


def test_moving_a_unit_rewrites_the_paths_of_its_subtree():
    a = UnitFactory(code="A")
    b = UnitFactory(code="B")
    a1 = UnitFactory(code="A1", parent=a)
    a11 = UnitFactory(code="A11", parent=a1)
    services.unit_update(unit=a1, parent=b)
    a11.refresh_from_db()
    assert a11.path == f"/{b.pk}/{a1.pk}/{a11.pk}/"
    assert a11.depth == 2


def test_unit_valid_to_before_valid_from_is_refused_in_clean_and_database():
    with pytest.raises(ValidationError) as excinfo:
        UnitFactory(valid_to=EPOCH - datetime.timedelta(days=1))
    assert "valid_to" in excinfo.value.error_dict
    unit = UnitFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(valid_to=EPOCH - datetime.timedelta(1))


def test_one_active_unit_per_code_at_any_date():
    old = UnitFactory(code="SNV", valid_to=datetime.date(2025, 12, 31), status="merged")
    # Reusing the code after the old unit closed is allowed ...
    UnitFactory(code="SNV", valid_from=datetime.date(2026, 1, 1))
    # ... but not for an overlapping period.
    with pytest.raises(ValidationError) as excinfo:
        UnitFactory(code="SNV", valid_from=datetime.date(2025, 12, 1))
    assert excinfo.value.error_dict["code"][0].code == "duplicate_code"
    assert Unit.objects.filter(code="SNV").count() == 2
    assert old.status == "merged"


def test_two_open_units_with_one_code_are_refused_by_the_database():
    UnitFactory(code="DUP")
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(
            code="DUP", name="x", kind="department", level="province", valid_from=EPOCH
        )


def test_closed_unit_must_have_a_last_day():
    unit = UnitFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(status=Unit.Status.DISSOLVED)


def test_subunit_cannot_start_before_its_parent():
    parent = UnitFactory(valid_from=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        UnitFactory(parent=parent, valid_from=datetime.date(2025, 7, 1))
    assert excinfo.value.error_dict["valid_from"][0].code == "outside_parent_validity"


def test_headcount_must_be_at_least_one():
    with pytest.raises(ValidationError) as excinfo:
        JobPositionFactory(headcount=0)
    assert "headcount" in excinfo.value.error_dict
    position = JobPositionFactory(headcount=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        JobPosition.objects.filter(pk=position.pk).update(headcount=0)


def test_position_rank_must_be_allowed_by_its_catalogue_entry():
    senior = RankFactory(
        code="01.001",
        name="Chuyên viên cao cấp",
        ladder_level=LadderLevel.SENIOR_SPECIALIST,
    )
    entry = CatalogueEntryFactory(
        highest_level=LadderLevel.PRINCIPAL_SPECIALIST,
        lowest_level=LadderLevel.SPECIALIST,
    )
    with pytest.raises(ValidationError) as excinfo:
        JobPositionFactory(catalogue_entry=entry, category=entry.category, rank=senior)
    assert excinfo.value.error_dict["rank"][0].code == "rank_not_allowed"
    allowed = JobPositionFactory(
        catalogue_entry=entry, category=entry.category, rank=RankFactory()
    )
    assert allowed.pk is not None


def test_position_takes_name_and_category_from_catalogue_entry():
    entry = CatalogueEntryFactory(name="Chuyên viên về tổ chức bộ máy")
    position = services.position_create(
        unit=UnitFactory(),
        catalogue_entry=entry,
        rank=RankFactory(),
        headcount=3,
        valid_from=EPOCH,
    )
    assert position.name == "Chuyên viên về tổ chức bộ máy"
    assert position.category == entry.category


def test_position_cannot_outlive_its_unit():
    unit = UnitFactory(valid_to=datetime.date(2025, 12, 31), status="dissolved")
    with pytest.raises(ValidationError) as excinfo:
        JobPositionFactory(unit=unit)
    assert excinfo.value.error_dict["valid_from"][0].code == "outside_unit_validity"


def test_catalogue_rank_range_cannot_be_inverted():
    entry = CatalogueEntryFactory.build(
        highest_level=LadderLevel.STAFF, lowest_level=LadderLevel.SENIOR_SPECIALIST
    )
    with pytest.raises(ValidationError) as excinfo:
        entry.clean()
    assert excinfo.value.error_dict["lowest_level"][0].code == "rank_range_inverted"


def test_rank_codes_are_unique():
    RankFactory(code="01.003")
    with pytest.raises(IntegrityError), transaction.atomic():
        RankFactory._meta.model.objects.create(
            code="01.003",
            name="dup",
            kind="civil_servant_rank",
            salary_group=SalaryGroup.objects.get(code="A1"),
            ladder_level=LadderLevel.SPECIALIST,
        )


def test_salary_group_coefficients_follow_the_scale():
    group = SalaryGroup(
        code="A1",
        step1=Decimal("2.34"),
        increment=Decimal("0.33"),
        steps=9,
        months_per_step=36,
    )
    assert [str(c) for c in group.coefficients][:3] == ["2.34", "2.67", "3.00"]
    assert str(group.coefficient(9)) == "4.98"
    with pytest.raises(ValueError):
        group.coefficient(10)
