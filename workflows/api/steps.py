"""A workflow step taken through the API is the same viewflow task the page
completes, claimed the same way:

- the dossier must be in the person's scope (the caller read it through the
  selectors: 404 otherwise);
- the open task of the step must exist (409 ``step_not_open`` otherwise: the
  dossier is not at that step);
- a task nobody holds is taken as "Nhận" on the page takes it, only if the
  node's ``can_assign`` allows (``workflows.permissions.may_take``: the unit's
  permission, the role, separation of duties); one held by someone else is
  refused; then the node's ``can_execute`` is checked as the task page does;
- the service call and the task's completion run under the flow's lock in one
  transaction, so a refused service call leaves nothing behind.

Nothing here decides who may act: the flow's nodes and the services do."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from appraisal.services.dossiers import audit_acting_for
from orgchart.transactions import step

from .. import permissions
from .errors import NoTask

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def open_task(*, flow_class, dossier, nodes: tuple[str, ...]) -> Task | None:
    """The open task of one of ``nodes`` on ``dossier``'s process of
    ``flow_class`` (one query)."""
    for task in (
        flow_class.task_class._default_manager.select_related("process", "owner")
        .filter(
            process__flow_class=flow_class,
            process__artifact_object_id=dossier.pk,
            status__in=OPEN,
            flow_task_type="HUMAN",
        )
        .order_by("-pk")
    ):
        if task.flow_task.name in nodes:
            return task
    return None


def _refuse(user, task) -> None:
    """As the task page answers a person it is not for (403), or one it is for
    while someone else holds it (409)."""
    node = task.flow_task
    if (
        permissions.may_take(user, node.name, task.process.coerced.dossier)
        and task.owner_id
        and task.owner_id != user.pk
    ):
        raise NoTask(
            _("%(person)s has already taken the task “%(task)s”. Nothing was changed.")
            % {
                "person": task.owner.get_full_name() or task.owner.get_username(),
                "task": node.task_title,
            }
        )
    raise exceptions.PermissionDenied(
        _("You may not act on this task. It is done by: %(who)s.")
        % {"who": permissions.task_performer(node.name)}
    )


def step_take(
    *,
    request,
    flow_class,
    dossier,
    nodes: tuple[str, ...],
    perform: Callable[[object], object],
    complete: bool = True,
):
    """Claim (if nobody holds it) and start the open task of ``nodes`` on
    ``dossier`` for ``request.user``, call ``perform`` (the one service of the
    step, given the dossier as the process holds it, so the flow's gateways see
    what the service changed) and, when ``complete``, complete the task so the
    flow moves on — all under the flow's lock, in one transaction. Returns what
    ``perform`` returned."""
    user = request.user
    task = open_task(flow_class=flow_class, dossier=dossier, nodes=nodes)
    if task is None:
        raise NoTask()
    with flow_class.lock(task.process_id), transaction.atomic(savepoint=False):
        task = (
            flow_class.task_class._default_manager.select_related("process", "owner")
            .filter(pk=task.pk, status__in=OPEN)
            .first()
        )
        if task is None:
            raise NoTask()
        node = task.flow_task
        if task.owner_id is None:
            if not node.can_assign(user, task):
                _refuse(user, task)
            node.activation_class(task).assign(user)
        if not node.can_execute(user, task):
            _refuse(user, task)
        activation = node.activation_class(task)
        activation.start(request)
        principal = permissions.acting_for(
            user, node.name, activation.process.dossier, task.owner
        )
        with audit_acting_for(principal):
            result = perform(activation.process.dossier)
        if complete:
            activation.execute()
        return result


def process_start(*, request, node, perform: Callable[[object], object]):
    """Start a new process at the start ``node`` as its page does (the node's
    ``can_execute`` first); ``perform(activation)`` makes the dossier and sets
    it as the process's artifact."""
    activation = node.activation_class.create(node, None, None)
    if not node.can_execute(request.user, activation.task):
        raise exceptions.PermissionDenied(
            _("You may not act on this task. It is done by: %(who)s.")
            % {"who": _("the unit officers of the dossier's unit")}
        )
    with step():
        activation.start(request)
        result = perform(activation)
        activation.execute()
    return result
