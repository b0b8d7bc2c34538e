"""Fixtures of the flow tests: one person per role, reference data, an
establishment, and a driver that moves a project through the REAL URLs of the flow
with the Django test client, as each person in turn."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from appraisal.models import Attachment, ChecklistCriterion
from bench.volume_data import STATES, People, dossiers_create
from orgchart.permissions import Role
from tests.factories import (
    docx_upload,
    pdf_upload,
)
from workflows.models import JobPositionProjectProcess


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read the English source strings (the Vietnamese catalogue is
    maintained centrally and checked by its own test)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # A dozen people per test: the production hasher would cost a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def units(two_units):
    return two_units


@pytest.fixture
def people(make_user, units):
    """One person per role. Unit people act for department A, ``officer_b`` and
    ``head_b`` for department B; ``committee_a`` sits on the committee but also
    signs for department A (separation of duties)."""
    committee_a = make_user(Role.COMMITTEE, username="committee_a")
    assign_perm("orgchart.sign_for_unit", committee_a, units["a"])
    return {
        "officer": make_user(
            Role.UNIT_OFFICER,
            units=[units["a"]],
            username="officer",
            first_name="Lan",
            last_name="Nguyễn",
        ),
        "officer2": make_user(
            Role.UNIT_OFFICER, units=[units["a"]], username="officer2"
        ),
        "head": make_user(
            Role.UNIT_HEAD,
            units=[units["a"]],
            username="head",
            first_name="Hùng",
            last_name="Trần",
        ),
        "officer_b": make_user(
            Role.UNIT_OFFICER, units=[units["b"]], username="officer_b"
        ),
        "head_b": make_user(Role.UNIT_HEAD, units=[units["b"]], username="head_b"),
        "reception": make_user(Role.RECEPTION, username="reception"),
        "reception2": make_user(Role.RECEPTION, username="reception2"),
        "division_head": make_user(Role.DIVISION_HEAD, username="division_head"),
        "appraiser": make_user(Role.APPRAISER, username="appraiser"),
        "appraiser2": make_user(Role.APPRAISER, username="appraiser2"),
        "director": make_user(Role.DIRECTOR, username="director"),
        "committee": make_user(Role.COMMITTEE, username="committee"),
        "committee_a": committee_a,
        "observer": make_user(Role.OBSERVER, username="observer"),
    }


#: Where each flow's pages are mounted.
FLOW_NAMESPACES = {
    "JobPositionProjectFlow": "jobpositionproject",
    "StaffingPlanFlow": "staffing:staffingplan",
    "StaffingProposalFlow": "staffing:staffingproposal",
    "ConsolidationFlow": "consolidations:consolidation",
}


def url(task: Task, action: str) -> str:
    namespace = FLOW_NAMESPACES[task.flow_task.flow_class.__name__]
    return reverse(
        f"{namespace}:{task.flow_task.name}:{action}",
        args=[task.process_id, task.pk],
    )


def dossier_url(process) -> str:
    return reverse("jobpositionproject:process_detail", args=[process.pk])


def without_csrf_token(html: str) -> str:
    """A page without its form's random CSRF token, which may spell any short
    text (a dossier's title "D4") by chance."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


class FlowDriver:
    """Moves a project through the flow's real pages as one person after another.

    Every step is the sequence a person clicks: open the queue item ("take the
    task", a POST to its assign URL) when nobody holds it yet, then submit the
    task form (a POST to its execute URL with the "complete" button).
    """

    def __init__(self, client, people, ref, units):
        self.client = client
        self.people = people
        self.ref = ref
        self.units = units

    # --- reading the state -------------------------------------------------------

    def process(self, pk) -> JobPositionProjectProcess:
        return JobPositionProjectProcess.objects.get(pk=pk)

    def open_task(self, process, node: str | None = None) -> Task:
        """The one open human task of the process (optionally of ``node``)."""
        tasks = Task.objects.filter(
            process_id=process.pk,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            flow_task_type="HUMAN",
        )
        if node is not None:
            tasks = tasks.filter(flow_task=getattr(process.flow_class, node))
        tasks = list(tasks)
        assert len(tasks) == 1, tasks
        return tasks[0]

    def open_node(self, process) -> str:
        return self.open_task(process).flow_task.name

    # --- acting ---------------------------------------------------------------

    def login(self, who):
        user = self.people[who] if isinstance(who, str) else who
        self.client.force_login(user)
        return user

    def take(self, who, task):
        self.login(who)
        response = self.client.post(url(task, "assign"))
        assert response.status_code == 302, response
        task.refresh_from_db()
        return response

    def execute(
        self, who, process, node, data, *, take=True, follow=False, button="_complete"
    ):
        user = self.login(who)
        task = self.open_task(process, node)
        if take and task.status == STATUS.NEW:
            self.take(user, task)
        payload = {button: "1", **data}
        return self.client.post(url(task, "execute"), payload, follow=follow)

    def start(self, who="officer", *, unit=None, title="Đề án vị trí việc làm Sở A"):
        self.login(who)
        response = self.client.post(
            reverse("jobpositionproject:start:execute"),
            {
                "unit": (unit or self.units["a"]).pk,
                "kind": "adjustment",
                "title": title,
                "legal_basis": "Nghị định 62/2020/NĐ-CP",
                "justification": "Bổ sung vị trí việc làm",
            },
        )
        assert response.status_code == 302, response.content[:2000]
        match = re.search(r"/jobpositionproject/(\d+)/", response["Location"])
        return self.process(int(match.group(1)))

    def draft_data(self, process, lines: list[dict], **fields) -> dict:
        project = process.project
        project.refresh_from_db()
        return {
            "version": project.version,
            "title": fields.get("title", project.title),
            "legal_basis": fields.get("legal_basis", project.legal_basis),
            "justification": fields.get("justification", project.justification),
            "comment": fields.get("comment", ""),
            **self.formset_data("lines", lines),
        }

    def add_line(self, **overrides) -> dict:
        line = {
            "action": "add",
            "name": "Chuyên viên cải cách hành chính",
            "category": self.ref["specialised"],
            "rank": self.ref["specialist"],
            "headcount": 2,
            "job_description": "Tham mưu cải cách hành chính",
        }
        line.update(overrides)
        return line

    def attach_required(self, who, process, node="draft"):
        self.login(who)
        task = self.open_task(process, node)
        for kind, upload in (
            (Attachment.Kind.SUBMISSION_LETTER, pdf_upload("Tờ trình số 12.pdf")),
            (Attachment.Kind.PROJECT_DOCUMENT, docx_upload("Đề án VTVL.docx")),
            (Attachment.Kind.ESTABLISHMENT_DECISION, pdf_upload("QĐ chức năng.pdf")),
        ):
            response = self.client.post(
                url(task, "execute"), {"_attach": "1", "kind": kind, "file": upload}
            )
            assert response.status_code == 302, response.content[:3000]

    def draft(self, who, process, lines, *, node="draft", comment="", **fields):
        self.login(who)
        data = self.draft_data(process, lines, comment=comment, **fields)
        return self.execute(who, process, node, data)

    def answers(self) -> dict:
        data = {}
        for criterion in ChecklistCriterion.objects.filter(active=True):
            data[f"answer_{criterion.code}"] = "pass"
            data[f"note_{criterion.code}"] = ""
        return data

    def save_report(
        self, who, process, recommendation="approve", text="Đạt", proposed=()
    ):
        self.login(who)
        task = self.open_task(process, "appraise")
        project = process.project
        project.refresh_from_db()
        data = {
            "_save_report": "1",
            "version": project.version,
            "recommendation": recommendation,
            "text": text,
            **self.answers(),
            **self.formset_data("proposed", list(proposed)),
        }
        return self.client.post(url(task, "execute"), data)

    @staticmethod
    def formset_data(prefix: str, lines: list[dict]) -> dict:
        data = {
            f"{prefix}-TOTAL_FORMS": str(len(lines)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for index, line in enumerate(lines):
            for key, value in line.items():
                if value is None:
                    continue
                data[f"{prefix}-{index}-{key}"] = getattr(value, "pk", value)
        return data

    # --- whole stretches of the path ----------------------------------------------

    def to_reception(self, *, lines=None, title="Đề án vị trí việc làm Sở A"):
        process = self.start("officer", title=title)
        self.attach_required("officer", process)
        response = self.draft("officer", process, lines or [self.add_line()])
        assert response.status_code == 302, response.content[:3000]
        response = self.execute("head", process, "submit", {"comment": "Kính trình"})
        assert response.status_code == 302, response.content[:3000]
        return process

    def to_appraisal(self, **kwargs):
        process = self.to_reception(**kwargs)
        response = self.execute(
            "reception", process, "receive", {"decision": "accept", "comment": ""}
        )
        assert response.status_code == 302, response.content[:3000]
        response = self.execute(
            "division_head",
            process,
            "assign_appraiser",
            {"appraiser": self.people["appraiser"].pk},
        )
        assert response.status_code == 302, response.content[:3000]
        return process

    def to_division_head(self, *, recommendation="approve", proposed=(), **kwargs):
        process = self.to_appraisal(**kwargs)
        response = self.save_report(
            "appraiser", process, recommendation, proposed=proposed
        )
        assert response.status_code == 302, response.content[:3000]
        response = self.execute(
            "appraiser", process, "appraise", {"action": "complete", "comment": ""}
        )
        assert response.status_code == 302, response.content[:3000]
        return process

    def to_director(self, **kwargs):
        process = self.to_division_head(**kwargs)
        response = self.execute(
            "division_head",
            process,
            "review_report",
            {"action": "sign", "comment": ""},
        )
        assert response.status_code == 302, response.content[:3000]
        return process

    def to_committee(self, **kwargs):
        process = self.to_director(**kwargs)
        response = self.execute(
            "director", process, "sign_report", {"action": "sign", "comment": ""}
        )
        assert response.status_code == 302, response.content[:3000]
        return process


@pytest.fixture
def driver(client, people, ref, units, positions):
    return FlowDriver(client, people, ref, units)


@pytest.fixture
def world(driver, people, make_user, units):
    """Department A's dossiers waiting at every step, one approved and applied, and
    one of department B."""
    people["administrator"] = make_user("administrator", username="admin_user")
    at = {}
    at["draft"] = driver.start("officer", title="Chờ soạn")
    at["submit"] = driver.start("officer", title="Chờ ký")
    driver.attach_required("officer", at["submit"])
    driver.draft("officer", at["submit"], [driver.add_line()])
    at["receive"] = driver.to_reception(title="Chờ tiếp nhận")
    driver.take("reception", driver.open_task(at["receive"]))
    at["assign_appraiser"] = driver.to_reception(title="Chờ phân công")
    response = driver.execute(
        "reception", at["assign_appraiser"], "receive", {"decision": "accept"}
    )
    assert response.status_code == 302
    at["appraise"] = driver.to_appraisal(title="Đang thẩm định")
    at["revise"] = driver.to_appraisal(title="Chờ chỉnh sửa")
    response = driver.execute(
        "appraiser",
        at["revise"],
        "appraise",
        {"action": "request_revision", "comment": "Chỉnh sửa mô tả"},
    )
    assert response.status_code == 302
    at["review_report"] = driver.to_division_head(title="Chờ trưởng phòng duyệt")
    at["sign_report"] = driver.to_director(title="Chờ giám đốc ký")
    at["decide"] = driver.to_committee(title="Chờ UBND quyết định")
    done = driver.to_committee(title="Đã phê duyệt")
    response = driver.execute(
        "committee",
        done,
        "decide",
        {"outcome": "approved", "effective_date": "2099-01-01"},
    )
    assert response.status_code == 302
    at["done"] = done
    other = driver.start("officer_b", unit=units["b"], title="Hồ sơ Sở B")
    driver.attach_required("officer_b", other)
    driver.draft("officer_b", other, [driver.add_line()])
    assert driver.execute("head_b", other, "submit", {}).status_code == 302
    at["other_unit"] = other
    driver.client.logout()
    return at


@pytest.fixture
def staffing(client, people, units):
    """Drives a staffing cycle through its pages (``staffing_fixtures``)."""
    from tests.workflows.staffing_fixtures import StaffingDriver

    return StaffingDriver(client, people, units)


@pytest.fixture
def staffing_world(people, units, make_user):
    """Staffing dossiers waiting at every step of both flows
    (``staffing_fixtures.staffing_world_build``)."""
    from tests.workflows.staffing_fixtures import staffing_world_build

    if "administrator" not in people:
        people["administrator"] = make_user("administrator", username="admin_user")
    return staffing_world_build(people, units)


def volume_cast(people, units=None) -> People:
    """The bulk generator's cast (``bench.volume_data.People``) from the
    ``people`` fixture; with ``units``, each department's own officer and head
    act for it and its division."""
    by_unit, heads = {}, {}
    if units is not None:
        for department, officer, head in (
            ("a", "officer", "head"),
            ("b", "officer_b", "head_b"),
        ):
            for unit in (units[department], units[f"{department}1"]):
                by_unit[unit.pk] = people[officer]
                heads[unit.pk] = people[head]
    return People(
        officer=people["officer"],
        head=people["head"],
        reception=people["reception"],
        division_head=people["division_head"],
        appraisers=[people["appraiser"], people["appraiser2"]],
        director=people["director"],
        committee=people["committee"],
        busy_appraiser=people["appraiser"],
        officers=by_unit,
        heads=heads,
    )


@pytest.fixture
def volume(people, units):
    """One project of department A in every state, then ``add(count)`` more of
    every kind and state over both departments."""
    cast = volume_cast(people, units)
    for n, status in enumerate(STATES):
        dossiers_create(
            count=1,
            units=[units["a"]],
            people=cast,
            seed=n,
            force_status=status,
            force_kind="job_position_first",
        )
    spread = [units["a"], units["a1"], units["b"], units["b1"]]

    def add(count: int, seed: int) -> None:
        dossiers_create(count=count, units=spread, people=cast, seed=seed)

    return add
