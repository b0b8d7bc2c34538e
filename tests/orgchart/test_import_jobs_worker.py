"""An establishment import run by a real Celery worker (a subprocess on Redis
and the test database), and killed in the middle: nothing is written, the job
is shown as failed once its heartbeat stops, and it runs again to the end
(issue 12 §1). The progress is followed through the shared cache (Redis), as the
job page does in production."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import time
import uuid
from itertools import chain

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from orgchart.import_jobs import import_job_run, import_job_submit, progress_read
from orgchart.models import ImportJob, JobPosition
from orgchart.permissions import Role
from orgchart.selectors import import_job_state
from tests.orgchart.test_import_jobs import csv_upload, establishment_rows
from tests.worker import _database_url

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


@contextlib.contextmanager
def submitted_with_commit_held_back(submit):
    """Submit a job (``submit()`` returns it) while holding a lock its import
    needs before it can commit, so that the worker is killed with its
    transaction open whatever the speed of the machine (it writes 12,000 rows in
    well under the second between two heartbeats). Yields the job; the lock is
    released (rolled back) on leaving.

    PostgreSQL: unit ``SA-P1`` locked FOR UPDATE; the import writes the rows of
    ``SA`` and ``SB`` (the first half of the file), then waits on the foreign key
    of the first ``SA-P1`` row. SQLite: a read transaction taken as soon as the
    job is claimed (a claim waiting for it could not commit); the import writes
    into its own cache, then waits at commit for the file's exclusive lock."""
    if connection.vendor == "postgresql":
        held = psycopg.connect(_database_url(connection.settings_dict))
        held.execute("SELECT id FROM orgchart_unit WHERE code = 'SA-P1' FOR UPDATE")
        try:
            yield submit()
        finally:
            held.rollback()
            held.close()
        return
    job = submit()
    held = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    deadline = time.monotonic() + 60
    while True:
        held.execute("BEGIN")
        (status,) = held.execute(
            "SELECT status FROM orgchart_importjob WHERE id = ?", [job.pk]
        ).fetchone()
        if status == ImportJob.Status.RUNNING:
            break  # the read lock stays until the end of the block
        held.execute("ROLLBACK")
        assert time.monotonic() < deadline, "the worker never claimed the job"
        time.sleep(0.005)
    try:
        yield job
    finally:
        held.execute("ROLLBACK")
        held.close()


def test_a_worker_killed_mid_import_writes_nothing_and_the_job_runs_again(
    shared_cache, celery_worker, two_units, ref, make_user, client, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 100
    admin = make_user(Role.ADMINISTRATOR, username="quantri")
    half = ROWS // 2
    rows = chain(
        establishment_rows(half, ["SA", "SB"]),
        establishment_rows(ROWS - half, ["SA-P1"], prefix="P1-"),
    )
    upload = csv_upload(rows)

    def halfway() -> bool:
        progress = progress_read(job)
        return bool(progress and progress["written"] > 0)

    with submitted_with_commit_held_back(
        lambda: import_job_submit(kind="establishment", user=admin, file=upload)
    ) as job:
        assert job.background
        celery_worker.wait_until(halfway, what="write the first rows")
        progress = progress_read(job)
        assert 0 < progress["written"] < ROWS
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
