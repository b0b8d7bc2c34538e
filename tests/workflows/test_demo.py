"""The demo dossiers leave work for every role: each person finds the dossier of
their step in their inbox or queue, through the same scoped lists as the pages."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from viewflow.workflow import PROCESS

from appraisal.models import JobPositionProject
from workflows.demo import DEMO_STATES, demo_processes_seed
from workflows.selectors import task_list_inbox, task_list_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users(people, ref, positions):
    return {
        "officer": people["officer"],
        "unithead": people["head"],
        "reception": people["reception"],
        "divisionhead": people["division_head"],
        "appraiser": people["appraiser"],
        "director": people["director"],
        "committee": people["committee"],
    }


def _titles(tasks) -> set[str]:
    return {task.process.coerced.project.title for task in tasks}


def test_every_role_finds_work_in_its_inbox_or_queue(units, demo_users):
    processes = demo_processes_seed(unit=units["a"], users=demo_users)
    assert len(processes) == len(DEMO_STATES)
    # A step only one person may take arrives in their inbox; a step two people
    # may take (two reception officers; the unit head and a committee member who
    # also signs for the unit) waits in the queue.
    work = {
        "officer": ("draft", task_list_inbox),
        "unithead": ("submit", task_list_queue),
        "reception": ("receive", task_list_queue),
        "divisionhead": ("assign_appraiser", task_list_inbox),
        "appraiser": ("appraise", task_list_inbox),
        "director": ("sign_report", task_list_inbox),
        "committee": ("decide", task_list_inbox),
    }
    for who, (state, listing) in work.items():
        tasks = list(listing(user=demo_users[who]))
        assert any(task.flow_task.name == state for task in tasks), (who, state)
    # The dossier sent back for revision goes back to the officer who drafted it.
    assert any(
        task.flow_task.name == "revise"
        for task in task_list_inbox(user=demo_users["officer"])
    )
    applied = JobPositionProject.objects.get(status=JobPositionProject.Status.APPLIED)
    assert applied.decisions.get().number
    processes[-1].refresh_from_db()
    assert processes[-1].status == PROCESS.DONE

    # Running it again adds nothing.
    assert demo_processes_seed(unit=units["a"], users=demo_users) == []


def test_the_command_needs_the_demo_logins(units):
    with pytest.raises(CommandError):
        call_command("seed_demo_projects", unit="SA")


def test_the_demo_staffing_cycle_leaves_work_for_each_role(units, demo_users):
    from appraisal.models import StaffingPlan, StaffingProposal
    from tests.factories import UnitFactory
    from tests.workflows.staffing_fixtures import YEAR
    from workflows.my_work import work_list_for_user
    from workflows.staffing_demo import demo_staffing_seed

    UnitFactory(code="SA-P2", parent=units["a"], kind="division", name="Phòng A2")
    commune = UnitFactory(
        code="X1", parent=units["province"], kind="commune_pc", name="Xã Một"
    )
    process = demo_staffing_seed(users=demo_users, year=YEAR, unit_code="SA")
    plan = process.plan
    asked = set(plan.proposals.values_list("unit__code", flat=True))
    # Every agency and commune, and the demo unit's two divisions.
    assert asked == {"SA", "SB", "SA-P1", "SA-P2", commune.code}
    states = dict(
        StaffingProposal.objects.filter(plan=plan).values_list("unit__code", "status")
    )
    assert states["SA"] == StaffingPlan.Status.RECEIVED
    assert states["SA-P1"] == StaffingPlan.Status.SUBMITTED
    assert states["SA-P2"] == StaffingPlan.Status.REVISION_REQUESTED
    assert states["SB"] == StaffingPlan.Status.DRAFT

    def steps(who):
        return {
            task.flow_task.name
            for task in work_list_for_user(user=demo_users[who])
            if task.process.flow_class.__name__.startswith("Staffing")
        }

    assert "close_collection" in steps("divisionhead")
    assert "review" in steps("appraiser")
    assert "draft" in steps("officer")
    # Last year's quotas were filled in, so the units' numbers are not empty.
    assert (
        plan.proposals.get(unit__code="SB")
        .lines.get(post_kind="civil_servant")
        .assigned
        > 0
    )
    # Running it again adds nothing.
    assert demo_staffing_seed(users=demo_users, year=YEAR, unit_code="SA") is None


def test_the_staffing_command_needs_the_demo_logins(units):
    with pytest.raises(CommandError):
        call_command("seed_demo_staffing", unit="SA")


def test_the_demo_leaves_unread_notifications_in_each_bell(
    client, units, demo_users, django_capture_on_commit_callbacks
):
    """``make demo`` seeds through the real flows, whose background jobs (eager
    in the embedded setup) tell each person of the tasks that reached them and of
    the revisions and decisions; then it runs the deadline sweep. Every demo login
    finds unread notifications in the bell."""
    from appraisal.models import Notification
    from appraisal.selectors.notifications import notification_unread_count

    with django_capture_on_commit_callbacks(execute=True):
        demo_processes_seed(unit=units["a"], users=demo_users)
        call_command("deadline_sweep", stdout=io.StringIO())
    for who, user in demo_users.items():
        assert notification_unread_count(user=user) > 0, who
    events = set(Notification.objects.values_list("event", flat=True))
    assert {"task", "revision", "decision"} <= events
    client.force_login(demo_users["officer"])
    page = client.get("/home/", follow=True).content.decode()
    unread = notification_unread_count(user=demo_users["officer"])
    assert f'data-unread="{unread}"' in page
