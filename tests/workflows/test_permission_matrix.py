"""Every URL of the job-position flow, as every role: who gets 200, who is sent on
(302), who gets 403 and who 404.

The rules, from PRODUCT.md and issue 3 §5, written out here independently of the
code under test:

- a dossier is *visible* to the unit people of its unit (drafts included), to the
  Home Affairs roles, the committee and observers once it has been submitted, and to
  the appraiser assigned to it; to nobody else (404, as if it did not exist);
- a task is *for* the unit officers (draft, revise) or heads (submit) of the unit,
  the reception officers, the division head, the assigned appraiser, the director or
  the committee — minus anyone who drafts or signs for the unit on a Home Affairs or
  committee task (separation of duties);
- someone the task is not for gets 403 on its action pages; someone it is for is
  sent to the right page (or told someone else has it) with a 302;
- lists and the flow chart are open to every signed-in person (each list shows only
  their scope, tested in test_scope.py); anonymous visitors are sent to log in.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from appraisal.models import Attachment, JobPositionProject
from workflows.flows import JobPositionProjectFlow

pytestmark = pytest.mark.django_db

ROLES = [
    None,  # anonymous
    "officer",
    "officer2",
    "head",
    "officer_b",
    "head_b",
    "reception",
    "reception2",
    "division_head",
    "appraiser",
    "appraiser2",
    "director",
    "committee",
    "committee_a",
    "observer",
    "administrator",
]
UNIT_A_PEOPLE = {"officer", "officer2", "head", "committee_a"}
PROVINCE_WIDE = {
    "reception",
    "reception2",
    "division_head",
    "director",
    "committee",
    "committee_a",
    "observer",
}
#: Who each task is for, on a dossier of department A.
TASK_FOR = {
    "draft": {"officer", "officer2", "head"},
    "revise": {"officer", "officer2", "head"},
    "submit": {"head", "committee_a"},
    "receive": {"reception", "reception2"},
    "assign_appraiser": {"division_head"},
    "appraise": {"appraiser"},
    "review_report": {"division_head"},
    "sign_report": {"director"},
    "decide": {"committee"},
}
STARTERS = {"officer", "officer2", "head", "officer_b", "head_b"}


def _flow_url_names() -> set[str]:
    """Every route of the flow's application, as ``namespace:name``."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = (
                        f"{namespace}:{pattern.namespace}"
                        if namespace
                        else (pattern.namespace)
                    )
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return {name for name in names if name.startswith("jobpositionproject:")}


def _tasks_to_walk(process, world) -> list[Task]:
    """Every task of the approved dossier (one of each node, all finished) and the
    open task of every other one."""
    tasks = Task.objects.filter(process=process).order_by("pk")
    if process.pk == world["done"].pk:
        return list(tasks)
    return list(tasks.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]))


_VISIBLE: dict = {}


def _visible(role, process) -> bool:
    key = (role, process.pk)
    if key not in _VISIBLE:
        _VISIBLE[key] = _compute_visible(role, process)
    return _VISIBLE[key]


def _compute_visible(role, process) -> bool:
    project = JobPositionProject.objects.get(pk=process.artifact_object_id)
    in_unit_a = project.unit.code in ("SA", "SA-P1")
    if role in UNIT_A_PEOPLE and in_unit_a:
        return True
    if role in ("officer_b", "head_b") and not in_unit_a:
        return True
    if role in PROVINCE_WIDE and project.current_revision >= 1:
        return True
    return role == "appraiser" and project.assigned_appraiser_id is not None


def _expected_task_page(role, people, action, task, process) -> int:
    if role is None:
        return 302
    if not _visible(role, process):
        return 404
    if action == "index":
        return 302
    if action == "detail":
        return 200
    finished = task.status not in (STATUS.NEW, STATUS.ASSIGNED)
    if finished:
        return 302
    user = people[role]
    if role not in TASK_FOR[task.flow_task.name]:
        return 403
    if action == "assign":
        return 200 if task.owner_id is None else 302
    if action == "execute":
        return 200 if task.owner_id == user.pk else 302
    if action == "unassign":
        return 200 if task.owner_id == user.pk else 302
    raise AssertionError(action)


