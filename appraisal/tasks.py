"""Background jobs of the appraisal app (run by the Celery worker, or in the web
process when tasks run eagerly): official documents, and notifications, each
started after the request's transaction commits, retried with a growing delay
when it fails, and idempotent (``appraisal.services.notifications``)."""

from __future__ import annotations

from celery import shared_task

#: Attempts before a document is shown as failed.
DOCUMENT_ATTEMPTS = 3


@shared_task(bind=True, max_retries=DOCUMENT_ATTEMPTS - 1, default_retry_delay=5)
def document_generate_task(self, issue_id: int) -> str:
    """Generate one requested official document; retried, then recorded as
    failed with the reason (never a half file)."""
    from .services.documents import document_generate, document_generation_failed

    try:
        return document_generate(issue_id).state
    except Exception as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc) from exc
        document_generation_failed(issue_id, f"{type(exc).__name__}: {exc}")
        return "failed"


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
def notification_mail_many(notification_ids: list[int]) -> int:
    """Mail many notifications (each at most once)."""
    from .services.notifications import notification_mail_send_many

    return notification_mail_send_many(notification_ids=notification_ids)


@shared_task(**RETRY)
def notification_audit(entry_id: int) -> int:
    """Tell the people concerned about a supplement, revision or decision."""
    from .services.notifications import notification_audit_deliver

    return len(notification_audit_deliver(entry_id=entry_id))
