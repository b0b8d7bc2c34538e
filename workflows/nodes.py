"""viewflow nodes whose pages answer exactly a person's scope.

viewflow's own task URLs check neither that the task belongs to the process and the
node named in the URL, nor who may *see* the dossier; a second person on a taken or
finished task gets a bare 403, and a failed flow lock a 500 (STACK.md traps 1 and 5).
Every task URL of the job-position flow goes through :func:`scoped_task_view`
instead:

- the task must belong to the process and node of the URL, and the dossier must be
  in the person's scope (``project_list_for_user``), otherwise 404 — a dossier of
  another unit is indistinguishable from a missing one;
- a person who may see the dossier but not act on the task gets 403, unless the task
  was meanwhile completed or taken by someone else: then they are sent back to the
  dossier with a message saying so, and nothing is changed;
- a POST runs under the flow lock and in one transaction; when the lock cannot be
  taken (someone else is acting on the same dossier) the person is told so.

Undo, cancel and revive are not offered: the dossier's numbers and audit trail
cannot be taken back (Decree 30/2020/NĐ-CP Art. 15: a number is never reused).
"""

from __future__ import annotations

import random
import time
from contextlib import contextmanager
from functools import update_wrapper

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import Subquery
from django.http import Http404, HttpResponseRedirect
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow import STATUS, flow
from viewflow.workflow.context import context
from viewflow.workflow.exceptions import FlowLockFailed, FlowRuntimeError
from viewflow.workflow.flow.utils import wrap_start_view
from viewflow.workflow.lock import lock_scope
from viewflow.workflow.models import Process
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

from appraisal.services.dossiers import (
    audit_acting_for,
    dossier_action_query,
    dossier_locks_in_action,
    dossier_preread,
)
from orgchart.frozen_queries import FrozenQuery
from orgchart.selectors import person_name, person_rights_in_action
from orgchart.transactions import StepRefused, steps_replayed

from . import permissions
from . import views as task_views
from .services import READ_UNDER_LOCK
from .task_writes import (
    pending_open,
    task_link,
    task_links_deferred,
    task_save,
    task_written,
    tasks_written_together,
)

FINISHED = (STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED)


def dossier_url(flow_class, process_pk: int) -> str:
    return flow_class.instance.reverse("process_detail", args=[process_pk])


class _ProcessBusy(Exception):
    """The task's process row is locked by someone else's step."""


#: The read of a task with its process and owner, by flow and lock (compiled once).
_TASK_READS: dict[tuple, FrozenQuery] = {}


def _routed(flow_class):
    """The process class of ``flow_class`` if its processes route a dossier
    (``workflows.models.RoutesADossier``), else None."""
    process_class = flow_class.process_class
    return process_class if hasattr(process_class, "dossier_model") else None


def _task_read(flow_class, lock: bool) -> FrozenQuery:
    """The task by key, with its process and owner. Under the lock (a step's
    POST), its dossier in the same statement, locked as the step's service
    locks it: the row the process points at, with the relations the flow's
    view permission reads it with (``dossier_action_query``)."""
    read = _TASK_READS.get((flow_class, lock))
    if read is None:
        routed = _routed(flow_class)

        def build(task, process):
            query = flow_class.task_class._default_manager.select_related(
                "process", "owner"
            ).filter(pk=task, process_id=process, process__flow_class=flow_class)
            if not lock:
                return query
            query = query.select_for_update(nowait=True, of=("process",))
            if routed is None:
                return query
            return query, _dossier_of_process(routed, process)

        read = _TASK_READS.setdefault((flow_class, lock), FrozenQuery(build))
    return read


def _dossier_of_process(routed, process):
    """The query of the dossier the process ``process`` routes, as an action
    reads it (``dossier_action_query``), keyed by the process's own key."""
    key = Subquery(Process.objects.filter(pk=process).values("artifact_object_id")[:1])
    return dossier_action_query(
        routed.dossier_model, key, related=routed.dossier_related
    )


#: The read of a process with its dossier in an action, by flow (compiled once).
_PROCESS_READS: dict[type, FrozenQuery] = {}


