"""Writes of the flow itself (the dossier's writes are in ``appraisal.services``).

Only the draft of a task form, kept and dropped. Work on a step may take days (an
appraisal report, a reasoned refusal); keeping it keeps what was typed on the task
without completing it, so nothing is lost and nothing moves on.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

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


@transaction.atomic
def task_draft_save(*, task: Task, actor, data) -> dict:
    """Keep ``data`` (a form's submitted values) as the draft of ``task``, which
    must be open and taken by ``actor``. Files are not kept in a draft.

    Only the task's JSON changes: its status, owner and dates do not.
    """
    current = Task.objects.select_for_update().get(pk=task.pk)
    if current.status != STATUS.ASSIGNED or current.owner_id != actor.pk:
        raise ValidationError(
            _("Only the person who has taken this open task can save a draft of it."),
            code="task_not_yours",
        )
    draft = {}
    for key in data:
        if key in _NOT_KEPT or key.startswith("form-"):
            continue
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        draft[key] = values if len(values) > 1 else values[0]
    payload = dict(current.data or {})
    payload["draft"] = draft
    payload["draft_saved_at"] = timezone.now().isoformat()
    Task.objects.filter(pk=current.pk).update(data=payload)
    task.data = payload
    return draft


@transaction.atomic
def task_draft_clear(*, task: Task, actor) -> None:
    """Drop the draft of ``task`` once the dossier itself holds what it kept (the
    page was saved); only its owner's open task, otherwise nothing happens."""
    current = Task.objects.select_for_update().get(pk=task.pk)
    if current.status != STATUS.ASSIGNED or current.owner_id != actor.pk:
        return
    payload = dict(current.data or {})
    if payload.pop("draft", None) is None:
        return
    payload.pop("draft_saved_at", None)
    Task.objects.filter(pk=current.pk).update(data=payload)
    task.data = payload
