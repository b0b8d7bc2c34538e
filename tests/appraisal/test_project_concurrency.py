"""Two people acting on the same dossier at the same moment, each on their own
database connection: one action wins, the others are refused with the
"wrong status" message, and nothing is applied twice (issue 3 §6).

Runs on PostgreSQL (the services lock the project row) and on SQLite (transactions
take the database's write lock when they begin). SQLite's in-memory test database
reports a held lock at once instead of waiting for the busy timeout as a database
file does, so there the test retries what was refused with "locked" before it
began, which is what the busy timeout does with a file.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from appraisal import services as svc
from appraisal.models import AuditEntry, IssuedNumber, JobPositionProject, Revision
from orgchart.models import JobPosition
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.project_fixtures import advance

Status = JobPositionProject.Status
THREADS = 4

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(action, threads: int = THREADS) -> tuple[list, list]:
    """Run ``action`` in ``threads`` threads released together; return the results
    and the errors."""
    barrier = threading.Barrier(threads)
    results, errors = [], []
    guard = threading.Lock()

    def work():
        try:
            barrier.wait(timeout=30)
            outcome = waiting_for_locks(action)
            with guard:
                results.append(outcome)
        except Exception as exc:  # noqa: BLE001  asserted by the caller
            with guard:
                errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return results, errors


def waiting_for_locks(action, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def refused_as_wrong_status(errors) -> bool:
    return all(
        isinstance(e, ValidationError) and e.code == "wrong_status" for e in errors
    )


def test_simultaneous_submits_freeze_one_revision(draft, people):
    project_pk = draft.pk

    def submit():
        project = JobPositionProject.objects.get(pk=project_pk)
        return svc.dossier_submit(dossier=project, actor=people["head"]).number

    results, errors = at_once(submit)
    assert results == [1]
    assert len(errors) == THREADS - 1 and refused_as_wrong_status(errors), errors
    assert Revision.objects.filter(dossier_id=project_pk).count() == 1
    assert (
        AuditEntry.objects.filter(
            dossier_id=project_pk, action=AuditEntry.Action.SUBMITTED
        ).count()
        == 1
    )


def test_two_receptionists_accepting_at_once_take_one_receipt_number(draft, people):
    advance(draft, people, Status.SUBMITTED)
    project_pk = draft.pk

    def accept():
        project = JobPositionProject.objects.get(pk=project_pk)
        return svc.dossier_accept(dossier=project, actor=people["reception"]).pk

    results, errors = at_once(accept)
    assert len(results) == 1
    assert refused_as_wrong_status(errors), errors
    assert IssuedNumber.objects.filter(register__doc_type="TN").count() == 1
    project = JobPositionProject.objects.get(pk=project_pk)
    assert project.receipt_number.startswith("000001/")


def test_a_decision_applied_twice_at_once_opens_each_position_once(draft, people):
    advance(draft, people, Status.AWAITING_DECISION)
    decision = svc.dossier_decide(
        dossier=draft, actor=people["committee"], outcome="approved"
    )
    positions_before = JobPosition.objects.count()

    results, errors = at_once(lambda: svc.decision_apply(decision=decision).pk)
    assert not errors, errors
    assert len(results) == THREADS
    # Two new positions (the added one and the changed one's new version).
    assert JobPosition.objects.count() == positions_before + 2
    assert (
        AuditEntry.objects.filter(action=AuditEntry.Action.DECISION_APPLIED).count()
        == 1
    )
