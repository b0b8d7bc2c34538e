"""Background jobs of the flows (Celery; run eagerly in the embedded setup;
``appraisal.tasks`` has the documents and the mail)."""

from __future__ import annotations

from celery import shared_task

from appraisal.tasks import RETRY

from .consolidation_schedule import consolidations_apply_due


@shared_task(name="workflows.apply_due_consolidations")
def apply_due_consolidations() -> dict:
    """The nightly job that applies the consolidations whose date has come."""
    run = consolidations_apply_due()
    return {"applied": run.applied, "failed": run.failed}


@shared_task(**RETRY)
def task_notification(task_id: int) -> int:
    """Tell the people of a new task."""
    from .notifications import task_notify

    return task_notify(task_id=task_id)


@shared_task(**RETRY)
def deadline_sweep() -> int:
    """The daily reminders (``CELERY_BEAT_SCHEDULE``)."""
    from .notifications import deadline_sweep as sweep

    return sweep()
