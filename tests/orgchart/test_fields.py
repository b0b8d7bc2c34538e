"""A foreign key holding the row it refers to, read from the database, is
validated without asking the database again (``orgchart.fields``); anything else
is still checked there and refused in words."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from orgchart import fields
from orgchart.models import Unit

pytestmark = pytest.mark.django_db

OUR_APPS = {"orgchart", "appraisal", "workflows"}


def parent_of(unit) -> Unit:
    return Unit(code="X-1", name="Phòng X", kind="division", parent=unit)


def queries_of(action) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        action()
    return [q["sql"] for q in queries.captured_queries]


def test_every_foreign_key_of_ours_is_the_projects():
    plain = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS
        for field in model._meta.local_fields
        if type(field) is models.ForeignKey
    ]
    assert plain == []


def test_a_held_row_is_not_looked_up_again(two_units):
    unit = Unit.objects.get(pk=two_units["a"].pk)
    child = parent_of(unit)
    sql = queries_of(lambda: child._meta.get_field("parent").validate(unit.pk, child))
    assert sql == []


def test_a_bare_id_is_looked_up_and_a_missing_row_refused(two_units):
    child = parent_of(two_units["a"])
    child.parent_id = two_units["b"].pk  # the held row is dropped with it
    field = child._meta.get_field("parent")
    assert len(queries_of(lambda: field.validate(child.parent_id, child))) == 1
    child = Unit(code="X-2", name="Phòng Y", kind="division", parent_id=999_999)
    with pytest.raises(ValidationError) as refused:
        field.validate(999_999, child)
    assert refused.value.code == "invalid"


def test_a_row_never_saved_is_looked_up(two_units):
    ghost = Unit(code="GHOST", name="Không có", kind="division")
    ghost.pk = 999_998  # an object that did not come from the database
    child = parent_of(ghost)
    with pytest.raises(ValidationError):
        child._meta.get_field("parent").validate(ghost.pk, child)


def test_migrations_see_djangos_own_field():
    field = fields.ForeignKey(Unit, on_delete=models.PROTECT)
    field.set_attributes_from_name("unit")
    assert field.deconstruct()[1] == "django.db.models.ForeignKey"
