import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from orgchart.services import roles_ensure
from tests.factories import UnitFactory, UserFactory


@pytest.fixture
def roles(db):
    return {group.name: group for group in roles_ensure()}


@pytest.fixture
def make_user(roles):
    """A user in ``role``; unit roles get object permissions on ``units``."""

    def make(role: str, *, units=(), username=None, **extra):
        user = UserFactory(**({"username": username} if username else {}), **extra)
        user.groups.add(Group.objects.get(name=role))
        for unit in units:
            assign_perm("orgchart.act_for_unit", user, unit)
            if role == "unit_head":
                assign_perm("orgchart.sign_for_unit", user, unit)
        return user

    return make


@pytest.fixture
def two_units(db):
    """A province with two departments, each with one division."""
    province = UnitFactory(code="UBND", kind="provincial_pc", name="UBND tỉnh")
    a = UnitFactory(code="SA", parent=province, name="Sở A")
    b = UnitFactory(code="SB", parent=province, name="Sở B")
    a1 = UnitFactory(code="SA-P1", parent=a, kind="division", name="Phòng A1")
    b1 = UnitFactory(code="SB-P1", parent=b, kind="division", name="Phòng B1")
    return {"province": province, "a": a, "b": b, "a1": a1, "b1": b1}


def pytest_collection_modifyitems(items):
    """Every transactional test (threads with their own connections, the browser's
    live server) restores the database as migrations left it.

    Such a test ends by emptying every table: without this, the rows of the data
    migrations (processing times, checklist criteria) would be gone for the tests
    after it, and content types recreated by one flush would clash with another
    test's serialized restore.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            {"live_server", "transactional_db"} & set(item.fixturenames)
        )
        if transactional and "django_db_serialized_rollback" not in item.fixturenames:
            item.fixturenames.append("django_db_serialized_rollback")