def process_read_in_action(flow_class, process_pk: int):
    """The process ``process_pk`` of ``flow_class``, or None, read inside an
    action (``dossier_locks_in_action``) together with its dossier, locked as
    the step's service locks it, in one statement (``dossier_preread``): the
    flow's view permission then checks that dossier without reading it."""
    routed = _routed(flow_class)
    read = _PROCESS_READS.get(flow_class)
    if read is None:

        def build(process):
            return (
                routed.objects.filter(pk=process, flow_class=flow_class),
                _dossier_of_process(routed, process),
            )

        read = _PROCESS_READS.setdefault(flow_class, FrozenQuery(build))
    found = read(process=process_pk)
    if not found:
        return None
    process, dossier = found[0]
    dossier_preread(dossier, related=routed.dossier_related)
    return process


def get_task_in_scope(node, user, process_pk: int, task_pk: int, *, lock=False):
    """The task ``task_pk`` of ``node`` in process ``process_pk`` if ``user`` may see
    its dossier; ``Http404`` otherwise. ``lock``: the same read takes the flow's
    lock, its process row, without waiting (``_ProcessBusy`` when taken), and
    reads the dossier with its own lock for the checks and the service that
    follow (``dossier_preread``)."""
    flow_class = node.flow_class
    try:
        found = _task_read(flow_class, lock)(task=task_pk, process=process_pk)
    except DatabaseError as exc:
        if lock and not _sqlite_busy(exc):
            raise _ProcessBusy from exc
        raise
    task = found[0] if found else None
    if isinstance(task, tuple):
        task, dossier = task
        dossier_preread(dossier, related=_routed(flow_class).dossier_related)
    if lock and task is not None:
        setattr(task, READ_UNDER_LOCK, True)
    if task is None or task.flow_task != node:
        raise Http404(_("No such task."))
    if not flow_class.instance.has_view_permission(user, task.process.coerced):
        raise Http404(_("No such task."))
    return task


def refuse(request, node, task):
    """Answer a person who may see the dossier but cannot act on ``task`` now.

    Someone else finished it or holds it: back to the dossier with a message saying
    so (a double click, a stale page, two people on one task). The person could act
    but has not taken the task yet, or already holds it: on to the right page.
    Anyone else: 403.
    """
    back = HttpResponseRedirect(dossier_url(node.flow_class, task.process_id))
    if task.status in FINISHED or task.finished is not None:
        if task.owner_id and task.owner_id != request.user.pk:
            messages.warning(
                request,
                _(
                    "%(person)s already completed the task “%(task)s” on %(when)s. "
                    "Nothing was changed."
                )
                % {
                    "person": person_name(task.owner),
                    "task": task.title,
                    "when": formats.date_format(
                        timezone.localtime(task.finished), "SHORT_DATETIME_FORMAT"
                    )
                    if task.finished
                    else "",
                },
            )
        else:
            messages.warning(
                request,
                _("The task “%(task)s” is already completed. Nothing was changed.")
                % {"task": task.title},
            )
        return back
    project = task.process.coerced.project
    if not permissions.may_take(request.user, node.name, project):
        raise PermissionDenied(
            _("You may not act on this task. It is done by: %(who)s.")
            % {"who": permissions.task_performer(node.name)}
        )
    if permissions.may_act(request.user, node.name, project, task.owner_id):
        return HttpResponseRedirect(
            node.reverse("execute", args=[task.process_id, task.pk])
        )
    if task.owner_id:
        messages.warning(
            request,
            _("%(person)s has already taken the task “%(task)s”. Nothing was changed.")
            % {"person": person_name(task.owner), "task": task.title},
        )
        return back
    return HttpResponseRedirect(node.reverse("assign", args=[task.process_id, task.pk]))


def _dossier(task):
    process = task.process
    return getattr(process, "coerced", process).project


class SQLiteBusy(Exception):
    """SQLite's "database is locked": another writer held the file too long."""


def _sqlite_busy(exc: OperationalError) -> bool:
    return connection.vendor == "sqlite" and "locked" in str(exc)


