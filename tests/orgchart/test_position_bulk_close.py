"""Ending many positions at once (a reorganisation's decision): all of them, or,
when one of them cannot end, none, with the position named."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from orgchart.models import JobPosition
from orgchart.services import position_bulk_close
from tests.factories import JobPositionFactory, UnitFactory

pytestmark = pytest.mark.django_db

LAST_DAY = datetime.date(2026, 6, 30)


@pytest.fixture
def positions():
    unit = UnitFactory(code="SA", name="Sở A")
    return [JobPositionFactory(unit=unit, name=f"Chuyên viên {i}") for i in range(3)]


def test_every_position_ends_with_the_decision(positions):
    closed = position_bulk_close(
        positions=positions,
        last_day=LAST_DAY,
        decision_number="5/QĐ-UBND",
        decision_date=datetime.date(2026, 6, 1),
    )
    assert closed == 3
    rows = JobPosition.objects.filter(pk__in=[p.pk for p in positions])
    assert {(p.valid_to, p.ended_by_decision_number) for p in rows} == {
        (LAST_DAY, "5/QĐ-UBND")
    }


def test_one_position_already_ended_ends_none_and_is_named(positions):
    ended = positions[1]
    JobPosition.objects.filter(pk=ended.pk).update(valid_to=datetime.date(2026, 1, 31))
    ended.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        position_bulk_close(
            positions=positions, last_day=LAST_DAY, decision_number="5/QĐ-UBND"
        )
    assert refused.value.code == "position_cannot_close"
    assert ended.name in refused.value.messages[0]
    still_open = JobPosition.objects.filter(
        pk__in=[positions[0].pk, positions[2].pk], valid_to__isnull=True
    )
    assert still_open.count() == 2


def test_a_position_that_would_end_before_it_began_ends_none(positions):
    late = positions[2]
    JobPosition.objects.filter(pk=late.pk).update(valid_from=datetime.date(2026, 9, 1))
    late.refresh_from_db()
    with pytest.raises(ValidationError):
        position_bulk_close(positions=positions, last_day=LAST_DAY)
    assert not JobPosition.objects.filter(valid_to=LAST_DAY).exists()
