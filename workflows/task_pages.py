"""The pages of viewflow's nodes, answering exactly a person's scope.

viewflow's own task URLs check neither that the task belongs to the process and the
node named in the URL, nor who may *see* the dossier; a second person on a taken or
finished task gets a bare 403, and a failed flow lock a 500 (STACK.md traps 1 and 5).
Every task URL of every flow goes through :func:`scoped_task_view` instead
(``workflows.nodes`` builds them):

- the task must belong to the process and node of the URL, and the dossier must be
  in the person's scope (``project_list_for_user``), otherwise 404 — a dossier of
  another unit is indistinguishable from a missing one;
- a person who may see the dossier but not act on the task gets 403, unless the task
  was meanwhile completed or taken by someone else: then they are sent back to the
  dossier with a message saying so, and nothing is changed;
- a POST runs under the flow lock and in one transaction; when the lock cannot be
  taken (someone else is acting on the same dossier) the person is told so.

A start page's POST is one transaction too (:func:`started_post`). Undo, cancel
and revive are not offered: the dossier's numbers and audit trail
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
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow import STATUS
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.lock import lock_scope
from viewflow.workflow.models import Process

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
from .services import READ_UNDER_LOCK
from .task_writes import (
    task_links_deferred,
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
def no_lock(flow_class, process_pk):
    """viewflow's lock scope without its lock: for what viewflow defers until
    the lock is released, where the lock is taken otherwise (the task's read,
    :func:`locked_post`) or not needed (a new process)."""
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
            lock_scope(no_lock, flow_class, process_pk),
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
