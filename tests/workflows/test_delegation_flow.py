"""Acting for an absent colleague: the appraiser going away names a colleague,
who finds the appraisal in their work list marked "For <name>", opens it and
completes it; the audit trail says "X for Y" and its chain still verifies. A
delegation that has ended no longer works; separation of duties holds through
it; Home Affairs moves an absent appraiser's dossiers in one step, or not at
all."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm
from viewflow.workflow import STATUS

from appraisal.models import AuditEntry, Delegation, Notification
from appraisal.selectors.audit import audit_chains_verify
from orgchart.permissions import Role
from tests.workflows.conftest import url
from workflows.permissions import sole_candidate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HOME = "/home/"


def _delegate(client, delegator, delegate, **overrides):
    client.force_login(delegator)
    data = {
        "delegate": delegate.pk,
        "role": "appraiser",
        "starts_on": TODAY.strftime("%d/%m/%Y"),
        "ends_on": (TODAY + datetime.timedelta(days=5)).strftime("%d/%m/%Y"),
        "reason": "Đi công tác",
        **overrides,
    }
    return client.post(reverse("delegations"), data)


@pytest.fixture
def appraising(driver):
    """A project at the appraisal, held by ``appraiser``."""
    process = driver.to_appraisal()
    task = driver.open_task(process, "appraise")
    assert task.owner == driver.people["appraiser"]
    return process


def test_the_delegate_sees_and_completes_the_absent_appraisers_appraisal(
    client, driver, people, appraising
):
    response = _delegate(client, people["appraiser"], people["appraiser2"])
    assert response.status_code == 302
    task = driver.open_task(appraising, "appraise")

    client.force_login(people["appraiser2"])
    home = client.get(HOME).content.decode()
    assert f'data-task="{task.pk}"' in home
    assert f'data-acting-for="{people["appraiser"].pk}"' in home
    assert "For appraiser" in home
    assert client.get(url(task, "execute")).status_code == 200

    assert driver.save_report("appraiser2", appraising).status_code == 302
    response = driver.execute(
        "appraiser2", appraising, "appraise", {"action": "complete", "comment": ""}
    )
    assert response.status_code == 302, response.content[:2000]

    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert driver.open_node(appraising) == "review_report"
    entries = AuditEntry.objects.filter(
        dossier_id=appraising.project.pk,
        action__in=[AuditEntry.Action.REPORT_SAVED, AuditEntry.Action.REPORT_COMPLETED],
    )
    assert {(e.actor_id, e.on_behalf_of_id) for e in entries} == {
        (people["appraiser2"].pk, people["appraiser"].pk)
    }
    assert audit_chains_verify(dossier_ids=[appraising.project.pk]).broken == []
    client.force_login(people["division_head"])
    page = client.get(
        reverse("jobpositionproject:process_detail", args=[appraising.pk])
    )
    assert "appraiser2 for appraiser" in page.content.decode()


def test_an_ended_delegation_no_longer_works(client, driver, people, appraising):
    _delegate(client, people["appraiser"], people["appraiser2"])
    Delegation.objects.update(
        starts_on=TODAY - datetime.timedelta(days=9),
        ends_on=TODAY - datetime.timedelta(days=1),
    )
    task = driver.open_task(appraising, "appraise")

    client.force_login(people["appraiser2"])
    assert f'data-task="{task.pk}"' not in client.get(HOME).content.decode()
    # The dossier is no longer theirs to see at all.
    assert client.get(url(task, "execute")).status_code == 404
    response = driver.execute(
        "appraiser2", appraising, "appraise", {"action": "complete", "comment": ""}
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED


def test_the_deadline_sweep_reminds_the_delegate_too_but_not_a_party(
    client, driver, people, units, appraising, django_capture_on_commit_callbacks
):
    from appraisal.models import Dossier
    from appraisal.selectors.deadlines import deadline_due_soon_until
    from workflows.notifications import deadline_sweep

    _delegate(client, people["appraiser"], people["appraiser2"])
    Dossier.objects.filter(pk=appraising.project.pk).update(
        due_on=deadline_due_soon_until()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_sweep() == 2
    reminded = Notification.objects.filter(event=Notification.Event.DUE_SOON)
    assert {n.recipient.username for n in reminded} == {"appraiser", "appraiser2"}
    # A stand-in who also acts for the dossier's unit is not reminded of it.
    Notification.objects.all().delete()
    assign_perm("orgchart.act_for_unit", people["appraiser2"], units["a"])
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_sweep() == 1
    assert {n.recipient.username for n in reminded.all()} == {"appraiser"}


def test_separation_of_duties_holds_through_a_delegation(
    client, driver, people, units, appraising
):
    # appraiser2 also drafts for department A, whose dossier this is.
    assign_perm("orgchart.act_for_unit", people["appraiser2"], units["a"])
    _delegate(client, people["appraiser"], people["appraiser2"])
    task = driver.open_task(appraising, "appraise")

    client.force_login(people["appraiser2"])
    assert f'data-task="{task.pk}"' not in client.get(HOME).content.decode()
    assert client.get(url(task, "execute")).status_code == 403
    response = driver.execute(
        "appraiser2", appraising, "appraise", {"action": "complete", "comment": ""}
    )
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED
    assert not AuditEntry.objects.filter(on_behalf_of__isnull=False).exists()


def test_the_delegates_work_list_costs_the_same_with_more_delegated_tasks(
    client, driver, people, appraising
):
    _delegate(client, people["appraiser"], people["appraiser2"])
    client.force_login(people["appraiser2"])
    with CaptureQueriesContext(connection) as one:
        assert client.get(HOME).status_code == 200
    second = driver.to_appraisal(title="Đề án thứ hai")
    client.force_login(people["appraiser2"])
    with CaptureQueriesContext(connection) as two:
        page = client.get(HOME).content.decode()
    assert page.count('data-acting-for="') == 2
    assert len(two) == len(one), (len(one), len(two))
    assert second


def test_home_affairs_reassigns_an_absent_appraisers_dossiers_in_one_step(
    client, driver, people, appraising
):
    task = driver.open_task(appraising, "appraise")
    client.force_login(people["division_head"])
    response = client.post(
        reverse("delegations_reassign"),
        {"absent": people["appraiser"].pk, "appraiser": people["appraiser2"].pk},
    )
    assert response.status_code == 302

    project = appraising.project
    project.refresh_from_db()
    task.refresh_from_db()
    assert project.assigned_appraiser == people["appraiser2"]
    assert task.owner == people["appraiser2"]
    entry = AuditEntry.objects.filter(dossier_id=project.pk).latest("pk")
    assert entry.action == AuditEntry.Action.APPRAISER_ASSIGNED
    assert entry.actor == people["division_head"]
    assert Notification.objects.filter(
        recipient=people["appraiser2"], dossier_id=project.pk
    ).exists()
    # The new appraiser appraises it as their own.
    client.force_login(people["appraiser2"])
    assert client.get(url(task, "execute")).status_code == 200
    client.force_login(people["appraiser"])
    assert client.get(url(task, "execute")).status_code == 404


def test_a_reassignment_to_a_party_of_the_unit_changes_nothing(
    client, driver, people, units, appraising
):
    assign_perm("orgchart.sign_for_unit", people["appraiser2"], units["a"])
    task = driver.open_task(appraising, "appraise")
    before = AuditEntry.objects.count()
    client.force_login(people["director"])
    response = client.post(
        reverse("delegations_reassign"),
        {"absent": people["appraiser"].pk, "appraiser": people["appraiser2"].pk},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "separation of duties" in text
    assert appraising.project.title in text
    project = appraising.project
    project.refresh_from_db()
    task.refresh_from_db()
    assert project.assigned_appraiser == people["appraiser"]
    assert task.owner == people["appraiser"]
    assert AuditEntry.objects.count() == before


def _told_of(task, person) -> bool:
    return Notification.objects.filter(
        recipient=person,
        event=Notification.Event.TASK,
        key=f"task:{task.pk}:{person.pk}",
    ).exists()


def test_a_task_given_to_an_absent_person_reaches_their_stand_in(
    client, driver, people
):
    process = driver.to_reception()
    _delegate(client, people["appraiser"], people["appraiser2"])
    driver.execute("reception", process, "receive", {"decision": "accept"})
    response = driver.execute(
        "division_head",
        process,
        "assign_appraiser",
        {"appraiser": people["appraiser"].pk},
    )
    assert response.status_code == 302, response.content[:2000]
    task = driver.open_task(process, "appraise")
    assert task.owner == people["appraiser"]
    assert _told_of(task, people["appraiser"])
    assert _told_of(task, people["appraiser2"])


def test_a_sole_candidates_stand_in_who_is_a_party_is_not_told(
    client, driver, people, units, make_user
):
    """The director is the one person the signature can go to (the other
    director signs for department A, whose dossier it is) and is away: the
    stand-in is that other director, a party, who is not told of it."""
    director2 = make_user(Role.DIRECTOR, username="director2")
    assign_perm("orgchart.sign_for_unit", director2, units["a"])
    _delegate(client, people["director"], director2, role="director")
    assert Delegation.objects.filter(delegate=director2).exists()
    process = driver.to_director()
    task = driver.open_task(process, "sign_report")
    assert task.owner == people["director"]
    # Given with what tells the stand-in is worth looking up.
    assert sole_candidate("sign_report", process.project).has_stand_in is True
    assert _told_of(task, people["director"])
    assert not _told_of(task, director2)


def test_a_queued_task_reaches_everyone_who_may_take_it_in_one_query(
    client, driver, people, django_assert_num_queries
):
    """A unit officer's task waiting in the queue of department A: everyone who
    drafts for it is told, read whole in one query with whether someone stands
    in for them (a stand-in acts for the same units, so is among them)."""
    from viewflow.workflow.models import Task as FlowTask

    from workflows.notifications import task_recipients

    process = driver.start("officer")
    task = driver.open_task(process, "draft")
    FlowTask.objects.filter(pk=task.pk).update(owner=None, status=STATUS.NEW)
    queued = FlowTask.objects.select_related("process").get(pk=task.pk)
    # As a step holds it: with its unit.
    dossier = (
        type(process.project).objects.select_related("unit").get(pk=process.project.pk)
    )
    with django_assert_num_queries(1):
        told, known = task_recipients(queued, dossier)
    department_a = {people[name].pk for name in ("officer", "officer2", "head")}
    assert told == department_a
    assert {person.pk for person in known} == department_a
    assert all(person.has_stand_in is False for person in known)
