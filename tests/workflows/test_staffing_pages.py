"""The staffing plan's pages: the list, a plan's provincial summary (ceilings,
totals, the table per unit, the checks and a bar chart drawn on the server) and its
Excel annex for the People's Council, each as every role, against numbers counted
by hand."""

from __future__ import annotations

import datetime
import re
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appraisal.models import StaffingPlan, StaffingProposal, UnitQuota
from appraisal.services import staffing as svc
from tests.factories import UnitFactory
from tests.vietnamese_text import english_words, visible_text
from tests.workflows.test_permission_matrix import ROLES
from tests.workflows.test_vietnamese_pages import _fixture_words

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year + 1
UNIT_A_PEOPLE = {"officer", "officer2", "head"}
UNIT_B_PEOPLE = {"officer_b", "head_b"}
PROVINCE_WIDE = {
    "reception",
    "reception2",
    "division_head",
    "appraiser",
    "appraiser2",
    "director",
    "committee",
    "committee_a",
    "observer",
}
WHY = "Thêm nhiệm vụ được giao"

#: Counted by hand from ``plan`` below (civil servants), in tree order:
#: unit code -> (assigned, actual, proposed, appraised, approved, change %).
EXPECTED = {
    "SA": (20, 19, 21, None, None, "5.0"),
    "SA-P1": (5, 5, 4, None, None, "-20.0"),
    "SB": (30, 0, 30, 28, None, "-6.7"),
    "SB-P1": (0, 0, 0, None, None, ""),
}
#: The province: assigned 55, employed 24, proposed 55, appraised 28, current
#: 21 + 4 + 28 + 0 = 53 against 60 less a reserve of 2 = 58: 5 left.
TOTALS = {
    "assigned": 55,
    "actual": 24,
    "proposed": 55,
    "appraised": 28,
    "approved": 0,
    "current": 53,
}


@pytest.fixture
def all_people(people, make_user):
    people["administrator"] = make_user("administrator", username="admin_user")
    return people


def _open(people, units, participants, quotas, year=YEAR):
    for unit, headcount in quotas.items():
        UnitQuota.objects.create(unit=unit, year=year - 1, headcount=headcount)
    return svc.staffing_plan_open(
        actor=people["division_head"],
        province=units["province"],
        year=year,
        base_year=2021,
        proposal_deadline=timezone.localdate() + datetime.timedelta(days=10),
        ceilings={
            "civil_servant": {"ceiling": 60, "reserve": 2, "base_year_count": 55}
        },
        units=participants,
        appraiser=people["appraiser"],
    )


def _propose(plan, unit, people, actual, proposed):
    proposal = StaffingProposal.objects.get(plan=plan, unit=unit)
    svc.proposal_save(
        proposal=proposal,
        actor=people["officer"],
        lines={
            "civil_servant": {
                "actual": actual,
                "proposed": proposed,
                "justification": WHY,
            }
        },
    )
    svc.proposal_submit(proposal=proposal, actor=people["head"])


