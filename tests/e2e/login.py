"""Logging in through the real pages, as a person does: the password, then for
whoever uses two-factor authentication the code of their authenticator app,
computed from the device's secret (tests/totp.py); a person whose role requires
it and who has no app yet sets one up on the way, reading the key off the page."""

from __future__ import annotations

import re
import time
from base64 import b32encode

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.totp import next_code

TWO_FACTOR = re.compile(r"/accounts/two-factor/")
LOGIN = re.compile(r"/accounts/login/")


def _give_code(page, username: str, form: str, confirmed: bool) -> None:
    """Type the app's code as a person does; a code the server received too late
    (a busy machine, a period turning over) is typed again, as a person would,
    after the wait a refused code imposes."""
    for attempt in range(3):
        device = TOTPDevice.objects.get(user__username=username, confirmed=confirmed)
        page.locator("input[name=code]").fill(next_code(device))
        with page.expect_navigation():
            page.locator(f"form[{form}] button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        if page.locator(f"form[{form}]").count() == 0:
            return
        time.sleep(2 ** (attempt + 1))


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    # Wait for the POST's answer itself: waiting only for "networkidle" can return
    # while the login page is still idle, and the next goto would cancel the POST.
    with page.expect_navigation():
        page.locator("form.vf-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    if "/accounts/two-factor/set-up/" in page.url:
        # The key the page shows is the one the app would scan.
        secret = page.locator("[data-secret]").inner_text()
        device = TOTPDevice.objects.get(user__username=username, confirmed=False)
        assert b32encode(device.bin_key).decode() == "".join(secret.split())
        _give_code(page, username, "data-two-factor-enrol", confirmed=False)
        expect(page.locator("[data-backup-codes] li")).to_have_count(10)
        page.get_by_role("link", name="Tiếp tục").click()
        page.wait_for_load_state("networkidle")
    elif TWO_FACTOR.search(page.url):
        _give_code(page, username, "data-two-factor-verify", confirmed=True)
    expect(page).not_to_have_url(TWO_FACTOR)
    expect(page).not_to_have_url(LOGIN)
