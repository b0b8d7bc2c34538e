"""A process killed (SIGKILL) in the middle of a workflow step applies nothing of
the step: not the dossier's status, not the task, not the audit entry, not the
number taken from the register, and a file it already stored is an orphan that
``sweep_attachments`` removes. The step can then be done again.

The step is a real POST handled by a process of its own (``tests.step_process``).
To stop it at a known point with no hook in the application, the test holds what
the step needs last: on PostgreSQL an EXCLUSIVE lock on the audit table (the
step has written its other rows and stored its file when it comes to insert its
audit entry) and waits until the step waits for it (``pg_stat_activity``); on
SQLite a read transaction, which lets the step write everything and stops it at
its COMMIT (seen from its rollback journal, which stops growing).
"""

from __future__ import annotations

import io
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from appraisal.models import (
    Attachment,
    AuditEntry,
    IssuedNumber,
    JobPositionProject,
    NumberRegister,
)
from tests.factories import pdf_upload
from tests.step_process import pg_backend_gone, pg_blocked_backend
from tests.workflows.conftest import url

pytestmark = pytest.mark.django_db(transaction=True)

AUDIT = AuditEntry._meta.db_table
Status = JobPositionProject.Status


@contextmanager
def audit_blocked():
    """Hold what the step needs last; yield a function that waits until the
    step is stopped there and returns a handle to wait for its end after the
    kill."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {AUDIT} IN EXCLUSIVE MODE")
            yield _pg_wait_blocked
    else:
        reader = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
        reader.isolation_level = None
        reader.execute("BEGIN")
        reader.execute(f"SELECT COUNT(*) FROM {AUDIT}").fetchone()
        try:
            yield _sqlite_wait_blocked
        finally:
            reader.execute("ROLLBACK")
            reader.close()


def _pg_wait_blocked(child) -> int:
    return pg_blocked_backend(
        lambda: child.poll() is None or child.stdout.read().decode()[-3000:]
    )


def _sqlite_wait_blocked(child, timeout: float = 60) -> None:
    """The step has written (its rollback journal exists) and writes no more
    (the journal stops growing for a second): it waits at its COMMIT, which our
    read transaction refuses until the busy timeout (20 s)."""
    journal = Path(connection.settings_dict["NAME"] + "-journal")
    deadline = time.monotonic() + timeout
    size, since = None, time.monotonic()
    while time.monotonic() < deadline:
        assert child.poll() is None, child.stdout.read().decode()[-3000:]
        current = journal.stat().st_size if journal.exists() else None
        if current != size:
            size, since = current, time.monotonic()
        elif current and time.monotonic() - since > 1:
            return None
        time.sleep(0.05)
    pytest.fail("the step never reached its commit")


def session_of(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def kill_in_the_middle(step_process, post_url, data, *, session, upload=None):
    with audit_blocked() as wait_blocked:
        child = step_process.post(post_url, data, session=session, upload=upload)
        pid = wait_blocked(child)
        step_process.kill(child)
    pg_backend_gone(pid)


def receive_state(process) -> dict:
    project = JobPositionProject.objects.get(pk=process.project.pk)
    task = Task.objects.get(process_id=process.pk, flow_task=process.flow_class.receive)
    return {
        "status": project.status,
        "receipt_number": project.receipt_number,
        "received_on": project.received_on,
        "due_on": project.due_on,
        "audit": list(
            AuditEntry.objects.filter(dossier_id=project.pk).values_list(
                "pk", "chain_hash"
            )
        ),
        "numbers": IssuedNumber.objects.count(),
        "registers": list(
            NumberRegister.objects.order_by("pk").values_list("pk", "last_number")
        ),
        "task": (task.status, task.owner_id, task.finished),
        "tasks": Task.objects.filter(process_id=process.pk).count(),
    }


def test_reception_killed_before_its_commit_applies_nothing(
    driver, people, step_process
):
    process = driver.to_reception()
    task = driver.open_task(process, "receive")
    driver.take("reception", task)
    before = receive_state(process)
    assert before["status"] == Status.SUBMITTED

    kill_in_the_middle(
        step_process,
        url(task, "execute"),
        {"_complete": "1", "decision": "accept", "comment": "Đủ hồ sơ"},
        session=session_of(driver.client),
    )

    assert receive_state(process) == before
    # Done again, the step takes the register's next number as if the killed
    # attempt had never happened.
    response = driver.execute(
        "reception", process, "receive", {"decision": "accept", "comment": ""}
    )
    assert response.status_code == 302, response.content[:2000]
    after = receive_state(process)
    assert after["status"] == Status.RECEIVED
    assert after["receipt_number"] == IssuedNumber.objects.latest("pk").text
    assert after["numbers"] == before["numbers"] + 1
    assert after["task"][0] == STATUS.DONE
    assert len(after["audit"]) == len(before["audit"]) + 1
    assert "every chain is intact" in verify_audit()


def verify_audit() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_a_document_stored_by_a_killed_step_is_swept_and_attached_again(
    driver, step_process
):
    process = driver.start("officer")
    task = driver.open_task(process, "draft")
    project = process.project
    audit_before = AuditEntry.objects.filter(dossier_id=project.pk).count()
    files_before = stored_files()
    data_before = Task.objects.get(pk=task.pk).data
    content = pdf_upload("Tờ trình.pdf").read()

    kill_in_the_middle(
        step_process,
        url(task, "execute"),
        {"_attach": "1", "kind": Attachment.Kind.SUBMISSION_LETTER},
        session=session_of(driver.client),
        upload=("file", "Tờ trình.pdf", content),
    )

    assert not Attachment.objects.filter(dossier_id=project.pk).exists()
    assert AuditEntry.objects.filter(dossier_id=project.pk).count() == audit_before
    assert Task.objects.get(pk=task.pk).data == data_before
    orphans = stored_files() - files_before
    # The file was stored before the step stopped: an orphan no row names.
    assert len(orphans) == 1
    out = io.StringIO()
    call_command("sweep_attachments", older_than_minutes=0, stdout=out)
    assert f"removed {orphans.pop()}" in out.getvalue()
    assert stored_files() == files_before

    response = driver.client.post(
        url(task, "execute"),
        {
            "_attach": "1",
            "kind": Attachment.Kind.SUBMISSION_LETTER,
            "file": pdf_upload("Tờ trình.pdf"),
        },
    )
    assert response.status_code == 302, response.content[:2000]
    attachment = Attachment.objects.get(dossier_id=project.pk)
    assert attachment.original_name == "Tờ trình.pdf"
    assert stored_files() == files_before | {attachment.file.name}
    assert "every chain is intact" in verify_audit()