@pytest.fixture
def plan(all_people, units):
    """Department A and its division answer; department B and its division stay
    silent and are closed as "no change"; the appraiser brings B down to 28."""
    people = all_people
    participants = [units["a"], units["a1"], units["b"], units["b1"]]
    plan = _open(
        people, units, participants, {units["a"]: 20, units["a1"]: 5, units["b"]: 30}
    )
    _propose(plan, units["a"], people, 19, 21)
    _propose(plan, units["a1"], people, 5, 4)
    StaffingPlan.objects.filter(pk=plan.pk).update(
        proposal_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    plan.refresh_from_db()
    svc.collection_close(plan=plan, actor=people["division_head"])
    line = StaffingProposal.objects.get(plan=plan, unit=units["b"]).lines.get()
    svc.number_adjust(
        line=line, actor=people["appraiser"], to_number=28, reason="Giảm theo lộ trình"
    )
    plan.refresh_from_db()
    return plan


def _urls(plan):
    return {
        "index": reverse("staffing:index"),
        "summary": reverse("staffing:summary", args=[plan.pk]),
        "export": reverse("staffing:export", args=[plan.pk]),
    }


def _unit_rows(html: str) -> dict[str, dict[str, str]]:
    table = html.split("data-units", 1)[1].split("</table>", 1)[0]
    rows = {}
    for code, body in re.findall(
        r'<tr class="mdc-data-table__row" data-unit="([^"]+)" '
        r'data-kind="[^"]+">(.*?)</tr>',
        table,
        re.S,
    ):
        rows[code] = {
            name: value.strip()
            for name, value in re.findall(r'data-figure="(\w+)">([^<]*)<', body)
        }
    return rows


def _workbook(response):
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    return load_workbook(BytesIO(response.content))


def _sheet_rows(sheet) -> list[tuple]:
    """The rows under the header row (STT, Tên cơ quan…) of the annex."""
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == "No.")
    return [row for row in rows[header + 1 :] if any(v is not None for v in row)]


def test_every_url_as_every_role(client, plan, all_people):
    urls = _urls(plan)
    for role in ROLES:
        if role is None:
            client.logout()
        else:
            client.force_login(all_people[role])
        for name, url in urls.items():
            response = client.get(url)
            if role is None:
                assert response.status_code == 302, (role, name)
                assert "/accounts/login/" in response["Location"]
            elif name == "index":
                assert response.status_code == 200, (role, name)
                listed = f'data-plan="{plan.pk}"' in response.content.decode()
                assert listed == (role != "administrator"), role
            elif role == "administrator":
                assert response.status_code == 404, (role, name)
            else:
                assert response.status_code == 200, (role, name)


def test_a_missing_plan_is_404_for_everybody(client, plan, all_people):
    client.force_login(all_people["director"])
    assert (
        client.get(reverse("staffing:summary", args=[plan.pk + 999])).status_code == 404
    )
    assert (
        client.get(reverse("staffing:export", args=[plan.pk + 999])).status_code == 404
    )


def test_the_list_counts_the_units_that_answered(client, plan, all_people):
    client.force_login(all_people["observer"])
    html = client.get(reverse("staffing:index")).content.decode()
    assert re.search(r"data-answered>\s*2 / 4\s*<", html)
    assert str(YEAR) in html
    assert plan.proposal_deadline.strftime("%d/%m/%Y") in html
    # A unit officer counts their own units only: A and its division answered.
    client.force_login(all_people["officer"])
    html = client.get(reverse("staffing:index")).content.decode()
    assert re.search(r"data-answered>\s*2 / 2\s*<", html)
    client.force_login(all_people["officer_b"])
    html = client.get(reverse("staffing:index")).content.decode()
    assert re.search(r"data-answered>\s*0 / 2\s*<", html)


def test_the_summary_shows_the_hand_counted_numbers(client, plan, all_people):
    client.force_login(all_people["division_head"])
    response = client.get(reverse("staffing:summary", args=[plan.pk]))
    html = response.content.decode()
    rows = _unit_rows(html)
    assert list(rows) == list(EXPECTED)  # tree order
    for code, (
        assigned,
        actual,
        proposed,
        appraised,
        approved,
        change,
    ) in EXPECTED.items():
        assert rows[code] == {
            "assigned": str(assigned),
            "actual": str(actual),
            "proposed": str(proposed),
            "appraised": "" if appraised is None else str(appraised),
            "approved": "" if approved is None else str(approved),
            "change": change,
        }, code
    totals = html.split("data-totals", 1)[1].split("</table>", 1)[0]
    for name, value in TOTALS.items():
        assert re.search(rf'data-figure="{name}">(<strong>)?{value}<', totals), name
    assert re.search(r"data-allocatable>58<", totals)
    assert re.search(r"data-room>5<", totals)
    # The silent units are marked.
    assert html.count("data-no-answer") == 2
    # The checks, with pass/fail: 53 within 58.
    assert 'data-check="ceiling_civil_servant" data-passed="1"' in html
    assert 'data-check="within_establishment"' in html


