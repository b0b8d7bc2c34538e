"""Background jobs of the flows (Celery; ``appraisal.tasks`` has the mail)."""

from __future__ import annotations

from celery import shared_task

from appraisal.tasks import RETRY


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
