"""The appraiser's page of a staffing cycle (the summary with a change form per
unit and kind of post, the checks, the report) and the cycle's own page read
the database a fixed number of times, whatever the number of units taking
part."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from appraisal.models import PostKind
from tests.factories import UnitFactory
from tests.workflows.conftest import url
from tests.workflows.staffing_fixtures import YEAR
from workflows.flows import StaffingPlanFlow
from workflows.staffing_demo import CyclePeople, cycle_open, plan_walk

pytestmark = pytest.mark.django_db

#: The most queries either page may make (measured: see the test).
BUDGET = 60


def _cycle(people, units, year, count):
    extra = [
        UnitFactory(code=f"S{year}-{n}", parent=units["province"], name=f"Sở {n}")
        for n in range(count)
    ]
    cycle_people = CyclePeople(
        division_head=people["division_head"],
        appraiser=people["appraiser"],
        director=people["director"],
        committee=people["committee"],
    )
    process = cycle_open(
        people=cycle_people,
        province=units["province"],
        year=year,
        units=extra,
        ceilings={
            kind: {"ceiling": 500, "reserve": 1, "base_year_count": 520}
            for kind in PostKind.values
        },
        deadline=timezone.localdate() + datetime.timedelta(days=5),
    )
    return plan_walk(process, "appraise", cycle_people)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_appraisal_page_does_not_grow_with_the_units(client, people, units):
    client.force_login(people["appraiser"])
    counts = []
    for year, count in ((YEAR, 3), (YEAR + 1, 15)):
        process = _cycle(people, units, year, count)
        task = Task.objects.get(
            process=process,
            flow_task=StaffingPlanFlow.appraise,
            status=STATUS.ASSIGNED,
        )
        # A unit's three kinds of post each have their change form (and the
        # first request fills the caches of the process, not of the page).
        response = client.get(url(task, "execute"))
        assert response.content.decode().count('name="_adjust"') == count * 3
        page = _queries(client, url(task, "execute"))
        detail = _queries(
            client,
            StaffingPlanFlow.instance.reverse("process_detail", args=[process.pk]),
        )
        counts.append((page, detail))
    (small_page, small_detail), (large_page, large_detail) = counts
    assert large_page == small_page, counts
    assert large_detail == small_detail, counts
    assert max(large_page, large_detail) <= BUDGET, counts
