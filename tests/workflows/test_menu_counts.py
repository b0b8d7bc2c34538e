"""The menu's counters of the job-position flow (inbox, queue) on every page of
the flow: the numbers of tasks the person finds in those lists, counted in one
statement, which the inbox's and queue's pagers reuse when no filter is applied.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm, remove_perm
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from orgchart.permissions import Role
from tests.workflows.dashboard_fixtures import SIGNED_IN_ROLES
from workflows import selectors
from workflows.pagination import Counted

pytestmark = pytest.mark.django_db

NS = "jobpositionproject"


def _menu_counts(html: str) -> tuple[int, int]:
    """The numbers the menu shows beside "Inbox" and "Queue"."""
    found = {}
    for name in ("inbox", "queue"):
        link = re.search(
            rf'href="{reverse(f"{NS}:{name}")}">.*?'
            r'<span class="mdc-list-item__meta">(\d+)</span>',
            html,
            re.S,
        )
        assert link, f"no counter beside {name}"
        found[name] = int(link.group(1))
    return found["inbox"], found["queue"]


def _task_counts(queries) -> int:
    return sum(
        1
        for query in queries
        if "COUNT(" in query["sql"] and 'FROM "viewflow_task"' in query["sql"]
    )


def _waiting_in_queue(process, node: str) -> Task:
    """The open ``node`` task of ``process``, put back in the queue (nobody
    holds it), as when the person who held it has left."""
    task = Task.objects.get(process=process, flow_task_type="HUMAN", finished=None)
    assert task.flow_task.name == node
    Task.objects.filter(pk=task.pk).update(status=STATUS.NEW, owner=None)
    return task


@pytest.mark.parametrize("who", SIGNED_IN_ROLES)
def test_the_menu_counts_what_the_inbox_and_queue_list(client, people, world, who):
    user = people[who]
    client.force_login(user)
    response = client.get(reverse(f"{NS}:index"))
    assert response.status_code == 200
    inbox = list(selectors.task_list_inbox(user=user))
    queue = list(selectors.task_list_queue(user=user))
    assert _menu_counts(response.content.decode()) == (len(inbox), len(queue))


def test_the_counters_follow_the_work(client, people, world):
    """The reception desk's counters move as a dossier is received."""
    client.force_login(people["reception"])
    before = _menu_counts(client.get(reverse(f"{NS}:queue")).content.decode())
    assert before == (1, 1)  # "Chờ tiếp nhận" held, Sở B's dossier waiting
    task = Task.objects.get(process=world["other_unit"], status=STATUS.NEW)
    response = client.post(
        task.flow_task.reverse("assign", args=[task.process_id, task.pk]), {}
    )
    assert response.status_code == 302
    after = _menu_counts(client.get(reverse(f"{NS}:inbox")).content.decode())
    assert after == (2, 0)


def test_the_inbox_and_queue_count_their_tasks_once(client, people, world):
    client.force_login(people["reception"])
    for name in ("inbox", "queue"):
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse(f"{NS}:{name}"))
        html = response.content.decode()
        # The menu's counters and the list's pager: one statement.
        assert _task_counts(context.captured_queries) == 1, name
        assert _menu_counts(html) == (1, 1)
        assert "Chờ tiếp nhận" in html if name == "inbox" else "Hồ sơ Sở B" in html


def test_a_filtered_list_counts_its_own_rows(client, people, world):
    """With a search, the pager counts the tasks that match, the menu all."""
    client.force_login(people["officer"])
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse(f"{NS}:inbox") + "?search=Chờ+soạn")
    html = response.content.decode()
    # The menu's count; the pager counts the matching rows as it finds them.
    assert _task_counts(context.captured_queries) == 1
    assert "Chờ soạn" in html
    assert "Chờ chỉnh sửa" not in html
    summary = re.search(r'pagination-summary">(.*?)</span>', html, re.S)
    assert summary.group(1).strip() == "1–1 of 1"
    inbox = selectors.task_list_inbox(user=people["officer"]).count()
    assert inbox >= 2
    assert _menu_counts(html)[0] == inbox


