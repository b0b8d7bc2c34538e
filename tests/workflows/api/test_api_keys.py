"""The page "API keys": a person makes a key (shown once, kept only as its
digest, with an expiry), uses it, and revokes it; the rate limit per key; the
errors' shape and language."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from workflows.models import ApiToken

pytestmark = pytest.mark.django_db


def _make_key(client, name="Hệ thống một cửa", days=30) -> str:
    response = client.post("/api-keys/", {"name": name, "days": days})
    assert response.status_code == 200
    match = re.search(r"<code data-key>([^<]+)</code>", response.content.decode())
    assert match, response.content.decode()[:3000]
    return match.group(1)


def _api(client, key, path="/api/v1/units/"):
    return client.get(path, headers={"Authorization": f"Token {key}"})


def test_a_key_is_shown_once_kept_hashed_and_revoked(client, people):
    client.force_login(people["officer"])
    key = _make_key(client)
    token = ApiToken.objects.get(user=people["officer"])
    assert key not in (token.digest, token.prefix)
    assert token.prefix == key[:8]
    assert (token.expires_at - timezone.now()).days in (29, 30)
    page = client.get("/api-keys/").content.decode()
    assert key not in page and "Hệ thống một cửa" in page

    client.logout()
    assert _api(client, key).status_code == 200
    assert _api(client, key + "x").status_code == 401

    # Another person cannot revoke it; its holder can.
    client.force_login(people["head"])
    assert client.post(f"/api-keys/{token.pk}/revoke/").status_code == 404
    client.force_login(people["officer"])
    response = client.post(f"/api-keys/{token.pk}/revoke/")
    assert response.status_code == 302
    client.logout()
    response = _api(client, key)
    assert response.status_code == 401
    assert response.json()["code"] in ("invalid_token", "authentication_failed")


def test_an_expired_key_no_longer_works(client, people):
    client.force_login(people["officer"])
    key = _make_key(client)
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.logout()
    assert _api(client, key).status_code == 401


def test_a_key_needs_a_name_and_a_lifetime_within_a_year(client, people):
    client.force_login(people["officer"])
    response = client.post("/api-keys/", {"name": "", "days": 400})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"name", "days"}
    assert not ApiToken.objects.exists()


def test_the_page_is_for_signed_in_people_and_in_the_user_menu(client, people):
    assert client.get("/api-keys/").status_code == 302
    client.force_login(people["observer"])
    home = client.get("/home/", follow=True).content.decode()
    assert 'href="/api-keys/"' in home


def test_each_key_has_its_own_rate(client, people, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "3/min"},
    }
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    cache.clear()
    try:
        client.force_login(people["officer"])
        first, second = _make_key(client, "một"), _make_key(client, "hai")
        client.logout()
        answers = [_api(client, first).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        assert _api(client, first).json()["code"] == "throttled"
        assert _api(client, second).status_code == 200
    finally:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"api_token": "600/min"},
        }
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()


def test_errors_are_in_vietnamese_by_default(client, people, settings):
    settings.LANGUAGE_CODE = "vi"
    response = client.get("/api/v1/dossiers/999999/")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert "Đăng nhập" in body["detail"] or "khóa" in body["detail"]


def test_the_page_has_the_side_menu_of_the_other_pages(client, people):
    client.force_login(people["observer"])
    page = client.get("/api-keys/").content.decode()
    assert "vf-page__menu" in page
    # The site's applications, as on the dashboard or the notifications page.
    assert 'href="/dashboard/"' in page and 'href="/notifications/"' in page
