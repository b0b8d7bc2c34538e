"""Two-factor authentication and the idle-session expiry, through the real login
pages: the password, then the code an authenticator app computes from the
device's secret (tests/totp.py), as a person's phone does."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgchart.permissions import Role
from orgchart.two_factor import services
from tests.totp import code_for_key, code_for_secret, next_code
from workflows.api import tokens

PASSWORD = "mat-khau-dung-1"
LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/"
ENROL = "/accounts/two-factor/set-up/"
SECURITY = "/accounts/security/"

#: Pages of every part of the application; none may open before the second step.
PAGES = [
    "/",
    "/home/",
    "/dashboard/",
    "/dossiers/",
    "/orgchart/",
    "/staffing/",
    "/jobpositionproject/",
    "/notifications/",
    "/api-keys/",
    SECURITY,
    "/admin/",
    "/admin/axes/accessattempt/",
]


@pytest.fixture
def person(make_user):
    """Make a user of ``role`` with a known password."""

    def make(role, username, **extra):
        user = make_user(role, username=username, **extra)
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


def log_in(client, username):
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def send_code(client, code, url=VERIFY):
    return client.post(url, {"code": code, "next": "/home/"})


def app_of(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def device_for(user) -> TOTPDevice:
    """A confirmed app, as after setting one up."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    services.backup_codes_renew(user=user)
    return device


