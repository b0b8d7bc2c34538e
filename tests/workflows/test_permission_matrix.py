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


def _flow_url_names(prefix: str = "jobpositionproject:") -> set[str]:
    """Every route of the flow's application (``prefix``), as
    ``namespace:name``."""
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
    return {name for name in names if name.startswith(prefix)}


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
    return _expected_on_task(
        role,
        people,
        action,
        task,
        visible=role is not None and _visible(role, process),
        task_for=TASK_FOR.get(task.flow_task.name, set()),
    )


def _expected_on_task(role, people, action, task, *, visible, task_for) -> int:
    if role is None:
        return 302
    if not visible:
        return 404
    if action == "index":
        return 302
    if action == "detail":
        return 200
    finished = task.status not in (STATUS.NEW, STATUS.ASSIGNED)
    if finished:
        return 302
    user = people[role]
    if role not in task_for:
        return 403
    if action == "assign":
        return 200 if task.owner_id is None else 302
    if action == "execute":
        return 200 if task.owner_id == user.pk else 302
    if action == "unassign":
        return 200 if task.owner_id == user.pk else 302
    raise AssertionError(action)


def matrix_requests(people, world, staffing_world=None):
    """Every page the matrix visits, as ``(role, url name, args, expected status)``:
    each list, the start page, each dossier's pages and each task's pages, for every
    role (``None`` is the anonymous visitor); with ``staffing_world``, those of the
    staffing plan's two flows too (:func:`staffing_matrix_requests`). Other tests
    reuse it to look at the pages themselves."""
    if staffing_world is not None:
        yield from staffing_matrix_requests(people, staffing_world)
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
                for action in _task_actions(task):
                    yield (
                        role,
                        f"jobpositionproject:{task.flow_task.name}:{action}",
                        [process.pk, task.pk],
                        _expected_task_page(role, people, action, task, process),
                    )


def _task_actions(task) -> list[str]:
    """The pages of a task: a person's task has its take, release and form too."""
    if task.flow_task.task_type == "HUMAN":
        return ["index", "detail", "execute", "assign", "unassign"]
    return ["index", "detail"]


# --- the staffing plan's flows ---------------------------------------------------

#: Who follows a staffing cycle and sees every unit's proposal.
STAFFING_WIDE = PROVINCE_WIDE | {"appraiser", "appraiser2"}
UNIT_B_PEOPLE = {"officer_b", "head_b"}
#: Who each task of the staffing flows is for (the proposal's unit tasks by unit).
STAFFING_TASK_FOR = {
    "close_collection": {"division_head"},
    "assign_appraiser": {"division_head"},
    "appraise": {"appraiser"},
    "review_report": {"division_head"},
    "sign_report": {"director"},
    "decide": {"committee", "committee_a"},
    "record_resolution": {"division_head"},
    "allocate": {"committee", "committee_a"},
    "review": {"appraiser", "appraiser2"},
}
STAFFING_UNIT_TASK_FOR = {
    ("A", "draft"): {"officer", "officer2", "head"},
    ("A", "submit"): {"head", "committee_a"},
    ("B", "draft"): {"officer_b", "head_b"},
    ("B", "submit"): {"head_b"},
}


def _staffing_side(process) -> tuple[str, str]:
    """The flow's URL namespace and, for a proposal, its unit's department."""
    from workflows.models import StaffingPlanProcess

    if isinstance(process, StaffingPlanProcess):
        return "staffingplan", ""
    code = process.proposal.unit.code
    return "staffingproposal", "A" if code.startswith("SA") else "B"


def _staffing_visible(role, process) -> bool:
    if role in STAFFING_WIDE:
        return True
    flow, department = _staffing_side(process)
    if flow == "staffingplan":
        return False
    people = UNIT_A_PEOPLE if department == "A" else UNIT_B_PEOPLE
    return role in people


def _staffing_task_for(task, process) -> set[str]:
    _flow, department = _staffing_side(process)
    name = task.flow_task.name
    return STAFFING_UNIT_TASK_FOR.get((department, name)) or STAFFING_TASK_FOR.get(
        name, set()
    )


