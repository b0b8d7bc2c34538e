"""Two people on one task, a double-clicked submit, a stale form: one action wins,
the other person is told what happened, and nothing is applied twice.

The concurrent cases run real requests in threads, each with its own database
connection, against committed data (``transaction=True``): on PostgreSQL the flow's
row lock (SELECT … FOR UPDATE NOWAIT) and the services' row locks decide; on SQLite
the file lock serialises the writers. Both databases run every test here.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction
from django.test import Client
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process, Task

from appraisal.models import AuditEntry, JobPositionProject, Revision
from tests.workflows.conftest import dossier_url, url

pytestmark = pytest.mark.django_db(transaction=True)


WARNING_WORDS = ("already", "Someone else")


def _post_together(requests: list[tuple]) -> list:
    """POST every (user, path, data) at the same instant, each from its own thread
    (so its own database connection), then follow each redirect in this thread and
    return the pages each person ends up on.

    People log in before the threads start, and the pages after the POSTs are read
    afterwards: on SQLite's in-memory test database a read that meets another
    thread's uncommitted write fails at once ("table is locked") instead of waiting,
    which would test the test database, not the application.
    """
    clients = []
    for user, _path, _data in requests:
        client = Client()
        client.force_login(user)
        clients.append(client)
    barrier = threading.Barrier(len(requests))
    posted: list = [None] * len(requests)
    errors: list = []

    def run(index, client, path, data):
        try:
            barrier.wait(timeout=30)
            posted[index] = client.post(path, data)
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, clients[index], path, data))
        for index, (_user, path, data) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    pages = []
    for client, response in zip(clients, posted, strict=True):
        assert response.status_code == 302, response.status_code
        page = client.get(response["Location"], follow=True)
        page.first_location = response["Location"]
        pages.append(page)
    return pages


def _messages(response) -> str:
    """The message shown to the person (viewflow's snackbar at the page's end).
    Read from the page itself: the test client's ``response.context`` is gathered
    through a global signal and cannot tell two threads' pages apart."""
    content = response.content.decode()
    return content[content.rfind("<vf-snackbar") :]


def test_two_reception_officers_take_the_same_task_one_gets_it(driver, people):
    process = driver.to_reception()
    task = driver.open_task(process)
    responses = _post_together(
        [
            (people["reception"], url(task, "assign"), {}),
            (people["reception2"], url(task, "assign"), {}),
        ]
    )
    assert [response.status_code for response in responses] == [200, 200]
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED
    assert task.owner in (people["reception"], people["reception2"])
    loser = responses[1] if task.owner == people["reception"] else responses[0]
    assert any(word in _messages(loser) for word in WARNING_WORDS), _messages(loser)
    winner = responses[0] if loser is responses[1] else responses[1]
    # The winner lands on the task's form, the other on the dossier.
    assert winner.first_location == url(task, "execute")
    assert loser.first_location == dossier_url(process)


def test_double_clicked_submit_submits_once(driver, people):
    process = driver.start("officer")
    driver.attach_required("officer", process)
    driver.draft("officer", process, [driver.add_line()])
    task = driver.open_task(process, "submit")
    driver.take("head", task)
    data = {"_complete": "1", "comment": "Kính trình"}
    responses = _post_together(
        [
            (people["head"], url(task, "execute"), data),
            (people["head"], url(task, "execute"), data),
        ]
    )
    assert [response.status_code for response in responses] == [200, 200]
    project = JobPositionProject.objects.get(pk=process.artifact_object_id)
    assert project.status == JobPositionProject.Status.SUBMITTED
    assert Revision.objects.filter(dossier=project).count() == 1
    assert (
        AuditEntry.objects.filter(
            dossier=project, action=AuditEntry.Action.SUBMITTED
        ).count()
        == 1
    )
    # One receive task, not two.
    assert (
        Task.objects.filter(process=process, flow_task_type="HUMAN")
        .exclude(status=STATUS.DONE)
        .count()
        == 1
    )
    texts = [_messages(response) for response in responses]
    assert sum(any(word in text for word in WARNING_WORDS) for text in texts) == 1, (
        texts
    )


