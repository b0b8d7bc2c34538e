"""Sessions read from the shared cache in production (Redis): no database read
per request, and a session ended (logout) is ended everywhere."""

import os
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgchart.permissions import Role
from tests.test_settings import PRODUCTION, _manage


@pytest.fixture
def redis_sessions(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CACHE_TEST_URL", "redis://127.0.0.1:6379/6"),
            "KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
        }
    }
    settings.SESSION_ENGINE = "config.cached_session_store"


def _session_reads(context) -> list[str]:
    return [
        q["sql"]
        for q in context.captured_queries
        if "django_session" in q["sql"] and q["sql"].startswith("SELECT")
    ]


def test_a_page_reads_the_session_from_the_cache_not_the_database(
    redis_sessions, client, make_user, two_units
):
    officer = make_user(Role.UNIT_OFFICER, units=[two_units["a"]])
    client.force_login(officer)
    with CaptureQueriesContext(connection) as context:
        response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.context["user"] == officer
    assert _session_reads(context) == []


def test_a_session_ended_by_logout_no_longer_opens_a_page(
    redis_sessions, client, make_user, two_units
):
    officer = make_user(Role.UNIT_OFFICER, units=[two_units["a"]])
    client.force_login(officer)
    cookie = client.cookies["sessionid"].value
    assert client.get("/", follow=True).context["user"] == officer
    client.post(reverse("logout"))
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    response = client.get("/", follow=True)
    assert not response.context["user"].is_authenticated
    assert response.redirect_chain[-1][0].startswith(reverse("login"))


def test_production_with_redis_reads_sessions_from_the_cache():
    show = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    with_redis = _manage(
        "shell", "-c", show, env={**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/6"}
    )
    assert with_redis.stdout.split()[-1] == "config.cached_session_store", (
        with_redis.stderr
    )
    without = _manage("shell", "-c", show, env=PRODUCTION)
    assert without.stdout.split()[-1] == "config.session_store", without.stderr
