"""Every page a person uses, at phone width (375 x 812), in Chromium, as the demo
roles: nothing makes the page wider than the screen (tables scroll inside their
card), and the page's main action is on screen. A screenshot of each page is saved
in artifacts/e2e/phone/ to be looked at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from orgchart.permissions import Role
from tests.e2e.login import log_in
from workflows.demo import demo_processes_seed
from workflows.flows import JobPositionProjectFlow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
PHONE = {"width": 375, "height": 812}
LONG_TITLE = (
    "Đề án điều chỉnh vị trí việc làm của Sở A năm 2026 theo Nghị định "
    "62/2020/NĐ-CP và Nghị định 106/2020/NĐ-CP"
)


@pytest.fixture(autouse=True)
def _vietnamese(settings):
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def demo(two_units, ref, positions, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    unit = two_units["a"]
    users = {
        "officer": make_user(
            Role.UNIT_OFFICER,
            units=[unit],
            username="officer",
            first_name="Lan",
            last_name="Nguyễn Thị",
        ),
        "unithead": make_user(Role.UNIT_HEAD, units=[unit], username="unithead"),
        "reception": make_user(Role.RECEPTION, username="reception"),
        "divisionhead": make_user(Role.DIVISION_HEAD, username="divisionhead"),
        "appraiser": make_user(Role.APPRAISER, username="appraiser"),
        "director": make_user(Role.DIRECTOR, username="director"),
        "committee": make_user(Role.COMMITTEE, username="committee"),
    }
    processes = demo_processes_seed(unit=unit, users=users)
    return {"unit": unit, "units": two_units, "users": users, "processes": processes}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport=PHONE,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


class Phone:
    def __init__(self, page, base_url, folder):
        self.page = page
        self.base_url = base_url
        self.folder = folder

    def login(self, username: str):
        log_in(self.page, self.base_url, username, PASSWORD)
        expect(self.page).not_to_have_url(re.compile(r"/accounts/login/"))

    def visit(self, path: str, name: str, *, status: int = 200):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == status, path
        self.page.wait_for_load_state("networkidle")
        self.assert_fits(name)
        return self.page

    def assert_fits(self, name: str):
        page = self.page
        self.page.screenshot(path=str(self.folder / f"{name}.png"), full_page=True)
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1] + 1, (name, widths, self.widest())
        # The language switch sits in the toolbar on every page.
        expect(page.locator("form.pf-lang button[value=en]")).to_be_visible()

    def widest(self) -> list:
        """The elements that stick out of the screen (for the failure message)."""
        return self.page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .filter(e => !e.closest('aside'))
                .slice(0, 8)
                .map(e => e.tagName + '.' + e.className + ' ' +
                          Math.round(e.getBoundingClientRect().right))"""
        )


def _open_task(process, node: str) -> Task:
    return Task.objects.get(
        process_id=process.pk,
        flow_task=getattr(JobPositionProjectFlow, node),
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    )


def test_pages_fit_a_phone_screen(live_server, phone, artifacts_dir, demo):
    folder = artifacts_dir / "phone"
    folder.mkdir(parents=True, exist_ok=True)
    walk = Phone(phone, live_server.url, folder)
    draft = demo["processes"][0]
    draft.project.title = LONG_TITLE
    draft.project.save(update_fields=["title"])

    # The login page, with the language switch too.
    walk.visit("/accounts/login/", "00-login")

    walk.login("officer")
    # The lists: titles wrap, tables scroll inside their card.
    page = walk.visit("/jobpositionproject/", "01-dossiers")
    expect(page.get_by_text(LONG_TITLE)).to_be_visible()
    for name in ("inbox", "queue", "archive", "flows"):
        walk.visit(f"/jobpositionproject/{name}/", f"02-{name}")

    # The menu drawer opens and closes over the page.
    page.locator("button.vf-page__menu-toggle").click()
    page.wait_for_timeout(400)
    walk.assert_fits("03-menu-open")
    expect(page.locator("aside.vf-page__menu")).to_be_visible()
    page.keyboard.press("Escape")

    # The dossier and its draft task (the officer's main action: save or complete).
    page = walk.visit(f"/jobpositionproject/{draft.pk}/", "04-dossier")
    expect(page.locator("h1", has_text=LONG_TITLE)).to_be_visible()
    # The steps stack on a phone: "open the task" is on screen, not scrolled away.
    open_task = page.locator("#tasks a.mdc-button--raised")
    expect(open_task).to_be_visible()
    box = open_task.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    task = _open_task(draft, "draft")
    page = walk.visit(
        f"/jobpositionproject/{draft.pk}/draft/{task.pk}/execute/", "05-task-draft"
    )
    expect(page.locator("form button[type=submit]").last).to_be_visible()

    # A new dossier: the form's fields are as wide as the screen.
    page = walk.visit("/jobpositionproject/start/", "05-start")
    expect(page.locator("form button[type=submit]").last).to_be_visible()

    # The flow chart inside the app, with the way back.
    page = walk.visit(f"/jobpositionproject/{draft.pk}/chart/", "06-chart")
    expect(page.locator(".pf-back")).to_be_visible()

    # The org chart and the unit page.
    walk.visit("/orgchart/", "07-orgchart")
    page = walk.visit(f"/orgchart/units/{demo['unit'].pk}/", "08-unit")
    excel = page.locator("a[download]").first
    expect(excel).to_be_visible()
    box = excel.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]

    # A page that is not the person's: the 404 page with its way back.
    other = demo["units"]["b"].pk
    page = walk.visit(f"/orgchart/units/{other}/", "09-not-found", status=404)
    expect(page.get_by_role("link", name="Công việc của tôi")).to_be_visible()

    # Reception's task page (a form with a choice and dates).
    received = next(
        p for p in demo["processes"] if p.project.title and _has_open(p, "receive")
    )
    walk.login("reception")
    task = _open_task(received, "receive")
    page = walk.visit(f"/jobpositionproject/{received.pk}/", "10-dossier-reception")
    walk.visit(f"/jobpositionproject/{received.pk}/receive/{task.pk}/", "11-task-view")

    # The dashboard: its tables stack, and each value shows its column's name.
    page = walk.visit("/dashboard/", "12-dashboard")
    cells = page.evaluate(
        """() => [...document.querySelectorAll('[data-table] table tbody tr')]
            .flatMap(tr => [...tr.children].map((td, i) => [
                tr.closest('table').querySelectorAll('thead th')[i].textContent,
                getComputedStyle(td, '::before').content,
                getComputedStyle(td).display]))"""
    )
    assert cells, "the dashboard shows no table"
    for header, label, display in cells:
        assert display == "block", (header, display)
        assert label == f'"{header}: "', (header, label)


def _has_open(process, node: str) -> bool:
    return Task.objects.filter(
        process_id=process.pk,
        flow_task=getattr(JobPositionProjectFlow, node),
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    ).exists()


def test_appraisal_form_fits_a_phone_screen(live_server, phone, artifacts_dir, demo):
    folder = artifacts_dir / "phone"
    folder.mkdir(parents=True, exist_ok=True)
    walk = Phone(phone, live_server.url, folder)
    appraised = next(p for p in demo["processes"] if _has_open(p, "appraise"))
    task = _open_task(appraised, "appraise")
    walk.login("appraiser")
    page = walk.visit(
        f"/jobpositionproject/{appraised.pk}/appraise/{task.pk}/execute/",
        "12-task-appraise",
    )
    expect(page.locator("form button[type=submit]").last).to_be_visible()
