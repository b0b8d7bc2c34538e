"""One unit consolidation in Chromium from the proposal to the decision, each
person starting from "Công việc của tôi" and only clicking: the Home Affairs
division head proposes merging two departments into a new one and saves the
mapping editor's default mapping (one headcount lowered), the director signs and
submits, reception receives, the division head assigns, the appraiser reads the
impact statement and completes the report, the report is reviewed and signed,
and the committee approves. The effective date has passed, so the org chart
changes at once and the closed department's page says what it became.
Screenshots of every step at 1366 px, and of the impact statement and the
mapping editor at 375 px (nothing wider than the screen), are saved in the
test's temporary folder and in artifacts/e2e/consolidation/."""

from __future__ import annotations

import datetime
import re
import shutil

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appraisal.models import Consolidation
from orgchart.models import Unit
from orgchart.permissions import Role
from tests.e2e.test_phone_width import PHONE, Phone
from tests.e2e.test_staffing_flow_browser import Walk as StaffingWalk
from tests.e2e.test_staffing_flow_browser import _vietnamese  # noqa: F401 (autouse)
from tests.factories import JobPositionFactory, RankFactory, UnitFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EFFECTIVE = timezone.localdate() - datetime.timedelta(days=1)
TITLE = "Hợp nhất Sở Kế hoạch và Đầu tư và Sở Tài chính"


@pytest.fixture
def province(db):
    root = UnitFactory(
        code="UBND-40", kind="provincial_pc", name="Ủy ban nhân dân tỉnh Nghệ An"
    )
    plan = UnitFactory(code="SKHDT", parent=root, name="Sở Kế hoạch và Đầu tư")
    finance = UnitFactory(code="STC", parent=root, name="Sở Tài chính")
    specialist = RankFactory()
    for unit, own, count in (
        (plan, "Chuyên viên thẩm định dự án đầu tư", 2),
        (finance, "Chuyên viên quản lý ngân sách", 3),
    ):
        JobPositionFactory(
            unit=unit,
            name="Chuyên viên tổng hợp",
            rank=specialist,
            headcount=3,
        )
        JobPositionFactory(
            unit=unit,
            name=own,
            rank=specialist,
            headcount=count,
        )
    return {"root": root, "plan": plan, "finance": finance}


@pytest.fixture
def people(make_user):
    return {
        "division_head": make_user(Role.DIVISION_HEAD, username="truongphong.tcbc"),
        "director": make_user(Role.DIRECTOR, username="giamdoc.snv"),
        "reception": make_user(Role.RECEPTION, username="motcua.snv"),
        "appraiser": make_user(
            Role.APPRAISER,
            username="chuyenvien.tcbc",
            first_name="Minh",
            last_name="Lê Văn",
        ),
        "committee": make_user(Role.COMMITTEE, username="chutich.ubnd"),
    }


class Walk(StaffingWalk):
    """The staffing walk, for a consolidation's pages."""

    def click(self, locator):
        locator.click()
        self.page.wait_for_load_state("networkidle")

    def act(self, username: str, step: str, choice: str | None = None, shot=None):
        """``username`` logs in, opens ``step`` from the home page, ticks the
        radio ``choice`` ("name=value") and completes the step."""
        self.login(username)
        self.open_work(step, TITLE)
        if choice:
            name, value = choice.split("=")
            self.page.locator(f"input[name={name}][value={value}]").check()
        if shot:
            self.shot(shot)
        self.complete()

    def complete(self):
        self.click(self.page.locator("#task-form button[name=_complete]"))
        expect(self.page).not_to_have_url(re.compile(r"/execute/$"))
        expect(self.page.locator("[role=alert]")).to_have_count(0)

    def at_phone_width(self, phone: Phone, name: str, check=None):
        """The page as it stands, at 375 px: nothing wider than the screen."""
        page = self.page
        page.set_viewport_size(PHONE)
        page.reload()
        page.wait_for_load_state("networkidle")
        phone.page = page
        if check is not None:
            check(page)
        phone.assert_fits(name)
        page.set_viewport_size({"width": 1366, "height": 900})


def _units_read_as_text(page):
    """At phone width a stacked cell is a row of boxes: the source units of an
    operation are one box that wraps as a sentence, not one column per unit
    with the "; " standing alone between them."""
    cell = page.locator("#operations td[data-label='Đơn vị được sắp xếp']").first
    expect(cell).to_contain_text("Sở Kế hoạch và Đầu tư; Sở Tài chính")
    assert cell.evaluate("td => td.children.length") == 1


