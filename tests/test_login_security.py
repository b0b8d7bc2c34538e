"""Logging in against password guessing: after the limit of failed attempts an
account, and separately an address, is refused with a Vietnamese message until
the cool-off ends or an administrator unlocks it."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from orgchart.permissions import Role
from tests.factories import UserFactory

LOGIN = "/accounts/login/"
PASSWORD = "mat-khau-dung-1"


@pytest.fixture
def person(db):
    user = UserFactory(username="canbo")
    user.set_password(PASSWORD)
    user.save()
    return user


def attempt(client, username, password, address="198.51.100.7"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail(client, username, times, address="198.51.100.7"):
    for _ in range(times):
        response = attempt(client, username, "sai-mat-khau", address)
        assert response.status_code == 200


def lock_out(client, username, address="198.51.100.7"):
    """Fail up to the limit: the last failure is answered with the lockout."""
    fail(client, username, settings.AXES_FAILURE_LIMIT - 1, address)
    assert attempt(client, username, "sai-mat-khau", address).status_code == 429


def test_the_right_password_after_the_limit_is_refused_in_vietnamese(client, person):
    lock_out(client, "canbo")

    response = attempt(client, "canbo", PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Tạm dừng đăng nhập" in page
    assert "quản trị viên" in page
    assert "_auth_user_id" not in client.session


def test_the_account_is_locked_from_every_address(client, person):
    lock_out(client, "canbo", address="198.51.100.7")
    assert attempt(client, "canbo", PASSWORD, address="203.0.113.9").status_code == 429


def test_an_address_guessing_many_accounts_is_locked(client, person):
    for number in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"nguoi{number}", "sai-mat-khau", address="203.0.113.50")
    # Even the right password of another account, from that address.
    assert attempt(client, "canbo", PASSWORD, address="203.0.113.50").status_code == 429
    # From elsewhere, the account is fine.
    response = attempt(client, "canbo", PASSWORD, address="198.51.100.8")
    assert response.status_code == 302


def test_fewer_failures_than_the_limit_then_success_resets_the_count(client, person):
    fail(client, "canbo", settings.AXES_FAILURE_LIMIT - 1)
    assert attempt(client, "canbo", PASSWORD).status_code == 302
    client.logout()
    fail(client, "canbo", settings.AXES_FAILURE_LIMIT - 1)
    assert attempt(client, "canbo", PASSWORD).status_code == 302


def test_an_administrator_unlocks_the_account_in_the_admin(client, person, make_user):
    lock_out(client, "canbo")
    assert attempt(client, "canbo", PASSWORD).status_code == 429
    admin = make_user(Role.ADMINISTRATOR, username="quantri", is_staff=True)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    attempts = AccessAttempt.objects.filter(username="canbo")
    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [a.pk for a in attempts],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    client.logout()

    assert attempt(client, "canbo", PASSWORD).status_code == 302
