"""Each kind of operation, proposed, approved through the shared steps and applied:
what the org chart, the establishment and the quotas look like before and after
the effective date."""

from __future__ import annotations

import datetime

import pytest

from appraisal.models import AuditEntry, Consolidation, PositionMapping, UnitQuota
from appraisal.selectors.consolidation import unit_history
from appraisal.services import consolidation as cons
from orgchart.models import JobPosition, Unit
from tests.appraisal.consolidation_fixtures import *  # noqa: F403
from tests.appraisal.consolidation_fixtures import (
    NEXT_YEAR,
    D,
    approve,
    merge_a_and_b,
    new_unit,
    open_consolidation,
)
from tests.factories import JobPositionFactory, UnitFactory

pytestmark = pytest.mark.django_db

DAY_BEFORE = D - datetime.timedelta(days=1)


def chart(on) -> set[str]:
    return set(Unit.objects.active_on(on).values_list("code", flat=True))


def establishment(unit, on) -> dict[str, int]:
    return dict(
        JobPosition.objects.active_on(on)
        .filter(unit=unit)
        .values_list("name", "headcount")
    )


def test_a_merge_closes_the_sources_and_opens_the_new_unit_on_the_date(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org)
    merge_a_and_b(people, org, consolidation)
    approve(consolidation, people)
    decision = consolidation.decisions.get(outcome="approved")
    assert decision.number.endswith("/QĐ-UBND")

    applied = cons.consolidation_apply(consolidation=consolidation, on=D)

    assert len(applied) == 1
    consolidation.refresh_from_db()
    assert consolidation.status == Consolidation.Status.APPLIED
    assert consolidation.is_applied
    new = Unit.objects.get(code="SAB")
    assert (new.valid_from, new.parent_id, new.path) == (
        D,
        u["province"].pk,
        f"{u['province'].path}{new.pk}/",
    )
    # The day before, the old structure; from the date, the new one.
    assert {"SA", "SB", "SA-P1", "SB-P1"} <= chart(DAY_BEFORE)
    assert "SAB" not in chart(DAY_BEFORE)
    assert "SAB" in chart(D) and not {"SA", "SB", "SA-P1", "SB-P1"} & chart(D)
    for code in ("SA", "SB", "SA-P1", "SB-P1"):
        unit = Unit.objects.get(code=code)
        assert (unit.valid_to, unit.status) == (DAY_BEFORE, Unit.Status.MERGED)
    # Same name and rank become one position with the head-counts added.
    assert establishment(new, D) == {
        "Giám đốc": 2,
        "Phó Giám đốc": 5,
        "Chuyên viên tổ chức": 7,
        "Trưởng phòng": 1,
        "Chuyên viên": 4,
    }
    assert establishment(u["a"], DAY_BEFORE)["Phó Giám đốc"] == 3
    opened = JobPosition.objects.filter(unit=new)
    assert set(opened.values_list("decision_number", flat=True)) == {decision.number}
    closed = JobPosition.objects.filter(unit=u["a"]).get(name="Giám đốc")
    assert (closed.valid_to, closed.ended_by_decision_number) == (
        DAY_BEFORE,
        decision.number,
    )
    # The quotas follow; the sources keep theirs as the record.
    assert UnitQuota.objects.get(unit=new, year=NEXT_YEAR).headcount == 21
    assert UnitQuota.objects.get(unit=u["a"], year=NEXT_YEAR).headcount == 12
    # What the closed unit became, when, by which decision.
    history = unit_history(Unit.objects.get(code="SA"))
    assert history.successors == [new]
    assert (history.closed_on, history.decision_number) == (
        DAY_BEFORE,
        decision.number,
    )
    assert unit_history(new).predecessors == [
        Unit.objects.get(code="SA"),
        Unit.objects.get(code="SB"),
    ]
    assert consolidation.audit_entries.filter(
        action=AuditEntry.Action.UNITS_REORGANISED
    ).exists()


def test_applying_twice_changes_nothing_and_before_the_date_nothing(people, org):
    consolidation = open_consolidation(people, org)
    merge_a_and_b(people, org, consolidation)
    approve(consolidation, people)
    assert cons.consolidation_apply(consolidation=consolidation, on=DAY_BEFORE) == []
    assert not Unit.objects.filter(code="SAB").exists()
    cons.consolidation_apply(consolidation=consolidation, on=D)
    positions = JobPosition.objects.count()
    with pytest.raises(Exception) as exc:
        cons.consolidation_apply(consolidation=consolidation, on=D)
    assert exc.value.error_list[0].code == "wrong_status"
    assert Unit.objects.filter(code="SAB").count() == 1
    assert JobPosition.objects.count() == positions


def test_an_absorption_keeps_the_absorbing_unit_and_merges_same_positions(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org)
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="absorb",
        effective_date=D,
        source_units=[u["b"]],
        successors=[{"unit": u["a"]}],
    )
    cons.mapping_default(consolidation=consolidation)
    officer = PositionMapping.objects.get(source_position=org["positions"]["b_officer"])
    assert officer.action == PositionMapping.Action.MERGE_INTO
    approve(consolidation, people)
    cons.consolidation_apply(consolidation=consolidation, on=D)
    a = Unit.objects.get(pk=u["a"].pk)
    assert a.valid_to is None and a.status == Unit.Status.ACTIVE
    assert establishment(a, DAY_BEFORE)["Chuyên viên tổ chức"] == 4
    assert establishment(a, D) == {
        "Giám đốc": 2,
        "Phó Giám đốc": 5,
        "Chuyên viên tổ chức": 7,
        "Chuyên viên": 2,
    }
    assert list(Unit.objects.get(pk=u["b"].pk).successors.all()) == [a]


