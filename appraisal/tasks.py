"""Background jobs of the appraisal app (run by the Celery worker, or in the web
process when tasks run eagerly)."""

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
