"""The staffing task pages keep what was typed when a step is refused, say why
beside the field, write nothing, and answer a double click or a stale page with a
message rather than an error."""

from __future__ import annotations

import pytest
from django.urls import reverse
from viewflow.workflow import STATUS

from appraisal.models import AuditEntry, StaffingPlan
from tests.workflows.conftest import messages_of, url
from tests.workflows.staffing_fixtures import YEAR

pytestmark = pytest.mark.django_db


def test_a_refused_opening_keeps_what_was_typed(staffing, people, units, client):
    client.force_login(people["division_head"])
    url = reverse("staffing:staffingplan:start:execute")
    data = {
        "year": YEAR,
        "base_year": YEAR,  # not before the plan's year
        "proposal_deadline": "2000-01-01",
        "appraiser": people["appraiser"].pk,
        "ceiling_civil_servant": 60,
        "reserve_civil_servant": 70,
        "units": [units["a"].pk],
    }
    response = client.post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    # The service's refusals, each beside its field (the ceilings' on top).
    assert {"base_year", "proposal_deadline", "__all__"} <= set(form.errors)
    assert "The reserve cannot exceed the ceiling." in form.non_field_errors()
    page = response.content.decode()
    assert 'value="70"' in page and 'value="60"' in page
    assert not StaffingPlan.objects.exists()
    # Opening the same year twice: the second is refused on the year.
    plan = staffing.open_cycle()
    response = client.post(
        url,
        {
            **data,
            "base_year": 2021,
            "proposal_deadline": plan.proposal_deadline.isoformat(),
            "reserve_civil_servant": 2,
        },
    )
    assert response.status_code == 200
    assert "already open" in str(response.context["form"].errors["year"])
    assert StaffingPlan.objects.count() == 1


def test_a_refused_proposal_is_shown_as_typed_and_nothing_is_written(
    staffing, people, client
):
    plan = staffing.open_cycle()
    proposal = staffing.proposal(plan, "a")
    before = list(AuditEntry.objects.filter(dossier=proposal).values_list("pk"))
    # 20 → 25 without the justification of a change above 10 %.
    response = staffing.draft("officer", plan, "a", actual=19, proposed=25, why="")
    assert response.status_code == 200
    page = response.content.decode()
    assert "more than 10 %" in page
    assert 'value="25"' in page and 'value="19"' in page
    proposal.refresh_from_db()
    line = proposal.lines.get()
    assert (line.actual, line.proposed) == (0, 20)
    assert list(AuditEntry.objects.filter(dossier=proposal).values_list("pk")) == before
    task = staffing.open_task(staffing.proposal_process(plan, "a"))
    assert task.flow_task.name == "draft" and task.status == STATUS.ASSIGNED


def test_a_stale_proposal_page_is_refused_with_a_message(staffing, people, client):
    plan = staffing.open_cycle()
    stale = staffing.lines_data(plan, "a", actual=19, proposed=21)
    process = staffing.proposal_process(plan, "a")
    # The officer saves the page once ("Save": the task stays open) …
    response = staffing.execute(
        "officer", process, "draft", dict(stale), button="_save_draft"
    )
    assert response.status_code == 302
    # … then posts the page as it was before that save.
    task = staffing.open_task(process)
    response = client.post(url(task, "execute"), {"_complete": "1", **stale})
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert staffing.open_task(process).flow_task.name == "draft"


def test_a_double_click_on_a_review_changes_nothing_the_second_time(
    staffing, people, client
):
    plan = staffing.open_cycle()
    staffing.propose(plan, "a", officer="officer", head="head", actual=19, proposed=21)
    process = staffing.proposal_process(plan, "a")
    review = staffing.open_task(process, "review")
    assert staffing.review("appraiser", plan, "a").status_code == 302
    audit = AuditEntry.objects.filter(dossier=staffing.proposal(plan, "a")).count()
    client.force_login(people["appraiser"])
    response = client.post(
        url(review, "execute"),
        {"_complete": "1", "action": "accept"},
        follow=True,
    )
    assert response.status_code == 200
    assert any("already completed" in text for text in messages_of(response))
    assert AuditEntry.objects.filter(dossier=staffing.proposal(plan, "a")).count() == (
        audit
    )


def test_a_revision_needs_its_reason_and_the_unit_sees_it(staffing, people, client):
    plan = staffing.open_cycle()
    staffing.propose(
        plan, "b", officer="officer_b", head="head_b", actual=30, proposed=30
    )
    response = staffing.review("appraiser", plan, "b", "request_revision", "")
    assert response.status_code == 200
    assert "Say what the unit must revise." in response.content.decode()
    assert staffing.proposal(plan, "b").status == StaffingPlan.Status.SUBMITTED
