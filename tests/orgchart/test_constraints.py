"""The constraint conditions validated in Python (``orgchart.constraints``) say
exactly what the database says: every check constraint's and every partial
unique constraint's condition of every model, on every combination of a few
values of the fields it reads (NULL among them), against the database's answer
to the query Django would send; a refused row is refused with Django's message,
and a row outside a partial unique constraint is not asked about."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from orgchart import constraints
from orgchart.models import JobPosition, Unit

pytestmark = pytest.mark.django_db

OUR_APPS = {"orgchart", "appraisal", "workflows"}


def conditions():
    """Every check constraint's condition, and every partial unique one's."""
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.CheckConstraint):
                yield model, constraint, constraint.condition
            elif getattr(constraint, "condition", None) is not None:
                yield model, constraint, constraint.condition


def check_constraints():
    for model, constraint, _condition in conditions():
        if isinstance(constraint, models.CheckConstraint):
            yield model, constraint


def samples(field) -> list:
    """A few values of ``field``'s type, NULL first, each choice included."""
    if field.choices:
        return [None, *(value for value, _label in field.flatchoices)][:8]
    if isinstance(field, models.ForeignKey | models.AutoField | models.BigAutoField):
        return [None, 1, 2]
    if isinstance(field, models.BooleanField):
        return [None, True, False]
    if isinstance(field, models.DecimalField):
        return [None, Decimal("-1"), Decimal("0"), Decimal("50"), Decimal("150")]
    if isinstance(field, models.IntegerField):
        return [None, -1, 0, 1, 2, 1900, 2026, 10000]
    if isinstance(field, models.DateTimeField):
        return [None, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)]
    if isinstance(field, models.DateField):
        return [None, datetime.date(2026, 1, 1), datetime.date(2026, 6, 1)]
    if isinstance(field, models.CharField | models.TextField):
        return [None, "", "x", "end", "approved", "draft", "active"]
    raise AssertionError(f"no samples for {field!r}")


def field_of(model, name):
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def the_database_says(model, condition, instance) -> bool:
    """What Django asks the database when it validates ``condition`` on
    ``instance`` (``Q.check``: the condition, unknown counting as true)."""
    against = instance._get_field_expression_map(meta=model._meta)
    return Q(condition).check(against)


def test_every_check_constraint_of_ours_is_validated_in_python():
    found = list(check_constraints())
    assert len(found) >= 20
    plain = [
        f"{model.__name__}.{constraint.name}"
        for model, constraint in found
        if not isinstance(constraint, constraints.CheckConstraint)
    ]
    assert plain == [], "use orgchart.constraints.CheckConstraint"
    partial = [
        (model, constraint)
        for model, constraint, _ in conditions()
        if isinstance(constraint, models.UniqueConstraint)
    ]
    assert len(partial) >= 4
    assert [
        f"{model.__name__}.{constraint.name}"
        for model, constraint in partial
        if not isinstance(constraint, constraints.UniqueConstraint)
    ] == [], "use orgchart.constraints.UniqueConstraint"
    for model, _constraint, condition in conditions():
        # None of them needs the database: the fast path is the one taken.
        constraints.evaluate(condition, model, model())


def test_python_and_the_database_agree_on_every_combination():
    compared = 0
    for model, constraint, condition in conditions():
        names = sorted(constraints.referenced(condition))
        fields = [field_of(model, name) for name in names]
        for values in itertools.product(*(samples(f) for f in fields)):
            instance = model()
            for field, value in zip(fields, values, strict=True):
                setattr(instance, field.attname, value)
            python = constraints.evaluate(condition, model, instance)
            database = the_database_says(model, condition, instance)
            assert (python is not False) == database, (
                model.__name__,
                constraint.name,
                dict(zip(names, values, strict=True)),
                python,
            )
            compared += 1
    assert compared > 300


@pytest.mark.parametrize(
    ("condition", "row", "expected"),
    [
        (Q(a__gte=1), {"a": None}, None),
        (Q(a__gte=1) | Q(b__isnull=False), {"a": None, "b": 2}, True),
        (Q(a__gte=1) & Q(b__isnull=False), {"a": None, "b": None}, False),
        (~Q(a=None), {"a": None}, False),
        (~Q(a=1), {"a": None}, None),
        (Q(a__in=[1, None]), {"a": 2}, None),
        (Q(a__in=[1, 2]), {"a": 2}, True),
        (Q(a__lt=models.F("b")), {"a": 1, "b": 2}, True),
    ],
)
def test_three_valued_logic_as_sql(condition, row, expected):
    class Row:
        class _meta:  # noqa: N801  the shape the evaluator reads
            @staticmethod
            def get_field(name):
                field = models.IntegerField(null=True)
                field.set_attributes_from_name(name)
                field.concrete = True
                return field

        pk = None

    instance = Row()
    for name, value in row.items():
        setattr(instance, name, value)
    assert constraints.evaluate(condition, Row, instance) is expected


def test_what_only_the_database_knows_is_asked_of_it():
    with pytest.raises(constraints.Unsupported):
        constraints.evaluate(Q(code__gt="b"), Unit, Unit(code="a"))
    with pytest.raises(constraints.Unsupported):
        constraints.evaluate(Q(parent__code="x"), Unit, Unit())


def test_a_refused_row_is_refused_as_django_refuses_it_without_asking_the_database():
    position = JobPosition(
        name="Chuyên viên", headcount=0, valid_from=datetime.date(2026, 1, 1)
    )
    only_headcount = {f.name for f in JobPosition._meta.fields} - {"headcount"}
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(ValidationError) as refused:
            position.validate_constraints(exclude=only_headcount)
    assert queries.captured_queries == []
    constraint = next(
        c for c in JobPosition._meta.constraints if c.name == "position_headcount_gte_1"
    )
    assert refused.value.messages == [constraint.get_violation_error_message()]
    # A check on a field left out of the validation is skipped, as Django does.
    position.validate_constraints(exclude=only_headcount | {"headcount"})


def test_a_row_outside_a_partial_unique_constraint_is_not_asked_about(two_units):
    from appraisal.models import Dossier

    draft = Dossier(unit=two_units["a"], title="Đề án", receipt_number="")
    received = Dossier(unit=two_units["a"], title="Đề án", receipt_number="1/SNV")
    only_receipt = {f.name for f in Dossier._meta.fields} - {"receipt_number"}
    with CaptureQueriesContext(connection) as queries:
        draft.validate_constraints(exclude=only_receipt)
    assert queries.captured_queries == []
    with CaptureQueriesContext(connection) as queries:
        received.validate_constraints(exclude=only_receipt)
    assert len(queries.captured_queries) >= 1
