"""Applying the committee's decision to the establishment: the approved lines become
job positions from the effective date, changed and ended positions close the day
before, every new position carries the decision, and a second call does nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from appraisal import services as svc
from appraisal.models import AuditEntry, Decision, JobPositionProject
from orgchart.models import JobPosition
from orgchart.selectors import unit_get_establishment
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.project_fixtures import advance

Status = JobPositionProject.Status
ONE_DAY = datetime.timedelta(days=1)


@pytest.fixture
def approved(draft, people):
    """Approved, effective in ten days, not yet applied."""
    advance(draft, people, Status.AWAITING_DECISION)
    effective = timezone.localdate() + datetime.timedelta(days=10)
    decision = svc.dossier_decide(
        dossier=draft,
        actor=people["committee"],
        outcome="approved",
        effective_date=effective,
    )
    return draft, decision


def names_and_headcounts(unit, on):
    establishment = unit_get_establishment(unit=unit, as_of=on)
    return sorted((p.name, p.headcount) for p in establishment.positions)


def test_establishment_changes_on_the_effective_date_only(
    approved, units, ref, positions
):
    project, decision = approved
    effective = decision.effective_date
    before = names_and_headcounts(units["a"], effective - ONE_DAY)
    assert before == [("Chuyên viên kế hoạch", 3), ("Chuyên viên quản lý văn thư", 2)]

    svc.decision_apply(decision=decision)

    # The day before the effective date, and today, nothing has changed.
    assert names_and_headcounts(units["a"], effective - ONE_DAY) == before
    assert names_and_headcounts(units["a"], timezone.localdate()) == before
    # From the effective date: the added position, the changed one's new version;
    # the ended one is gone.
    assert names_and_headcounts(units["a"], effective) == sorted(
        [(ref["entry"].name, 2), ("Chuyên viên văn thư, lưu trữ", 3)]
    )
    assert unit_get_establishment(unit=units["a"], as_of=effective).total_headcount == 5


def test_changed_and_ended_positions_close_the_day_before(approved, positions):
    project, decision = approved
    svc.decision_apply(decision=decision)
    for position in positions:
        position.refresh_from_db()
        assert position.valid_to == decision.effective_date - ONE_DAY
        # The decision that created them stays on them; the one that ended them
        # is recorded beside it.
        assert position.decision_number == "100/QĐ-UBND"
        assert position.ended_by_decision_number == decision.number
        assert position.ended_by_decision_date == decision.date


def test_every_new_position_carries_the_decision(approved, units, positions):
    project, decision = approved
    svc.decision_apply(decision=decision)
    created = JobPosition.objects.filter(unit=units["a"], valid_to__isnull=True)
    assert created.count() == 2
    for position in created:
        assert (position.decision_number, position.decision_date) == (
            decision.number,
            decision.date,
        )
        assert position.valid_from == decision.effective_date
    lines = {line.action: line for line in decision.lines.all()}
    assert lines["add"].created_position in created
    assert lines["change"].created_position in created
    assert lines["change"].position == positions[0]
    assert lines["end"].created_position is None
    assert lines["end"].position == positions[1]


def test_apply_marks_the_project_applied_and_audits(approved):
    project, decision = approved
    svc.decision_apply(decision=decision)
    project.refresh_from_db()
    decision.refresh_from_db()
    assert project.status == Status.APPLIED and project.is_final
    assert decision.applied_at is not None
    entry = project.audit_entries.last()
    assert entry.action == AuditEntry.Action.DECISION_APPLIED
    assert entry.actor is None  # the system applied it
    assert decision.number in entry.comment


def test_applying_twice_changes_nothing(approved, units):
    project, decision = approved
    svc.decision_apply(decision=decision)
    rows = list(JobPosition.objects.order_by("pk").values())
    applied_at = Decision.objects.get(pk=decision.pk).applied_at
    # A retried job or a double click, with a stale copy of the decision.
    svc.decision_apply(decision=decision)
    svc.decision_apply(decision=Decision.objects.get(pk=decision.pk))
    assert list(JobPosition.objects.order_by("pk").values()) == rows
    assert Decision.objects.get(pk=decision.pk).applied_at == applied_at
    assert (
        project.audit_entries.filter(action=AuditEntry.Action.DECISION_APPLIED).count()
        == 1
    )


def test_a_decision_effective_today_replaces_positions_today(draft, people, units):
    advance(draft, people, Status.AWAITING_DECISION)
    decision = svc.dossier_decide(
        dossier=draft, actor=people["committee"], outcome="approved"
    )
    assert decision.effective_date == timezone.localdate()
    svc.decision_apply(decision=decision)
    today = timezone.localdate()
    assert len(names_and_headcounts(units["a"], today)) == 2
    assert len(names_and_headcounts(units["a"], today - ONE_DAY)) == 2
    assert names_and_headcounts(units["a"], today) != names_and_headcounts(
        units["a"], today - ONE_DAY
    )


def test_a_rejection_or_return_cannot_be_applied(draft, people, units):
    advance(draft, people, Status.AWAITING_DECISION)
    decision = svc.dossier_decide(
        dossier=draft, actor=people["committee"], outcome="rejected", comment="Không"
    )
    before = list(JobPosition.objects.values_list("pk", "valid_to"))
    with pytest.raises(ValidationError) as exc:
        svc.decision_apply(decision=decision)
    assert exc.value.code == "not_approved"
    assert list(JobPosition.objects.values_list("pk", "valid_to")) == before


def test_approval_is_refused_when_a_line_could_not_become_a_position(
    draft, people, ref
):
    """The appraiser missed a rank outside the catalogue range: the committee is
    told which line, and no number is taken."""
    svc.project_lines_save(
        project=draft,
        actor=people["officer"],
        lines=[
            {
                "action": "add",
                "catalogue_entry": ref["entry"],
                "rank": ref["senior"],
                "headcount": 1,
            }
        ],
    )
    advance(draft, people, Status.AWAITING_DECISION)
    with pytest.raises(ValidationError) as exc:
        svc.dossier_decide(dossier=draft, actor=people["committee"], outcome="approved")
    assert exc.value.messages[0].startswith("Line 1:")
    assert "01.001" in exc.value.messages[0]
    assert not Decision.objects.filter(dossier=draft).exists()
    from appraisal.models import IssuedNumber

    assert not IssuedNumber.objects.filter(text__endswith="QĐ-UBND").exists()


def test_a_position_ended_by_another_decision_meanwhile_blocks_the_approval(
    draft, people, positions
):
    from orgchart.services import position_close

    advance(draft, people, Status.AWAITING_DECISION)
    position_close(position=positions[1], last_day=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        svc.dossier_decide(dossier=draft, actor=people["committee"], outcome="approved")
    assert "Line 3:" in exc.value.messages[0]
    assert positions[1].name in exc.value.messages[0]


def test_position_close_refuses_a_closed_position_or_an_impossible_day(positions):
    from orgchart.services import position_close

    first = positions[0]
    with pytest.raises(ValidationError) as exc:
        position_close(position=first, last_day=first.valid_from - ONE_DAY)
    assert exc.value.code == "position_close_before_start"
    position_close(position=first, last_day=first.valid_from)
    with pytest.raises(ValidationError) as exc:
        position_close(position=first, last_day=timezone.localdate())
    assert exc.value.code == "position_already_closed"
