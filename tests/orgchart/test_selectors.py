"""Selectors: the tree as of a date, a unit's establishment, the head-count roll-up,
and each person's scope — with query budgets that do not grow with the data."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from orgchart import selectors
from orgchart.models import Unit
from tests.factories import (
    EPOCH,
    JobPositionFactory,
    PositionCategoryFactory,
    RankFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

JAN = datetime.date(2026, 1, 15)


def _province(n_departments: int, n_divisions: int, positions_per_unit: int):
    root = UnitFactory(kind="provincial_pc", name="UBND tỉnh")
    for d in range(n_departments):
        dept = UnitFactory(parent=root, name=f"Sở {d}")
        JobPositionFactory.create_batch(positions_per_unit, unit=dept)
        for _ in range(n_divisions):
            division = UnitFactory(parent=dept, kind="division")
            JobPositionFactory.create_batch(positions_per_unit, unit=division)
    return root


@pytest.mark.parametrize("size", [(2, 1, 1), (6, 4, 3)])
def test_tree_as_of_date_costs_a_fixed_number_of_queries(
    size, make_user, django_assert_max_num_queries
):
    root = _province(*size)
    observer = make_user("observer")
    # Two for the person's permissions, one for the units, one for the posts.
    with django_assert_max_num_queries(4):
        tree = selectors.unit_list_tree(user=observer, as_of=JAN, root=root)
    departments, divisions, per_unit = size
    assert len(tree) == 1 + departments * (1 + divisions)
    # Tree order: every unit comes after its parent.
    seen = set()
    for unit in tree:
        assert unit.parent_id is None or unit.parent_id in seen
        seen.add(unit.pk)
    assert tree[0].subtree_headcount == 2 * per_unit * departments * (1 + divisions)


def test_tree_as_of_date_leaves_out_units_not_in_force(make_user):
    root = UnitFactory(kind="provincial_pc")
    closed = UnitFactory(
        parent=root, valid_to=datetime.date(2025, 12, 31), status=Unit.Status.MERGED
    )
    successor = UnitFactory(parent=root, valid_from=datetime.date(2026, 1, 1))
    closed.successors.add(successor)
    observer = make_user("observer")
    before = selectors.unit_list_tree(
        user=observer, as_of=datetime.date(2025, 12, 31), root=root
    )
    after = selectors.unit_list_tree(user=observer, as_of=JAN, root=root)
    assert closed in before and successor not in before
    assert successor in after and closed not in after
    assert list(successor.predecessors.all()) == [closed]


def test_unit_officer_sees_only_granted_units_and_their_subtree(make_user, two_units):
    officer = make_user("unit_officer", units=[two_units["a"]])
    tree = selectors.unit_list_tree(user=officer, as_of=JAN)
    assert {u.code for u in tree} == {"SA", "SA-P1"}
    assert selectors.unit_get(user=officer, pk=two_units["a1"].pk) == two_units["a1"]
    with pytest.raises(Unit.DoesNotExist):
        selectors.unit_get(user=officer, pk=two_units["b"].pk)
    with pytest.raises(Unit.DoesNotExist):
        selectors.unit_get(user=officer, pk=two_units["province"].pk)


def test_user_without_role_or_grant_sees_nothing(make_user, two_units):
    from tests.factories import UserFactory

    nobody = UserFactory()
    assert selectors.unit_list_tree(user=nobody, as_of=JAN) == []
    assert list(selectors.unit_list_visible(user=AnonymousUser())) == []


@pytest.mark.parametrize(
    "role", ["reception_officer", "appraiser", "director", "committee", "observer"]
)
def test_province_wide_roles_see_every_unit(role, make_user, two_units):
    user = make_user(role)
    tree = selectors.unit_list_tree(user=user, as_of=JAN)
    assert {u.code for u in tree} == {"UBND", "SA", "SB", "SA-P1", "SB-P1"}


def test_establishment_totals_by_category_and_rank(django_assert_max_num_queries):
    unit = UnitFactory()
    leadership = PositionCategoryFactory(code="leadership", name="Lãnh đạo", order=1)
    principal = RankFactory(code="01.002", name="Chuyên viên chính")
    JobPositionFactory(unit=unit, category=leadership, rank=principal, headcount=1)
    JobPositionFactory(unit=unit, headcount=3)
    JobPositionFactory(unit=unit, headcount=2)
    # Ended before the date: not part of the establishment then.
    JobPositionFactory(unit=unit, headcount=9, valid_to=datetime.date(2025, 12, 31))
    with django_assert_max_num_queries(3):
        est = selectors.unit_get_establishment(unit=unit, as_of=JAN)
        names = [p.rank.salary_group.code for p in est.positions]  # no extra query
    assert len(names) == 3
    assert est.total_headcount == 6
    assert est.total_positions == 3
    assert [(r["category__code"], r["headcount"]) for r in est.by_category] == [
        ("leadership", 1),
        ("specialised", 5),
    ]
    assert {(r["rank__code"], r["headcount"]) for r in est.by_rank} == {
        ("01.002", 1),
        ("01.003", 5),
    }
    as_of_december = selectors.unit_get_establishment(
        unit=unit, as_of=datetime.date(2025, 12, 31)
    )
    assert as_of_december.total_headcount == 15


def test_rollup_sums_the_subtree_per_direct_child(django_assert_max_num_queries):
    root = UnitFactory(kind="provincial_pc")
    a = UnitFactory(parent=root)
    b = UnitFactory(parent=root)
    a1 = UnitFactory(parent=a, kind="division")
    JobPositionFactory(unit=root, headcount=1)
    JobPositionFactory(unit=a, headcount=2)
    JobPositionFactory(unit=a1, headcount=4)
    JobPositionFactory(unit=b, headcount=8)
    JobPositionFactory(unit=b, headcount=16, valid_from=datetime.date(2026, 6, 1))
    with django_assert_max_num_queries(2):
        rollup = selectors.unit_get_rollup(unit=root, as_of=JAN)
    assert rollup["headcount"] == 15
    assert {c.pk: c.subtree_headcount for c in rollup["children"]} == {a.pk: 6, b.pk: 8}
    later = selectors.unit_get_rollup(unit=root, as_of=datetime.date(2026, 6, 1))
    assert later["headcount"] == 31


def test_history_lists_every_position_newest_first():
    unit = UnitFactory()
    old = JobPositionFactory(unit=unit, valid_to=datetime.date(2025, 12, 31))
    new = JobPositionFactory(unit=unit, valid_from=datetime.date(2026, 1, 1))
    assert list(selectors.unit_list_history(unit=unit)) == [new, old]
    assert old.valid_from == EPOCH