def test_a_merge_of_two_departments_from_proposal_to_org_chart_in_chromium(
    live_server, browser_page, tmp_path, artifacts_dir, province, people
):
    folder = tmp_path / "consolidation"
    folder.mkdir()
    page = browser_page
    walk = Walk(page, live_server.url, folder)
    phone = Phone(page, live_server.url, folder)
    plan, finance = province["plan"], province["finance"]

    # 1. The division head of Home Affairs opens the dossier from the home page.
    walk.login("truongphong.tcbc")
    walk.click(page.get_by_role("link", name="Đề xuất sắp xếp tổ chức, đơn vị"))
    page.select_option("#start-form select[name=unit]", value=str(province["root"].pk))
    page.locator("#start-form input[name=title]").fill(TITLE)
    page.select_option("#start-form select[name=scope]", value="agencies")
    page.locator("#start-form textarea[name=legal_basis]").fill(
        "Nghị định 158/2018/NĐ-CP; Kết luận 121-KL/TW"
    )
    walk.shot("proposer-opens")
    walk.click(page.locator("#start-form button[type=submit]"))
    expect(page).to_have_url(re.compile(r"/execute/$"))
    expect(page.locator("h1")).to_contain_text("Chuẩn bị đề án sắp xếp")

    # 2. The merge: two departments into a new Sở Tài chính, effective yesterday.
    page.select_option("select[name=op-kind]", value="merge")
    page.locator("input[name=op-effective_date]").fill(EFFECTIVE.isoformat())
    page.select_option("select[name=op-sources]", value=[str(plan.pk), str(finance.pk)])
    page.locator("input[name=op-new1_name]").fill("Sở Tài chính (hợp nhất)")
    page.locator("input[name=op-new1_code]").fill("STC-HN")
    page.select_option("select[name=op-new1_kind]", value="department")
    page.select_option("select[name=op-new1_level]", value="province")
    page.select_option("select[name=op-new1_parent]", value=str(province["root"].pk))
    walk.click(page.locator("#task-form button[name=_add_operation]"))
    operations = page.locator("#operations-editor #operations tbody tr")
    expect(operations).to_have_count(1)
    expect(operations).to_contain_text("Sở Kế hoạch và Đầu tư")
    expect(operations).to_contain_text("Sở Tài chính (hợp nhất)")
    walk.shot("proposer-adds-the-merge")

    # 3. The mapping editor proposes the default mapping; one post fewer.
    walk.click(page.get_by_role("link", name="Bố trí vị trí việc làm"))
    rows = page.locator("#mapping-table tbody tr[data-position]")
    expect(rows).to_have_count(4)
    walk.at_phone_width(phone, "mapping-editor-375px")
    row = rows.filter(has_text="Chuyên viên quản lý ngân sách")
    row.locator("input[name$=-headcount]").fill("2")
    walk.shot("mapping-editor")
    walk.click(page.locator("#mapping-form button[name=_save]"))
    expect(page.locator("#unmapped")).to_have_count(0)
    expect(page.locator("#mapping-errors")).to_have_count(0)
    walk.open_work("Chuẩn bị đề án sắp xếp", TITLE)
    walk.shot("proposer-hands-over")
    walk.complete()

    # 4. The director signs and submits; reception receives; an appraiser assigned.
    walk.login("giamdoc.snv")
    walk.open_work("Ký và nộp hồ sơ", TITLE)
    expect(page.locator("#operations-card")).to_contain_text("Sở Tài chính (hợp nhất)")
    walk.shot("director-submits")
    walk.complete()
    walk.act("motcua.snv", "Tiếp nhận hồ sơ", "decision=accept", "reception")
    walk.login("truongphong.tcbc")
    walk.open_work("Phân công chuyên viên thẩm định", TITLE)
    page.select_option("select[name=appraiser]", value=str(people["appraiser"].pk))
    walk.shot("division-head-assigns")
    walk.complete()

    # 5. The appraiser reads the impact statement, then completes the report.
    walk.login("chuyenvien.tcbc")
    walk.open_work("Thẩm định đề án sắp xếp", TITLE)
    walk.click(page.get_by_role("link", name="Xem báo cáo đánh giá tác động"))
    absorb_by = EFFECTIVE.replace(year=EFFECTIVE.year + 5)
    impact = page.locator("#impact")
    expect(impact).to_contain_text(
        "Số lượng trước sắp xếp: 11; sau sắp xếp: 10; dôi dư: 1."
    )
    unit_row = impact.locator("#impact-units tbody tr", has_text="Sở Tài chính")
    expect(unit_row.locator("td").nth(4)).to_have_text("11 / 10")
    expect(unit_row).to_contain_text(
        f"phải giải quyết xong trước ngày {absorb_by:%d/%m/%Y}"
    )
    walk.shot("impact-statement")
    walk.at_phone_width(phone, "impact-statement-375px", check=_units_read_as_text)
    walk.open_work("Thẩm định đề án sắp xếp", TITLE)
    page.locator("input[name=action][value=complete]").check()
    page.select_option("select[name=recommendation]", value="approve")
    page.locator("textarea[name=text]").fill(
        "Đủ điều kiện hợp nhất; 01 biên chế dôi dư giải quyết trong 5 năm."
    )
    walk.shot("appraiser-reports")
    walk.complete()

    # 6. The division head reviews, the director signs the report.
    walk.act("truongphong.tcbc", "Duyệt báo cáo thẩm định", "action=sign")
    walk.act("giamdoc.snv", "Ký báo cáo thẩm định", "action=sign", "director-signs")

    # 7. The committee approves: the date has passed, the org chart changes.
    walk.act("chutich.ubnd", "Xem xét, quyết định", "outcome=approved", "decision")
    consolidation = Consolidation.objects.get(title=TITLE)
    assert consolidation.is_applied
    decision = consolidation.decisions.get()
    merged = Unit.objects.get(code="STC-HN")
    assert merged.valid_from == EFFECTIVE
    for closed in (plan, finance):
        closed.refresh_from_db()
        assert closed.status != Unit.Status.ACTIVE

    # 8. The closed department's page says what it became, when, and by what.
    walk.click(page.get_by_role("link", name="Sở Kế hoạch và Đầu tư").first)
    history = page.locator("#unit-history")
    expect(history.get_by_role("link", name="Sở Tài chính (hợp nhất)")).to_be_visible()
    last_day = EFFECTIVE - datetime.timedelta(days=1)
    expect(history).to_contain_text(f"ngày hoạt động cuối cùng là {last_day:%d/%m/%Y}")
    expect(history).to_contain_text(decision.number)
    walk.shot("closed-unit-page")

    shots = sorted(folder.glob("*.png"))
    assert len(shots) == walk.step + 2
    target = artifacts_dir / "consolidation"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for shot in shots:
        shutil.copy(shot, target / shot.name)
