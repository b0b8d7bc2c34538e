"""The unit filter of the lists and the dashboard: a unit's code or part of its
name, typed (NFC, any case), or the unit's id from a link of the application;
always within what the person may see, and never a select of every unit: a
province-wide role's page costs the same, in queries and in markup, for a
province of many units as for one of few."""

from __future__ import annotations

import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisal.models import Dossier
from appraisal.selectors.dashboard import DashboardFilters, dashboard_for_user
from appraisal.selectors.dossiers import (
    UNIT_SUGGESTION_LIMIT,
    dossier_list_for_user,
    unit_filter_resolve,
)
from bench.volume_data import People, dossiers_create
from tests.factories import UnitFactory
from tests.workflows.conftest import volume_cast

pytestmark = pytest.mark.django_db

DOSSIERS = reverse("dossiers:index")
AUDIT = reverse("dossiers:audit")
HOME = reverse("home:index")
DASHBOARD = reverse("dashboard:index")


def _cast(people) -> People:
    return volume_cast(people)


def _create(people, units: list, per_unit: int = 2, seed: int = 7) -> None:
    """``per_unit`` submitted job-position projects in each of ``units``."""
    for n, unit in enumerate(units):
        dossiers_create(
            count=per_unit,
            units=[unit],
            people=_cast(people),
            seed=seed + n,
            force_status="under_appraisal",
            force_kind="job_position_first",
        )


@pytest.fixture
def spread(people, units):
    """Two dossiers under appraisal in each department and division."""
    _create(people, [units["a"], units["a1"], units["b"], units["b1"]])


def _rows(response) -> set[int]:
    assert response.status_code == 200
    return {
        int(chunk.split('"', 1)[0])
        for chunk in response.content.decode().split('data-dossier="')[1:]
    }


def _of(*units) -> set[int]:
    return set(Dossier.objects.filter(unit__in=units).values_list("pk", flat=True))


def test_a_unit_is_found_by_its_code_in_any_case(client, people, units, spread):
    client.force_login(people["observer"])
    assert _of(units["b"])
    assert _rows(client.get(DOSSIERS, {"unit": "SB"})) == _of(units["b"])
    assert _rows(client.get(DOSSIERS, {"unit": " sb-p1 "})) == _of(units["b1"])


def test_a_unit_is_found_by_part_of_its_name_typed_decomposed_or_in_capitals(
    client, people, units, spread
):
    client.force_login(people["observer"])
    decomposed = unicodedata.normalize("NFD", "phòng b")
    assert decomposed != "phòng b"
    assert _rows(client.get(DOSSIERS, {"unit": decomposed})) == _of(units["b1"])
    assert _rows(client.get(DOSSIERS, {"unit": "sở"})) == _of(units["a"], units["b"])
    nfd_lower = unicodedata.normalize("NFD", "sở b")
    assert _rows(client.get(DOSSIERS, {"unit": nfd_lower})) == _of(units["b"])
    assert _rows(client.get(DOSSIERS, {"unit": "no such unit"})) == set()


def test_a_link_with_a_units_id_filters_by_that_unit_and_names_it(
    client, people, units, spread
):
    client.force_login(people["observer"])
    response = client.get(DOSSIERS, {"unit": units["b"].pk})
    assert _rows(response) == _of(units["b"])
    page = response.content.decode()
    assert "Showing the unit Sở B (code SB)" in page
    assert f'name="unit" value="{units["b"].pk}"' in page


def test_an_all_digit_code_is_read_as_a_code_when_no_unit_of_that_id_is_seen(
    people, units, spread
):
    numeric = UnitFactory(code="99001", parent=units["province"], name="Xã Số")
    _create(people, [numeric], seed=8)
    dossiers = dossier_list_for_user(user=people["observer"])
    by_code = unit_filter_resolve(dossiers=dossiers, value="99001")
    assert by_code.unit is None
    assert set(by_code.units()) == {numeric}
    by_id = unit_filter_resolve(dossiers=dossiers, value=str(numeric.pk))
    assert by_id.unit == numeric
    assert unit_filter_resolve(dossiers=dossiers, value="  ") is None
    # An id too long for the database is text, not an error.
    assert unit_filter_resolve(dossiers=dossiers, value="9" * 40).unit is None


@pytest.mark.parametrize("url", [DOSSIERS, AUDIT, HOME, DASHBOARD])
def test_a_unit_officer_asking_for_another_unit_sees_nothing_of_it(
    client, people, units, spread, url
):
    client.force_login(people["officer"])
    own = client.get(url).content.decode()
    assert "Sở B" not in own
    for value in (units["b"].pk, units["b1"].pk, "SB", "Sở B", "Phòng B1", "B1"):
        response = client.get(url, {"unit": value})
        assert response.status_code == 200, value
        # What the person typed is echoed in the box, nothing else of it.
        page = response.content.decode().replace(f'value="{value}"', "")
        assert "Sở B" not in page, value
        assert "Phòng B1" not in page, value
        if url == DOSSIERS:
            assert not _rows(response) & _of(units["b"], units["b1"]), value


def test_the_dashboard_takes_one_unit_with_its_subunits_or_the_units_matched(
    people, units, spread
):
    user = people["observer"]
    dossiers = dossier_list_for_user(user=user)
    period = DashboardFilters.this_year()

    def backlog(value: str) -> int:
        choice = unit_filter_resolve(dossiers=dossiers, value=value)
        filters = DashboardFilters(
            date_from=period.date_from, date_to=period.date_to, unit=choice.units()
        )
        return dashboard_for_user(user=user, filters=filters).backlog_total

    assert backlog(str(units["b"].pk)) == len(_of(units["b"], units["b1"]))
    assert backlog("SB") == len(_of(units["b"]))
    assert backlog("phòng") == len(_of(units["a1"], units["b1"]))


def test_a_unit_officer_is_offered_their_few_units_as_suggestions(
    client, people, units, spread
):
    client.force_login(people["officer"])
    page = client.get(DOSSIERS).content.decode()
    assert '<datalist id="id_unit-suggestions">' in page
    assert '<option value="SA">Sở A</option>' in page
    assert '<option value="SB">' not in page


def _count(client, url, params) -> tuple[int, str]:
    client.get(url, params)  # the process's first look-ups (content types) done
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


@pytest.mark.parametrize("url", [DOSSIERS, AUDIT, HOME, DASHBOARD])
def test_a_province_wide_page_costs_the_same_for_many_units_as_for_few(
    client, people, units, spread, url
):
    client.force_login(people["observer"])
    queries = {"": [], "SB": [], str(units["b"].pk): []}
    options = []
    for round_ in range(2):
        if round_:
            many = [
                UnitFactory(code=f"X{n:03d}", parent=units["province"])
                for n in range(UNIT_SUGGESTION_LIMIT + 10)
            ]
            _create(people, many, per_unit=1, seed=9)
        for value in queries:
            count, page = _count(client, url, {"unit": value} if value else {})
            queries[value].append(count)
            if not value:
                options.append(page.count("<option"))
    for value, (few, many) in queries.items():
        assert many == few, (value, few, many)
    # No option per unit: with more units than a suggestion list holds, the
    # page offers none of them (its options are kinds, statuses, deadlines).
    assert options[1] <= options[0]
    assert options[1] < UNIT_SUGGESTION_LIMIT
