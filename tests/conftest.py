import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from orgchart.models import LadderLevel
from orgchart.services import roles_ensure
from tests.factories import (
    CatalogueEntryFactory,
    JobPositionFactory,
    PositionCategoryFactory,
    RankFactory,
    SalaryGroupFactory,
    UnitFactory,
    UserFactory,
)


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


@pytest.fixture
def ref(db):
    """Reference data: three ranks, two categories, a catalogue entry."""
    specialist = RankFactory()
    principal = RankFactory(
        code="01.002",
        name="Chuyên viên chính",
        salary_group=SalaryGroupFactory(code="A2.1", step1="4.40", increment="0.34"),
        ladder_level=LadderLevel.PRINCIPAL_SPECIALIST,
    )
    senior = RankFactory(
        code="01.001",
        name="Chuyên viên cao cấp",
        salary_group=SalaryGroupFactory(code="A3.1", step1="6.20", increment="0.36"),
        ladder_level=LadderLevel.SENIOR_SPECIALIST,
    )
    specialised = PositionCategoryFactory()
    leadership = PositionCategoryFactory(
        code="leadership", name="Lãnh đạo, quản lý", order=1
    )
    entry = CatalogueEntryFactory(
        code="TCBC-01", name="Chuyên viên về tổ chức bộ máy", category=specialised
    )
    return {
        "specialist": specialist,
        "principal": principal,
        "senior": senior,
        "specialised": specialised,
        "leadership": leadership,
        "entry": entry,
    }


@pytest.fixture
def positions(two_units, ref):
    """Department A's approved establishment before any project: two positions."""
    return [
        JobPositionFactory(
            unit=two_units["a"],
            name="Chuyên viên quản lý văn thư",
            category=ref["specialised"],
            rank=ref["specialist"],
            headcount=2,
        ),
        JobPositionFactory(
            unit=two_units["a"],
            name="Chuyên viên kế hoạch",
            category=ref["specialised"],
            rank=ref["specialist"],
            headcount=3,
        ),
    ]


#: Data migrations whose rows the application needs (processing times, the manual
#: checklist criteria, leadership limits); each has an idempotent ``load``.
DATA_MIGRATIONS = (
    "appraisal.migrations.0002_load_processing_times",
    "appraisal.migrations.0004_default_checklist_and_leadership_limits",
    "appraisal.migrations.0014_default_reduction_targets",
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


@pytest.fixture(autouse=True)
def _force_login_is_a_finished_login(monkeypatch):
    """``client.force_login`` stands for a finished login. For a person who uses
    two-factor authentication (or whose role must) that includes the code: the
    session is marked confirmed by their authenticator app, a real confirmed
    device (set up for them if they have none), as ``django_otp.login`` does after
    the code page. The tests of two-factor authentication log in through the real
    pages instead (tests/test_two_factor.py)."""
    from django.test import Client

    from orgchart.two_factor.testing import client_second_step_done

    force_login = Client.force_login

    def finished_login(self, user, backend=None):
        force_login(self, user, backend)
        client_second_step_done(self, user)

    monkeypatch.setattr(Client, "force_login", finished_login)


@pytest.fixture(autouse=True)
def _documents_switch(request, settings):
    """The steps issue (and sign) documents only in the tests about documents
    (marked ``documents``): elsewhere a signing step needs no certificate and no
    PDF is rendered, which keeps the flow tests about the flows."""
    settings.APPRAISAL_DOCUMENTS = (
        request.node.get_closest_marker("documents") is not None
    )


from tests.signing import (  # noqa: E402,F401
    demo_authority,
    demo_authority_keys,
    signer_certificate,
)
from tests.step_process import step_process  # noqa: E402,F401
from tests.worker import celery_worker, django_db_modify_db_settings  # noqa: E402,F401