def scoped_task_view(node, origin_view, *, permission=None, start=False):
    """Wrap a task page of ``node`` (see the module docstring); ``start`` starts
    the activation as viewflow's execute pages do."""
    flow_class = node.flow_class

    def view(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        process_pk, task_pk = kwargs["process_pk"], kwargs["task_pk"]

        def call(*, lock=False):
            task = get_task_in_scope(node, request.user, process_pk, task_pk, lock=lock)
            request.activation = node.activation_class(task)
            if permission is not None and not permission(request.user, task=task):
                return refuse(request, node, task)
            if start:
                request.activation.start(request)
            if request.method != "POST":
                return origin_view(request, *args, **kwargs)
            # Standing in for an absent colleague: the audit rows say "X for Y".
            principal = permissions.acting_for(
                request.user, node.name, _dossier(task), task.owner
            )
            with audit_acting_for(principal):
                return origin_view(request, *args, **kwargs)

        try:
            if request.method == "POST":
                return locked_post(flow_class, process_pk, request, call)
            return call()
        except (FlowLockFailed, SQLiteBusy):
            messages.warning(
                request,
                _(
                    "Someone else is acting on this dossier right now. Nothing was "
                    "changed; please try again in a moment."
                ),
            )
            return HttpResponseRedirect(dossier_url(flow_class, process_pk))
        except TransitionNotAllowed:
            # The task changed state between the page and the click (a double
            # submit, a stale form): tell the person what happened instead.
            task = get_task_in_scope(node, request.user, process_pk, task_pk)
            return refuse(request, node, task)

    update_wrapper(view, origin_view)
    return view


@contextmanager
def _no_lock(flow_class, process_pk):
    yield


def files_of(request) -> list:
    return [upload for _name, uploads in request.FILES.lists() for upload in uploads]


def replay_refused(request, run):
    """Run a POST whose step opens no savepoint, ``run()`` (its whole transaction
    inside), inside :func:`~orgchart.transactions.steps_replayed`: a refused step
    rolls that transaction back, and the POST runs once more, the step refusing
    at once, so that the page shows the refusal as typed."""
    refusal = None
    while True:
        try:
            with steps_replayed(refusal):
                return run()
        except StepRefused as refused:
            if refusal is not None:
                raise  # a refusal is replayed once
            refusal = refused.error
            for upload in files_of(request):
                upload.seek(0)


def locked_post(flow_class, process_pk: int, request, call):
    """Run a task page's POST, ``call(lock=True)``, in one transaction under the
    flow's lock: as viewflow's ``SelectForUpdateLock`` does (its process row, not
    waiting, a few attempts), but taken by the task's own read instead of a
    statement of its own. The person's rights are read once inside it, for the
    page's checks and the service's alike, and the page's read of its dossier
    takes the service's lock of it (``dossier_locks_in_action``). The step opens
    no savepoint (:func:`replay_refused`)."""

    def run():
        # viewflow's lock scope, for what it defers until the lock is released
        # (a subprocess finishing its parent's task).
        with (
            lock_scope(_no_lock, flow_class, process_pk),
            transaction.atomic(),
            person_rights_in_action(request.user),
            dossier_locks_in_action(),
            task_links_deferred(),
        ):
            return call(lock=True)

    attempts = getattr(flow_class.lock_impl, "attempts", 1)
    for attempt in range(attempts):
        try:
            return replay_refused(request, run)
        except _ProcessBusy as exc:
            if attempt == attempts - 1:
                raise FlowLockFailed(f"Lock failed for {flow_class}") from exc
            time.sleep(((attempt + 1) * random.random() + 2**attempt) / 2.5)  # noqa: S311
        except OperationalError as exc:
            if _sqlite_busy(exc):
                raise SQLiteBusy from exc
            raise
    raise FlowLockFailed(f"Lock failed for {flow_class}")


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
                lock_scope(_no_lock, self.flow_class, self.process.pk),
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


def started_post(flow_task, origin_view, request, *args, **kwargs):
    """A start page's POST: viewflow's (``wrap_start_view``) in one transaction
    with the person's rights read once inside it, for the node's check, the
    form's choice of units and the service's check alike (as
    :func:`locked_post` does for a task). Its step opens no savepoint
    (:func:`replay_refused`)."""

    def run():
        with (
            transaction.atomic(),
            person_rights_in_action(request.user),
            task_links_deferred(),
        ):
            request.activation = flow_task.activation_class.create(
                flow_task, None, None
            )
            if not flow_task.can_execute(request.user, request.activation.task):
                raise PermissionDenied
            request.activation.start(request)
            return origin_view(request, *args, **kwargs)

    return replay_refused(request, run)


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
