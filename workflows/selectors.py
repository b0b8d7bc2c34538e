"""Reads of the flow's processes and tasks, each person's scope applied here once.

viewflow's own lists show every process to anyone holding the flow's global view
permission, and its queue matches permissions on the exact object only (STACK.md
trap 1). Here every list keeps to the dossiers the person may see
(``appraisal.selectors.projects.project_ids_for_user``): the lists of dossiers
start from them, the inbox, the queue and the archive check each task's dossier
against them (``_tasks_checked_by_row``). The queue adds who may *take* each task
(``workflows.permissions``): unit people by object permission over the unit's
subtree, Home Affairs and the committee by role, minus the dossiers of units the
person drafts or signs for (separation of duties).

Every list joins or prefetches what its page shows: the number of queries does not
grow with the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process, Task

from appraisal.models import JobPositionProject
from appraisal.selectors.projects import (
    PROJECT_RELATED,
    project_ids_for_user,
    project_ids_matching,
    project_scope_under,
    project_visible,
)
from appraisal.services.dossiers import dossier_visible_get

from . import permissions
from .consolidation_selectors import WORK_SOURCES as CONSOLIDATION_WORK_SOURCES
from .models import JobPositionProjectProcess
from .pagination import LIST_PAGE_SIZE, LOOKAHEAD_PAGES, Counted
from .staffing_selectors import WORK_SOURCES as STAFFING_WORK_SOURCES


def _flow():
    from .flows import JobPositionProjectFlow

    return JobPositionProjectFlow


def _projects_prefetch(lookup: str) -> GenericPrefetch:
    return GenericPrefetch(
        lookup,
        [JobPositionProject.objects.select_related("unit", "assigned_appraiser")],
    )


def _visible_project_ids(user) -> QuerySet:
    return project_ids_for_user(user=user)


def process_list_for_user(*, user) -> QuerySet[JobPositionProjectProcess]:
    """The job-position processes whose dossier ``user`` may see, newest first,
    each with its project (and unit and appraiser) prefetched."""
    return (
        JobPositionProjectProcess.objects.filter(
            flow_class=_flow(),
            artifact_object_id__in=_visible_project_ids(user),
        )
        .prefetch_related(_projects_prefetch("artifact"))
        .order_by("-created", "-pk")
    )


def process_get(*, user, pk: int) -> JobPositionProjectProcess:
    """The process ``pk`` if ``user`` may see its dossier;
    ``JobPositionProjectProcess.DoesNotExist`` otherwise."""
    return process_list_for_user(user=user).get(pk=pk)


def process_project_get(*, user, process: Process) -> JobPositionProject:
    """The dossier routed by ``process`` if ``user`` may see it (the same scope as
    every list), with its unit, appraiser and author joined;
    ``JobPositionProject.DoesNotExist`` otherwise. One query once the person's
    scope is known. The dossier is kept on the process (``process.project``), so
    the task's permission checks, the flow's gateways and the page that follow in
    the same request read it without another query."""
    project = dossier_visible_get(
        JobPositionProject,
        process.artifact_object_id,
        related=PROJECT_RELATED,
        visible=lambda found: project_visible(user, found),
    )
    if project is None:
        raise JobPositionProject.DoesNotExist
    process.__dict__["project"] = project
    return project


def _tasks(user) -> QuerySet[Task]:
    return (
        Task.objects.filter(
            process__flow_class=_flow(),
            flow_task_type="HUMAN",
            process__artifact_object_id__in=_visible_project_ids(user),
        )
        .select_related("process", "owner")
        .prefetch_related(_projects_prefetch("process__artifact"))
    )


def _tasks_checked_by_row(user) -> QuerySet[Task]:
    """The flow's tasks whose dossier ``user`` may see, the scope checked task by
    task (a subquery on each row's dossier) instead of joined.

    For the lists that start from a few tasks the person holds or may take (the
    open ones, their own finished ones): PostgreSQL then reads those tasks along
    their indexes (``task_open_by_owner``, ``task_waiting``,
    ``task_done_by_owner``) and stops when the page is full. Joined, it started
    from the scope instead, every dossier the person may ever have seen, and
    walked them all (a department's 4,950 dossiers at 50,000: 20 ms for an
    inbox of 25 rows, 2 ms checked by row; bench/README.md). What is open grows
    with the work in hand, the scope with the years."""
    visible = _visible_project_ids(user).filter(
        pk=OuterRef("process__artifact_object_id")
    )[:1]
    return (
        Task.objects.filter(process__flow_class=_flow(), flow_task_type="HUMAN")
        .alias(visible=Subquery(visible))
        .filter(visible__isnull=False)
        .select_related("process", "owner")
        .prefetch_related(_projects_prefetch("process__artifact"))
    )


def task_list_inbox(*, user) -> QuerySet[Task]:
    """Tasks assigned to ``user`` (or to the colleagues they stand in for) and
    waiting for them, oldest first."""
    return (
        _tasks_checked_by_row(user)
        .filter(permissions.inbox_filter(user, _flow()), status=STATUS.ASSIGNED)
        .order_by("created")
    )


def _queue_filter(user) -> Q:
    """Which open tasks ``user`` may take, wherever they are: the unit steps of
    the units they draft or sign for, the steps of their roles, the dossiers
    they appraise. Every step it names is also named once at the top
    (``flow_task IN …``), so that PostgreSQL reads the waiting tasks of those
    steps from ``task_waiting`` alone instead of every open task."""
    flow_class = _flow()
    condition = Q(pk__in=[])
    steps: list = []
    # One condition per unit permission, over all the steps it lets the person
    # take (drafting and revising share one): each is a walk through the units'
    # dossiers, done once.
    nodes_by_permission: dict[str, list] = {}
    for node_name, perm in permissions.UNIT_TASKS.items():
        nodes_by_permission.setdefault(perm, []).append(
            flow_class.instance.node(node_name)
        )
    for perm, nodes in nodes_by_permission.items():
        paths = permissions.granted_unit_paths(user, perm)
        if not paths:
            continue
        steps += nodes
        if project_scope_under(user, paths):
            # Every dossier of the list (``_tasks_checked_by_row``) is of those
            # units already.
            condition |= Q(flow_task__in=nodes)
            continue
        units = permissions.unit_filter(user, perm, prefix="unit__")
        projects = JobPositionProject.objects.filter(units).order_by().values("pk")
        condition |= Q(flow_task__in=nodes, process__artifact_object_id__in=projects)
    groups = permissions.group_names(user)
    role_nodes = [
        flow_class.instance.node(node_name)
        for node_name, role in permissions.ROLE_TASKS.items()
        if role in groups
    ]
    if role_nodes:
        steps += role_nodes
        party = permissions.unit_filter(
            user, permissions.ACT_FOR_UNIT, prefix="unit__"
        ) | permissions.unit_filter(user, permissions.SIGN_FOR_UNIT, prefix="unit__")
        own = JobPositionProject.objects.filter(party).order_by().values("pk")
        condition |= Q(flow_task__in=role_nodes) & ~Q(
            process__artifact_object_id__in=own
        )
    appraise = flow_class.instance.node("appraise")
    steps.append(appraise)
    condition |= Q(
        flow_task=appraise,
        process__artifact_object_id__in=JobPositionProject.objects.filter(
            permissions.appraiser_filter(user)
        ).values("pk"),
    )
    return Q(flow_task__in=steps) & condition


def task_list_queue(*, user) -> QuerySet[Task]:
    """Tasks nobody has taken yet that ``user`` may take, oldest first."""
    if not user.is_authenticated or not user.is_active:
        return Task.objects.none()
    return (
        _tasks_checked_by_row(user)
        .filter(status=STATUS.NEW)
        .filter(_queue_filter(user))
        .order_by("created")
    )


#: How far the menu's counters count: the first page of the inbox or queue and
#: the pages its pager looks ahead (``workflows.pagination``). A person with
#: more tasks reads "275+", and the count costs no more than that many rows.
TASK_COUNT_LIMIT = (1 + LOOKAHEAD_PAGES) * LIST_PAGE_SIZE


@dataclass(frozen=True)
class TaskCounts:
    """How many tasks wait in a person's inbox and in their queue, each counted
    up to ``limit`` and one more (a count above ``limit`` means "more than")."""

    inbox: int
    queue: int
    limit: int

    def counted(self, name: str) -> Counted:
        """The count of list ``name`` ("inbox" or "queue") as a pager takes it."""
        number = getattr(self, name)
        return Counted(count=min(number, self.limit), more=number > self.limit)


def _counted_up_to(queryset: QuerySet, limit: int) -> tuple[str, tuple]:
    """SQL counting the rows of ``queryset``, stopping after ``limit + 1``."""
    query = queryset.order_by().values("pk")[: limit + 1].query
    try:
        sql, params = query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # a condition that matches nothing (no scope at all)
        return "SELECT 0", ()
    # The ORM's own SQL, its values kept apart as parameters.
    return f"SELECT COUNT(*) FROM ({sql}) counted", tuple(params)  # noqa: S608


def task_counts_for_user(*, user, limit: int | None = None) -> TaskCounts:
    """The number of tasks of ``task_list_inbox`` and of ``task_list_queue``,
    each up to ``limit`` and one more, in one statement (the menu shows both on
    every page of the flow). Both lists check the scope row by row, so each
    count reads the open tasks the person holds or may take along their
    indexes and stops at ``limit + 1``: what it costs does not grow with the
    dossiers in the person's scope, nor past ``limit`` with their work
    (:data:`TASK_COUNT_LIMIT` unless given)."""
    limit = TASK_COUNT_LIMIT if limit is None else limit
    if not user.is_authenticated or not user.is_active:
        return TaskCounts(inbox=0, queue=0, limit=limit)
    inbox_sql, inbox_params = _counted_up_to(task_list_inbox(user=user), limit)
    queue_sql, queue_params = _counted_up_to(task_list_queue(user=user), limit)
    with connections[Task.objects.db].cursor() as cursor:
        cursor.execute(
            f"SELECT ({inbox_sql}), ({queue_sql})", inbox_params + queue_params
        )
        inbox, queue = cursor.fetchone()
    return TaskCounts(inbox=inbox, queue=queue, limit=limit)


def task_list_archive(*, user) -> QuerySet[Task]:
    """Tasks ``user`` completed, newest first, read along the owner's index
    (``task_done_by_owner``) until the page is full: the scope is checked task
    by task (``_tasks_checked_by_row``). Joined, PostgreSQL misjudged how many of
    a busy appraiser's thousands of finished tasks lie in the scope, joined them
    all and sorted them to show 25 (53 ms at 50,000 dossiers; 2 ms by row)."""
    return (
        _tasks_checked_by_row(user)
        .filter(owner=user, finished__isnull=False)
        .order_by("-finished", "-pk")
    )


def task_list_for_process(*, process: Process) -> QuerySet[Task]:
    """Every task of one process, in the order they were created, with owners."""
    return (
        Task.objects.filter(process=process)
        .select_related("owner")
        .prefetch_related(Prefetch("previous", queryset=Task.objects.only("pk")))
        .order_by("created", "pk")
    )


def task_list_all_for_user(*, user) -> QuerySet[Task]:
    """Every task of the dossiers ``user`` may see (the flow's task list)."""
    return _tasks(user).order_by("-created", "-pk")


# --- search and filters (of the lists here and of "my work": workflows.my_work) ---

#: The filters every list page offers (``workflows.listing.ListFilterForm``).
FILTER_NAMES = ("search", "kind", "status", "unit", "due_state")


def _filtered_projects(user, filters: dict) -> QuerySet:
    return project_ids_matching(
        user=user, **{name: filters.get(name) or "" for name in FILTER_NAMES}
    )


def _has_filters(filters: dict | None) -> bool:
    return bool(filters) and any(filters.get(name) for name in FILTER_NAMES)


def task_list_filter(*, queryset: QuerySet[Task], user, filters: dict) -> QuerySet:
    """The tasks of ``queryset`` whose dossier matches ``filters`` (search words,
    kind, status, unit, deadline state); ``queryset`` unchanged without any."""
    if not _has_filters(filters):
        return queryset
    ids = _filtered_projects(user, filters)
    return queryset.filter(process__artifact_object_id__in=ids)


def process_list_filter(
    *, queryset: QuerySet[JobPositionProjectProcess], user, filters: dict
) -> QuerySet:
    """The processes of ``queryset`` whose dossier matches ``filters``."""
    if not _has_filters(filters):
        return queryset
    ids = _filtered_projects(user, filters)
    return queryset.filter(artifact_object_id__in=ids)


#: Where a person's work comes from, one entry per flow: its inbox, its queue and
#: its filter.
WORK_SOURCES = [
    (task_list_inbox, task_list_queue, task_list_filter),
    *STAFFING_WORK_SOURCES,
    *CONSOLIDATION_WORK_SOURCES,
]


def process_for_dossier(*, dossier: JobPositionProject) -> Process | None:
    """The job-position flow's process routing ``dossier`` (the caller has
    checked that the person may see it), or ``None``: one query."""
    return (
        JobPositionProjectProcess.objects.filter(
            flow_class=_flow(), artifact_object_id=dossier.pk
        )
        .order_by("pk")
        .first()
    )
