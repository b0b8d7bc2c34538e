"""One staffing cycle in Chromium, as each person in turn, every step opened from
"Công việc của tôi": the division head opens the cycle for two departments, one
department's officer and head send its proposal and an appraiser accepts it,
the other stays silent and the division head closes the collection after the
deadline ("no change"), the appraiser changes a number with its reason and
completes the report, the division head and the director pass it on, the
committee approves, the People's Council resolution is recorded and the
committee's allocation gives each department its quota. A screenshot of every
step is saved in the test's temporary folder."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appraisal.models import StaffingPlan, UnitQuota
from orgchart.permissions import Role
from tests.e2e.test_project_browser import Walk as ProjectWalk
from tests.factories import UnitFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YEAR = timezone.localdate().year + 1


@pytest.fixture(autouse=True)
def _vietnamese(settings, tmp_path, transactional_db):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def province(db):
    root = UnitFactory(
        code="UBND-40", kind="provincial_pc", name="Ủy ban nhân dân tỉnh Nghệ An"
    )
    health = UnitFactory(code="SYT", parent=root, name="Sở Y tế")
    justice = UnitFactory(code="STP", parent=root, name="Sở Tư pháp")
    for unit, headcount in ((health, 40), (justice, 30)):
        UnitQuota.objects.create(unit=unit, year=YEAR - 1, headcount=headcount)
    return {"root": root, "health": health, "justice": justice}


@pytest.fixture
def people(province, make_user):
    return {
        "officer": make_user(
            Role.UNIT_OFFICER, units=[province["health"]], username="canbo.syt"
        ),
        "head": make_user(
            Role.UNIT_HEAD, units=[province["health"]], username="giamdoc.syt"
        ),
        "justice_officer": make_user(
            Role.UNIT_OFFICER, units=[province["justice"]], username="canbo.stp"
        ),
        "division_head": make_user(
            Role.DIVISION_HEAD,
            username="truongphong.tcbc",
            first_name="Mai",
            last_name="Võ Thị",
        ),
        "appraiser": make_user(
            Role.APPRAISER,
            username="chuyenvien.tcbc",
            first_name="Đức",
            last_name="Hoàng Văn",
        ),
        "director": make_user(Role.DIRECTOR, username="giamdoc.snv"),
        "committee": make_user(Role.COMMITTEE, username="chutich.ubnd"),
    }


class Walk(ProjectWalk):
    """One person after another, each starting from their home page."""

    def shot(self, name: str):
        super().shot(name)
        return self.folder / f"{self.step:02d}-{name}.png"

    def open_work(self, step_title: str, dossier: str):
        """Open (or take and open) the task ``step_title`` of ``dossier`` from
        "Công việc của tôi"."""
        page = self.page
        page.goto(self.base_url + "/home/")
        row = page.locator("tr.pf-work__row", has_text=dossier).filter(
            has_text=step_title
        )
        expect(row).to_have_count(1)
        row.locator("a.mdc-button, button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        expect(page).to_have_url(re.compile(r"/execute/$"))
        expect(page.locator("h1")).to_contain_text(step_title)

    def complete(self):
        page = self.page
        page.locator("#task-form button[name=_complete]").click()
        page.wait_for_load_state("networkidle")
        expect(page).to_have_url(re.compile(r"/staffing/(cycle|proposal)/\d+/$"))


def test_a_staffing_cycle_from_opening_to_allocation_in_chromium(
    live_server, browser_page, tmp_path, province, people
):
    folder = tmp_path / "staffing-cycle"
    folder.mkdir()
    page = browser_page
    walk = Walk(page, live_server.url, folder)
    health, justice = province["health"], province["justice"]

    # 1. The division head opens the cycle from the home page's button.
    walk.login("truongphong.tcbc")
    page.get_by_role("link", name="Mở kỳ kế hoạch biên chế").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("Mở kỳ kế hoạch biên chế của năm")
    expect(page.locator("input[name=year]")).to_have_value(str(YEAR))
    page.locator("input[name=base_year]").fill("2021")
    page.select_option("select[name=appraiser]", value=str(people["appraiser"].pk))
    page.locator("input[name=ceiling_civil_servant]").fill("75")
    page.locator("input[name=reserve_civil_servant]").fill("1")
    page.locator("input[name=base_year_count_civil_servant]").fill("80")
    # Both departments are ticked already.
    for unit in (health, justice):
        expect(page.locator(f"#units input[value='{unit.pk}']")).to_be_checked()
    walk.shot("division-head-opens")
    page.locator("#start-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/staffing/cycle/\d+/$"))
    expect(page.locator("#facts [data-answered]")).to_have_text("0 / 2")
    expect(page.locator("#steps")).to_contain_text("Kết thúc tổng hợp đề xuất")
    walk.shot("cycle-open")
    plan = StaffingPlan.objects.get(year=YEAR)
    proposal_title = f"Đề xuất biên chế năm {YEAR} của Sở Y tế"

    # 2. Sở Y tế's officer fills in the numbers and hands them to the head.
    walk.login("canbo.syt")
    walk.open_work("Lập đề xuất biên chế", proposal_title)
    expect(page.locator("#proposal-form [data-figure=assigned]")).to_have_text("40")
    page.locator("input[name='civil_servant-actual']").fill("38")
    page.locator("input[name='civil_servant-proposed']").fill("45")
    walk.page.locator("#task-form button[name=_complete]").click()
    page.wait_for_load_state("networkidle")
    # Refused without the justification of a change above 10 %: kept as typed.
    expect(page.locator("#task-form [role=alert]")).to_contain_text("10 %")
    expect(page.locator("input[name='civil_servant-proposed']")).to_have_value("45")
    page.locator("textarea[name='civil_servant-justification']").fill(
        "Thành lập thêm Trung tâm kiểm soát bệnh tật"
    )
    walk.shot("officer-proposal")
    walk.complete()

    # 3. The head submits it; an appraiser accepts it.
    walk.login("giamdoc.syt")
    walk.open_work("Gửi đề xuất biên chế", proposal_title)
    page.locator("input[name=action][value=submit]").check()
    walk.complete()
    walk.login("chuyenvien.tcbc")
    walk.open_work("Xem xét đề xuất của đơn vị", proposal_title)
    expect(page.locator("#proposal-lines")).to_contain_text(
        "Thành lập thêm Trung tâm kiểm soát bệnh tật"
    )
    page.locator("input[name=action][value=accept]").check()
    walk.shot("appraiser-accepts")
    walk.complete()

    # 4. Sở Tư pháp stays silent; the division head closes after the deadline.
    StaffingPlan.objects.filter(pk=plan.pk).update(
        proposal_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    walk.login("truongphong.tcbc")
    walk.open_work("Kết thúc tổng hợp đề xuất", plan.title)
    expect(page.locator("#collection")).to_contain_text("1/2 đơn vị đã gửi đề xuất")
    walk.complete()
    expect(page.locator("body")).to_contain_text(
        "Đã kết thúc tổng hợp: 1/2 đơn vị đã gửi đề xuất."
    )
    expect(
        page.locator("#proposals tr", has_text="Sở Tư pháp").locator("[data-no-answer]")
    ).to_be_visible()
    walk.shot("collection-closed")
    walk.open_work("Phân công chuyên viên thẩm định", plan.title)
    walk.complete()

    # 5. The appraiser brings Sở Y tế down to 42 with the reason, and reports.
    walk.login("chuyenvien.tcbc")
    walk.open_work("Thẩm định kế hoạch biên chế", plan.title)
    row = page.locator("tr[data-unit=SYT][data-kind=civil_servant]")
    expect(row.locator("[data-figure=current]")).to_have_text("45")
    row.locator("input[type=number]").fill("42")
    row.locator("input[type=text]").fill("Chỉ tiêu tinh giản theo Kết luận 40-KL/TW")
    row.locator("button[name=_adjust]").click()
    page.wait_for_load_state("networkidle")
    row = page.locator("tr[data-unit=SYT][data-kind=civil_servant]")
    expect(row.locator("[data-figure=current]")).to_have_text("42")
    expect(row).to_contain_text("45 → 42: Chỉ tiêu tinh giản theo Kết luận 40-KL/TW")
    page.select_option("#report-form select[name=recommendation]", value="approve")
    page.locator("#report-form textarea[name=text]").fill(
        "Tổng số biên chế trong chỉ tiêu được giao; đề nghị phê duyệt."
    )
    walk.shot("appraiser-adjusts-and-reports")
    walk.complete()

    # 6. The division head passes the report on, the director signs it.
    walk.login("truongphong.tcbc")
    walk.open_work("Duyệt báo cáo thẩm định", plan.title)
    page.locator("input[name=action][value=sign]").check()
    walk.complete()
    walk.login("giamdoc.snv")
    walk.open_work("Ký báo cáo thẩm định", plan.title)
    page.locator("input[name=action][value=sign]").check()
    walk.complete()

    # 7. The committee approves; the resolution is recorded; the quotas allocated.
    walk.login("chutich.ubnd")
    walk.open_work("Xem xét, quyết định", plan.title)
    page.locator("input[name=outcome][value=approved]").check()
    walk.shot("committee-approves")
    walk.complete()
    walk.login("truongphong.tcbc")
    walk.open_work("Ghi nhận nghị quyết của HĐND tỉnh", plan.title)
    page.locator("input[name=number]").fill("25/NQ-HĐND")
    page.locator("input[name=date]").fill(timezone.localdate().isoformat())
    walk.complete()
    expect(page.locator("#facts [data-resolution]")).to_contain_text("25/NQ-HĐND")
    walk.login("chutich.ubnd")
    walk.open_work("Giao biên chế cho các đơn vị", plan.title)
    walk.complete()
    plan.refresh_from_db()
    decision = plan.decisions.exclude(number="").get()
    expect(page.locator("#decision [data-decision-number]")).to_have_text(
        decision.number
    )
    walk.shot("allocated")
    assert plan.status == StaffingPlan.Status.APPLIED
    quotas = dict(
        UnitQuota.objects.filter(year=YEAR).values_list("unit__code", "headcount")
    )
    assert quotas == {"SYT": 42, "STP": 30}

    # 8. Sở Y tế's officer sees the quota in the province's summary.
    walk.login("canbo.syt")
    page.goto(f"{live_server.url}/staffing/{plan.pk}/")
    expect(page.locator("tr[data-unit=SYT] [data-figure=approved]")).to_have_text("42")
    walk.shot("officer-sees-the-quota")
    assert len(list(folder.glob("*.png"))) == walk.step
