"""The division head closes the collection at the very moment a unit head submits
the unit's proposal, each request with its own database connection: one of the
orders wins, the other person is told what happened, and nothing is lost or
applied twice (the proposal is submitted and then accepted by the closing; or it
is counted as "no change"; or the closing is refused for now because someone is
acting on the proposal, and the submission stands)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow import PROCESS, STATUS
from viewflow.workflow.models import Task

from appraisal.models import AuditEntry, StaffingPlan, StaffingProposal
from tests.workflows.conftest import url
from tests.workflows.staffing_fixtures import YEAR
from tests.workflows.test_concurrency import WARNING_WORDS, _messages, _post_together
from workflows.staffing_demo import CyclePeople, cycle_open, proposal_walk

pytestmark = pytest.mark.django_db(transaction=True)

Status = StaffingPlan.Status
Action = AuditEntry.Action


def test_closing_and_submitting_at_once_lose_nothing(staffing, people, units):
    cycle = cycle_open(
        people=CyclePeople(
            division_head=people["division_head"],
            appraiser=people["appraiser"],
            director=people["director"],
            committee=people["committee"],
        ),
        province=units["province"],
        year=YEAR,
        units=[units["a"]],
        ceilings={
            "civil_servant": {"ceiling": 60, "reserve": 2, "base_year_count": 55}
        },
        deadline=timezone.localdate() + datetime.timedelta(days=3),
    )
    plan = cycle.plan
    proposal = StaffingProposal.objects.get(plan=plan)
    process = proposal_walk(
        proposal, "handed_over", officer=people["officer"], head=people["head"]
    )
    submit = staffing.open_task(process, "submit")
    staffing.take("head", submit)
    close = staffing.open_task(cycle, "close_collection")
    StaffingPlan.objects.filter(pk=plan.pk).update(
        proposal_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )

    head_page, closing_page = _post_together(
        [
            (
                people["head"],
                url(submit, "execute"),
                {"_complete": "1", "action": "submit"},
            ),
            (people["division_head"], url(close, "execute"), {"_complete": "1"}),
        ]
    )

    plan.refresh_from_db()
    proposal.refresh_from_db()
    process.refresh_from_db()
    actions = list(
        AuditEntry.objects.filter(dossier=proposal)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )
    # Never submitted twice, never both accepted and counted silent.
    assert actions.count(Action.SUBMITTED) <= 1
    assert (
        actions.count(Action.PROPOSAL_ACCEPTED) + actions.count(Action.NO_ANSWER) <= 1
    )
    if plan.status == Status.UNDER_APPRAISAL:
        # The collection closed: the proposal is in, one way or the other, and
        # its process no longer holds an open task.
        assert proposal.status == Status.RECEIVED
        assert process.status == PROCESS.CANCELED
        assert not Task.objects.filter(
            process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED]
        ).exists()
        if Action.SUBMITTED in actions:
            assert actions[-1] == Action.PROPOSAL_ACCEPTED
        else:
            assert actions[-1] == Action.NO_ANSWER
            # The head was told (the task was closed meanwhile, or the
            # proposal was being closed at that instant).
            assert any(word in _messages(head_page) for word in WARNING_WORDS)
    else:
        # The closing met the head at work on the proposal: refused for now,
        # with a message; the submission stands and waits for its review.
        assert plan.status == Status.COLLECTING
        assert "Someone else" in _messages(closing_page)
        assert proposal.status == Status.SUBMITTED
        assert staffing.open_task(process).flow_task.name == "review"
        close.refresh_from_db()
        assert close.status == STATUS.ASSIGNED