def test_the_chart_is_svg_with_a_bar_pair_per_unit(client, plan, all_people):
    client.force_login(all_people["committee"])
    html = client.get(reverse("staffing:summary", args=[plan.pk])).content.decode()
    chart = html.split('data-chart="civil_servant"', 1)[1].split("</svg>", 1)[0]
    assert "<svg" in chart and "<script" not in html.split("data-chart", 1)[1]
    for code in EXPECTED:
        assert (
            len(re.findall(rf'<rect class="pf-bars__\w+" data-unit="{code}"', chart))
            == 2
        )
    # Bar lengths follow the numbers: B's current bar (28) is shorter than its
    # assigned one (30).
    widths = dict(
        re.findall(
            r'class="pf-bars__(\w+)" data-unit="SB" '
            r'x="[\d.]+" y="[\d.]+" width="([\d.]+)"',
            chart,
        )
    )
    assert float(widths["current"]) < float(widths["assigned"])


def test_the_export_is_the_annex_with_the_same_numbers(client, plan, all_people):
    client.force_login(all_people["director"])
    response = client.get(reverse("staffing:export", args=[plan.pk]))
    assert response.status_code == 200
    sheet = _workbook(response).worksheets[0]
    assert sheet["A1"].value == "UBND TỈNH"
    assert str(YEAR) in sheet["A2"].value
    assert sheet["A5"].font.bold
    rows = _sheet_rows(sheet)
    assert len(rows) == len(EXPECTED) + 1
    for number, (row, (code, figures)) in enumerate(
        zip(rows, EXPECTED.items(), strict=False), start=1
    ):
        assigned, actual, proposed, appraised, approved, _change = figures
        current = appraised if appraised is not None else proposed
        assert row == (
            number,
            {"SA": "Sở A", "SA-P1": "Phòng A1", "SB": "Sở B", "SB-P1": "Phòng B1"}[
                code
            ],
            assigned,
            actual,
            proposed,
            appraised,
            approved,
            current - assigned,
        )
    total = rows[-1]
    assert total[1:] == ("Total", 55, 24, 55, 28, 0, 53 - 55)
    total_row = sheet.max_row
    assert all(sheet.cell(row=total_row, column=c).font.bold for c in range(2, 9))
    assert isinstance(total[2], int)


def test_the_annex_names_the_resolution_once_recorded(client, plan, all_people):
    StaffingPlan.objects.filter(pk=plan.pk).update(
        council_resolution_number="15/NQ-HĐND",
        council_resolution_date=datetime.date(YEAR - 1, 12, 10),
    )
    client.force_login(all_people["director"])
    sheet = _workbook(client.get(reverse("staffing:export", args=[plan.pk]))).active
    assert "15/NQ-HĐND" in sheet["A3"].value
    assert f"10/12/{YEAR - 1}" in sheet["A3"].value


def test_a_unit_name_is_never_a_formula_in_the_annex(client, plan, all_people, units):
    unit = units["b1"]
    unit.name = '=HYPERLINK("http://x","y")'
    unit.save()
    client.force_login(all_people["director"])
    response = client.get(reverse("staffing:export", args=[plan.pk]))
    sheet = _workbook(response).active
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == unit.name)
    assert cell.data_type == "s"
    assert b"<f>" not in _raw_sheet_xml(response.content)


def _raw_sheet_xml(content: bytes) -> bytes:
    from zipfile import ZipFile

    with ZipFile(BytesIO(content)) as archive:
        return b"".join(
            archive.read(name)
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )


