"""Background jobs of the dossiers (Celery): each started after the request's
transaction commits, retried with a growing delay when it fails, and idempotent
(``appraisal.services.notifications``)."""

from __future__ import annotations

from celery import shared_task

RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": False,
    "max_retries": 5,
}


@shared_task(**RETRY)
def notification_mail(notification_id: int) -> bool:
    """Mail one notification (at most once)."""
    from .services.notifications import notification_mail_send

    return notification_mail_send(notification_id=notification_id)


@shared_task(**RETRY)
def notification_audit(entry_id: int) -> int:
    """Tell the people concerned about a supplement, revision or decision."""
    from .services.notifications import notification_audit_deliver

    return len(notification_audit_deliver(entry_id=entry_id))
