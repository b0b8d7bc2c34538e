"""The demo province: what a person evaluating PositionFlow finds after
``manage.py seed_demo`` on an empty database, and what a second run leaves alone.

The province is seeded once for the module (inside a transaction rolled back at
the end); each test runs in its own savepoint on top of it.
"""

import io
import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.test import RequestFactory
from django.test.utils import override_settings
from django.utils import translation
from guardian.models import GroupObjectPermission, UserObjectPermission

from orgchart import services
from orgchart.demo import DEMO_PASSWORD, DEMO_USERS, demo_seed
from orgchart.models import CatalogueEntry, JobPosition, PositionCategory, Rank, Unit
from orgchart.permissions import ROLE_LABELS, Role
from orgchart.selectors import unit_get_establishment, unit_list_visible

User = get_user_model()

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def seed_output(django_db_setup, django_db_blocker):
    """Seed the demo on the empty test database once; undo it after the module."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
    ):
        assert not Unit.objects.exists()
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = io.StringIO()
            with translation.override("en"):
                call_command("seed_demo", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(seed_output, db):
    return seed_output


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code, valid_to__isnull=True)


def counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "positions": JobPosition.objects.count(),
        "headcount": JobPosition.objects.aggregate(n=Sum("headcount"))["n"],
        "catalogue": CatalogueEntry.objects.count(),
        "ranks": Rank.objects.count(),
        "categories": PositionCategory.objects.count(),
        "users": User.objects.count(),
        "groups": Group.objects.count(),
        "object_grants": UserObjectPermission.objects.count(),
    }


# ------------------------------------------------------------------- the logins


def test_seed_prints_every_login_with_the_shared_password(demo):
    for demo_user in DEMO_USERS:
        line = next(
            line for line in demo.splitlines() if line.startswith(demo_user.username)
        )
        assert DEMO_PASSWORD in line
        with translation.override("en"):  # the language the fixture seeded in
            assert str(ROLE_LABELS[demo_user.role]) in line
    assert re.search(r"^officer\s.*Sở Tư pháp and its sub-units$", demo, re.M)
    assert re.search(r"^observer\s.*Every unit of the province$", demo, re.M)


def _login_request():
    """A login form's request: the lockout guard (django-axes) checks every
    password against the address it comes from."""
    return RequestFactory().post("/accounts/login/")


def test_every_role_has_a_demo_user_who_can_log_in(demo):
    for role in ROLE_LABELS:
        assert User.objects.filter(groups__name=role).exists(), role
    for demo_user in DEMO_USERS:
        assert authenticate(
            _login_request(), username=demo_user.username, password=DEMO_PASSWORD
        )
    assert (
        authenticate(_login_request(), username="officer", password="wrong-password")
        is None
    )


def test_admin_is_staff_and_superuser_and_nobody_else_is(demo):
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert list(User.objects.filter(is_superuser=True)) == [admin]
    assert list(User.objects.filter(is_staff=True)) == [admin]


# ---------------------------------------------------------------------- scoping


def test_unit_officer_sees_exactly_the_subtree_of_its_unit(demo):
    officer = User.objects.get(username="officer")
    justice = unit("STP")

    visible = set(unit_list_visible(user=officer))

    assert visible == set(Unit.objects.subtree_of(justice))
    assert len(visible) == 7
    assert unit("SNV") not in visible


def test_second_unit_officer_sees_only_its_ward(demo):
    officer2 = User.objects.get(username="officer2")
    ward = Unit.objects.get(admin_code="16690")

    visible = set(unit_list_visible(user=officer2))

    assert visible == set(Unit.objects.subtree_of(ward))
    assert {u.code for u in visible} == {
        "P16690",
        "P16690-VP",
        "P16690-KT",
        "P16690-VHXH",
        "P16690-TTHCC",
    }
    officer = User.objects.get(username="officer")
    assert not visible & set(unit_list_visible(user=officer))


def test_province_wide_roles_see_every_unit(demo):
    for username in ("reception", "appraiser", "divisionhead", "director"):
        user = User.objects.get(username=username)
        assert unit_list_visible(user=user).count() == Unit.objects.count()
    observer = User.objects.get(username="observer")
    assert unit_list_visible(user=observer).count() == Unit.objects.count()


def test_unit_head_signs_for_its_own_unit_only(demo):
    head = User.objects.get(username="unithead")
    officer = User.objects.get(username="officer")
    justice, home_affairs = unit("STP"), unit("SNV")

    assert head.has_perm("orgchart.sign_for_unit", justice)
    assert head.has_perm("orgchart.act_for_unit", justice)
    assert not head.has_perm("orgchart.sign_for_unit", home_affairs)
    assert officer.has_perm("orgchart.act_for_unit", justice)
    assert not officer.has_perm("orgchart.sign_for_unit", justice)


def test_unit_scoped_permissions_are_never_granted_globally(demo):
    scoped = Permission.objects.filter(
        content_type__app_label="orgchart",
        codename__in=["act_for_unit", "sign_for_unit"],
    )
    assert scoped.count() == 2
    assert not Group.objects.filter(permissions__in=scoped).exists()
    assert not User.objects.filter(user_permissions__in=scoped).exists()
    assert not GroupObjectPermission.objects.exists()
    grants = {
        (g.user.username, g.permission.codename, g.content_object.code)
        for g in UserObjectPermission.objects.select_related("user", "permission")
    }
    assert grants == {
        ("officer", "act_for_unit", "STP"),
        ("officer2", "act_for_unit", "P16690"),
        ("unithead", "act_for_unit", "STP"),
        ("unithead", "sign_for_unit", "STP"),
    }
    for username in ("officer", "unithead", "officer2", "observer"):
        user = User.objects.get(username=username)
        assert not user.has_perm("orgchart.act_for_unit")
        assert not user.has_perm("orgchart.sign_for_unit")


# ---------------------------------------------------------- the organisational chart


def test_province_has_fourteen_agencies_of_five_to_ten_divisions(demo):
    pc = Unit.objects.get(admin_code="40")
    agencies = Unit.objects.filter(parent=pc, kind=Unit.Kind.DEPARTMENT).annotate(
        divisions=Count("children")
    )

    assert agencies.count() == 14
    assert all(5 <= agency.divisions <= 10 for agency in agencies), [
        (a.code, a.divisions) for a in agencies
    ]
    names = set(agencies.values_list("name", flat=True))
    assert {"Sở Nội vụ", "Sở Tư pháp", "Thanh tra tỉnh", "Sở Dân tộc và Tôn giáo"} <= (
        names
    )


def test_home_affairs_has_its_staffing_division_and_one_stop_section(demo):
    home_affairs = unit("SNV")
    divisions = {u.code: u.name for u in home_affairs.children.all()}

    assert divisions["SNV-TCBC"] == "Phòng Tổ chức, biên chế và Tổ chức phi chính phủ"
    assert "một cửa" in divisions["SNV-MC"]


def test_every_commune_has_its_four_standard_units(demo, django_assert_max_num_queries):
    pc = Unit.objects.get(admin_code="40")

    with django_assert_max_num_queries(2):
        communes = list(
            Unit.objects.filter(parent=pc, kind=Unit.Kind.COMMUNE_PC).prefetch_related(
                "children"
            )
        )

    assert len(communes) == 130
    for commune in communes:
        children = {child.code: child for child in commune.children.all()}
        suffixes = {"VP", "KT", "VHXH", "TTHCC"}
        assert set(children) == {f"{commune.code}-{s}" for s in suffixes}
        assert children[f"{commune.code}-TTHCC"].kind == Unit.Kind.SERVICE_CENTRE
        assert children[f"{commune.code}-VP"].level == Unit.Level.COMMUNE
        economic = children[f"{commune.code}-KT"].name
        if "phường" in commune.name:
            assert economic.startswith("Phòng Kinh tế, Hạ tầng và Đô thị phường ")
        else:
            assert economic.startswith("Phòng Kinh tế xã ")
    assert unit("X17329-VP").name == (
        "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã Anh Sơn"
    )


# ----------------------------------------------------- catalogue and establishment


def test_sample_catalogue_is_labelled_and_covers_the_four_categories(demo):
    entries = CatalogueEntry.objects.all()

    assert 12 <= entries.count() <= 20
    assert all(entry.is_sample for entry in entries)
    # Users read that it is a sample; administrators read why.
    assert all("mẫu minh họa" in entry.basis for entry in entries)
    assert all("không phải danh mục chính thức" in e.internal_note for e in entries)
    assert set(entries.values_list("category__code", flat=True)) == {
        "leadership",
        "specialised",
        "common",
        "support",
    }
    for entry in entries:
        entry.full_clean()


def test_establishment_is_loaded_for_several_units_with_their_decisions(demo):
    positions = JobPosition.objects.select_related("unit", "rank", "catalogue_entry")
    staffed = {p.unit.code.split("-")[0] for p in positions}

    assert {"SNV", "STP", "STC", "P16690", "X17878", "X17254"} <= staffed
    for position in positions:
        assert re.fullmatch(r"\d+/QĐ-UBND", position.decision_number)
        assert position.decision_date <= position.valid_from
        assert position.catalogue_entry.allows_rank(position.rank)
        assert position.catalogue_entry.allows_unit_kind(position.unit.kind)


def test_staffing_division_establishment_has_totals_by_category_and_rank(demo):
    division = unit("SNV-TCBC")
    as_of = division.positions.earliest("valid_from").valid_from

    establishment = unit_get_establishment(unit=division, as_of=as_of)

    assert establishment.total_headcount == 10
    totals = establishment.by_category
    by_category = {r["category__code"]: r["headcount"] for r in totals}
    assert by_category == {"leadership": 3, "specialised": 7}
    by_rank = {r["rank__code"]: r["headcount"] for r in establishment.by_rank}
    assert by_rank == {"01.002": 5, "01.003": 5}


# -------------------------------------------------------------------- idempotency


def test_second_seed_creates_nothing(demo):
    before = counts()

    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        result = demo_seed()

    assert counts() == before
    assert result.admin_units["created"] == 0
    assert result.units_created == 0
    assert result.catalogue_created == 0
    assert result.positions_created == 0
    assert result.users_created == 0


def test_second_seed_keeps_what_people_changed_but_resets_demo_passwords(demo):
    services.unit_update(unit=unit("SNV"), name="Sở Nội vụ tỉnh Nghệ An")
    CatalogueEntry.objects.filter(code="MAU-DC-03").update(name="Văn thư viên")
    Rank.objects.filter(code="01.003").update(name="Chuyên viên (đã sửa)")
    officer = User.objects.get(username="officer")
    officer.first_name = "Nguyễn Thị Hoa (Sở Tư pháp)"
    officer.set_password("my-own-password")
    officer.save()

    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        demo_seed()

    assert unit("SNV").name == "Sở Nội vụ tỉnh Nghệ An"
    assert CatalogueEntry.objects.get(code="MAU-DC-03").name == "Văn thư viên"
    assert Rank.objects.get(code="01.003").name == "Chuyên viên (đã sửa)"
    officer.refresh_from_db()
    assert officer.first_name == "Nguyễn Thị Hoa (Sở Tư pháp)"
    assert authenticate(_login_request(), username="officer", password=DEMO_PASSWORD)


def test_second_seed_gives_back_a_removed_demo_grant(demo):
    officer = User.objects.get(username="officer")
    officer.groups.clear()
    UserObjectPermission.objects.filter(user=officer).delete()

    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        demo_seed()

    officer = User.objects.get(username="officer")
    assert officer.groups.filter(name=Role.UNIT_OFFICER).exists()
    assert officer.has_perm("orgchart.act_for_unit", unit("STP"))
