"""The staffing plan's summary in a real browser: the division head signs in,
opens "Kế hoạch biên chế" from the menu and the year's plan; the bar chart drawn
on the server and the table per unit are there, in Vietnamese, and the page fits a
phone's width. Screenshots at 1366 and 375 px are saved in artifacts/e2e/staffing/."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from appraisal.models import StaffingProposal, UnitQuota
from appraisal.services import staffing as svc
from orgchart.permissions import Role
from tests.e2e.login import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
YEAR = timezone.localdate().year + 1


@pytest.fixture(autouse=True)
def _vietnamese(settings, tmp_path, transactional_db):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def plan(two_units, make_user):
    units = two_units
    head = make_user(Role.DIVISION_HEAD, username="truongphong.tcbc")
    appraiser = make_user(Role.APPRAISER, username="chuyenvien.tcbc")
    officer = make_user(Role.UNIT_OFFICER, units=[units["a"]], username="canbo.sa")
    for unit, headcount in ((units["a"], 20), (units["a1"], 5), (units["b"], 30)):
        UnitQuota.objects.create(unit=unit, year=YEAR - 1, headcount=headcount)
    with translation.override("vi"):
        plan = svc.staffing_plan_open(
            actor=head,
            province=units["province"],
            year=YEAR,
            base_year=2021,
            proposal_deadline=timezone.localdate() + datetime.timedelta(days=10),
            ceilings={
                "civil_servant": {"ceiling": 60, "reserve": 2, "base_year_count": 55}
            },
            units=[units["a"], units["a1"], units["b"], units["b1"]],
            appraiser=appraiser,
        )
        svc.proposal_save(
            proposal=StaffingProposal.objects.get(plan=plan, unit=units["a"]),
            actor=officer,
            lines={
                "civil_servant": {
                    "actual": 19,
                    "proposed": 21,
                    "justification": "Thêm nhiệm vụ được giao",
                }
            },
        )
    return plan


def test_the_division_head_reads_the_summary_with_its_chart(
    live_server, chromium, artifacts_dir, plan
):
    folder = artifacts_dir / "staffing"
    folder.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 900), (375, 812)):
        context = chromium.new_context(
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            viewport={"width": width, "height": height},
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, "truongphong.tcbc", PASSWORD)
        if width == 1366:
            # By clicking: the menu, then the year's plan.
            page.locator(
                "vf-page-menu-navigation a", has_text="Kế hoạch biên chế"
            ).first.click()
            page.wait_for_load_state("networkidle")
            expect(page.locator("h1")).to_contain_text("Kế hoạch biên chế")
            page.get_by_role("link", name=plan.title).click()
        else:
            page.goto(f"{live_server.url}/staffing/{plan.pk}/")
        page.wait_for_load_state("networkidle")
        expect(page).to_have_url(re.compile(rf"/staffing/{plan.pk}/$"))
        chart = page.locator("svg.pf-bars")
        expect(chart).to_be_visible()
        expect(chart).to_contain_text("Biên chế được giao năm trước")
        expect(chart.locator("rect.pf-bars__current[data-unit]")).to_have_count(4)
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 100, box
        expect(page.locator("table[data-units] tr[data-unit]")).to_have_count(4)
        expect(page.locator("[data-no-answer]")).to_have_count(0)
        expect(page.get_by_text("Xuất Excel")).to_be_visible()
        # Nothing wider than the screen: the table scrolls inside its card.
        overflow = page.evaluate(
            "document.scrollingElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 1, overflow
        page.screenshot(path=str(folder / f"summary-{width}.png"), full_page=True)
        context.close()
