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


#: Data migrations whose rows the application needs (processing times, the manual
#: checklist criteria, leadership limits); each has an idempotent ``load``.
DATA_MIGRATIONS = (
    "appraisal.migrations.0002_load_processing_times",
    "appraisal.migrations.0004_default_checklist_and_leadership_limits",
)


def migration_data_ensure() -> None:
    """Reload the rows the data migrations put in the test database."""
    import importlib

    from django.apps import apps

    for name in DATA_MIGRATIONS:
        importlib.import_module(name).load(apps, None)


@pytest.fixture(autouse=True)
def _migration_rows(request):
    """A transactional test (threads with their own connections, the browser's live
    server) ends by emptying every table; the flush recreates content types and
    permissions, but not the data migrations' rows: put them back first, so no
    test depends on the order the tests run in."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        {"live_server", "transactional_db"} & set(request.fixturenames)
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        migration_data_ensure()