def test_two_dates_applied_together_merge_into_what_the_first_opened(people, org):
    """The second date's merge counts the position the first date opened in the
    same unit (what the checks read of the successor holds only until a date
    has moved positions)."""
    u, ref = org["units"], org["positions"]
    later = D + datetime.timedelta(days=10)
    c = UnitFactory(code="SC", name="Sở C", parent=u["province"])
    JobPositionFactory(
        unit=c,
        name="Chuyên viên",
        category=ref["a1_officer"].category,
        rank=ref["a1_officer"].rank,
        headcount=3,
    )
    consolidation = open_consolidation(people, org)
    for date, source in ((D, u["b1"]), (later, c)):
        cons.operation_add(
            user=people["division_head"],
            consolidation=consolidation,
            kind="absorb",
            effective_date=date,
            source_units=[source],
            successors=[{"unit": u["a1"]}],
        )
    approve(consolidation, people)
    applied = cons.consolidation_apply(consolidation=consolidation, on=later)
    assert len(applied) == 2
    a1 = u["a1"]
    assert establishment(a1, DAY_BEFORE)["Chuyên viên"] == 2
    assert establishment(a1, D)["Chuyên viên"] == 4
    assert establishment(a1, later) == {"Trưởng phòng": 1, "Chuyên viên": 7}
    # One position of that name in force at a time: each merge ended the last.
    for on in (D, later):
        assert (
            JobPosition.objects.active_on(on)
            .filter(unit=a1, name="Chuyên viên")
            .count()
            == 1
        )


def test_a_split_shares_positions_and_quotas_as_mapped(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org)
    operation = cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="split",
        effective_date=D,
        source_units=[u["a"]],
        successors=[
            new_unit("Sở A1", "SA1", u["province"]),
            new_unit("Sở A2", "SA2", u["province"]),
        ],
    )
    cons.mapping_default(consolidation=consolidation)
    second = operation.successors.get(code="SA2")
    p = org["positions"]
    cons.mapping_save(
        user=people["division_head"],
        consolidation=consolidation,
        rows=[
            {
                "source_position_id": p["a_officer"].pk,
                "action": "keep",
                "successor_id": second.pk,
                "target_name": "Chuyên viên tổ chức",
                "headcount": 4,
            },
            {
                "source_position_id": p["a_deputy"].pk,
                "action": "end",
            },
        ],
    )
    approve(consolidation, people)
    cons.consolidation_apply(consolidation=consolidation, on=D)
    a1, a2 = Unit.objects.get(code="SA1"), Unit.objects.get(code="SA2")
    assert establishment(a1, D) == {"Giám đốc": 1, "Trưởng phòng": 1, "Chuyên viên": 2}
    assert establishment(a2, D) == {"Chuyên viên tổ chức": 4}
    assert Unit.objects.get(code="SA").status == Unit.Status.SPLIT
    # 12 posts of quota shared 4 : 4 as the head-counts mapped.
    assert UnitQuota.objects.get(unit=a1, year=NEXT_YEAR).headcount == 6
    assert UnitQuota.objects.get(unit=a2, year=NEXT_YEAR).headcount == 6


def test_a_dissolution_ends_every_position(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org)
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="dissolve",
        effective_date=D,
        source_units=[u["b"]],
    )
    approve(consolidation, people)
    assert set(PositionMapping.objects.values_list("action", flat=True)) == {"end"}
    cons.consolidation_apply(consolidation=consolidation, on=D)
    b = Unit.objects.get(pk=u["b"].pk)
    assert (b.status, b.valid_to) == (Unit.Status.DISSOLVED, DAY_BEFORE)
    assert not JobPosition.objects.active_on(D).filter(unit__in=[b, u["b1"]]).exists()
    assert not b.successors.exists()


def test_a_rename_may_keep_the_code_and_establish_opens_a_unit(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org)
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="rename",
        effective_date=D,
        source_units=[u["b"]],
        successors=[new_unit("Sở B mới", "SB", u["province"])],
    )
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="establish",
        effective_date=D,
        successors=[
            new_unit(
                "Trung tâm Phục vụ hành chính công",
                "TTHCC",
                u["province"],
                kind="service_centre",
            ),
        ],
    )
    approve(consolidation, people)
    cons.consolidation_apply(consolidation=consolidation, on=D)
    old, new = Unit.objects.filter(code="SB").order_by("valid_from")
    assert (old.status, old.valid_to, new.valid_from) == (
        Unit.Status.RENAMED,
        DAY_BEFORE,
        D,
    )
    assert new.name == "Sở B mới"
    assert establishment(new, D)["Phó Giám đốc"] == 2
    assert Unit.objects.get(code="TTHCC").valid_from == D
    assert "TTHCC" not in chart(DAY_BEFORE)


def test_open_dossiers_of_a_closed_unit_are_flagged(people, org):
    from appraisal.models import JobPositionProject
    from appraisal.services import projects

    u = org["units"]
    project = projects.project_create(
        unit=u["a"], kind="adjustment", title="Đề án", actor=people["officer"]
    )
    consolidation = open_consolidation(people, org)
    merge_a_and_b(people, org, consolidation)
    approve(consolidation, people)
    cons.consolidation_apply(consolidation=consolidation, on=D)
    flag = JobPositionProject.objects.get(pk=project.pk).audit_entries.get(
        action=AuditEntry.Action.DOSSIER_FLAGGED
    )
    consolidation_decision = consolidation.decisions.get().number
    assert consolidation_decision in flag.comment
    assert flag.actor is None