def matrix_requests(people, world):
    """Every page the matrix visits, as ``(role, url name, args, expected status)``:
    each list, the start page, each dossier's pages and each task's pages, for every
    role (``None`` is the anonymous visitor). Other tests reuse it to look at the
    pages themselves."""
    _VISIBLE.clear()
    for role in ROLES:
        for name in (
            "index",
            "process_list",
            "task_list",
            "inbox",
            "queue",
            "archive",
            "chart",
        ):
            yield role, f"jobpositionproject:{name}", [], 302 if role is None else 200
        # Every kind of dossier together: each signed-in person, their own scope.
        for name in ("dossiers:index", "dossiers:archive", "dossiers:audit"):
            yield role, name, [], 302 if role is None else 200
        yield (
            role,
            "jobpositionproject:start:execute",
            [],
            302 if role is None else 200 if role in STARTERS else 403,
        )
        for process in world.values():
            expected = 302 if role is None else 200 if _visible(role, process) else 404
            for name in ("process_detail", "process_chart", "lines_template"):
                yield role, f"jobpositionproject:{name}", [process.pk], expected
            for attachment in Attachment.objects.filter(
                dossier_id=process.artifact_object_id
            )[:1]:
                yield (
                    role,
                    "jobpositionproject:attachment",
                    [process.pk, attachment.pk],
                    expected,
                )
            for task in _tasks_to_walk(process, world):
                node = task.flow_task
                for action in ("index", "detail", "execute", "assign", "unassign"):
                    if action in ("execute", "assign", "unassign") and (
                        node.task_type != "HUMAN"
                    ):
                        continue
                    yield (
                        role,
                        f"jobpositionproject:{node.name}:{action}",
                        [process.pk, task.pk],
                        _expected_task_page(role, people, action, task, process),
                    )


def test_every_url_of_the_flow_as_every_role(client, people, world):
    requested: set[str] = set()
    mismatches: list[str] = []
    for role, name, args, expected in matrix_requests(people, world):
        requested.add(name)
        path = reverse(name, args=args)
        if role is None:
            client.logout()
        else:
            client.force_login(people[role])
        status = client.get(path).status_code
        if status != expected:
            mismatches.append(
                f"{role or 'anonymous'} GET {path}: {status} != {expected}"
            )

    assert mismatches == []
    # Nothing of the flow was left out.
    assert _flow_url_names() - requested == set()


def test_nobody_else_can_take_or_complete_a_task(client, people, world):
    """POSTs of people a task is not for change nothing (403, or 404 outside the
    scope); every task stays where it was."""
    _VISIBLE.clear()
    open_tasks = {
        node: Task.objects.get(
            process=world[node],
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            flow_task_type="HUMAN",
        )
        for node in TASK_FOR
    }
    before = {node: (t.status, t.owner_id) for node, t in open_tasks.items()}
    for node, task in open_tasks.items():
        for role in ROLES[1:]:
            if role in TASK_FOR[node]:
                continue
            client.force_login(people[role])
            expected = 404 if not _visible(role, world[node]) else 403
            for action in ("assign", "execute"):
                path = reverse(
                    f"jobpositionproject:{node}:{action}",
                    args=[task.process_id, task.pk],
                )
                response = client.post(path, {"_complete": "1", "comment": "x"})
                assert response.status_code == expected, (role, path)
    after = {
        node: Task.objects.filter(pk=t.pk).values_list("status", "owner_id").get()
        for node, t in open_tasks.items()
    }
    assert after == before


def test_a_task_url_of_another_process_or_node_is_not_found(client, people, world):
    """viewflow itself resolves a task by its id alone; here the process and the
    node in the URL must be the task's own."""
    task = Task.objects.get(
        process=world["receive"], flow_task=JobPositionProjectFlow.receive
    )
    client.force_login(people["reception"])
    assert (
        client.get(
            reverse(
                "jobpositionproject:receive:execute", args=[world["decide"].pk, task.pk]
            )
        ).status_code
        == 404
    )
    client.force_login(people["committee"])
    decide = Task.objects.get(
        process=world["decide"], flow_task=JobPositionProjectFlow.decide
    )
    before = (decide.status, decide.owner_id)
    assert (
        client.get(
            reverse("jobpositionproject:decide:assign", args=[task.process_id, task.pk])
        ).status_code
        == 404
    )
    decide.refresh_from_db()
    assert (decide.status, decide.owner_id) == before