def test_the_queue_keeps_each_step_to_the_permission_it_needs(
    client, people, world, make_user, units
):
    """A person who drafts for department B and signs for department A may take
    A's signature but not A's revision: seeing a dossier is not enough to take
    its unit's steps. Someone who only drafts for A takes A's revision."""
    revise = _waiting_in_queue(world["revise"], "revise")
    submit = Task.objects.get(process=world["submit"], status=STATUS.NEW)
    both = make_user(Role.UNIT_OFFICER, units=[units["b"]], username="both")
    assign_perm("orgchart.sign_for_unit", both, units["a"])
    queued, html = _queue_of(client, both)
    assert submit.pk in queued
    assert revise.pk not in queued
    assert "Chờ ký" in html
    assert "Chờ chỉnh sửa" not in html

    queued, html = _queue_of(client, people["officer2"])
    assert revise.pk in queued
    assert submit.pk not in queued
    assert "Chờ chỉnh sửa" in html


def _queue_of(client, user) -> tuple[set[int], str]:
    """The tasks of ``user``'s queue, and their queue page (whose counter must
    say as many)."""
    queued = set(selectors.task_list_queue(user=user).values_list("pk", flat=True))
    client.force_login(user)
    html = client.get(reverse(f"{NS}:queue")).content.decode()
    assert _menu_counts(html)[1] == len(queued)
    return queued, html


def test_the_counts_stop_one_past_their_limit(people, world):
    """Each counter reads no further than its limit and one more task: below
    it the count is exact, past it the counter only knows there are more."""
    officer = people["officer"]
    held = selectors.task_list_inbox(user=officer).count()
    assert held >= 2
    short = selectors.task_counts_for_user(user=officer, limit=held - 1)
    assert short.counted("inbox") == Counted(count=held - 1, more=True)
    exact = selectors.task_counts_for_user(user=officer, limit=held)
    assert exact.counted("inbox") == Counted(count=held, more=False)


def test_a_counter_past_its_limit_reads_more_and_the_list_counts_on(
    client, people, world, monkeypatch
):
    """Past the limit the menu says "N+", and the inbox, whose pager cannot
    take its length from there, counts and lists every task."""
    officer = people["officer"]
    held = selectors.task_list_inbox(user=officer).count()
    assert held >= 2
    monkeypatch.setattr(selectors, "TASK_COUNT_LIMIT", held - 1)
    client.force_login(officer)
    html = client.get(reverse(f"{NS}:inbox")).content.decode()
    badge = re.search(
        rf'href="{reverse(f"{NS}:inbox")}">.*?'
        r'<span class="mdc-list-item__meta">([^<]*)</span>',
        html,
        re.S,
    )
    assert badge.group(1) == f"{held - 1}+"
    summary = re.search(r'pagination-summary">(.*?)</span>', html, re.S)
    assert summary.group(1).strip() == f"1–{held} of {held}"
    assert "Chờ soạn" in html


def test_the_inbox_and_its_counter_keep_to_the_scope_the_person_has_today(
    client, people, world, units
):
    """An officer moved to department B no longer finds in their inbox, nor
    counts, the drafts of department A they still hold."""
    officer = people["officer"]
    client.force_login(officer)
    html = client.get(reverse(f"{NS}:inbox")).content.decode()
    assert "Chờ soạn" in html
    assert _menu_counts(html)[0] >= 1
    remove_perm("orgchart.act_for_unit", officer, units["a"])
    assign_perm("orgchart.act_for_unit", officer, units["b"])
    client.force_login(officer)
    html = client.get(reverse(f"{NS}:inbox")).content.decode()
    assert "Chờ soạn" not in html
    assert _menu_counts(html) == (0, 0)
    assert not selectors.task_list_inbox(user=officer).exists()
