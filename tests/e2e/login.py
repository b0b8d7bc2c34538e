"""Logging in through the real pages, as a person does: the password, then for
whoever uses two-factor authentication the code of their authenticator app,
computed from the device's secret (tests/totp.py); a person whose role requires
it and who has no app yet sets one up on the way, reading the key off the page."""

from __future__ import annotations

import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.totp import code_for_secret, next_code

TWO_FACTOR = re.compile(r"/accounts/two-factor/")


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form.vf-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    if "/accounts/two-factor/set-up/" in page.url:
        secret = page.locator("[data-secret]").inner_text()
        page.locator("input[name=code]").fill(code_for_secret(secret))
        page.locator("form[data-two-factor-enrol] button[type=submit]").click()
        expect(page.locator("[data-backup-codes] li")).to_have_count(10)
        page.get_by_role("link", name="Tiếp tục").click()
        page.wait_for_load_state("networkidle")
    elif TWO_FACTOR.search(page.url):
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.locator("input[name=code]").fill(next_code(device))
        page.locator("form[data-two-factor-verify] button[type=submit]").click()
        page.wait_for_load_state("networkidle")
    expect(page).not_to_have_url(TWO_FACTOR)
