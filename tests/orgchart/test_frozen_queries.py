"""A frozen query answers exactly what its queryset answers, with the same
objects, joins and annotations, while compiling its SQL once per shape; values
it could not pass through unchanged are refused when it is first compiled."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.db.models import Count, Subquery
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from orgchart.frozen_queries import FrozenQuery, FrozenQueryError
from orgchart.models import Unit, subtree_condition
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    root = UnitFactory(code="ROOT", name="Tỉnh")
    children = [UnitFactory(code=f"C{i}", parent=root) for i in range(3)]
    UnitFactory(code="G0", parent=children[0])
    return root, children


def _described(units) -> list[tuple]:
    return [
        (
            unit.pk,
            unit.code,
            unit.path,
            unit.valid_from,
            unit.parent.code if unit.parent_id else None,
            getattr(unit, "children_total", None),
        )
        for unit in units
    ]


def _units(ids, code):
    return (
        Unit.objects.select_related("parent")
        .filter(pk__in=ids)
        .exclude(code=code)
        .annotate(children_total=Count("children"))
        .order_by("code")
    )


def test_it_answers_what_its_queryset_answers(tree):
    root, children = tree
    frozen = FrozenQuery(_units)
    ids = [root.pk, *(child.pk for child in children)]
    for code in ("C1", "nothing", "ROOT"):
        direct = list(_units(ids, code))
        assert _described(frozen(ids=ids, code=code)) == _described(direct)
    first = frozen(ids=ids, code="C1")
    assert [unit.code for unit in first] == ["C0", "C2", "ROOT"]
    assert first[0].children_total == 1
    # The parent came with the row: reading it costs no query.
    with CaptureQueriesContext(connection) as queries:
        assert first[0].parent.code == "ROOT"
    assert len(queries) == 0


def test_it_compiles_once_per_shape_and_sends_one_statement(tree):
    root, children = tree
    frozen = FrozenQuery(_units)
    frozen(ids=[root.pk], code="x")
    frozen(ids=[root.pk, children[0].pk], code="x")
    assert len(frozen._compiled) == 2
    with CaptureQueriesContext(connection) as queries:
        found = frozen(ids=[children[1].pk], code="x")
    assert [unit.pk for unit in found] == [children[1].pk]
    assert len(queries) == 1
    assert len(frozen._compiled) == 2


def test_a_value_the_query_rewrites_is_refused():
    frozen = FrozenQuery(lambda prefix: Unit.objects.filter(path__startswith=prefix))
    with pytest.raises(FrozenQueryError):
        frozen(prefix="/1/")


def test_a_key_beyond_64_bits_matches_nothing(tree):
    frozen = FrozenQuery(lambda pk: Unit.objects.filter(pk=pk))
    assert frozen(pk=2**70) == []
    assert [unit.pk for unit in frozen(pk=tree[0].pk)] == [tree[0].pk]


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_is_refused_outside_a_transaction(tree):
    frozen = FrozenQuery(lambda pk: Unit.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        assert len(frozen(pk=tree[0].pk)) == 1
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            frozen(pk=tree[0].pk)
    else:
        # SQLite writes no lock clause: there is nothing to refuse.
        assert len(frozen(pk=tree[0].pk)) == 1


def test_a_date_is_passed_as_the_backend_passes_it(tree):
    root, children = tree
    Unit.objects.filter(pk=children[2].pk).update(valid_from=datetime.date(2030, 1, 1))

    def in_force(day, ids):
        return Unit.objects.filter(valid_from__lte=day, pk__in=ids).order_by("code")

    frozen = FrozenQuery(in_force)
    ids = [child.pk for child in children]
    for day in (datetime.date(2029, 12, 31), datetime.date(2030, 1, 1)):
        assert [unit.code for unit in frozen(day=day, ids=ids)] == [
            unit.code for unit in in_force(day, ids)
        ]
    assert [unit.code for unit in frozen(day=datetime.date(2029, 12, 31), ids=ids)] == [
        "C0",
        "C1",
    ]


def _unit_and_parent(child, parent):
    """Two one-row querysets answered together: a unit with its parent joined,
    locked, and another unit with a subquery on the first one's key."""
    first = (
        Unit.objects.select_related("parent")
        .filter(pk=child)
        .select_for_update(of=("self",))
    )
    second = Unit.objects.filter(
        pk=Subquery(Unit.objects.filter(pk=child).values("parent_id")[:1]),
        code=parent,
    ).annotate(children_total=Count("children"))
    return first, second


def test_joined_querysets_are_answered_by_one_statement(tree):
    root, children = tree
    frozen = FrozenQuery(_unit_and_parent)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        [(child, parent)] = frozen(child=children[0].pk, parent="ROOT")
    assert len(queries) == 1
    # Each queryset's own lock clause is kept in its part of the statement.
    assert queries[0]["sql"].count("FOR UPDATE") == (
        1 if connection.features.has_select_for_update else 0
    )
    assert _described([child]) == _described(
        list(Unit.objects.select_related("parent").filter(pk=children[0].pk))
    )
    assert (parent.pk, parent.code, parent.children_total) == (root.pk, "ROOT", 3)
    with CaptureQueriesContext(connection) as queries:
        assert child.parent.code == "ROOT"
    assert len(queries) == 0
    # One of them finding nothing: nothing.
    with transaction.atomic():
        assert frozen(child=children[0].pk, parent="other") == []
        assert frozen(child=root.pk, parent="ROOT") == []


def test_joined_querysets_must_pass_every_value():
    def build(child, parent):
        return Unit.objects.filter(pk=child), Unit.objects.filter(code="fixed")

    with pytest.raises(FrozenQueryError, match="parent"):
        FrozenQuery(build)(child=1, parent="x")


def test_an_empty_list_matches_nothing_without_a_statement(tree):
    frozen = FrozenQuery(lambda ids: Unit.objects.filter(pk__in=ids))
    with CaptureQueriesContext(connection) as queries:
        assert frozen(ids=[]) == []
    assert len(queries) == 0
    assert [unit.pk for unit in frozen(ids=[tree[0].pk])] == [tree[0].pk]


def test_a_subtree_is_matched_by_its_path_as_it_is(tree):
    """A unit's subtree (``subtree_condition``) can be frozen: the path goes to
    the database unchanged and is escaped there, so ``_`` and ``%`` in it match
    only themselves."""
    root, children = tree
    frozen = FrozenQuery(
        lambda paths: Unit.objects.filter(subtree_condition(paths)).order_by("path")
    )
    below = children[0].path
    assert [u.code for u in frozen(paths=[below])] == ["C0", "G0"]
    assert [u.code for u in frozen(paths=[below, children[2].path])] == [
        "C0",
        "G0",
        "C2",
    ]
    assert [u.pk for u in frozen(paths=[root.path])] == list(
        Unit.objects.filter(path__startswith=root.path)
        .order_by("path")
        .values_list("pk", flat=True)
    )
    # A wildcard in the path is a character like any other: "/_" starts no
    # path here, as "/%" does not.
    assert frozen(paths=["/_"]) == []
    assert frozen(paths=["%"]) == []
