"""The viewflow nodes of every flow, and their activations.

Each node's pages are the scoped ones of :mod:`workflows.task_pages` (the task
in the process and node of the URL, the dossier in the person's scope, a POST in
one transaction under the flow's lock); no undo, cancel or revive page (a
dossier's numbers and audit trail cannot be taken back, Decree 30/2020/NĐ-CP Art.
15). The activations are viewflow's, without the savepoints that guarded nothing
inside a step's one transaction, the tasks a step passes written together when
the flow has moved on (:mod:`workflows.task_writes`).
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import update_wrapper

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.urls import path
from django.utils import timezone
from viewflow.workflow import STATUS, flow
from viewflow.workflow.context import context
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.flow.utils import wrap_start_view
from viewflow.workflow.lock import lock_scope
from viewflow.workflow.nodes import end as end_nodes
from viewflow.workflow.nodes import func as func_nodes
from viewflow.workflow.nodes import handle as handle_nodes
from viewflow.workflow.nodes import start as start_nodes
from viewflow.workflow.nodes import switch as switch_nodes
from viewflow.workflow.nodes import view as view_nodes
from viewflow.workflow.signals import (
    flow_finished,
    flow_started,
    task_finished,
    task_started,
)

from . import permissions
from . import views as task_views
from .task_pages import no_lock, scoped_task_view, started_post
from .task_writes import (
    pending_open,
    task_link,
    task_save,
    task_written,
    tasks_written_together,
)


class ScopedNodeMixin:
    """Detail pages of any node, scoped; no undo/cancel/revive pages."""

    undo_path = None
    cancel_path = None
    revive_path = None
    execute_path = None

    @property
    def index_path(self):
        if self.index_view:
            return path(
                f"<int:process_pk>/{self.name}/<int:task_pk>/",
                scoped_task_view(self, self.index_view),
                name="index",
            )

    @property
    def detail_path(self):
        if self.detail_view:
            return path(
                f"<int:process_pk>/{self.name}/<int:task_pk>/detail/",
                scoped_task_view(self, self.detail_view),
                name="detail",
            )

    def can_view(self, user, task):
        return self.flow_class.instance.has_view_permission(user, task.process.coerced)


class _Identity:
    """An activation equal only to itself: the task of a new one is written at
    the end of its step (:mod:`workflows.task_writes`), so it has no primary key
    to compare or hash by until then. (viewflow compares activations by task to
    merge the paths reaching a ``Join``; these flows have none.)"""

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)


def _task_done(activation) -> None:
    """viewflow's ``Activation.complete``, the task written by
    :func:`~workflows.task_writes.task_save` (once, done, when new in a step)."""
    activation.task.finished = timezone.now()
    task_save(activation.task)
    task_finished.send(
        sender=activation.flow_class, process=activation.process, task=activation.task
    )


class StartViewActivation(_Identity, start_nodes.StartViewActivation):
    """viewflow's, without the savepoint and the lock around the new process: the
    start page's POST is one transaction (:func:`replay_refused`) that rolls back
    all of it, and a process created in it is seen by nobody else before it
    commits, so there is nothing to lock (two savepoints and a SELECT … FOR
    UPDATE: five statements). The start task and those the start creates are
    written together (:func:`~workflows.task_writes.tasks_written_together`)."""

    @start_nodes.StartViewActivation.status.super()
    def complete(self):
        _task_done(self)

    @start_nodes.StartViewActivation.status.super()
    def execute(self):
        task_started.send(sender=self.flow_class, process=self.process, task=self.task)
        with transaction.atomic(savepoint=False):
            self.process.save()
            # viewflow's lock scope without its lock, for what it defers.
            with (
                lock_scope(no_lock, self.flow_class, self.process.pk),
                tasks_written_together(),
            ):
                self.complete()
                flow_started.send(
                    sender=self.flow_class, process=self.process, task=self.task
                )
                # viewflow's ``activate_next``, keeping the tasks the start
                # creates: the page sends the person on to theirs.
                activations = set(self.create_next())
                self.created_tasks = [each.task for each in activations]
                self._activate_next(activations)


class Start(ScopedNodeMixin, flow.Start):
    """Opening a new dossier (the start page itself needs no process scope; an
    anonymous visitor is sent to log in rather than refused). Its POST is one
    transaction that opens no savepoint for its step (:func:`started_post`)."""

    activation_class = StartViewActivation

    @property
    def start_view_path(self):
        wrapped = wrap_start_view(self, self.start_view)

        def view(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.method == "POST":
                return started_post(self, self.start_view, request, *args, **kwargs)
            return wrapped(request, *args, **kwargs)

        update_wrapper(view, wrapped)
        return path(f"{self.name}/", view, name="execute")


class StartHandle(ScopedNodeMixin, flow.StartHandle):
    """A process started by code (another flow's step), not by a person. The
    step starting it, its ``parent_task``, is written first if it was waiting
    for the end of its step (:func:`~workflows.task_writes.task_written`)."""

    def _create_wrapper_function(self, origin_func):
        start = super()._create_wrapper_function(origin_func)

        def func(**kwargs):
            if kwargs.get("_parent_task") is not None:
                task_written(kwargs["_parent_task"])
            return start(**kwargs)

        return func


def _new_task(flow_task, prev_activation, token, data, seed):
    """The task viewflow's activations create after ``prev_activation``'s (not
    saved)."""
    task = flow_task.flow_class.task_class(
        process=prev_activation.process, flow_task=flow_task, token=token
    )
    task.data = data if data is not None else {}
    task.seed = seed
    return task


class SwitchActivation(_Identity, switch_nodes.SwitchActivation):
    """viewflow's, without the savepoint around the choice of the branch: the
    conditions read the dossier and write nothing, and a failing one fails the
    whole step (the POST's transaction), so the savepoint guarded nothing and
    cost two statements per step through a gateway. The gateway's task is
    written once, done, when the branch is chosen (viewflow writes it new, then
    again done: one statement more per step through a gateway)."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        task = _new_task(flow_task, prev_activation, token, data, seed)
        activation = cls(task)
        activation.previous_task = prev_activation.task
        return activation

    @switch_nodes.SwitchActivation.status.super()
    def complete(self):
        _task_done(self)
        task_link(self.task, self.previous_task)

    @switch_nodes.SwitchActivation.status.super()
    def activate(self):
        with self.exception_guard():
            for node, cond in self.flow_task._branches:
                if cond:
                    if cond(self):
                        self.next_task = node
                        break
                else:  # the default branch, unless a later condition holds
                    self.next_task = node
            if not self.next_task:
                raise FlowRuntimeError(
                    f"No next task available for {self.flow_task.name}"
                )


class Switch(ScopedNodeMixin, flow.Switch):
    """A gateway: routes on a property of the project."""

    activation_class = SwitchActivation


@contextmanager
def _node_work(activation):
    """What viewflow opens around a Function's or the End's work (the task
    started, its exception guard), with a savepoint only where a failure is kept
    on the task and the rest goes on (``propagate_exception=False``: a timer, a
    job). Otherwise the failure fails the whole step, whose transaction rolls it
    back: the savepoint guarded nothing and cost two statements per node."""
    with (
        activation.exception_guard(),
        transaction.atomic(savepoint=not context.propagate_exception),
    ):
        activation.task.started = timezone.now()
        task_started.send(
            sender=activation.flow_class,
            process=activation.process,
            task=activation.task,
        )
        yield


class _LinkedCreate(_Identity):
    """viewflow's ``Activation.create``, the new task written by
    :func:`~workflows.task_writes.task_save` (in a step: once, when the step
    has moved the flow on) and linked to the one before it by
    :func:`~workflows.task_writes.task_link`."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        task = _new_task(flow_task, prev_activation, token, data, seed)
        task_save(task)
        task_link(task, prev_activation.task)
        return cls(task)


class FunctionActivation(_LinkedCreate, func_nodes.FunctionActivation):
    """viewflow's, in :func:`_node_work`, its task written once, done."""

    @func_nodes.FunctionActivation.status.super()
    def activate(self):
        with _node_work(self):
            self.flow_task._func(self)

    @func_nodes.FunctionActivation.status.super()
    def complete(self):
        _task_done(self)


#: Whether each flow class has a node running paths side by side.
_PARALLEL: dict[type, bool] = {}


def _has_parallel_paths(flow_class) -> bool:
    """Whether ``flow_class`` can hold two open tasks of one process at once
    (a ``Split`` or ``SplitFirst`` node): the flows here hold one at a time."""
    found = _PARALLEL.get(flow_class)
    if found is None:
        found = _PARALLEL[flow_class] = any(
            isinstance(node, (flow.Split, flow.SplitFirst))
            for node in flow_class.instance.nodes()
        )
    return found


class EndActivation(_LinkedCreate, end_nodes.EndActivation):
    """viewflow's, in :func:`_node_work`, its task written once, done. The
    process ends unless another of its tasks is open: in a flow without
    parallel paths the end's task is the only one, so nothing is read."""

    @end_nodes.EndActivation.status.super()
    def complete(self):
        _task_done(self)

    @end_nodes.EndActivation.status.super()
    def activate(self):
        with _node_work(self):
            active = pending_open(self.process, but=self.task) or (
                _has_parallel_paths(self.flow_class)
                and self.flow_class.task_class._default_manager.filter(
                    process=self.process, finished__isnull=True
                )
                .exclude(pk=self.task.pk)
                .exists()
            )
            if not active:
                self.process.status = STATUS.DONE
                self.process.finished = timezone.now()
                self.process.save()
            task_finished.send(
                sender=self.flow_class, process=self.process, task=self.task
            )
            if not active:
                flow_finished.send(
                    sender=self.flow_class, process=self.process, task=self.task
                )


class Function(ScopedNodeMixin, flow.Function):
    """A service call made by the flow itself."""

    activation_class = FunctionActivation


class End(ScopedNodeMixin, flow.End):
    """The dossier's path is over."""

    activation_class = EndActivation


class HandleActivation(_LinkedCreate, handle_nodes.HandleActivation):
    """viewflow's, its task written by :func:`~workflows.task_writes.task_save`;
    the job completing it moves the flow on with the tasks it creates written
    together (:func:`~workflows.task_writes.tasks_written_together`)."""

    @handle_nodes.HandleActivation.status.super()
    def execute(self):
        with tasks_written_together():
            self.complete()
            self.activate_next()


class Handle(ScopedNodeMixin, flow.Handle):
    """A step completed by code outside the flow (a scheduled job), not by a
    person."""

    activation_class = HandleActivation


class ViewActivation(_Identity, view_nodes.ViewActivation):
    """viewflow's, the new task written by
    :func:`~workflows.task_writes.task_save` and linked to the one before it by
    :func:`~workflows.task_writes.task_link`; a person's step moves the flow on
    with the tasks it creates written together
    (:func:`~workflows.task_writes.tasks_written_together`)."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        task = _new_task(flow_task, prev_activation, token, data, seed)
        activation = cls(task)
        owner_permission = flow_task.calc_owner_permission(activation)
        if owner_permission:
            task.owner_permission = owner_permission
            task.owner_permission_obj = flow_task.calc_owner_permission_obj(activation)
        owner = flow_task.calc_owner(activation)
        if owner:
            task.owner = owner
            task.status = STATUS.ASSIGNED
        task_save(task)
        task_link(task, prev_activation.task)
        if flow_task._on_create is not None:
            flow_task._on_create(activation)
        return activation

    @view_nodes.ViewActivation.status.super()
    def execute(self):
        with tasks_written_together():
            self.complete()
            self.activate_next()


class View(ScopedNodeMixin, flow.View):
    """A person's task on the dossier, taken by whoever :func:`permissions.may_take`
    allows (unit people by object permission over the unit's subtree, Home Affairs
    and the committee by role, the appraisal by the assigned appraiser) — never by
    a global grant (STACK.md trap 2)."""

    activation_class = ViewActivation
    # Take and release with messages that name the step, not its id.
    assign_view_class = task_views.ProjectTaskAssignView
    unassign_view_class = task_views.ProjectTaskUnassignView

    @property
    def view_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/execute/",
            scoped_task_view(self, self.view, permission=self.can_execute, start=True),
            name="execute",
        )

    @property
    def assign_path(self):
        if self.assign_view:
            return path(
                f"<int:process_pk>/{self.name}/<int:task_pk>/assign/",
                scoped_task_view(self, self.assign_view, permission=self.can_assign),
                name="assign",
            )

    @property
    def unassign_path(self):
        if self.unassign_view:
            return path(
                f"<int:process_pk>/{self.name}/<int:task_pk>/unassign/",
                scoped_task_view(
                    self, self.unassign_view, permission=self.can_unassign
                ),
                name="unassign",
            )

    @staticmethod
    def _project(task):
        # The permission callables get the base Process here, the proxy at task
        # creation (STACK.md trap 4).
        process = task.process
        return getattr(process, "coerced", process).project

    def can_assign(self, user, task):
        if task.owner_id or task.status != STATUS.NEW:
            return False
        return permissions.may_take(user, self.name, self._project(task))

    def can_execute(self, user, task):
        # The holder, or a colleague standing in for them (a delegation).
        return permissions.may_act(user, self.name, self._project(task), task.owner_id)

    def can_unassign(self, user, task):
        return (
            task.owner_id is not None
            and task.owner_id == user.pk
            and task.status == STATUS.ASSIGNED
        )
