"""An establishment import run by a real Celery worker (a subprocess on Redis
and the test database), and killed in the middle: nothing is written, the job
is shown as failed once its heartbeat stops, and it runs again to the end
(issue 12 §1). The progress is followed through the shared cache (Redis), as the
job page does in production."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from django.urls import reverse

from orgchart.import_jobs import import_job_run, import_job_submit, progress_read
from orgchart.models import ImportJob, JobPosition
from orgchart.permissions import Role
from orgchart.selectors import import_job_state
from tests.orgchart.test_import_jobs import csv_upload, establishment_rows

pytestmark = pytest.mark.worker

ROWS = 12_000


@pytest.fixture
def shared_cache(settings, tmp_path):
    """Redis as the cache of this process and of the worker (started after), and
    the uploads in a folder both see."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CACHE_TEST_URL", "redis://127.0.0.1:6379/6"),
            "KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
        }
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_a_worker_killed_mid_import_writes_nothing_and_the_job_runs_again(
    shared_cache, celery_worker, two_units, ref, make_user, client, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 100
    admin = make_user(Role.ADMINISTRATOR, username="quantri")
    upload = csv_upload(establishment_rows(ROWS, ["SA", "SB", "SA-P1"]))
    job = import_job_submit(kind="establishment", user=admin, file=upload)
    assert job.background

    def halfway() -> bool:
        progress = progress_read(job)
        return bool(progress and progress["written"] > 0)

    celery_worker.wait_until(halfway, what="write the first rows")
    progress = progress_read(job)
    assert 0 < progress["written"] < ROWS and progress["validated"] < ROWS
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING

    os.killpg(celery_worker.process.pid, signal.SIGKILL)
    celery_worker.process.wait(timeout=30)
    time.sleep(1)
    assert JobPosition.objects.count() == 0

    settings.IMPORT_JOB_STALE_SECONDS = 2
    time.sleep(3)
    job.refresh_from_db()
    state = import_job_state(job=job)
    assert (state.status, state.stale) == (ImportJob.Status.FAILED, True)
    client.force_login(admin)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Thất bại" in page and "đã dừng giữa chừng" in page
    assert "Chạy lại việc nhập dữ liệu" in page
    data = client.get(reverse("orgchart:import_job_progress", args=[job.pk])).json()
    assert data["status"] == "failed" and data["rows_written"] > 0

    # Run again: queued for a worker, and taken here as the next worker would.
    response = client.post(reverse("orgchart:import_job_retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and job.rows_written == 0
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED and job.attempts == 2
    assert (job.rows_validated, job.rows_written) == (ROWS, ROWS)
    assert JobPosition.objects.count() == ROWS