def unthrottle(device) -> None:
    """The time a wrong code makes the next try wait has passed."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(hours=1)
    )


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.COMMITTEE, Role.ADMINISTRATOR])
def test_a_required_role_without_an_app_reaches_nothing_but_the_set_up(
    client, person, role
):
    person(role, "nguoi", is_staff=role == Role.ADMINISTRATOR)
    log_in(client, "nguoi")

    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(ENROL + "?next="), page
    # Its own pages, the language switch and logging out stay open.
    assert client.get(ENROL).status_code == 200
    assert client.post("/i18n/setlang/", {"language": "vi"}).status_code == 302
    # The API takes the half-done session for nobody.
    assert client.get("/api/v1/units/").status_code in (401, 403)
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_a_superuser_without_any_role_must_set_up_an_app(client, person):
    person(Role.OBSERVER, "sieu", is_staff=True, is_superuser=True)
    log_in(client, "sieu")
    assert client.get("/admin/")["Location"].startswith(ENROL)


def test_setting_up_the_app_shows_a_qr_code_and_the_backup_codes_once(client, person):
    director = person(Role.DIRECTOR, "giamdoc")
    log_in(client, "giamdoc")

    page = client.get(ENROL + "?next=/dossiers/").content.decode()
    assert "Thiết lập xác thực hai lớp" in page
    assert "<svg" in page and "<path" in page
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", page).group(1)
    # Opening the page again keeps the same secret (the app scanned it already).
    assert secret in client.get(ENROL).content.decode()

    wrong = send_code(client, "000000", ENROL)
    assert wrong.status_code == 200
    assert "Mã không đúng hoặc đã được dùng" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=director, confirmed=True).exists()
    unthrottle(TOTPDevice.objects.get(user=director))

    done = client.post(ENROL, {"code": code_for_secret(secret), "next": "/dossiers/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == settings.TWO_FACTOR_BACKUP_CODES
    assert 'href="/dossiers/"' in done.content.decode()
    assert app_of(director)
    # Logged in for good now.
    assert client.get("/dossiers/").status_code == 200
    assert client.get(SECURITY).status_code == 200


def test_with_an_app_the_password_alone_reaches_only_the_code_page(client, person):
    director = person(Role.DIRECTOR, "giamdoc")
    device_for(director)
    log_in(client, "giamdoc")

    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(VERIFY + "?next="), page
    # Setting up another app instead of giving the code is refused too.
    assert client.get(ENROL)["Location"].startswith(VERIFY)
    page = client.get(VERIFY).content.decode()
    assert "Xác nhận đăng nhập" in page

    response = send_code(client, next_code(app_of(director)))
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert client.get("/home/").status_code == 200


def test_a_wrong_code_is_refused_and_the_next_try_must_wait(client, person, settings):
    # A wait of a minute per wrong code, so a slow machine cannot outlast it.
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    director = person(Role.DIRECTOR, "giamdoc")
    device = device_for(director)
    log_in(client, "giamdoc")

    wrong = send_code(client, "123456" if next_code(device) != "123456" else "654321")
    assert wrong.status_code == 200
    assert "Mã không đúng hoặc đã được dùng" in wrong.content.decode()
    # Right after a wrong code, even the right one waits.
    hurried = send_code(client, next_code(device))
    assert hurried.status_code == 200
    assert "Nhập sai mã quá nhiều lần" in hurried.content.decode()
    assert client.get("/home/")["Location"].startswith(VERIFY)
    # Logging in again with the password does not clear the count.
    client.post(reverse("logout"))
    log_in(client, "giamdoc")
    assert "Nhập sai mã quá nhiều lần" in send_code(client, "111111").content.decode()

    unthrottle(device)
    assert send_code(client, next_code(device)).status_code == 302


def test_a_code_is_accepted_once(client, person):
    director = person(Role.DIRECTOR, "giamdoc")
    device = device_for(director)
    code = next_code(device)
    log_in(client, "giamdoc")
    assert send_code(client, code).status_code == 302

    other = client.__class__()
    log_in(other, "giamdoc")
    replayed = send_code(other, code)
    assert replayed.status_code == 200
    assert "Mã không đúng hoặc đã được dùng" in replayed.content.decode()
    assert other.get("/home/")["Location"].startswith(VERIFY)


def test_an_earlier_code_is_refused_after_a_later_one(client, person):
    director = person(Role.DIRECTOR, "giamdoc")
    device = device_for(director)
    log_in(client, "giamdoc")
    assert send_code(client, code_for_key(device.bin_key, offset=1)).status_code == 302
    client.post(reverse("logout"))
    log_in(client, "giamdoc")
    assert send_code(client, code_for_key(device.bin_key)).status_code == 200


def test_a_backup_code_logs_in_once(client, person):
    director = person(Role.DIRECTOR, "giamdoc")
    TOTPDevice.objects.create(user=director, name="app", confirmed=True)
    codes = services.backup_codes_renew(user=director)

    log_in(client, "giamdoc")
    assert send_code(client, codes[0].upper()).status_code == 302
    assert client.get("/home/").status_code == 200
    client.post(reverse("logout"))

    log_in(client, "giamdoc")
    again = send_code(client, codes[0])
    assert again.status_code == 200
    assert "Mã không đúng hoặc đã được dùng" in again.content.decode()
    assert StaticToken.objects.filter(device__user=director).count() == (
        settings.TWO_FACTOR_BACKUP_CODES - 1
    )


def test_new_backup_codes_replace_the_old_ones(client, person):
    director = person(Role.DIRECTOR, "giamdoc")
    device = device_for(director)
    old = list(StaticToken.objects.values_list("token", flat=True))
    log_in(client, "giamdoc")
    send_code(client, next_code(device))

    page = client.post(SECURITY, {"_backup_codes": ""}).content.decode()
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(new) == settings.TWO_FACTOR_BACKUP_CODES
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert not set(old) & set(new)


def test_others_log_in_with_the_password_and_may_turn_it_on(client, person):
    officer = person(Role.UNIT_OFFICER, "canbo")
    log_in(client, "canbo")
    assert client.get("/home/").status_code == 200
    page = client.get(SECURITY).content.decode()
    assert "Bảo mật tài khoản" in page
    assert 'data-two-factor-status="off"' in page

    secret = re.search(
        r"data-secret>([A-Z2-7 ]+)<", client.get(ENROL).content.decode()
    ).group(1)
    assert client.post(ENROL, {"code": code_for_secret(secret)}).status_code == 200
    assert 'data-two-factor-status="on"' in client.get(SECURITY).content.decode()

    client.post(reverse("logout"))
    log_in(client, "canbo")
    assert client.get("/home/")["Location"].startswith(VERIFY)
    assert send_code(client, next_code(app_of(officer))).status_code == 302

    # Turned off again: the password is enough.
    client.post(SECURITY, {"_disable": ""})
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticDevice.objects.filter(user=officer).exists()
    client.post(reverse("logout"))
    log_in(client, "canbo")
    assert client.get("/home/").status_code == 200


def test_a_required_role_cannot_turn_it_off(client, person):
    director = person(Role.DIRECTOR, "giamdoc")
    device = device_for(director)
    log_in(client, "giamdoc")
    send_code(client, next_code(device))

    page = client.get(SECURITY).content.decode()
    assert 'name="_disable"' not in page
    response = client.post(SECURITY, {"_disable": ""}, follow=True)
    assert "không thể tắt" in response.content.decode()
    assert app_of(director)


def test_the_optional_check_costs_no_query_after_the_first_page(
    client, person, django_assert_max_num_queries
):
    person(Role.UNIT_OFFICER, "canbo")
    log_in(client, "canbo")
    client.get("/notifications/")
    # Session, user, then the page's own queries: nothing for two-factor.
    with django_assert_max_num_queries(30) as counted:
        client.get("/notifications/")
    assert not any("otp_" in query["sql"] for query in counted.captured_queries)


def test_the_administrator_resets_a_lost_phone(client, person, make_user):
    director = person(Role.DIRECTOR, "giamdoc")
    device_for(director)
    admin = make_user(Role.ADMINISTRATOR, username="quantri", is_staff=True)
    client.force_login(admin)

    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [director.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Đã đặt lại xác thực hai lớp cho 1 người" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=director).exists()
    assert not StaticDevice.objects.filter(user=director).exists()

    client.post(reverse("logout"))
    log_in(client, "giamdoc")
    assert client.get("/home/")["Location"].startswith(ENROL)


def test_the_api_with_a_key_needs_no_second_step(client, person):
    director = person(Role.DIRECTOR, "giamdoc")
    device_for(director)
    _token, key = tokens.token_create(user=director, name="hệ thống một cửa")
    response = client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def _session_of(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_an_idle_session_ends_and_the_next_request_goes_to_the_login(client, person):
    person(Role.UNIT_OFFICER, "canbo")
    response = log_in(client, "canbo")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    # Ends when the browser closes: the cookie has no lifetime of its own.
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert client.get("/home/").status_code == 200

    Session.objects.filter(pk=_session_of(client).pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/home/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_working_renews_the_session_about_once_a_minute(client, person):
    person(Role.UNIT_OFFICER, "canbo")
    log_in(client, "canbo")
    client.get("/home/")
    age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    soon = timezone.now() + datetime.timedelta(minutes=2)
    Session.objects.filter(pk=_session_of(client).pk).update(expire_date=soon)

    # Within the minute: not written again.
    client.get("/home/")
    assert _session_of(client).expire_date == soon

    # A minute after the last renewal, a request moves the expiry a full period on.
    session = client.session
    session["_renewed_at"] = int(time.time()) - settings.SESSION_RENEW_SECONDS
    session.save()
    Session.objects.filter(pk=_session_of(client).pk).update(expire_date=soon)
    client.get("/home/")
    assert _session_of(client).expire_date > timezone.now() + age - (
        datetime.timedelta(seconds=10)
    )
