"""Writes of the flow itself (the dossier's writes are in ``appraisal.services``).

The draft of a task form, kept and dropped; and the move of an absent
appraiser's open tasks with their dossiers (:func:`appraiser_reassign`). Work on
a step may take days (an appraisal report, a reasoned refusal); keeping a draft
keeps what was typed on the task without completing it, so nothing is lost and
nothing moves on.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process, Task

from appraisal.models import Notification
from appraisal.services.delegations import dossier_list_reassign_appraiser
from appraisal.services.notifications import notification_record
from orgchart.transactions import atomic

from . import permissions

#: Form fields never kept in a draft.
_NOT_KEPT = frozenset(
    {
        "csrfmiddlewaretoken",
        "_save_draft",
        "_complete",
        "_save_report",
        "_remark",
        "_resolve",
        "_attach",
        "_import",
    }
)


def _holds(actor, task: Task) -> bool:
    """``actor`` holds ``task``, or stands in for the colleague who does."""
    return task.owner_id == actor.pk or permissions.stands_in_for(
        actor, task.flow_task.name, task.owner_id
    )


#: Set on a task read under its flow's lock in the current transaction (a task
#: page's POST, ``task_pages.locked_post``): nobody else can change it until commit.
READ_UNDER_LOCK = "_read_under_flow_lock"


#: A task open for work: assigned, or started by the page acting on it (a
#: status the task has in memory only, until the step completes it).
_OPEN = (STATUS.ASSIGNED, STATUS.STARTED)


def _task_locked(task: Task) -> Task:
    """``task`` as it is now, locked: the instance itself when the page read it
    under the flow's lock and it is still open in memory (a step that completed
    it and was then refused leaves it changed in memory only: read again)."""
    if getattr(task, READ_UNDER_LOCK, False) and task.status in _OPEN:
        return task
    return Task.objects.select_for_update().get(pk=task.pk)


def _draft_write(task: Task, actor, change) -> bool:
    """Apply ``change`` (a function of the task's data, returning the new data or
    None for no change) to ``task`` when it is open and ``actor`` holds it; False
    when it is not theirs to change. Its one UPDATE needs no savepoint: it joins
    the page's transaction, and a refusal is returned, not raised inside it."""
    with transaction.atomic(savepoint=False):
        current = _task_locked(task)
        if current.status not in _OPEN or not _holds(actor, current):
            return False
        payload = change(dict(current.data or {}))
        if payload is not None:
            Task.objects.filter(pk=current.pk).update(data=payload)
            task.data = payload
    return True


def task_draft_save(*, task: Task, actor, data) -> dict:
    """Keep ``data`` (a form's submitted values) as the draft of ``task``, which
    must be open and taken by ``actor``. Files are not kept in a draft.

    Only the task's JSON changes: its status, owner and dates do not.
    """
    draft = {}
    for key in data:
        if key in _NOT_KEPT or key.startswith("form-"):
            continue
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        draft[key] = values if len(values) > 1 else values[0]

    def keep(payload: dict) -> dict:
        payload["draft"] = draft
        payload["draft_saved_at"] = timezone.now().isoformat()
        return payload

    if not _draft_write(task, actor, keep):
        raise ValidationError(
            _("Only the person who has taken this open task can save a draft of it."),
            code="task_not_yours",
        )
    return draft


def task_draft_clear(*, task: Task, actor) -> None:
    """Drop the draft of ``task`` once the dossier itself holds what it kept (the
    page was saved); only its owner's open task, otherwise nothing happens."""

    def drop(payload: dict) -> dict | None:
        if payload.pop("draft", None) is None:
            return None
        payload.pop("draft_saved_at", None)
        return payload

    _draft_write(task, actor, drop)


@atomic
def appraiser_reassign(*, actor, absent, appraiser, ip: str | None = None) -> list:
    """Move every open dossier of the absent appraiser ``absent`` to
    ``appraiser`` in one step (``appraisal.services.delegations``, which audits
    each and refuses the whole when one cannot move), with their open appraisal
    tasks held by ``absent``; ``appraiser`` is told of each dossier. Returns the
    dossiers moved."""
    dossiers = dossier_list_reassign_appraiser(
        actor=actor, absent=absent, appraiser=appraiser, ip=ip
    )
    ids = [dossier.pk for dossier in dossiers]
    tasks = Task.objects.select_for_update().filter(
        process__artifact_object_id__in=ids,
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
        flow_task_type="HUMAN",
        owner=absent,
    )
    for task in tasks:
        if task.flow_task.name in permissions.APPRAISER_TASKS:
            Task.objects.filter(pk=task.pk).update(owner=appraiser)
    pages = {}
    for dossier_pk, process_pk, flow_class in (
        Process.objects.filter(artifact_object_id__in=ids)
        .order_by("created")
        .values_list("artifact_object_id", "pk", "flow_class")
    ):
        if flow_class is not None:
            pages[dossier_pk] = flow_class.instance.reverse(
                "process_detail", args=[process_pk]
            )
    for dossier in dossiers:
        notification_record(
            recipient_ids=[appraiser.pk],
            event=Notification.Event.TASK,
            dossier_id=dossier.pk,
            key=f"reassigned:{dossier.pk}:{dossier.version}",
            step=str(_("Reassigned to you")),
            url=pages.get(dossier.pk, ""),
        )
    return dossiers
