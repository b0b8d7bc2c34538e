"""Every person with work signs in through the real login form, lands on "Công
việc của tôi" and reaches their first task by clicking only. Screenshots of every
role's home page at desktop (1366 px) and phone (375 px) width are saved in
artifacts/e2e/home/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from orgchart.permissions import Role
from tests.e2e.login import log_in
from workflows.demo import demo_processes_seed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"

#: Demo role -> (username, the step waiting for them).
ROLES = {
    "officer": ("canbo.sa", "Draft"),
    "unithead": ("thutruong.sa", "Sign"),
    "reception": ("motcua.snv", "Receive"),
    "divisionhead": ("truongphong.tcbc", "Assign"),
    "appraiser": ("chuyenvien.tcbc", "Appraise"),
    "director": ("giamdoc.snv", "Sign the appraisal report"),
    "committee": ("chutich.ubnd", "Decide"),
}

ROLE_GROUPS = {
    "officer": Role.UNIT_OFFICER,
    "unithead": Role.UNIT_HEAD,
    "reception": Role.RECEPTION,
    "divisionhead": Role.DIVISION_HEAD,
    "appraiser": Role.APPRAISER,
    "director": Role.DIRECTOR,
    "committee": Role.COMMITTEE,
}


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
    # A second reception officer: the next dossier to receive waits in the queue
    # of both, and the first to click "Nhận và mở" takes it.
    make_user(Role.RECEPTION, username="motcua2.snv")
    from workflows.demo import demo_project_walk

    demo_project_walk(
        state="receive", unit=unit, users=users, title="Hồ sơ chờ nhận (hai người)"
    )
    return users


def _login(page, base_url: str, username: str) -> None:
    log_in(page, base_url, username, PASSWORD)


def test_every_role_lands_on_my_work_and_reaches_its_first_task_by_clicking(
    live_server, chromium, artifacts_dir, demo
):
    folder = artifacts_dir / "home"
    folder.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 900), (375, 812)):
        context = chromium.new_context(
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            viewport={"width": width, "height": height},
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        for role, (username, _step) in ROLES.items():
            _login(page, live_server.url, username)
            expect(page).to_have_url(re.compile(r"/home/$"))
            expect(page.locator("h1")).to_contain_text("Công việc của tôi")
            rows = page.locator("tr.pf-work__row")
            expect(rows.first).to_be_visible()
            # Unit people (the head also drafts for the unit) may start a dossier.
            if role in ("officer", "unithead"):
                expect(
                    page.get_by_role("link", name="Lập đề án vị trí việc làm")
                ).to_be_visible()
            elif role == "divisionhead":
                # The division head opens the year's staffing cycle and proposes
                # Home Affairs' unit consolidations.
                expect(page.locator(".pf-start")).to_have_count(2)
                expect(
                    page.get_by_role("link", name="Mở kỳ kế hoạch biên chế")
                ).to_be_visible()
                expect(
                    page.get_by_role("link", name="Đề xuất sắp xếp tổ chức, đơn vị")
                ).to_be_visible()
            elif role == "appraiser":
                # Appraisers, like the division head, propose Home Affairs' own
                # unit consolidations.
                expect(page.locator(".pf-start")).to_have_count(1)
                expect(
                    page.get_by_role("link", name="Đề xuất sắp xếp tổ chức, đơn vị")
                ).to_be_visible()
            else:
                expect(page.locator(".pf-start")).to_have_count(0)
            page.screenshot(path=str(folder / f"{role}-{width}.png"), full_page=True)
            if width != 1366:
                continue
            # The first task, by clicking: "Mở" or "Nhận và mở".
            row = rows.first
            if role == "reception":
                # The dossier two officers may receive: taken by this click.
                row = rows.filter(has_text="hai người")
                expect(row.locator("button")).to_have_text("Nhận và mở")
            row.locator("a.mdc-button, button[type=submit]").first.click()
            page.wait_for_load_state("networkidle")
            expect(page).to_have_url(re.compile(r"/execute/$"))
            expect(page.locator("button[name=_complete]").first).to_be_visible()
        context.close()


def test_an_officer_starts_a_project_from_the_home_page_by_clicking(
    live_server, browser_page, artifacts_dir, demo, two_units
):
    page = browser_page
    _login(page, live_server.url, "canbo.sa")
    # The dossier list offers the same button, and no longer viewflow's round one.
    page.locator(
        "vf-page-menu-navigation a", has_text="Đề án vị trí việc làm"
    ).first.click()
    # The menu navigates through Turbo: wait until its visit has finished (the
    # document is no longer busy), or a click made meanwhile is dropped with it.
    expect(page).to_have_url(re.compile(r"/jobpositionproject/$"))
    page.wait_for_function("() => !document.documentElement.hasAttribute('aria-busy')")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".pf-list-filter")).to_be_visible()
    expect(page.locator(".mdc-fab")).to_have_count(0)
    page.screenshot(path=str(artifacts_dir / "home" / "officer-dossier-list.png"))
    page.get_by_role("link", name="Lập đề án vị trí việc làm").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/jobpositionproject/start/"))
    expect(page.locator("select[name=unit]")).to_be_visible()
