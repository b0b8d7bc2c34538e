"""The dashboard against the hand-counted history of ``dashboard_fixtures``: the
page's tables and each table's Excel file show the same figures, as each role
sees them; the number of queries does not grow with the number of dossiers."""

from __future__ import annotations

import datetime
import html
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from appraisal.models import JobPositionProject
from tests.workflows.conftest import without_csrf_token
from tests.workflows.dashboard_fixtures import (
    D1,
    PERIOD,
    SIGNED_IN_ROLES,
    history_build,
    make_dossier,
)

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:index")


@pytest.fixture
def history(people, units, positions):
    return history_build(people, units)


def _same(value: str) -> str:
    """A figure as a number (the page writes 100.0 where Excel keeps 100); an
    empty cell as a dash."""
    if value in ("", "—"):
        return "—"
    try:
        return f"{float(value):g}"
    except ValueError:
        return value


def page_table(response, name: str) -> list[list[str]]:
    """The rows of the dashboard table ``name`` as the page shows them."""
    text = response.content.decode()
    card = text.split(f'data-table="{name}"', 1)[1].split('class="mdc-card', 1)[0]
    if "<tbody>" not in card:
        return []
    body = card.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def export_table(client, name: str, **params) -> list[list[str]]:
    response = client.get(URL, {**PERIOD, **params, "export": "xlsx", "table": name})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))[1:]
    return [
        [
            "—" if v is None else f"{v:%d/%m/%Y}" if hasattr(v, "year") else str(v)
            for v in row
        ]
        for row in rows
    ]


def both(client, name: str, **params) -> list[list[str]]:
    """The table on the page, checked equal to its export."""
    response = client.get(URL, {**PERIOD, **params})
    assert response.status_code == 200
    on_page = page_table(response, name)
    exported = export_table(client, name, **params)
    assert [[_same(v) for v in row] for row in on_page] == [
        [_same(v) for v in row] for row in exported
    ], name
    return [[_same(v) for v in row] for row in on_page]


def test_home_affairs_sees_the_hand_counted_province(client, people, history):
    client.force_login(people["division_head"])
    assert both(client, "rate_month") == [
        ["03/2025", "1", "1", "0", "100"],
        ["04/2025", "1", "0", "1", "0"],
        ["05/2025", "1", "0", "1", "0"],
    ]
    assert both(client, "rate_quarter") == [
        ["1/2025", "1", "1", "0", "100"],
        ["2/2025", "2", "0", "2", "0"],
    ]
    assert both(client, "rate_unit") == [
        ["Sở A", "2", "1", "1", "50"],
        ["Sở B", "1", "0", "1", "0"],
    ]
    assert both(client, "rate_step") == [
        ["Reception", "4", "2", "2", "50"],
        ["Assign an appraiser", "2", "1", "1", "50"],
        ["Appraisal", "2", "2", "0", "100"],
        ["Sign the appraisal report", "2", "2", "0", "100"],
        ["Decision of the committee", "2", "1", "1", "50"],
    ]
    assert both(client, "step_times") == [
        ["Reception", "4", "1.5", "3"],
        ["Assign an appraiser", "2", "1.5", "2"],
        ["Appraisal", "2", "4.5", "5"],
        ["Review of the appraisal report", "2", "1", "1"],
        ["Sign the appraisal report", "2", "1", "1"],
        ["Decision of the committee", "2", "6", "9"],
    ]
    assert both(client, "backlog") == [
        ["Received, awaiting an appraiser", "1", "0", "1"],
        ["Under appraisal", "0", "2", "2"],
    ]
    assert [row[0] for row in both(client, "overdue")] == ["D4"]
    assert [row[0] for row in both(client, "due_soon")] == ["D6"]
    # The positions came into force on 1 July 2025: none yet on 30 June.
    assert both(client, "headcount_units") == [["Sở A", "15", "—", "—", "—"]]
    assert both(client, "headcount_units", date_to="2025-12-31") == [
        ["Sở A", "15", "5", "—", "—"]
    ]
    assert both(client, "headcount_province") == [
        ["Civil-servant payroll", "—", "10", "—", "—"],
        ["Public employees paid by the state budget", "—", "5", "—", "—"],
        ["Contract workers (Decree 111/2022/NĐ-CP)", "—", "—", "—", "—"],
    ]
    response = client.get(URL, PERIOD)
    headline = response.content.decode().split("data-rate-total>", 1)[1]
    assert "3 dossiers completed" in headline and "1 on time (33.3 %)" in headline
    assert 'class="pf-bars"' in response.content.decode()


