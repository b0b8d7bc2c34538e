"""An appraiser going away names a colleague on "Ủy quyền" by clicking; the
colleague finds the appraisal on "Công việc của tôi" marked "Thay cho …" and
opens it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orgchart.permissions import Role
from tests.e2e.test_first_task_browser import ROLE_GROUPS, ROLES, _login
from workflows.demo import demo_processes_seed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _vietnamese(settings, tmp_path, transactional_db):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def demo(two_units, ref, positions, make_user):
    unit = two_units["a"]
    users = {
        role: make_user(
            ROLE_GROUPS[role],
            units=[unit] if role in ("officer", "unithead") else (),
            username=username,
        )
        for role, (username, _step) in ROLES.items()
    }
    demo_processes_seed(unit=unit, users=users)
    users["colleague"] = make_user(Role.APPRAISER, username="chuyenvien2.tcbc")
    return users


def test_an_appraiser_delegates_and_the_colleague_opens_the_task(
    live_server, browser_page, demo
):
    page = browser_page
    _login(page, live_server.url, "chuyenvien.tcbc")
    page.goto(live_server.url + "/delegations/")
    expect(page.locator("h1")).to_contain_text("Ủy quyền")
    form = page.locator("form[data-delegation-form]")
    form.locator("select[name=delegate]").select_option(str(demo["colleague"].pk))
    form.locator("select[name=role]").select_option(Role.APPRAISER)
    today = timezone.localdate()
    form.locator("input[name=starts_on]").fill(today.strftime("%d/%m/%Y"))
    form.locator("input[name=ends_on]").fill(
        (today + datetime.timedelta(days=3)).strftime("%d/%m/%Y")
    )
    form.locator("input[name=reason]").fill("Đi công tác Hà Nội")
    form.locator("button[name=_create]").click()
    page.wait_for_load_state("networkidle")
    expect(
        page.locator("table[data-delegations=given] tr[data-delegation]")
    ).to_have_count(1)

    _login(page, live_server.url, "chuyenvien2.tcbc")
    expect(page).to_have_url(re.compile(r"/home/$"))
    row = page.locator("tr.pf-work__row", has_text="Thay cho")
    expect(row.first).to_be_visible()
    row.first.locator("a.mdc-button").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/appraise/\d+/execute/$"))
    expect(page.locator("button[name=_complete]").first).to_be_visible()