def test_two_decisions_posted_at_once_for_one_task_record_one(driver, people):
    process = driver.to_committee()
    task = driver.open_task(process, "decide")
    driver.take("committee", task)
    effective = "2099-01-01"
    approve = {"_complete": "1", "outcome": "approved", "effective_date": effective}
    reject = {"_complete": "1", "outcome": "rejected", "comment": "Không đạt"}
    responses = _post_together(
        [
            (people["committee"], url(task, "execute"), approve),
            (people["committee"], url(task, "execute"), reject),
        ]
    )
    assert [response.status_code for response in responses] == [200, 200]
    project = JobPositionProject.objects.get(pk=process.artifact_object_id)
    assert project.decisions.count() == 1
    decision = project.decisions.get()
    assert project.status == (
        JobPositionProject.Status.APPLIED
        if decision.outcome == "approved"
        else JobPositionProject.Status.REJECTED
    )
    assert Process.objects.get(pk=process.pk).status == "DONE"
    texts = [_messages(response) for response in responses]
    assert sum(any(word in text for word in WARNING_WORDS) for text in texts) == 1, (
        texts
    )


def test_stale_form_of_a_task_someone_else_completed_changes_nothing(
    client, driver, people
):
    process = driver.to_reception()
    task = driver.open_task(process)
    # Reception officer 1 opens the form, then hands the task back.
    driver.take("reception", task)
    client.force_login(people["reception"])
    assert client.get(url(task, "execute")).status_code == 200
    assert client.post(url(task, "unassign")).status_code == 302
    # Officer 2 takes it and refuses the dossier.
    driver.execute(
        "reception2", process, "receive", {"decision": "refuse", "reason": "Sai"}
    )
    # Officer 1's stale form arrives.
    client.force_login(people["reception"])
    response = client.post(
        url(task, "execute"),
        {"_complete": "1", "decision": "accept"},
        follow=True,
    )
    assert response.status_code == 200
    assert "already completed" in _messages(response)
    project = JobPositionProject.objects.get(pk=process.artifact_object_id)
    assert project.status == JobPositionProject.Status.REFUSED
    assert project.receipt_number == ""
    assert not AuditEntry.objects.filter(
        dossier=project, action=AuditEntry.Action.ACCEPTED
    ).exists()


def test_a_held_dossier_lock_is_answered_with_a_message_not_an_error(driver, people):
    """Someone holds the dossier's process row (a long step in progress): the second
    person is told that someone else is acting on the dossier after a short wait
    (the flow lock's retries), nothing changes, and once the row is free the same
    action goes through exactly once. Never a 500, never a double write."""
    process = driver.to_reception()
    task = driver.open_task(process)
    driver.take("reception", task)
    client = Client()
    client.force_login(people["reception"])
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Process.objects.select_for_update().filter(pk=process.pk).update(
                    finished=None
                )
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        response = client.post(
            url(task, "execute"), {"_complete": "1", "decision": "accept"}
        )
    finally:
        release.set()
        holder.join(timeout=30)
    assert response.status_code == 302
    assert response["Location"] == dossier_url(process)
    page = client.get(response["Location"])
    assert "Someone else is acting on this dossier" in _messages(page)
    project = JobPositionProject.objects.get(pk=process.artifact_object_id)
    assert project.status == JobPositionProject.Status.SUBMITTED
    assert Task.objects.get(pk=task.pk).status == STATUS.ASSIGNED

    response = client.post(
        url(task, "execute"), {"_complete": "1", "decision": "accept"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == JobPositionProject.Status.RECEIVED
    assert (
        AuditEntry.objects.filter(
            dossier=project, action=AuditEntry.Action.ACCEPTED
        ).count()
        == 1
    )
