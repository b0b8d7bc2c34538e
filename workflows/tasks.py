"""Background jobs of the flows (Celery; run eagerly in the embedded setup)."""

from celery import shared_task

from .consolidation_schedule import consolidations_apply_due


@shared_task(name="workflows.apply_due_consolidations")
def apply_due_consolidations() -> dict:
    """The nightly job that applies the consolidations whose date has come."""
    run = consolidations_apply_due()
    return {"applied": run.applied, "failed": run.failed}