def test_filters_by_unit_and_kind(client, people, history, units):
    client.force_login(people["director"])
    assert both(client, "rate_unit", unit=units["b"].pk) == [
        ["Sở B", "1", "0", "1", "0"]
    ]
    # The same unit typed: its code in any case, or part of its name.
    assert both(client, "rate_unit", unit="sb") == [["Sở B", "1", "0", "1", "0"]]
    assert both(client, "rate_unit", unit="Sở B") == [["Sở B", "1", "0", "1", "0"]]
    assert both(client, "rate_unit", unit="no such unit") == []
    assert both(client, "rate_month", kind="job_position_adjustment") == [
        ["03/2025", "1", "1", "0", "100"],
        ["05/2025", "1", "0", "1", "0"],
    ]
    # A period that ends in March leaves April and May out.
    assert both(client, "rate_quarter", date_to="2025-03-31") == [
        ["1/2025", "1", "1", "0", "100"]
    ]


def test_a_unit_sees_only_its_own_figures(client, people, history):
    client.force_login(people["officer"])
    assert both(client, "rate_unit") == [["Sở A", "2", "1", "1", "50"]]
    assert both(client, "backlog") == [
        ["Draft", "1", "0", "1"],
        ["Under appraisal", "0", "2", "2"],
    ]
    assert [row[0] for row in both(client, "overdue")] == []
    assert both(client, "headcount_units", date_to="2025-12-31") == [
        ["Sở A", "15", "5", "—", "—"]
    ]
    assert export_table(client, "headcount_province") == []
    text = client.get(URL, PERIOD).content.decode()
    text = without_csrf_token(text)
    assert "Sở B" not in text and "D4" not in text
    client.force_login(people["officer_b"])
    assert both(client, "rate_unit") == [["Sở B", "1", "0", "1", "0"]]
    assert both(client, "headcount_units") == []


def test_an_appraiser_sees_their_workload(client, people, history):
    client.force_login(people["appraiser"])
    assert both(client, "backlog") == [["Under appraisal", "1", "1"]]
    assert both(client, "rate_month") == []
    client.force_login(people["appraiser2"])
    assert [row[0] for row in both(client, "due_soon")] == ["D6"]


def test_a_reversed_period_is_refused_with_a_message(client, people, history):
    client.force_login(people["director"])
    response = client.get(URL, {"date_from": "2025-06-30", "date_to": "2025-03-01"})
    assert response.status_code == 200
    assert "The end of the period cannot be before its start." in (
        response.content.decode()
    )


def test_an_unknown_table_is_not_found(client, people, history):
    client.force_login(people["director"])
    response = client.get(URL, {"export": "xlsx", "table": "nope"})
    assert response.status_code == 404


@pytest.mark.parametrize("role", SIGNED_IN_ROLES)
def test_every_role_opens_the_dashboard(client, people, history, role):
    client.force_login(people[role])
    assert client.get(URL).status_code == 200
    assert client.get(URL, {"export": "xlsx", "table": "backlog"}).status_code == 200


def test_anonymous_is_sent_to_log_in(client, history):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.get(URL, {"export": "xlsx", "table": "backlog"})
    assert response.status_code == 302


def test_the_home_page_links_to_the_dashboard(client, people):
    client.force_login(people["officer"])
    assert URL in client.get(reverse("home:index")).content.decode()


def test_queries_do_not_grow_with_dossiers(
    client, people, history, units, django_assert_max_num_queries
):
    client.force_login(people["division_head"])
    client.get(URL, PERIOD)
    with django_assert_max_num_queries(40) as before:
        client.get(URL, PERIOD)
    for number in range(30):
        make_dossier(
            units["a" if number % 2 else "b"],
            people["officer"],
            kind="adjustment",
            title=f"More {number}",
            status=JobPositionProject.Status.APPLIED,
            due_on=datetime.date(2025, 4, 10),
            history=D1,
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(URL, PERIOD)
    assert page_table(response, "rate_month")[0][1] == "31"
    # Filtered by a unit, typed or linked: no more than unfiltered.
    for unit in ("SB", units["b"].pk):
        with django_assert_max_num_queries(len(before.captured_queries) + 1):
            assert client.get(URL, {**PERIOD, "unit": unit}).status_code == 200
