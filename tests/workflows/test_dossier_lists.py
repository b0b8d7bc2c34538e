"""The dossiers of every kind together: the list, the audit trail and "done by me"
show job-position projects, staffing plans and the units' proposals side by side,
with their kind and due date, each person exactly their scope; the Excel files
hold exactly the filtered rows; the pages cost a fixed number of queries."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appraisal.models import AuditEntry, Dossier, StaffingProposal
from appraisal.services import staffing as staffing_services
from tests.vietnamese_text import visible_text
from tests.workflows.conftest import dossier_url

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year + 1


@pytest.fixture
def mixed(driver, people, units):
    """A project of department A at reception, one of department B in draft, and a
    staffing plan over A and B where A has answered."""
    project_a = driver.to_reception(title="Đề án Sở A")
    project_b = driver.start("officer_b", unit=units["b"], title="Đề án Sở B")
    plan = staffing_services.staffing_plan_open(
        actor=people["division_head"],
        province=units["province"],
        year=YEAR,
        base_year=2021,
        proposal_deadline=timezone.localdate() + datetime.timedelta(days=10),
        ceilings={"civil_servant": {"ceiling": 60, "base_year_count": 55}},
        units=[units["a"], units["b"]],
        appraiser=people["appraiser"],
    )
    proposal_a = StaffingProposal.objects.get(plan=plan, unit=units["a"])
    staffing_services.proposal_save(
        proposal=proposal_a,
        actor=people["officer"],
        lines={"civil_servant": {"actual": 0, "proposed": 0}},
    )
    staffing_services.proposal_submit(proposal=proposal_a, actor=people["head"])
    return {
        "project_a": Dossier.objects.get(pk=project_a.artifact_object_id),
        "process_a": project_a,
        "project_b": project_b.project,
        "plan": plan,
        "proposal_a": proposal_a,
        "proposal_b": StaffingProposal.objects.get(plan=plan, unit=units["b"]),
    }


def _rows(response, attribute="data-dossier") -> set[int]:
    html = response.content.decode()
    found = set()
    for chunk in html.split(f'{attribute}="')[1:]:
        found.add(int(chunk.split('"', 1)[0]))
    return found


def test_every_kind_shows_together_with_its_kind_and_due_date(client, people, mixed):
    client.force_login(people["division_head"])
    response = client.get(reverse("dossiers:index"))
    assert response.status_code == 200
    # Home Affairs sees the submitted project, the plan and every unit's proposal,
    # not department B's draft.
    assert _rows(response) == {
        mixed["project_a"].pk,
        mixed["plan"].pk,
        mixed["proposal_a"].pk,
        mixed["proposal_b"].pk,
    }
    text = visible_text(response.content.decode())
    assert "Job-position project, adjustment" in text
    assert "Staffing plan" in text and "Staffing proposal of a unit" in text
    due = mixed["project_a"].due_on.strftime("%d/%m/%Y")
    assert due in text
    # Each row leads to its dossier's page: the project's process, the plan's
    # summary.
    html = response.content.decode()
    assert reverse("staffing:summary", args=[mixed["plan"].pk]) in html
    assert f'href="{dossier_url(mixed["process_a"])}"' in html


def test_a_unit_sees_its_own_dossiers_of_every_kind_only(client, people, mixed):
    client.force_login(people["officer_b"])
    response = client.get(reverse("dossiers:index"))
    assert _rows(response) == {
        mixed["project_b"].pk,
        mixed["plan"].pk,
        mixed["proposal_b"].pk,
    }
    client.force_login(people["officer"])
    response = client.get(reverse("dossiers:index"))
    assert _rows(response) == {
        mixed["project_a"].pk,
        mixed["plan"].pk,
        mixed["proposal_a"].pk,
    }
    # A filter never widens the scope: asking for another unit's id shows
    # nothing of it (nor its name), and is no error.
    response = client.get(
        reverse("dossiers:index"), {"unit": mixed["project_b"].unit_id}
    )
    assert response.status_code == 200
    assert mixed["project_b"].pk not in _rows(response)
    assert mixed["proposal_b"].pk not in _rows(response)
    assert mixed["project_b"].unit.name not in response.content.decode()


def test_filters_and_the_excel_file_hold_the_same_rows(client, people, mixed):
    client.force_login(people["observer"])
    query = {"dossier_kind": "staffing_proposal"}
    response = client.get(reverse("dossiers:index"), query)
    assert _rows(response) == {mixed["proposal_a"].pk, mixed["proposal_b"].pk}
    response = client.get(reverse("dossiers:index"), {**query, "export": "xlsx"})
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    assert {row[2] for row in rows} == {"Sở A", "Sở B"}


def test_the_audit_trail_spans_the_kinds_in_the_persons_scope(client, people, mixed):
    client.force_login(people["officer_b"])
    response = client.get(reverse("dossiers:audit"))
    assert response.status_code == 200
    seen = _rows(response, "data-entry")
    visible = Dossier.objects.filter(
        pk__in=[mixed["project_b"].pk, mixed["plan"].pk, mixed["proposal_b"].pk]
    )
    assert seen == set(
        AuditEntry.objects.filter(dossier__in=visible).values_list("pk", flat=True)
    )
    # Department A's submission is not in B's trail.
    assert not AuditEntry.objects.filter(
        pk__in=seen, dossier=mixed["project_a"]
    ).exists()
    response = client.get(
        reverse("dossiers:audit"), {"action": "cycle_opened", "export": "xlsx"}
    )
    sheet = load_workbook(BytesIO(response.content)).active
    assert (
        sheet.max_row - 1
        == AuditEntry.objects.filter(dossier__in=visible, action="cycle_opened").count()
    )


def test_done_by_me_lists_the_completed_tasks_of_the_person(client, people, mixed):
    client.force_login(people["head"])
    response = client.get(reverse("dossiers:archive"))
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "Đề án Sở A" in text  # the head signed and submitted it
    client.force_login(people["officer_b"])
    response = client.get(reverse("dossiers:archive"))
    assert "Đề án Sở A" not in visible_text(response.content.decode())


@pytest.mark.parametrize("name", ["dossiers:index", "dossiers:audit"])
def test_the_lists_cost_the_same_queries_whatever_the_rows(
    client, people, mixed, driver, name
):
    client.force_login(people["division_head"])
    client.get(reverse(name))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(name))
    driver.to_reception(title="Đề án thứ hai")
    driver.to_reception(title="Đề án thứ ba")
    with CaptureQueriesContext(connection) as more:
        client.get(reverse(name))
    assert len(more) == len(few)
    assert len(few) <= 25


def test_anonymous_visitors_are_sent_to_log_in(client, mixed):
    client.logout()
    for name in ("dossiers:index", "dossiers:audit", "dossiers:archive"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "login" in response["Location"]