def staffing_matrix_requests(people, staffing_world):
    """The staffing flows' pages as every role: their lists, the start page,
    every cycle's and proposal's page and its tasks' pages (every task of the
    finished ones, the open task of the others)."""
    for role in ROLES:
        for flow in ("staffingplan", "staffingproposal"):
            for name in ("index", "process_list", "task_list", "chart"):
                yield role, f"staffing:{flow}:{name}", [], 302 if role is None else 200
        yield (
            role,
            "staffing:staffingplan:start:execute",
            [],
            302 if role is None else 200 if role == "division_head" else 403,
        )
        for process in staffing_world.values():
            flow, _department = _staffing_side(process)
            visible = role is not None and _staffing_visible(role, process)
            for name in ("process_detail", "process_chart"):
                yield (
                    role,
                    f"staffing:{flow}:{name}",
                    [process.pk],
                    302 if role is None else 200 if visible else 404,
                )
            tasks = Task.objects.filter(process=process).order_by("pk")
            if process.finished is None:
                tasks = tasks.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])
            for task in tasks:
                for action in _task_actions(task):
                    yield (
                        role,
                        f"staffing:{flow}:{task.flow_task.name}:{action}",
                        [process.pk, task.pk],
                        _expected_on_task(
                            role,
                            people,
                            action,
                            task,
                            visible=visible,
                            task_for=_staffing_task_for(task, process),
                        ),
                    )


def _staffing_url_names() -> set[str]:
    return {
        name
        for name in _flow_url_names(prefix="staffing:")
        if name.startswith(("staffing:staffingplan:", "staffing:staffingproposal:"))
    }


def _walk(client, people, requests) -> tuple[set[str], list[str]]:
    requested: set[str] = set()
    mismatches: list[str] = []
    for role, name, args, expected in requests:
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
    return requested, mismatches


def test_every_url_of_the_staffing_flows_as_every_role(client, people, staffing_world):
    requested, mismatches = _walk(
        client, people, staffing_matrix_requests(people, staffing_world)
    )
    assert mismatches == []
    # Nothing of either flow was left out.
    assert _staffing_url_names() - requested == set()


def test_nobody_else_can_take_or_complete_a_staffing_task(
    client, people, staffing_world
):
    """POSTs of people a staffing task is not for change nothing (403, or 404
    outside the scope: another unit's proposal); every task stays where it was."""
    cases = []
    for process in staffing_world.values():
        if process.finished is not None:
            continue
        task = Task.objects.get(
            process=process,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            flow_task_type="HUMAN",
        )
        flow, _department = _staffing_side(process)
        cases.append(
            (
                task,
                f"staffing:{flow}",
                _staffing_task_for(task, process),
                lambda role, process=process: _staffing_visible(role, process),
            )
        )
    _post_as_everyone_else(client, people, cases)


def _post_as_everyone_else(client, people, cases) -> None:
    """For each ``(task, url namespace, who it is for, visible(role))``: every
    other role's POST to take or complete it is refused (403 when they may see
    the dossier, 404 otherwise), and no task changed."""
    before = {task.pk: (task.status, task.owner_id) for task, _ns, _for, _vis in cases}
    for task, namespace, task_for, visible in cases:
        for role in ROLES[1:]:
            if role in task_for:
                continue
            client.force_login(people[role])
            expected = 403 if visible(role) else 404
            for action in ("assign", "execute"):
                path = reverse(
                    f"{namespace}:{task.flow_task.name}:{action}",
                    args=[task.process_id, task.pk],
                )
                response = client.post(path, {"_complete": "1", "comment": "x"})
                assert response.status_code == expected, (role, path)
    after = {
        pk: Task.objects.filter(pk=pk).values_list("status", "owner_id").get()
        for pk in before
    }
    assert after == before


def test_every_url_of_the_flow_as_every_role(client, people, world):
    requested, mismatches = _walk(client, people, matrix_requests(people, world))
    assert mismatches == []
    # Nothing of the flow was left out.
    assert _flow_url_names() - requested == set()


def test_nobody_else_can_take_or_complete_a_task(client, people, world):
    """POSTs of people a task is not for change nothing (403, or 404 outside the
    scope); every task stays where it was."""
    _VISIBLE.clear()
    _post_as_everyone_else(
        client,
        people,
        [
            (
                Task.objects.get(
                    process=world[node],
                    status__in=[STATUS.NEW, STATUS.ASSIGNED],
                    flow_task_type="HUMAN",
                ),
                "jobpositionproject",
                TASK_FOR[node],
                lambda role, process=world[node]: _visible(role, process),
            )
            for node in TASK_FOR
        ],
    )


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
