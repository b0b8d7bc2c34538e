"""The impact statement against the establishment counted by hand in
``consolidation_fixtures``: head-count before and after, positions ended, the
surplus and the date it must be absorbed by, the leaders above the limit and the
end of their allowance protection, the quotas that follow; for administrative
units population and area against the standards and the voters' share."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from appraisal.models import PositionMapping
from appraisal.services import consolidation as cons
from tests.appraisal.consolidation_fixtures import *  # noqa: F403
from tests.appraisal.consolidation_fixtures import (
    NEXT_YEAR,
    D,
    merge_a_and_b,
    new_unit,
    open_consolidation,
)

pytestmark = pytest.mark.django_db


def same_day(years: int = 0, months: int = 0) -> datetime.date:
    month = D.month - 1 + months
    return D.replace(year=D.year + years + month // 12, month=month % 12 + 1)


@pytest.fixture
def merged(people, org):
    p = org["positions"]
    consolidation = open_consolidation(people, org)
    operation = merge_a_and_b(people, org, consolidation)
    cons.mapping_default(consolidation=consolidation)
    successor = operation.successors.get()
    cons.mapping_save(
        user=people["division_head"],
        consolidation=consolidation,
        rows=[
            {"source_position_id": p["b1_officer"].pk, "action": "end"},
            {
                "source_position_id": p["a_deputy"].pk,
                "action": "keep",
                "successor_id": successor.pk,
                "target_name": "Phó Giám đốc",
                "headcount": 2,
            },
        ],
    )
    return consolidation


def test_the_impact_of_a_merge_as_counted_by_hand(
    merged, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        statement = cons.impact_compute(consolidation=merged)
    [row] = statement.rows
    assert row.name == "Sở A và B"
    assert (row.positions_before, row.headcount_before) == (9, 19)
    assert (row.positions_after, row.headcount_after) == (5, 16)
    assert (row.positions_ended, row.headcount_ended) == (1, 2)
    assert row.surplus == 3
    assert row.absorb_by == same_day(years=5)
    # Directors 1 + 1, deputies 2 + 2, one head of division: 7 leadership posts
    # against the department's limit of 4.
    assert (row.leaders_after, row.leader_limit, row.leaders_above) == (7, 4, 3)
    assert row.allowance_protected_until == same_day(months=6)
    assert row.quotas_moved == {(NEXT_YEAR, "civil_servant"): 21}
    assert statement.blocking == []
    assert [str(w) for w in statement.warnings] == [
        f"Sở A và B: 3 post(s) above the new establishment, to be absorbed by "
        f"{row.absorb_by:%d/%m/%Y}.",
        f"Sở A và B: 3 leadership post(s) above the limit of 4; allowances "
        f"protected until {row.allowance_protected_until:%d/%m/%Y}.",
    ]


def test_more_posts_after_than_before_blocks_the_approval(merged, people, org):
    p = org["positions"]
    successor = merged.operations.get().successors.get()
    cons.mapping_save(
        user=people["division_head"],
        consolidation=merged,
        rows=[
            {
                "source_position_id": p["a_officer"].pk,
                "action": "keep",
                "successor_id": successor.pk,
                "target_name": "Chuyên viên tổ chức",
                "headcount": 9,
            }
        ],
    )
    statement = cons.impact_compute(consolidation=merged)
    assert statement.headcount_after == 21
    assert [str(m) for m in statement.blocking] == [
        f"Merge ({D:%d/%m/%Y}): the head-count after (21) exceeds the sum before (19)."
    ]
    checks = {c.code: c for c in cons.consolidation_checks(consolidation=merged)}
    assert not checks["blocking"].passed
    assert checks["operations"].passed


def test_administrative_units_against_the_standards_and_the_voters(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org, scope="administrative")
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="merge",
        effective_date=D,
        source_units=[u["x1"], u["x2"]],
        successors=[
            new_unit(
                "Phường Mới", "PM", u["province"], kind="commune_pc", level="commune"
            )
        ],
        voters_in_favour_pct=Decimal("40"),
    )
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="rename",
        effective_date=D,
        source_units=[u["x3"]],
        successors=[
            new_unit(
                "Xã Ba",
                "XB",
                u["province"],
                kind="commune_pc",
                level="commune",
                population=17000,
                area_km2=Decimal("31.5"),
            )
        ],
    )
    cons.mapping_default(consolidation=consolidation)
    statement = cons.impact_compute(consolidation=consolidation)
    ward, renamed = statement.rows
    assert (ward.population_before, ward.area_before) == (11000, Decimal("35"))
    assert (ward.population_after, ward.area_after) == (11000, Decimal("35"))
    assert ward.standard == (21000, Decimal("5.5"))
    assert ward.meets_standard is False and not ward.exempt
    assert (renamed.population_before, renamed.population_after) == (4000, 17000)
    assert renamed.meets_standard is True
    # Two chairs in one commune: no limit is configured for a commune committee.
    assert (ward.leaders_after, ward.leader_limit) == (2, None)
    assert [str(m) for m in statement.blocking] == [
        f"Merge ({D:%d/%m/%Y}): only 40.00 % of voters are in favour; more than "
        "half is needed.",
        f"Rename ({D:%d/%m/%Y}): record the voters' consultation result.",
    ]
    assert "Phường Mới is below the standard of 21.000 people and 5.5 km²." in [
        str(w) for w in statement.warnings
    ]


def test_a_new_unit_formed_from_three_is_exempt_from_the_standards(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org, scope="administrative")
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="merge",
        effective_date=D,
        source_units=[u["x1"], u["x2"], u["x3"]],
        successors=[
            new_unit("Xã Hợp", "XH", u["province"], kind="commune_pc", level="commune")
        ],
        voters_in_favour_pct=Decimal("96.1"),
    )
    cons.mapping_default(consolidation=consolidation)
    [row] = cons.impact_compute(consolidation=consolidation).rows
    assert (row.population_after, row.exempt, row.meets_standard) == (15000, True, None)
    assert PositionMapping.objects.filter(action="keep").count() == 6


def test_unknown_population_says_the_figures_are_missing_not_below_standard(
    people, org
):
    from django.template.loader import render_to_string
    from django.utils import translation

    u = org["units"]
    u["x1"].population = None
    u["x1"].save(update_fields=["population"])
    consolidation = open_consolidation(people, org, scope="administrative")
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="merge",
        effective_date=D,
        source_units=[u["x1"], u["x2"]],
        successors=[
            new_unit("Xã Mới", "XM", u["province"], kind="commune_pc", level="commune")
        ],
        voters_in_favour_pct=Decimal("80"),
    )
    cons.mapping_default(consolidation=consolidation)
    with translation.override("vi"):
        statement = cons.impact_compute(consolidation=consolidation)
        warnings = [str(w) for w in statement.warnings]
        page = render_to_string(
            "workflows/consolidation/_impact.html",
            {"impact": statement, "consolidation": consolidation},
        )
    [row] = statement.rows
    assert (row.population_after, row.area_after) == (None, Decimal("35"))
    assert row.figures_missing and row.meets_standard is None
    assert not any("chưa đạt tiêu chuẩn" in w for w in warnings)
    assert any("chưa có số liệu" in w and "16.000" in w for w in warnings)
    assert "chưa đạt tiêu chuẩn" not in page
    assert "Chưa có số liệu dân số hoặc diện tích" in page
