"""What one click on a task page costs: every POST of the job-position project's
path, from the draft to the applied decision with one revision round, runs at
most its budget of statements (``bench/lifecycle.py`` measures the same path's
time against viewflow's minimal approval). The budgets do not depend on how many
dossiers, people or positions there are; where a step writes rows per line (the
decision applied to the establishment), its budget is a constant plus one per
line and says so."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow import STATUS

from appraisal.models import Attachment, JobPositionProject
from tests.factories import UnitFactory, docx_upload, pdf_upload
from tests.workflows.conftest import url
from tests.workflows.consolidation_fixtures import ConsolidationDriver
from tests.workflows.histories import task_history

pytestmark = pytest.mark.django_db

Status = JobPositionProject.Status

#: Statements per POST, by step (measured, the same on SQLite and PostgreSQL
#: inside the test's transaction; the tests run without a shared cache, so the
#: session and the person are read from the database). Each includes the session
#: and the person, the task read with the flow's lock together with the dossier
#: (with its own lock and its appraisal report, one statement, reused by the
#: service), the person's roles and grants (one query, for the page and the
#: service), the service's validation (constraints checked in Python where they
#: can be) and audit row, the tasks the step passes (gateways, the next task:
#: one INSERT, ``workflows.task_writes``), the links between them (one more)
#: and the notification of whoever gets the next task (written with the step).
#: A step opens no savepoint of its own (``orgchart.transactions``).
BUDGET = {
    "assign": 7,
    "attach": 10,
    "draft": 22,
    "submit": 20,
    "receive": 22,
    "assign_appraiser": 16,
    "request_revision": 17,
    "revise": 22,
    "save_report": 12,
    "complete_report": 20,
    "review_report": 13,
    "sign_report": 22,
}
#: The committee's approval also applies the decision in the same POST: a
#: constant plus two per approved line (the position it opens written, the line
#: linked to it; the rest is validated without the database).
DECIDE_BUDGET, DECIDE_PER_LINE = 28, 2


def land(client) -> None:
    """A person lands on a page before they click: what a session does once
    (whether it needs the second step; the idle expiry's renewal) is not the
    step's."""
    client.get("/")


class CountingDriver:
    """Posts like ``FlowDriver`` and keeps each POST's statement count."""

    def __init__(self, driver):
        self.driver = driver
        self.counts: dict[str, list[int]] = {}

    def post(self, step: str, path: str, data=None):
        with CaptureQueriesContext(connection) as queries:
            response = self.driver.client.post(path, data or {})
        assert response.status_code == 302, response.content[:3000]
        self.counts.setdefault(step, []).append(len(queries))
        return response

    def login(self, who):
        self.driver.login(who)
        land(self.driver.client)

    def act(self, who, process, node, data, *, step=None):
        self.login(who)
        task = self.driver.open_task(process, node)
        if task.status == STATUS.NEW:
            self.post("assign", url(task, "assign"))
        return self.post(step or node, url(task, "execute"), {"_complete": "1", **data})


class CountingClient:
    """A test client that keeps each POST's statement count by the flow node
    its URL names (``…/<node>/<task>/assign/`` counts as ``assign``)."""

    def __init__(self, client):
        self.client = client
        self.counts: dict[str, list[int]] = {}

    def __getattr__(self, name):
        return getattr(self.client, name)

    def force_login(self, user, backend=None):
        self.client.force_login(user, backend)
        land(self.client)

    def post(self, path, data=None, **kwargs):
        with CaptureQueriesContext(connection) as queries:
            response = self.client.post(path, data or {}, **kwargs)
        parts = path.rstrip("/").split("/")
        step = parts[-1] if parts[-1] in {"assign", "start"} else parts[-3]
        if parts[-1] == "execute" and parts[-2] == "start":
            step = "start"
        self.counts.setdefault(step, []).append(len(queries))
        return response


def over_budget(counts: dict[str, list[int]], budget: dict[str, int]) -> dict:
    return {
        step: (max(seen), budget[step])
        for step, seen in counts.items()
        if max(seen) > budget[step]
    }


def test_every_step_of_a_project_stays_within_its_statement_budget(driver, people):
    counting = CountingDriver(driver)
    process = driver.start("officer")
    project = process.project
    draft = driver.open_task(process, "draft")
    for kind, upload in (
        (Attachment.Kind.SUBMISSION_LETTER, pdf_upload("Tờ trình số 12.pdf")),
        (Attachment.Kind.PROJECT_DOCUMENT, docx_upload("Đề án VTVL.docx")),
        (Attachment.Kind.ESTABLISHMENT_DECISION, pdf_upload("QĐ chức năng.pdf")),
    ):
        counting.post(
            "attach",
            url(draft, "execute"),
            {"_attach": "1", "kind": kind, "file": upload},
        )
    lines = [driver.add_line(), driver.add_line(name="Chuyên viên pháp chế")]
    counting.act("officer", process, "draft", driver.draft_data(process, lines))
    counting.act("head", process, "submit", {"comment": "Kính trình"})
    counting.act("reception", process, "receive", {"decision": "accept"})
    counting.act(
        "division_head",
        process,
        "assign_appraiser",
        {"appraiser": people["appraiser"].pk},
    )
    counting.act(
        "appraiser",
        process,
        "appraise",
        {"action": "request_revision", "comment": "Giảm biên chế"},
        step="request_revision",
    )
    project.refresh_from_db()
    revised = [
        {**driver.add_line(headcount=1), "key": line.key}
        for line in project.lines.order_by("pk")
    ]
    counting.act("officer", process, "revise", driver.draft_data(process, revised))
    counting.act("head", process, "submit", {"comment": "Đã chỉnh sửa"})
    counting.login("appraiser")
    project.refresh_from_db()
    counting.post(
        "save_report",
        url(driver.open_task(process, "appraise"), "execute"),
        {
            "_save_report": "1",
            "version": project.version,
            "recommendation": "approve",
            "text": "Đạt",
            **driver.answers(),
            **driver.formset_data("proposed", []),
        },
    )
    counting.act(
        "appraiser", process, "appraise", {"action": "complete"}, step="complete_report"
    )
    counting.act("division_head", process, "review_report", {"action": "sign"})
    counting.act("director", process, "sign_report", {"action": "sign"})
    counting.act(
        "committee",
        process,
        "decide",
        {"outcome": "approved", "effective_date": "2099-01-01"},
    )

    project.refresh_from_db()
    assert project.status == Status.APPLIED
    decide = counting.counts.pop("decide")
    assert over_budget(counting.counts, BUDGET) == {}
    assert max(decide) <= DECIDE_BUDGET + DECIDE_PER_LINE * len(lines)
    assert task_history(process)[1:] == [
        "draft",
        "submit",
        "route_submission",
        "receive",
        "route_reception",
        "assign_appraiser",
        "appraise",
        "route_appraisal",
        "revise",
        "submit",
        "route_submission",
        "appraise",
        "route_appraisal",
        "review_report",
        "route_review",
        "sign_report",
        "route_signature",
        "decide",
        "route_decision",
        "apply_decision",
        "end",
    ]


#: The staffing cycle's per-unit steps (each unit's proposal is its own small
#: process: the officer's draft, the head's submission, the review).
STAFFING_BUDGET = {"assign": 7, "draft": 17, "submit": 16, "review": 12}


def test_a_staffing_proposal_step_stays_within_its_statement_budget(staffing):
    plan = staffing.open_cycle()
    staffing.client = counting = CountingClient(staffing.client)
    assert (
        staffing.draft("officer", plan, "a", actual=19, proposed=21).status_code == 302
    )
    assert staffing.submit("head", plan, "a").status_code == 302
    assert staffing.review("appraiser", plan, "a").status_code == 302
    proposal = staffing.proposal(plan, "a")
    assert proposal.status == Status.RECEIVED
    assert over_budget(counting.counts, STAFFING_BUDGET) == {}


#: A unit consolidation's steps up to the committee's decision, which here
#: applies one operation at once (its date has come: one division, without
#: positions, absorbed); more operations and positions cost more in that POST
#: (``bench/consolidation.py`` measures 130 operations). A step reads the
#: operations with their sources, successors and mappings once, for every check,
#: the snapshot, the impact statement, the flow's gateways and the applying
#: (``consolidation._operations``).
CONSOLIDATION_BUDGET = {
    "assign": 7,
    "start": 16,
    "propose": 18,
    "submit_proposal": 24,
    "receive": 22,
    "assign_appraiser": 16,
    "appraise": 22,
    "review_report": 13,
    "sign_report": 22,
    "decide": 40,
}


def test_every_step_of_a_consolidation_stays_within_its_statement_budget(
    client, people, units, ref
):
    flow = ConsolidationDriver(CountingClient(client), people, units)
    a2 = UnitFactory(code="SA-P2", parent=units["a"], kind="division", name="Phòng A2")
    process = flow.start("division_head", unit=units["a"])
    response = flow.add_operation(
        "division_head",
        process,
        "absorb",
        sources=[a2],
        existing=[units["a1"]],
        date=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert response.status_code == 302, response.content[:3000]
    assert flow.propose("division_head", process).status_code == 302
    flow.submit(process)
    flow.receive_and_assign(process)
    flow.to_committee(process)
    flow.approve(process)
    assert flow.consolidation(process).is_applied
    counts = flow.client.counts
    assert over_budget(counts, CONSOLIDATION_BUDGET) == {}
    # The decision's POST wrote the gateways, the applying and the end together.
    assert task_history(process)[-7:] == [
        "decide",
        "route_decision",
        "route_external",
        "route_date",
        "apply",
        "route_date",
        "end",
    ]
    process.refresh_from_db()
    assert process.status == "DONE" and process.finished is not None
