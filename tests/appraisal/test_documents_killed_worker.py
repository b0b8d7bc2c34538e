"""A Celery worker killed (SIGKILL) while it stores the documents of a signing
step leaves no half document: the issue is still pending, no attachment row names
a file, the files it had written are orphans that ``sweep_attachments`` removes,
and the job run again issues both files.

The test holds what the job needs last, after it rendered and signed the PDF and
wrote its first file: on PostgreSQL an EXCLUSIVE lock on the attachment table,
taken before the step; on SQLite a read transaction taken once the job has
started (it counts its attempt first), which stops the job at its COMMIT.
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from appraisal import services as svc
from appraisal.models import Attachment, DocumentIssue
from appraisal.tasks import document_generate_task
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.project_fixtures import advance
from tests.step_process import pg_backend_gone, pg_blocked_backend

pytestmark = [pytest.mark.documents, pytest.mark.worker]

ATTACHMENTS = Attachment._meta.db_table


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_a_worker_killed_while_storing_documents_leaves_none(
    celery_worker, draft, people, signer_certificate
):
    signer_certificate(people["director"])
    project = advance(draft, people, "report_reviewed")
    # The documents of the earlier steps are finished first.
    done = ["ready", "signed"]
    earlier = DocumentIssue.objects.filter(dossier=project)
    celery_worker.wait_until(
        lambda: not earlier.exclude(state__in=done).exists(), what="finish"
    )
    files_before = stored_files()
    issues = DocumentIssue.objects.filter(
        dossier=project, document__in=["report", "submission"]
    )

    def worker_alive():
        return celery_worker.process.poll() is None or celery_worker.output()[-3000:]

    pid = None
    if connection.vendor == "postgresql":
        holder = connections.create_connection("default")
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {ATTACHMENTS} IN EXCLUSIVE MODE")
        svc.report_sign(dossier=project, actor=people["director"])
        pid = pg_blocked_backend(worker_alive)
        os.killpg(celery_worker.process.pid, signal.SIGKILL)
        celery_worker.process.wait(timeout=30)
        holder.rollback()
        holder.close()
    else:
        svc.report_sign(dossier=project, actor=people["director"])
        celery_worker.wait_until(
            lambda: issues.filter(attempts=1).exists(), what="start the job"
        )
        reader = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
        reader.isolation_level = None
        reader.execute("BEGIN")
        reader.execute(f"SELECT COUNT(*) FROM {ATTACHMENTS}").fetchone()
        # The job renders and signs, then writes: its journal appears and stops
        # growing when it waits at its COMMIT.
        journal = Path(connection.settings_dict["NAME"] + "-journal")
        deadline = time.monotonic() + 60
        while not (journal.exists() and stored_files() - files_before):
            assert worker_alive() is True, worker_alive()
            assert time.monotonic() < deadline, "the job never stored a file"
            time.sleep(0.05)
        time.sleep(1)
        os.killpg(celery_worker.process.pid, signal.SIGKILL)
        celery_worker.process.wait(timeout=30)
        reader.execute("ROLLBACK")
        reader.close()
    pg_backend_gone(pid)

    assert issues.count() == 2
    assert not issues.filter(state__in=done).exists()
    assert not Attachment.objects.filter(issue__in=issues).exists()
    orphans = stored_files() - files_before
    assert orphans, "the job was stopped before it stored a file"
    out = io.StringIO()
    call_command("sweep_attachments", older_than_minutes=0, stdout=out)
    for name in orphans:
        assert f"removed {name}" in out.getvalue()
    assert stored_files() == files_before

    # Run again (Celery redelivers an unacknowledged job: acks_late), each
    # document is issued whole.
    for issue in issues:
        assert document_generate_task.apply(args=[issue.pk]).get() == "signed"
    for issue in issues:
        assert sorted(issue.files.values_list("extension", flat=True)) == [
            "docx",
            "pdf",
        ]
