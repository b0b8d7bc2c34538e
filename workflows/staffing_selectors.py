"""Reads of the staffing plan's processes and tasks, each person's scope applied
here once (as ``workflows.selectors`` does for the job-position projects).

The cycle's processes and tasks are visible to Home Affairs, the committee and
observers (``staffing_plan_list_province_wide``); a unit's proposal to them and to
the people who draft or sign for the unit (``staffing_proposal_list_for_user``).
The queue adds who may *take* each task (``workflows.permissions``): unit people
by object permission over the unit's subtree, Home Affairs and the committee by
role, minus the proposals of units the person drafts or signs for (separation of
duties); the cycle's appraisal only by the appraiser assigned to it.

Every list joins or prefetches what its page shows: the number of queries does
not grow with the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Q, QuerySet
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process, Task

from appraisal.models import StaffingPlan, StaffingProposal
from appraisal.selectors.projects import project_list_filter
from appraisal.selectors.staffing import (
    staffing_plan_list_province_wide,
    staffing_proposal_list_for_user,
)

from . import permissions
from .models import StaffingPlanProcess, StaffingProposalProcess

#: The filters of a list page this module understands (``ListFilterForm``).
FILTER_NAMES = ("search", "kind", "status", "unit", "due_state")


@dataclass(frozen=True)
class FlowScope:
    """One staffing flow as the lists see it: its flow and process classes, the
    dossiers a person may see and the attribute the process keeps its dossier
    under."""

    flow_name: str
    process_class: type[Process]
    dossiers_for: object
    model: type
    attr: str

    @property
    def flow_class(self):
        from . import flows

        return getattr(flows, self.flow_name)


PLAN = FlowScope(
    "StaffingPlanFlow",
    StaffingPlanProcess,
    staffing_plan_list_province_wide,
    StaffingPlan,
    "plan",
)
PROPOSAL = FlowScope(
    "StaffingProposalFlow",
    StaffingProposalProcess,
    staffing_proposal_list_for_user,
    StaffingProposal,
    "proposal",
)


def _visible_ids(scope: FlowScope, user) -> QuerySet:
    return scope.dossiers_for(user=user).order_by().values("pk")


def _prefetch(scope: FlowScope, lookup: str) -> GenericPrefetch:
    return GenericPrefetch(
        lookup,
        [scope.model.objects.select_related("unit", "assigned_appraiser")],
    )


def process_list_for_user(*, scope: FlowScope, user) -> QuerySet[Process]:
    """The processes of ``scope``'s flow whose dossier ``user`` may see, newest
    first, each with its dossier (unit, appraiser) prefetched."""
    return (
        scope.process_class.objects.filter(
            flow_class=scope.flow_class,
            artifact_object_id__in=_visible_ids(scope, user),
        )
        .prefetch_related(_prefetch(scope, "artifact"))
        .order_by("-created", "-pk")
    )


def process_get(*, scope: FlowScope, user, pk: int) -> Process:
    """The process ``pk`` if ``user`` may see its dossier; ``DoesNotExist`` of the
    process class otherwise."""
    return process_list_for_user(scope=scope, user=user).get(pk=pk)


def _tasks(scope: FlowScope, user) -> QuerySet[Task]:
    return (
        Task.objects.filter(
            process__flow_class=scope.flow_class,
            flow_task_type="HUMAN",
            process__artifact_object_id__in=_visible_ids(scope, user),
        )
        .select_related("process", "owner")
        .prefetch_related(_prefetch(scope, "process__artifact"))
    )


def _party_dossiers(scope: FlowScope, user) -> QuerySet:
    """Ids of the dossiers of units ``user`` drafts or signs for (separation of
    duties: they take no Home Affairs or committee task of those)."""
    party = Q(pk__in=[])
    for perm in permissions.UNIT_PERMISSIONS:
        party |= permissions.unit_filter(user, perm, prefix="unit__")
    return scope.model.objects.filter(party).order_by().values("pk")


def _queue_filter(scope: FlowScope, user) -> Q:
    """The open tasks of ``scope``'s flow ``user`` may take (the rule of
    ``permissions.may_take``, as a filter)."""
    flow = scope.flow_class.instance
    names = {node.name for node in flow.nodes()}
    condition = Q(pk__in=[])
    for node_name, perm in permissions.UNIT_TASKS.items():
        if node_name not in names:
            continue
        units = permissions.unit_filter(user, perm, prefix="unit__")
        dossiers = scope.model.objects.filter(units).order_by().values("pk")
        condition |= Q(
            flow_task=flow.node(node_name),
            process__artifact_object_id__in=dossiers,
        )
    groups = permissions.group_names(user)
    role_nodes = [
        flow.node(node_name)
        for node_name, role in permissions.ROLE_TASKS.items()
        if node_name in names and role in groups
    ]
    if role_nodes:
        condition |= Q(flow_task__in=role_nodes) & ~Q(
            process__artifact_object_id__in=_party_dossiers(scope, user)
        )
    for node_name in permissions.PROPOSER_TASKS.keys() & names:
        perm, roles = permissions.PROPOSER_TASKS[node_name]
        proposed = scope.model.objects.filter(
            permissions.unit_filter(user, perm, prefix="unit__"),
            proposed_by_home_affairs=False,
        )
        if roles & groups:
            proposed = proposed | scope.model.objects.filter(
                proposed_by_home_affairs=True
            ).exclude(pk__in=_party_dossiers(scope, user))
        condition |= Q(
            flow_task=flow.node(node_name),
            process__artifact_object_id__in=proposed.order_by().values("pk"),
        )
    for node_name in permissions.APPRAISER_TASKS & names:
        condition |= Q(
            flow_task=flow.node(node_name),
            process__artifact_object_id__in=scope.model.objects.filter(
                permissions.appraiser_filter(user)
            ).values("pk"),
        )
    return condition


def task_list_inbox(*, scope: FlowScope, user) -> QuerySet[Task]:
    """Tasks of ``scope``'s flow assigned to ``user`` (or to the colleagues they
    stand in for) and waiting for them."""
    return (
        _tasks(scope, user)
        .filter(
            permissions.inbox_filter(user, scope.flow_class), status=STATUS.ASSIGNED
        )
        .order_by("created")
    )


def task_list_queue(*, scope: FlowScope, user) -> QuerySet[Task]:
    """Tasks of ``scope``'s flow nobody has taken yet that ``user`` may take."""
    if not user.is_authenticated or not user.is_active:
        return Task.objects.none()
    return (
        _tasks(scope, user)
        .filter(status=STATUS.NEW)
        .filter(_queue_filter(scope, user))
        .order_by("created")
    )


