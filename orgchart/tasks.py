"""Background jobs of the org chart: imports of large files
(``orgchart.import_jobs``), run by the Celery worker, or in the web process when
tasks run eagerly (the demo)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def import_job_task(job_id: int) -> str | None:
    """Run one import job; its outcome is recorded on the job, never retried by
    Celery (a failed import is run again by its submitter, from the job page)."""
    from .import_jobs import import_job_run

    job = import_job_run(job_id=job_id)
    return None if job is None else job.status