@pytest.mark.parametrize(
    "who,own,others",
    [
        ("officer", {"SA", "SA-P1"}, {"SB", "SB-P1"}),
        ("head_b", {"SB", "SB-P1"}, {"SA", "SA-P1"}),
    ],
)
def test_a_unit_person_sees_only_their_units(
    client, plan, all_people, who, own, others
):
    client.force_login(all_people[who])
    html = client.get(reverse("staffing:summary", args=[plan.pk])).content.decode()
    assert set(_unit_rows(html)) == own
    chart = html.split('data-chart="civil_servant"', 1)[1].split("</svg>", 1)[0]
    assert {*re.findall(r'data-unit="([^"]+)"', chart)} == own
    # Neither the province's totals nor the checks.
    assert "data-totals" not in html
    assert "data-check" not in html
    assert "data-own-units" in html
    names = {"SA": "Sở A", "SA-P1": "Phòng A1", "SB": "Sở B", "SB-P1": "Phòng B1"}
    for code in others:
        assert names[code] not in html
    sheet = _workbook(client.get(reverse("staffing:export", args=[plan.pk]))).active
    rows = _sheet_rows(sheet)
    assert {row[1] for row in rows} == {names[code] for code in own}
    assert "Total" not in {row[1] for row in rows}


def _summary_queries(client, user, plan) -> int:
    client.force_login(user)
    url = reverse("staffing:summary", args=[plan.pk])
    client.get(url)  # warm the per-process caches (content types, site)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["division_head", "officer"])
def test_the_summary_costs_the_same_for_3_units_and_15(
    client, all_people, units, role, django_assert_max_num_queries
):
    people = all_people
    extra = [UnitFactory(parent=units["a"]) for _ in range(12)]
    plan = _open(people, units, [units["a"], units["a1"], units["b"]], {units["a"]: 20})
    small = _summary_queries(client, people[role], plan)
    plan = _open(
        people,
        units,
        [units["a"], units["a1"], units["b"], *extra],
        {units["a"]: 20},
        year=YEAR + 1,
    )
    large = _summary_queries(client, people[role], plan)
    assert small == large
    with django_assert_max_num_queries(25):
        client.get(reverse("staffing:summary", args=[plan.pk]))
    with django_assert_max_num_queries(25):
        client.get(reverse("staffing:index"))


def test_the_summary_reads_in_vietnamese(client, plan, all_people, settings):
    settings.LANGUAGE_CODE = "vi"
    allowed = {"PositionFlow", "Excel", "English", "UBND"}
    fixture_words = re.compile(_fixture_words(all_people), re.IGNORECASE)
    for role in ("division_head", "officer"):
        client.force_login(all_people[role])
        for url in (
            reverse("staffing:index"),
            reverse("staffing:summary", args=[plan.pk]),
        ):
            text = visible_text(client.get(url).content.decode())
            # The people's names and the plan's title (data written in English
            # by this test's set-up) are not the page's words.
            text = fixture_words.sub(" ", text.replace(plan.title, " "))
            assert english_words(text, allowed=allowed) == set(), (role, url)
        html = client.get(reverse("staffing:summary", args=[plan.pk])).content.decode()
        assert "Biên chế" in html or "biên chế" in html
    sheet = _workbook(client.get(reverse("staffing:export", args=[plan.pk]))).active
    header = [c.value for c in sheet[5]]
    assert header[0] == "STT"


def test_a_plan_without_ones_units_is_missing_to_them(client, plan, all_people, units):
    """Next year's plan asks department B only: department A's people neither see
    it listed nor open it (404, like a plan that does not exist)."""
    other = _open(all_people, units, [units["b"]], {}, year=YEAR + 1)
    for role in ("officer", "head"):
        client.force_login(all_people[role])
        html = client.get(reverse("staffing:index")).content.decode()
        assert f'data-plan="{plan.pk}"' in html
        assert f'data-plan="{other.pk}"' not in html
        for name in ("summary", "export"):
            url = reverse(f"staffing:{name}", args=[other.pk])
            assert client.get(url).status_code == 404, (role, name)
    client.force_login(all_people["head_b"])
    assert client.get(reverse("staffing:summary", args=[other.pk])).status_code == 200
