"""A unit officer logs in through the real login form, opens the org chart and
their unit, and sees their establishment and nothing of another unit."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.factories import (
    JobPositionFactory,
    PositionCategoryFactory,
    RankFactory,
    UnitFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"


@pytest.fixture
def province(db):
    root = UnitFactory(
        code="UBND-40", kind="provincial_pc", name="Ủy ban nhân dân tỉnh Nghệ An"
    )
    home_affairs = UnitFactory(code="SNV", parent=root, name="Sở Nội vụ")
    division = UnitFactory(
        code="SNV-TCBC",
        parent=home_affairs,
        kind="division",
        name="Phòng Tổ chức, biên chế và tổ chức phi chính phủ",
    )
    finance = UnitFactory(code="STC", parent=root, name="Sở Tài chính")
    leadership = PositionCategoryFactory(
        code="leadership", name="Lãnh đạo, quản lý", order=1
    )
    principal = RankFactory(code="01.002", name="Chuyên viên chính")
    JobPositionFactory(
        unit=home_affairs,
        name="Giám đốc Sở",
        category=leadership,
        rank=principal,
        headcount=1,
        decision_number="345/QĐ-UBND",
    )
    JobPositionFactory(
        unit=home_affairs, name="Chuyên viên quản lý tổ chức bộ máy", headcount=4
    )
    JobPositionFactory(
        unit=division, name="Chuyên viên thẩm định biên chế", headcount=3
    )
    JobPositionFactory(unit=finance, name="Chuyên viên quản lý ngân sách", headcount=6)
    return {"home_affairs": home_affairs, "finance": finance, "division": division}


def test_unit_officer_browses_own_unit_in_chromium(
    live_server, browser_page, artifacts_dir, province, make_user
):
    make_user("unit_officer", units=[province["home_affairs"]], username="canbo.snv")
    page = browser_page

    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.screenshot(path=str(artifacts_dir / "login.png"))
    page.locator("input[name=username]").fill("canbo.snv")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.vf-form button[type=submit]").click()

    # Everyone lands on their own work; the org chart is one click away.
    expect(page).to_have_url(re.compile(r"/home/$"))
    page.locator("vf-page-menu-navigation a", has_text="Sơ đồ tổ chức").first.click()
    expect(page).to_have_url(re.compile(r"/orgchart/$"))
    chart = page.locator("table.pf-tree")
    expect(chart.get_by_role("link", name="Sở Nội vụ", exact=True)).to_be_visible()
    expect(chart).to_contain_text("Phòng Tổ chức, biên chế và tổ chức phi chính phủ")
    expect(chart).not_to_contain_text("Sở Tài chính")
    expect(chart).not_to_contain_text("Ủy ban nhân dân tỉnh Nghệ An")
    page.screenshot(path=str(artifacts_dir / "orgchart.png"), full_page=True)

    chart.get_by_role("link", name="Sở Nội vụ", exact=True).click()
    expect(page).to_have_url(re.compile(r"/orgchart/units/\d+/$"))
    expect(page.locator("h1.vf-card__title")).to_have_text("Sở Nội vụ")
    establishment = page.locator("#establishment")
    expect(establishment).to_contain_text("Giám đốc Sở")
    expect(establishment).to_contain_text("Chuyên viên quản lý tổ chức bộ máy")
    expect(establishment).to_contain_text("Lãnh đạo, quản lý")
    expect(establishment).to_contain_text("345/QĐ-UBND")
    body = page.locator("body")
    expect(body).not_to_contain_text("Sở Tài chính")
    expect(body).not_to_contain_text("Chuyên viên quản lý ngân sách")
    page.screenshot(path=str(artifacts_dir / "unit_page.png"), full_page=True)

    # The Excel export downloads a real workbook.
    with page.expect_download() as download_info:
        establishment.get_by_role("link", name=re.compile("Excel")).click()
    download = download_info.value
    assert download.suggested_filename.startswith("establishment-SNV-")
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as downloaded:
        workbook = load_workbook(downloaded)
    cells = [c for row in workbook.active.iter_rows(values_only=True) for c in row]
    assert "Giám đốc Sở" in cells

    # The day before the unit existed: no establishment, and the page says so.
    page.locator("input[name=as_of]").fill("2025-06-30")
    # The interface speaks Vietnamese: "Show" is "Xem".
    page.get_by_role("button", name="Xem", exact=True).click()
    expect(page).to_have_url(re.compile(r"as_of=2025-06-30"))
    expect(page.locator("p.pf-notice")).to_contain_text("30/06/2025")
    expect(establishment).not_to_contain_text("Giám đốc Sở")

    # Another unit's page answers 404 even when the address is typed in.
    response = page.goto(f"{live_server.url}/orgchart/units/{province['finance'].pk}/")
    assert response.status == 404
