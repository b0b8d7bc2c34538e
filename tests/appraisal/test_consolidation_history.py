"""History stays true: a chain (a merge whose successor is later split) reads
right as of three dates, and a failure in the middle of applying leaves nothing
applied."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from appraisal.models import Consolidation
from appraisal.selectors.consolidation import unit_history
from appraisal.services import consolidation as cons
from orgchart.models import JobPosition, Unit
from orgchart.services import unit_create
from tests.appraisal.consolidation_fixtures import *  # noqa: F403
from tests.appraisal.consolidation_fixtures import (
    TODAY,
    D,
    approve,
    merge_a_and_b,
    new_unit,
    open_consolidation,
)

pytestmark = pytest.mark.django_db

D2 = D + datetime.timedelta(days=60)
ONE_DAY = datetime.timedelta(days=1)


def chart(on) -> list[str]:
    return sorted(
        Unit.objects.active_on(on)
        .filter(kind="department")
        .values_list("code", flat=True)
    )


def posts(codes, on) -> int:
    return (
        JobPosition.objects.active_on(on)
        .filter(unit__code__in=codes, unit__valid_from__lte=on)
        .aggregate(total=Sum("headcount"))["total"]
        or 0
    )


def test_a_merge_then_a_split_of_its_successor_reads_right_as_of_three_dates(
    people, org
):
    u = org["units"]
    first = open_consolidation(people, org, title="Hợp nhất A và B")
    merge_a_and_b(people, org, first)
    approve(first, people)
    cons.consolidation_apply(consolidation=first, on=D)
    merged = Unit.objects.get(code="SAB")

    second = open_consolidation(people, org, title="Chia tách Sở A và B")
    cons.operation_add(
        user=people["division_head"],
        consolidation=second,
        kind="split",
        effective_date=D2,
        source_units=[merged],
        successors=[
            new_unit("Sở Một", "S1", u["province"]),
            new_unit("Sở Hai", "S2", u["province"]),
        ],
    )
    approve(second, people)
    cons.consolidation_apply(consolidation=second, on=D2)

    before, between, after = D - ONE_DAY, D + ONE_DAY, D2
    assert chart(before) == ["SA", "SB"]
    assert chart(between) == ["SAB"]
    assert chart(D2 - ONE_DAY) == ["SAB"]
    assert chart(after) == ["S1", "S2"]
    # The 19 posts of the two departments are there on every date.
    assert posts(["SA", "SB", "SA-P1", "SB-P1"], before) == 19
    assert posts(["SAB"], between) == 19
    assert posts(["S1", "S2"], after) == 19
    # Each closed unit says what it became, when and by which decision.
    sa = unit_history(Unit.objects.get(code="SA"))
    assert (sa.successors, sa.closed_on) == ([merged], D - ONE_DAY)
    assert sa.decision_number == first.decisions.get().number
    sab = unit_history(Unit.objects.get(code="SAB"))
    assert [unit.code for unit in sab.successors] == ["S1", "S2"]
    assert [unit.code for unit in sab.predecessors] == ["SA", "SB"]
    assert (sab.closed_on, sab.status) == (D2 - ONE_DAY, Unit.Status.SPLIT)
    assert sab.decision_number == second.decisions.get().number
    assert unit_history(Unit.objects.get(code="S1")).is_closed is False


def test_a_failure_in_the_middle_of_applying_leaves_nothing_applied(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org)
    merge_a_and_b(people, org, consolidation)
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="establish",
        effective_date=D,
        successors=[new_unit("Trung tâm X", "TTX", u["province"])],
    )
    approve(consolidation, people)
    # After the decision, an administrator opens another unit with the code the
    # second operation was to use: the first operation applies, the second fails.
    unit_create(
        code="TTX",
        name="Trung tâm khác",
        kind="other",
        level="province",
        parent=u["province"],
        valid_from=TODAY,
    )
    units = list(Unit.objects.order_by("pk").values_list("pk", "valid_to", "status"))
    positions = list(
        JobPosition.objects.order_by("pk").values_list("pk", "valid_to", "headcount")
    )
    with pytest.raises(ValidationError) as exc:
        cons.consolidation_apply(consolidation=consolidation, on=D)
    assert "TTX" in " ".join(exc.value.messages)
    assert (
        list(Unit.objects.order_by("pk").values_list("pk", "valid_to", "status"))
        == units
    )
    assert (
        list(
            JobPosition.objects.order_by("pk").values_list(
                "pk", "valid_to", "headcount"
            )
        )
        == positions
    )
    consolidation.refresh_from_db()
    assert consolidation.status == Consolidation.Status.APPROVED
    assert not consolidation.operations.filter(applied_at__isnull=False).exists()
    assert not consolidation.operations.filter(
        successors__created_unit__isnull=False
    ).exists()
