"""Who may open the security pages, as every role and as an anonymous visitor:
the person's own "Account security" and two-factor pages, the lockout list and
the unlock of django-axes in the admin, and the administrator's reset of
two-factor authentication. Signed-in sessions here have finished their login
(password and, where used, the code: tests/conftest.py)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgchart.permissions import Role

ROLES = [
    Role.UNIT_OFFICER,
    Role.UNIT_HEAD,
    Role.RECEPTION,
    Role.APPRAISER,
    Role.DIVISION_HEAD,
    Role.DIRECTOR,
    Role.COMMITTEE,
    Role.OBSERVER,
    Role.ADMINISTRATOR,
]
#: Who may use the admin's lockout list and the reset: administrators (staff).
ADMINS = {Role.ADMINISTRATOR}


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role):
        user = make_user(role, username=f"u-{role}", is_staff=role in ADMINS)
        client.force_login(user)
        return user

    return sign_in


@pytest.fixture
def attempt(db):
    return AccessAttempt.objects.create(
        username="canbo",
        ip_address="198.51.100.7",
        user_agent="test",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_role_opens_its_own_account_security_page(client, signed_in, role):
    signed_in(role)
    response = client.get(reverse("account_security"))
    assert response.status_code == 200
    assert "Bảo mật tài khoản" in response.content.decode()
    # Reachable from the user menu of every page.
    assert reverse("account_security") in client.get("/home/").content.decode()


@pytest.mark.parametrize(
    "name", ["account_security", "two_factor_verify", "two_factor_enrol"]
)
def test_an_anonymous_visitor_is_sent_to_the_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
def test_the_lockout_list_and_the_unlock_are_for_administrators_only(
    client, signed_in, attempt, role
):
    signed_in(role)
    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    unlock = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    if role in ADMINS:
        assert listing.status_code == 200
        assert "canbo" in listing.content.decode()
        assert unlock.status_code == 302
        assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    else:
        # Not staff: the admin sends them to its login page; nothing is deleted.
        assert listing.status_code == 302
        assert unlock.status_code == 302
        assert "/admin/login/" in unlock["Location"]
        assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_an_anonymous_visitor_cannot_unlock(client, attempt):
    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_administrators_reset_someone_s_two_factor(
    client, signed_in, make_user, role
):
    director = make_user(Role.DIRECTOR, username="giamdoc")
    TOTPDevice.objects.create(user=director, name="app", confirmed=True)
    signed_in(role)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [director.pk]},
    )
    kept = TOTPDevice.objects.filter(user=director).exists()
    if role in ADMINS:
        assert response.status_code == 302
        assert not kept
    else:
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
        assert kept


def test_an_administrator_never_reads_a_person_s_secret(client, signed_in, make_user):
    director = make_user(Role.DIRECTOR, username="giamdoc")
    device = TOTPDevice.objects.create(user=director, name="app", confirmed=True)
    admin = signed_in(Role.ADMINISTRATOR)
    admin.is_superuser = True
    admin.save()
    page = client.get(
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    ).content.decode()
    assert device.key not in page
