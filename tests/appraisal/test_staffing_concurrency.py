"""Many units submitting their staffing proposals at the same moment, and two
appraisers changing the same cycle, each on their own database connection: nothing
is lost and nothing is applied twice (issue 7 §6). On PostgreSQL each proposal is
its own locked row, so units do not wait for each other."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from appraisal.models import AuditEntry, Revision, StaffingPlan, StaffingProposal
from appraisal.services import staffing as svc
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.test_project_concurrency import at_once, waiting_for_locks
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db(transaction=True)

Status = StaffingPlan.Status
UNITS = 150
#: Connections at once (PostgreSQL's default limit is 100 in all; SQLite serialises
#: every writer on its one file, so more threads only wait longer).
WORKERS = 15 if connection.vendor == "postgresql" else 4


@pytest.fixture
def big_plan(people, units, make_user):
    communes = [
        UnitFactory(
            code=f"XA{i:03d}",
            parent=units["province"],
            kind="commune_pc",
            level="commune",
            name=f"UBND xã {i}",
        )
        for i in range(UNITS)
    ]
    plan = svc.staffing_plan_open(
        actor=people["division_head"],
        province=units["province"],
        year=timezone.localdate().year + 1,
        base_year=2021,
        proposal_deadline=timezone.localdate() + datetime.timedelta(days=5),
        ceilings={"civil_servant": {"ceiling": 5000, "base_year_count": 5000}},
        units=communes,
        appraiser=people["appraiser"],
    )
    heads = {
        unit.pk: make_user("unit_head", units=[unit], username=f"head{unit.code}")
        for unit in communes
    }
    return plan, heads


def test_150_units_submitting_at_once_each_freeze_one_revision(big_plan):
    plan, heads = big_plan
    pending = list(
        StaffingProposal.objects.filter(plan=plan).values_list("pk", "unit_id")
    )
    guard = threading.Lock()
    barrier = threading.Barrier(WORKERS)
    errors = []

    def work():
        try:
            barrier.wait(timeout=30)
            while True:
                with guard:
                    if not pending:
                        return
                    pk, unit_id = pending.pop()
                waiting_for_locks(
                    lambda pk=pk, unit_id=unit_id: svc.proposal_submit(
                        proposal=StaffingProposal.objects.get(pk=pk),
                        actor=heads[unit_id],
                    ),
                    timeout=120,
                )
        except Exception as exc:  # noqa: BLE001  asserted below
            with guard:
                errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert errors == []
    proposals = StaffingProposal.objects.filter(plan=plan)
    assert proposals.filter(status=Status.SUBMITTED).count() == UNITS
    assert Revision.objects.filter(dossier__in=proposals).count() == UNITS
    assert (
        AuditEntry.objects.filter(
            dossier__in=proposals, action=AuditEntry.Action.SUBMITTED
        ).count()
        == UNITS
    )


def test_two_appraisers_on_one_number_one_wins_and_both_lines_keep_their_changes(
    big_plan, people
):
    plan, heads = big_plan
    StaffingPlan.objects.filter(pk=plan.pk).update(
        proposal_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    svc.collection_close(
        plan=StaffingPlan.objects.get(pk=plan.pk), actor=people["division_head"]
    )
    first, second = (
        StaffingProposal.objects.filter(plan=plan).order_by("pk")[i].lines.get()
        for i in (0, 1)
    )
    appraisers = [people["appraiser"], people["appraiser2"]]

    # The same number, both seeing its old value: one change is kept, the other
    # is told someone changed it meanwhile.
    lock = threading.Lock()
    mine: dict[int, object] = {}

    def own(choices):
        """What this thread acts with (kept when a refused start is retried)."""
        with lock:
            ident = threading.get_ident()
            if ident not in mine:
                mine[ident] = choices[len(mine)]
            return mine[ident]

    seen = first.current  # what both appraisers have on screen

    def adjust_same():
        who = own(appraisers)
        return svc.number_adjust(
            line=first, actor=who, to_number=3, reason="Giảm", expected=seen
        )

    results, errors = at_once(adjust_same, threads=2)
    assert len(results) == 1
    assert [e.code for e in errors] == ["stale"]
    first.refresh_from_db()
    assert first.adjustments.count() == 1

    # Different numbers of the same cycle at once: both are kept.
    pairs = [(first, people["appraiser"]), (second, people["appraiser2"])]
    mine.clear()

    def adjust_each():
        line, who = own(pairs)
        return svc.number_adjust(
            line=line, actor=who, to_number=5, reason="Theo định mức"
        )

    results, errors = at_once(adjust_each, threads=2)
    assert errors == []
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.appraised, second.appraised) == (5, 5)
    assert (
        AuditEntry.objects.filter(
            dossier=plan, action=AuditEntry.Action.NUMBER_ADJUSTED
        ).count()
        == 3
    )
