"""One job-position project from the unit's draft to the committee's decision, in
Chromium, as each person in turn: the unit officer drafts it (lines typed into the
table, documents attached), the unit head submits it, reception receives it, the
division head assigns an appraiser, the appraiser writes the report, the director
signs and the committee approves it. A screenshot of every step is saved in
artifacts/e2e/project/."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appraisal.models import ChecklistCriterion, JobPositionProject
from orgchart.models import LadderLevel
from orgchart.permissions import Role
from orgchart.selectors import unit_get_establishment
from tests.e2e.login import log_in
from tests.factories import (
    JobPositionFactory,
    PositionCategoryFactory,
    RankFactory,
    SalaryGroupFactory,
    UnitFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path, transactional_db):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def province(db):
    root = UnitFactory(
        code="UBND-40", kind="provincial_pc", name="Ủy ban nhân dân tỉnh Nghệ An"
    )
    health = UnitFactory(code="SYT", parent=root, name="Sở Y tế")
    specialist = RankFactory()
    RankFactory(
        code="01.002",
        name="Chuyên viên chính",
        salary_group=SalaryGroupFactory(code="A2.1", step1="4.40", increment="0.34"),
        ladder_level=LadderLevel.PRINCIPAL_SPECIALIST,
    )
    specialised = PositionCategoryFactory()
    JobPositionFactory(
        unit=health,
        name="Chuyên viên quản lý hành nghề y",
        category=specialised,
        rank=specialist,
        headcount=3,
        valid_from=datetime.date(2025, 7, 1),
    )
    return {"health": health, "specialised": specialised, "specialist": specialist}


@pytest.fixture
def people(province, make_user):
    health = province["health"]
    return {
        "officer": make_user(
            Role.UNIT_OFFICER,
            units=[health],
            username="canbo.syt",
            first_name="Lan",
            last_name="Nguyễn Thị",
        ),
        "head": make_user(
            Role.UNIT_HEAD,
            units=[health],
            username="giamdoc.syt",
            first_name="Hùng",
            last_name="Trần Văn",
        ),
        "reception": make_user(Role.RECEPTION, username="motcua.snv"),
        "division_head": make_user(Role.DIVISION_HEAD, username="truongphong.tcbc"),
        "appraiser": make_user(
            Role.APPRAISER,
            username="chuyenvien.tcbc",
            first_name="Minh",
            last_name="Lê Văn",
        ),
        "director": make_user(Role.DIRECTOR, username="giamdoc.snv"),
        "committee": make_user(Role.COMMITTEE, username="chutich.ubnd"),
    }


class Walk:
    def __init__(self, page, base_url, folder):
        self.page = page
        self.base_url = base_url
        self.folder = folder
        self.step = 0

    def shot(self, name: str):
        self.step += 1
        path = self.folder / f"{self.step:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def login(self, username: str):
        log_in(self.page, self.base_url, username, PASSWORD)
        expect(self.page).not_to_have_url(re.compile(r"/accounts/login/"))

    def open_from_list(self, list_name: str, title: str):
        """Open the project's task from the person's queue or inbox."""
        page = self.page
        page.goto(f"{self.base_url}/jobpositionproject/{list_name}/")
        row = page.locator("tr", has_text=title).first
        expect(row).to_be_visible()
        row.locator("a").first.click()
        page.wait_for_load_state("networkidle")

    def take_if_offered(self):
        page = self.page
        if re.search(r"/assign/$", page.url):
            page.locator("form.pf-form button[type=submit]").click()
            page.wait_for_load_state("networkidle")
        expect(page).to_have_url(re.compile(r"/execute/$"))

    def complete(self):
        page = self.page
        page.locator("#task-form button[name=_complete]").click()
        page.wait_for_load_state("networkidle")
        expect(page).to_have_url(re.compile(r"/jobpositionproject/\d+/$"))


def test_a_project_goes_from_draft_to_decision_in_chromium(
    live_server, browser_page, artifacts_dir, province, people
):
    folder = artifacts_dir / "project"
    folder.mkdir(parents=True, exist_ok=True)
    page = browser_page
    walk = Walk(page, live_server.url, folder)
    title = "Đề án điều chỉnh vị trí việc làm Sở Y tế năm 2026"

    # 1. The unit officer opens a draft and types the lines into the table.
    walk.login("canbo.syt")
    page.goto(live_server.url + "/jobpositionproject/start/")
    page.select_option("select[name=unit]", label="Sở Y tế")
    page.select_option("select[name=kind]", value="adjustment")
    page.locator("input[name=title]").fill(title)
    page.locator("textarea[name=legal_basis]").fill(
        "Nghị định 62/2020/NĐ-CP; Nghị định 106/2020/NĐ-CP"
    )
    walk.shot("officer-new-draft")
    page.locator("#start-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/draft/\d+/execute/$"))

    for kind, name in (
        ("submission_letter", "Tờ trình số 15-TTr-SYT.pdf"),
        ("project_document", "Đề án vị trí việc làm.pdf"),
        ("establishment_decision", "Quyết định chức năng nhiệm vụ.pdf"),
    ):
        page.select_option("#attach-form select[name=kind]", value=kind)
        page.set_input_files(
            "#attach-form input[name=file]",
            files=[{"name": name, "mimeType": "application/pdf", "buffer": PDF}],
        )
        page.locator("#attach-form button[name=_attach]").click()
        page.wait_for_load_state("networkidle")
        expect(page.locator("#attachments")).to_contain_text(name)

    page.select_option("select[name=lines-0-action]", value="add")
    page.locator("input[name=lines-0-name]").fill("Chuyên viên quản lý dược")
    page.select_option(
        "select[name=lines-0-category]", label="Chuyên môn, nghiệp vụ chuyên ngành"
    )
    page.select_option(
        "select[name=lines-0-rank]", value=str(province["specialist"].pk)
    )
    page.locator("input[name=lines-0-headcount]").fill("2")
    page.locator("textarea[name=lines-0-job_description]").fill(
        "Tham mưu quản lý nhà nước về dược, mỹ phẩm"
    )
    # A second row added in the browser, then removed before saving.
    page.locator(".pf-add-line[data-prefix=lines]").click()
    expect(page.locator("input[name=lines-1-name]")).to_be_visible()
    page.locator("input[name=lines-1-name]").fill("Dòng thừa")
    page.locator("input[name=lines-1-DELETE]").check()
    page.locator("#draft-form textarea[name=comment]").fill("Kính trình Giám đốc Sở ký")
    walk.shot("officer-lines-and-documents")
    page.locator("#draft-form button[name=_complete]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#lines")).to_contain_text("Chuyên viên quản lý dược")
    expect(page.locator("#lines")).not_to_contain_text("Dòng thừa")
    walk.shot("officer-handed-over")

    # 2. The unit head signs and submits.
    walk.login("giamdoc.syt")
    walk.open_from_list("inbox", title)
    walk.take_if_offered()
    page.locator("#task-form textarea[name=comment]").fill(
        "Đề nghị Sở Nội vụ thẩm định"
    )
    walk.shot("head-submit")
    walk.complete()
    walk.shot("head-submitted")

    # 3. Reception accepts: receipt number and due date.
    walk.login("motcua.snv")
    walk.open_from_list("inbox", title)
    walk.take_if_offered()
    page.locator("input[name=decision][value=accept]").check()
    walk.shot("reception-receive")
    walk.complete()
    project = JobPositionProject.objects.get(title=title)
    expect(page.locator("#dossier")).to_contain_text(project.receipt_number)
    walk.shot("reception-received")

    # 4. The division head assigns the appraiser.
    walk.login("truongphong.tcbc")
    walk.open_from_list("inbox", title)
    walk.take_if_offered()
    page.select_option("select[name=appraiser]", value=str(people["appraiser"].pk))
    walk.shot("division-head-assign")
    walk.complete()

    # 5. The appraiser writes the report and completes it.
    walk.login("chuyenvien.tcbc")
    walk.open_from_list("inbox", title)
    walk.take_if_offered()
    page.select_option("#report-form select[name=recommendation]", value="approve")
    page.locator("#report-form textarea[name=text]").fill(
        "Đề án đáp ứng các tiêu chí thẩm định; đề nghị phê duyệt."
    )
    for criterion in ChecklistCriterion.objects.filter(active=True):
        page.select_option(
            f"#report-form select[name=answer_{criterion.code}]", value="pass"
        )
    walk.shot("appraiser-report")
    page.locator("#report-form button[name=_save_report]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#report")).to_contain_text("Đề án đáp ứng các tiêu chí")
    page.locator("input[name=action][value=complete]").check()
    walk.complete()
    walk.shot("appraiser-completed")

    # 6. The division head reviews the report and passes it to the director.
    walk.login("truongphong.tcbc")
    walk.open_from_list("inbox", title)
    walk.take_if_offered()
    page.locator("input[name=action][value=sign]").check()
    walk.shot("division-head-review")
    walk.complete()

    # 7. The director signs the report and the submission to the committee.
    walk.login("giamdoc.snv")
    walk.open_from_list("inbox", title)
    walk.take_if_offered()
    page.locator("input[name=action][value=sign]").check()
    walk.shot("director-sign")
    walk.complete()

    # 8. The committee approves; the decision is numbered and applied.
    walk.login("chutich.ubnd")
    walk.open_from_list("inbox", title)
    walk.take_if_offered()
    effective = timezone.localdate() + datetime.timedelta(days=15)
    page.locator("input[name=outcome][value=approved]").check()
    page.locator("input[name=effective_date]").fill(effective.isoformat())
    walk.shot("committee-decide")
    walk.complete()

    project.refresh_from_db()
    decision = project.decisions.get()
    assert project.status == JobPositionProject.Status.APPLIED
    expect(page.locator("#decision")).to_contain_text(decision.number)
    expect(page.locator("#audit")).to_contain_text("Đề nghị Sở Nội vụ thẩm định")
    walk.shot("dossier-decided")

    after = unit_get_establishment(unit=province["health"], as_of=effective)
    assert "Chuyên viên quản lý dược" in {p.name for p in after.positions}
    before = unit_get_establishment(
        unit=province["health"], as_of=effective - datetime.timedelta(days=1)
    )
    assert "Chuyên viên quản lý dược" not in {p.name for p in before.positions}


def test_the_appraisers_typed_report_survives_a_refused_completion(
    live_server, browser_page, artifacts_dir, province, people
):
    """The appraiser types the whole report, forgets one criterion and presses
    "complete": the page comes back with every value as typed and the error beside
    the criterion; answering it completes the report."""
    from django.test import Client

    from tests.factories import CatalogueEntryFactory
    from tests.workflows.conftest import FlowDriver, url

    folder = artifacts_dir / "report-kept"
    folder.mkdir(parents=True, exist_ok=True)
    page = browser_page
    walk = Walk(page, live_server.url, folder)
    title = "Đề án vị trí việc làm Sở Y tế (thẩm định)"
    for code, label in (
        ("e2e_need", "Sự cần thiết và căn cứ của đề án"),
        ("e2e_rank", "Ngạch tương ứng với vị trí"),
    ):
        ChecklistCriterion.objects.get_or_create(code=code, defaults={"label": label})
    entry = CatalogueEntryFactory(
        code="YT-05",
        name="Chuyên viên về quản lý khám bệnh, chữa bệnh",
        category=province["specialised"],
        lowest_level=LadderLevel.SPECIALIST,
    )
    driver = FlowDriver(
        Client(),
        people,
        {"specialised": province["specialised"], "specialist": province["specialist"]},
        {"a": province["health"]},
    )
    process = driver.to_appraisal(title=title)
    task = driver.open_task(process, "appraise")
    criteria = list(ChecklistCriterion.objects.filter(active=True))
    forgotten = criteria[-1]

    walk.login("chuyenvien.tcbc")
    page.goto(live_server.url + url(task, "execute"))
    report = page.locator("#report-form")
    text = "Đề án cơ bản đáp ứng; đề nghị giảm biên chế vị trí mới còn 1."
    report.locator("select[name=recommendation]").select_option("approve_with_changes")
    report.locator("textarea[name=text]").fill(text)
    for criterion in criteria:
        if criterion != forgotten:
            report.locator(f"select[name=answer_{criterion.code}]").select_option(
                "pass"
            )
        report.locator(f"input[name=note_{criterion.code}]").fill(
            f"Ghi chú {criterion.code}"
        )
    report.locator("input[name=proposed-0-headcount]").fill("1")
    # A line added to the proposal from the catalogue: name, category and rank
    # come with the entry.
    report.locator(".pf-add-line[data-prefix=proposed]").click()
    report.locator("select[name=proposed-1-action]").select_option("add")
    report.locator("select[name=proposed-1-catalogue_entry]").select_option(
        str(entry.pk)
    )
    expect(report.locator("input[name=proposed-1-name]")).to_have_value(entry.name)
    expect(report.locator("select[name=proposed-1-category]")).to_have_value(
        str(province["specialised"].pk)
    )
    expect(report.locator("select[name=proposed-1-rank]")).to_have_value(
        str(province["specialist"].pk)
    )
    report.locator("input[name=proposed-1-headcount]").fill("1")
    page.locator("input[name=action][value=complete]").check()
    page.locator("#task-fields textarea[name=comment]").fill("Kính trình Giám đốc")
    walk.shot("appraiser-typed-report")
    page.locator("#task-form button[name=_complete]").click()
    page.wait_for_load_state("networkidle")

    # Refused: still the task page, everything as typed, the error by the field.
    expect(page).to_have_url(re.compile(r"/appraise/\d+/execute/$"))
    field = page.locator(
        ".pf-field", has=page.locator(f"[name=answer_{forgotten.code}]")
    )
    expect(field).to_contain_text("Trả lời tiêu chí này để hoàn thành báo cáo.")
    expect(report.locator("select[name=recommendation]")).to_have_value(
        "approve_with_changes"
    )
    expect(report.locator("textarea[name=text]")).to_have_value(text)
    for criterion in criteria:
        expect(report.locator(f"input[name=note_{criterion.code}]")).to_have_value(
            f"Ghi chú {criterion.code}"
        )
        if criterion != forgotten:
            expect(
                report.locator(f"select[name=answer_{criterion.code}]")
            ).to_have_value("pass")
    expect(report.locator("input[name=proposed-0-headcount]")).to_have_value("1")
    expect(report.locator("input[name=proposed-1-name]")).to_have_value(entry.name)
    expect(page.locator("input[name=action][value=complete]")).to_be_checked()
    expect(page.locator("#task-fields textarea[name=comment]")).to_have_value(
        "Kính trình Giám đốc"
    )
    walk.shot("appraiser-refused-everything-kept")

    # Opened again (another day), the page still holds it.
    page.goto(live_server.url + url(task, "execute"))
    expect(report.locator("textarea[name=text]")).to_have_value(text)
    expect(report.locator("input[name=proposed-1-name]")).to_have_value(entry.name)

    report.locator(f"select[name=answer_{forgotten.code}]").select_option("pass")
    page.locator("input[name=action][value=complete]").check()
    page.locator("#task-form button[name=_complete]").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/jobpositionproject/\d+/$"))
    project = JobPositionProject.objects.get(title=title)
    assert project.status == JobPositionProject.Status.REPORT_COMPLETED
    assert project.report.text == text
    assert sorted(line.headcount for line in project.report.lines.all()) == [1, 1]
    walk.shot("appraiser-completed")