def task_list_all_for_user(*, scope: FlowScope, user) -> QuerySet[Task]:
    """Every task of the dossiers of ``scope`` that ``user`` may see."""
    return _tasks(scope, user).order_by("-created", "-pk")


def _filtered_ids(scope: FlowScope, user, filters: dict) -> QuerySet | None:
    """The ids of the dossiers matching ``filters`` (``None``: no filter). The
    "kind" filter names kinds of job-position project: no staffing dossier is
    one of them."""
    if not filters or not any(filters.get(name) for name in FILTER_NAMES):
        return None
    dossiers = scope.dossiers_for(user=user)
    if filters.get("kind"):
        return dossiers.none().values("pk")
    return (
        project_list_filter(
            queryset=dossiers,
            **{
                name: filters.get(name) or "" for name in FILTER_NAMES if name != "kind"
            },
        )
        .order_by()
        .values("pk")
    )


def task_list_filter(*, scope: FlowScope, queryset, user, filters: dict) -> QuerySet:
    """The tasks of ``queryset`` whose dossier matches ``filters``."""
    ids = _filtered_ids(scope, user, filters)
    if ids is None:
        return queryset
    return queryset.filter(process__artifact_object_id__in=ids)


def process_list_filter(*, scope: FlowScope, queryset, user, filters: dict):
    """The processes of ``queryset`` whose dossier matches ``filters``."""
    ids = _filtered_ids(scope, user, filters)
    if ids is None:
        return queryset
    return queryset.filter(artifact_object_id__in=ids)


def proposal_processes_of_plan(*, plan: StaffingPlan, user) -> list[Process]:
    """The proposal processes of ``plan`` that ``user`` may see, in tree order of
    their units, each with its proposal (and unit) joined: two queries."""
    proposals = {
        proposal.pk: proposal
        for proposal in staffing_proposal_list_for_user(user=user).filter(plan=plan)
    }
    processes = list(
        StaffingProposalProcess.objects.filter(
            flow_class=PROPOSAL.flow_class, artifact_object_id__in=list(proposals)
        )
    )
    for process in processes:
        process.__dict__["proposal"] = proposals[int(process.artifact_object_id)]
    return sorted(processes, key=lambda p: (p.proposal.unit.path, p.pk))


def plan_process_for(*, plan: StaffingPlan) -> Process | None:
    """The cycle's process of ``plan`` (one query)."""
    return (
        StaffingPlanProcess.objects.filter(
            flow_class=PLAN.flow_class, artifact_object_id=plan.pk
        )
        .order_by("pk")
        .first()
    )


def plan_processes_for_user(*, plans, user) -> tuple[dict, dict]:
    """For the plans listed: the cycle's process of each plan whose cycle
    ``user`` follows (Home Affairs, the committee, observers), and the proposal
    processes of each plan that ``user`` may see when they follow only their own
    units' proposals. Two queries at most, whatever the number of plans."""
    plan_ids = [plan.pk for plan in plans]
    cycles = {}
    visible = staffing_plan_list_province_wide(user=user).filter(pk__in=plan_ids)
    for process in StaffingPlanProcess.objects.filter(
        flow_class=PLAN.flow_class,
        artifact_object_id__in=visible.order_by().values("pk"),
    ):
        cycles[int(process.artifact_object_id)] = process
    own: dict[int, list] = {}
    if not cycles:
        proposals = {
            proposal.pk: proposal
            for proposal in staffing_proposal_list_for_user(user=user).filter(
                plan_id__in=plan_ids
            )
        }
        for process in StaffingProposalProcess.objects.filter(
            flow_class=PROPOSAL.flow_class, artifact_object_id__in=list(proposals)
        ).order_by("pk"):
            proposal = proposals[int(process.artifact_object_id)]
            process.__dict__["proposal"] = proposal
            own.setdefault(proposal.plan_id, []).append(process)
    return cycles, own


def _source(scope: FlowScope):
    def inbox(*, user):
        return task_list_inbox(scope=scope, user=user)

    def queue(*, user):
        return task_list_queue(scope=scope, user=user)

    def narrow(*, queryset, user, filters):
        return task_list_filter(
            scope=scope, queryset=queryset, user=user, filters=filters
        )

    return (inbox, queue, narrow)


#: The staffing flows' entries of ``workflows.selectors.WORK_SOURCES``.
WORK_SOURCES = [_source(PLAN), _source(PROPOSAL)]
