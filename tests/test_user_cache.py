"""The signed-in person read from the shared cache in production (Redis): no
database read of their row per request, and a change to them (deactivated, a new
password) seen from their next request on."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgchart.auth_backends import CachedUserBackend
from orgchart.permissions import Role
from tests.test_sessions import redis_sessions  # noqa: F401 (a fixture)

BACKEND = "orgchart.auth_backends.CachedUserBackend"


@pytest.fixture
def cached_users(redis_sessions, settings):  # noqa: F811
    settings.USER_CACHE_SECONDS = 300


@pytest.fixture
def officer(make_user, two_units):
    return make_user(Role.UNIT_OFFICER, units=[two_units["a"]])


def _user_reads(context, user) -> list[str]:
    """The reads of ``user``'s own row by its key (what signing in costs)."""
    return [
        q["sql"]
        for q in context.captured_queries
        if q["sql"].startswith("SELECT")
        and 'FROM "auth_user" WHERE "auth_user"."id" = ' + str(user.pk) in q["sql"]
    ]


def test_a_page_reads_the_person_from_the_cache_after_their_first_request(
    cached_users, client, officer
):
    client.force_login(officer, backend=BACKEND)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/", follow=True).context["user"] == officer
    with CaptureQueriesContext(connection) as second:
        response = client.get("/", follow=True)
    assert response.context["user"] == officer
    assert len(_user_reads(first, officer)) == 1
    assert _user_reads(second, officer) == []


def test_a_deactivated_person_is_signed_out_on_their_next_request(
    cached_users, client, officer
):
    client.force_login(officer, backend=BACKEND)
    assert client.get("/", follow=True).context["user"] == officer
    officer.is_active = False
    officer.save()
    response = client.get("/", follow=True)
    assert not response.context["user"].is_authenticated


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(
    cached_users, client, officer
):
    client.force_login(officer, backend=BACKEND)
    assert client.get("/", follow=True).context["user"] == officer
    officer.set_password("a new and long passphrase 2026")
    officer.save()
    response = client.get("/", follow=True)
    assert not response.context["user"].is_authenticated


def test_a_request_that_read_the_person_before_a_change_does_not_cache_them(
    cached_users, officer
):
    officer.first_name = "Lan"
    officer.save()  # marks the person changed
    read = CachedUserBackend().get_user(officer.pk)
    assert read.first_name == "Lan"
    # Still marked: the copy just read is not kept, the next request reads again.
    with CaptureQueriesContext(connection) as again:
        CachedUserBackend().get_user(officer.pk)
    assert len(_user_reads(again, officer)) == 1


def test_without_a_shared_cache_nothing_is_kept(client, officer, settings):
    assert settings.USER_CACHE_SECONDS == 0
    client.force_login(officer, backend=BACKEND)
    client.get("/", follow=True)
    with CaptureQueriesContext(connection) as second:
        response = client.get("/", follow=True)
    # Read again by every request (the home page and where it sends them).
    requests = len(response.redirect_chain) + 1
    assert requests >= 1
    assert len(_user_reads(second, officer)) == requests
    assert cache.get(f"auth-user:{officer.pk}") is None
