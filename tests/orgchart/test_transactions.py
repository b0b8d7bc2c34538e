"""One savepoint per workflow step (``orgchart.transactions``): the services
inside a step join it, a refusal anywhere in it leaves nothing written, what
was left for its end is written with it, and inside a task page's POST a refused
step is shown by running the request again instead of by a savepoint."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from appraisal.models import CalendarDay
from orgchart import transactions

pytestmark = pytest.mark.django_db


DAYS = {"P1": 1, "P2": 2, "P3": 3, "END": 4, "NEVER": 5, "AFTER": 6}


@transactions.atomic
def unit_add(code: str, *, refuse: bool = False) -> CalendarDay:
    """A service writing one row (a holiday, any row would do)."""
    day = CalendarDay.objects.create(
        date=datetime.date(2031, 1, DAYS[code]), kind="holiday", note=code
    )
    if refuse:
        raise ValidationError("Không hợp lệ.", code="refused")
    return day


def savepoints(queries) -> int:
    return sum(q["sql"].startswith("SAVEPOINT") for q in queries.captured_queries)


def test_services_inside_a_step_join_its_one_savepoint():
    with CaptureQueriesContext(connection) as queries:
        with transactions.step():
            unit_add("P1")
            unit_add("P2")
    assert savepoints(queries) == 1
    assert CalendarDay.objects.filter(note__in=["P1", "P2"]).count() == 2
    # Outside a step each service keeps its own.
    with CaptureQueriesContext(connection) as queries:
        unit_add("P3")
    assert savepoints(queries) == 1


def test_a_refusal_anywhere_in_a_step_leaves_nothing_written():
    restored = []
    with pytest.raises(ValidationError):
        with transactions.step():
            transactions.on_step_rollback(lambda: restored.append("undone"))
            unit_add("P1")
            unit_add("P2", refuse=True)
    assert not CalendarDay.objects.filter(note__in=["P1", "P2"]).exists()
    assert restored == ["undone"]
    # The transaction goes on: the page can be shown and kept again.
    unit_add("AFTER")
    assert CalendarDay.objects.filter(note="AFTER").exists()


def test_what_is_left_for_the_end_is_written_with_the_step_or_not_at_all():
    with transactions.step():
        transactions.on_step_end(lambda: unit_add("END"))
        unit_add("P1")
    assert CalendarDay.objects.filter(note="END").exists()
    with pytest.raises(ValidationError), transactions.step():
        transactions.on_step_end(lambda: unit_add("NEVER"))
        unit_add("P2", refuse=True)
    assert not CalendarDay.objects.filter(note="NEVER").exists()
    assert transactions.on_step_end(lambda: None) is False  # not in a step


def test_in_a_post_a_refused_step_rolls_back_and_is_replayed_without_savepoint():
    refused = None
    with CaptureQueriesContext(connection) as queries:
        try:
            with transaction.atomic(), transactions.steps_replayed():
                with transactions.step():
                    unit_add("P1")
                    unit_add("P2", refuse=True)
        except transactions.StepRefused as exc:
            refused = exc.error
    assert savepoints(queries) == 1  # the POST's own (here inside the test's)
    assert refused is not None and refused.messages == ["Không hợp lệ."]
    assert not CalendarDay.objects.filter(note__in=["P1", "P2"]).exists()
    # The replay: the step refuses at once, before doing anything.
    with transaction.atomic(), transactions.steps_replayed(refused):
        with pytest.raises(ValidationError) as again, transactions.step():
            unit_add("P3")
        assert again.value is refused
    assert not CalendarDay.objects.filter(note="P3").exists()
