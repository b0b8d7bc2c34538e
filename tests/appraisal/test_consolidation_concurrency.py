"""Two consolidations reaching for the same unit at the same moment, each on its
own database connection: the units' rows are locked, so one wins and the other
is told why; nothing is written twice. Applying at once twice applies once."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError

from appraisal.models import Consolidation, OperationSource
from appraisal.services import consolidation as cons
from orgchart.models import Unit
from tests.appraisal.consolidation_fixtures import *  # noqa: F403
from tests.appraisal.consolidation_fixtures import (
    D,
    approve,
    merge_a_and_b,
    open_consolidation,
)
from tests.appraisal.test_project_concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_consolidations_racing_for_one_unit_one_wins_the_other_is_told_why(
    people, org
):
    u = org["units"]
    pending = [
        open_consolidation(people, org, title="Phương án một").pk,
        open_consolidation(people, org, title="Phương án hai").pk,
    ]
    guard = threading.Lock()
    chosen: dict[int, int] = {}

    def add():
        # Each thread keeps its consolidation when it retries (SQLite's lock).
        with guard:
            pk = chosen.setdefault(threading.get_ident(), pending and pending.pop())
        return cons.operation_add(
            user=people["division_head"],
            consolidation=Consolidation.objects.get(pk=pk),
            kind="dissolve",
            effective_date=D,
            source_units=[Unit.objects.get(pk=u["b"].pk)],
        )

    results, errors = at_once(add, threads=2)
    assert len(results) == 1
    assert len(errors) == 1
    [error] = errors
    assert isinstance(error, ValidationError)
    assert error.error_list[0].code == "unit_in_other_consolidation"
    winner = results[0].consolidation
    assert f"“{winner.title}”" in error.messages[0]
    assert "Sở B is already in another consolidation in progress" in error.messages[0]
    assert OperationSource.objects.filter(unit=u["b"]).count() == 1


def test_applying_twice_at_once_applies_once(people, org):
    consolidation = open_consolidation(people, org)
    merge_a_and_b(people, org, consolidation)
    approve(consolidation, people)

    def apply():
        return cons.consolidation_apply(
            consolidation=Consolidation.objects.get(pk=consolidation.pk), on=D
        )

    results, errors = at_once(apply, threads=2)
    assert len(results) == 1
    assert [e.error_list[0].code for e in errors] == ["wrong_status"]
    assert Unit.objects.filter(code="SAB").count() == 1
