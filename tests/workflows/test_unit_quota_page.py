"""A unit's page shows its quota, approved establishment and reported staff side by
side for any year (issue 7 §5): the quotas come from an allocation applied through
the staffing plan's services, the establishment from the job positions in force on
1 January (by the kind of their rank), the staff from the unit's proposal. Only the
unit's own numbers; a bad year falls back to this year; a fixed number of queries;
and the job-position project's quota check reads the same allocated quota."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from appraisal.models import JobPositionProject, UnitQuota
from appraisal.selectors.staffing import unit_staffing_get
from appraisal.services import dossiers
from appraisal.services import projects as project_svc
from appraisal.services import staffing as svc
from appraisal.services.checklist import checklist_compute
from orgchart.models import Rank
from tests.appraisal.test_staffing_services import (
    _to_the_committee as to_the_committee,
)
from tests.factories import JobPositionFactory, RankFactory, SalaryGroupFactory
from tests.orgchart.test_views import UNIT_PAGE_BUDGET
from tests.vietnamese_text import english_words, visible_text
from tests.workflows.test_vietnamese_pages import _fixture_words

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
YEAR = THIS_YEAR + 1
WHY = "Theo nhiệm vụ được giao"

#: What each unit reports and proposes, per kind of post: (actual, proposed).
#: Department B and division A1 carry numbers department A's card never shows.
NUMBERS = {
    "a": {"civil_servant": (18, 19), "public_employee": (3, 4), "contract": (1, 2)},
    "a1": {"civil_servant": (6, 7), "public_employee": (0, 0), "contract": (0, 0)},
    "b": {"civil_servant": (33, 37), "public_employee": (11, 12), "contract": (8, 9)},
}
#: Department A's card for YEAR, counted by hand: quota, decision, establishment on
#: 1 January (two civil-servant positions of 2 and 3, one professional title of
#: 4), actual, quota less actual.
FIGURES = ("quota", "establishment", "actual", "difference")
EXPECTED_A = {
    "civil_servant": ("19", "5", "18", "1"),
    "public_employee": ("4", "4", "3", "1"),
    "contract": ("2", "—", "1", "1"),
    # Civil servants and public employees against every position (the checklist).
    "payroll": ("23", "9", "21", "2"),
}
#: Numbers only department B or division A1 has (quotas, staff, establishment).
OTHER_UNITS_ONLY = {"37", "33", "12", "11", "13", "49", "44", "36", "7", "6"}


def unit_url(unit, **query) -> str:
    url = reverse("orgchart:unit_detail", args=[unit.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def card(html: str) -> str:
    """The payroll card's HTML."""
    start = html.rindex("<", 0, html.index('id="payroll"'))
    return html[start : html.index('<div class="mdc-layout-grid__cell', start)]


def card_rows(html: str) -> dict[str, dict[str, str]]:
    """The figures of the chosen year's table: kind -> figure -> text."""
    table = card(html).split("data-payroll>", 1)[1].split("</table>", 1)[0]
    rows = {}
    for kind, body in re.findall(
        r'<tr class="mdc-data-table__row(?: pf-total)?" data-kind="(\w+)">(.*?)</tr>',
        table,
        flags=re.S,
    ):
        cells = re.findall(r'data-figure="(\w+)">(.*?)</td>', body, flags=re.S)
        rows[kind] = {name: _text(value) for name, value in cells}
    return rows


def _text(cell: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def figures_shown(html: str) -> set[str]:
    """Every number of the card's figure cells (both tables; not the decisions'
    numbers)."""
    cells = re.findall(
        r'data-figure="(?:quota|establishment|actual|difference)">(.*?)</td>',
        card(html),
        flags=re.S,
    )
    return {number for cell in cells for number in re.findall(r"\d+", _text(cell))}


@pytest.fixture
def professional_title(db):
    return RankFactory(
        code="V.07.03.29",
        name="Giáo viên trung học cơ sở hạng III",
        kind=Rank.Kind.PROFESSIONAL_TITLE,
        salary_group=SalaryGroupFactory(code="A1"),
    )


@pytest.fixture
def establishment(units, positions, professional_title):
    """Department A: 5 civil-servant posts (``positions``) and 4 public employees'
    posts; department B: 13 posts; one of A's posts ends before YEAR starts."""
    JobPositionFactory(unit=units["a"], rank=professional_title, headcount=4)
    JobPositionFactory(
        unit=units["a"],
        headcount=50,
        valid_to=datetime.date(YEAR - 1, 12, 31),
        name="Chuyên viên đã kết thúc",
    )
    JobPositionFactory(unit=units["b"], headcount=13)


@pytest.fixture
def allocation(people, units, establishment):
    """The YEAR cycle for departments A and B and division A1 through the
    services: every unit answering, the collection closed, the report signed, the
    committee's approval, the People's Council resolution and the allocation.
    This year A held 20 civil servants, B 36."""
    UnitQuota.objects.create(unit=units["a"], year=THIS_YEAR, headcount=20)
    UnitQuota.objects.create(unit=units["b"], year=THIS_YEAR, headcount=36)
    plan = svc.staffing_plan_open(
        actor=people["division_head"],
        province=units["province"],
        year=YEAR,
        base_year=2021,
        proposal_deadline=timezone.localdate() + datetime.timedelta(days=10),
        ceilings={
            "civil_servant": {"ceiling": 80, "reserve": 2, "base_year_count": 70},
            "public_employee": {"ceiling": 30, "reserve": 0, "base_year_count": 20},
            "contract": {"ceiling": 15, "reserve": 0, "base_year_count": 10},
        },
        units=[units["a"], units["a1"], units["b"]],
        appraiser=people["appraiser"],
    )
    signers = {"a": ("officer", "head"), "a1": ("officer", "head")}
    signers["b"] = ("officer_b", "head_b")
    for key, numbers in NUMBERS.items():
        proposal = plan.proposals.get(unit=units[key])
        officer, head = signers[key]
        svc.proposal_save(
            proposal=proposal,
            actor=people[officer],
            lines={
                kind: {"actual": actual, "proposed": proposed, "justification": WHY}
                for kind, (actual, proposed) in numbers.items()
            },
        )
        svc.proposal_submit(proposal=proposal, actor=people[head])
    svc.collection_close(plan=plan, actor=people["division_head"])
    # The report and the committee's approval, through the shared dossier steps.
    to_the_committee(plan, people)
    dossiers.dossier_decide(dossier=plan, actor=people["committee"], outcome="approved")
    svc.resolution_record(
        plan=plan,
        actor=people["division_head"],
        number="25/NQ-HĐND",
        date=timezone.localdate(),
    )
    return svc.allocation_apply(plan=plan, actor=people["committee"])


def test_allocated_quotas_appear_beside_establishment_and_reported_staff(
    client, people, units, allocation
):
    client.force_login(people["officer"])
    response = client.get(unit_url(units["a"], year=YEAR))
    assert response.status_code == 200
    html = response.content.decode()
    rows = card_rows(html)
    decisions = {kind: row.pop("decision", None) for kind, row in rows.items()}
    assert rows == {
        kind: dict(zip(FIGURES, figures, strict=True))
        for kind, figures in EXPECTED_A.items()
    }
    # Each quota with the allocation decision and the resolution it rests on.
    assert decisions == {
        "civil_servant": f"{allocation.number} 25/NQ-HĐND",
        "public_employee": f"{allocation.number} 25/NQ-HĐND",
        "contract": f"{allocation.number} 25/NQ-HĐND",
        "payroll": None,
    }
    payroll = response.context["payroll"]
    assert payroll.year == YEAR
    assert payroll.current.kind("civil_servant").decision_number == allocation.number
    # This year's quota (held before the allocation) is listed under it.
    assert [year.year for year in payroll.previous] == [THIS_YEAR]
    previous = payroll.previous[0]
    assert previous.kind("civil_servant").quota == 20
    assert previous.kind("civil_servant").actual is None
    assert f'data-year="{THIS_YEAR}"' in card(html)
    assert [YEAR, THIS_YEAR] == payroll.years[:2]
    assert "data-no-quota" not in html and "data-not-reported" not in html


def test_the_page_opens_on_this_year_and_says_what_is_missing(
    client, people, units, allocation
):
    client.force_login(people["observer"])
    response = client.get(unit_url(units["a"]))
    html = response.content.decode()
    assert response.context["payroll"].year == THIS_YEAR
    rows = card_rows(html)
    # This year: the quota held, the positions in force on 1 January (the ended
    # one included), no staffing plan of this year, so nothing reported.
    assert rows["civil_servant"]["quota"] == "20"
    assert rows["civil_servant"]["establishment"] == "55"
    assert rows["civil_servant"]["actual"] == "—"
    assert rows["public_employee"]["quota"] == "—"
    assert "data-not-reported" in html and "data-no-quota" not in html
    # The selector lists the years with data to choose from.
    assert f'<option value="{YEAR}">' in html
    assert f'<option value="{THIS_YEAR}" selected>' in html


@pytest.mark.parametrize("who", ["officer", "observer", "committee"])
def test_another_units_numbers_never_appear(client, people, units, allocation, who):
    client.force_login(people[who])
    html = client.get(unit_url(units["a"], year=YEAR)).content.decode()
    assert figures_shown(html) & OTHER_UNITS_ONLY == set()
    staffing = unit_staffing_get(unit=units["a"], year=YEAR)
    numbers = {
        figure
        for year in [staffing.current, *staffing.previous]
        for kind in [*year.kinds, year.payroll]
        for figure in (kind.quota, kind.establishment, kind.actual)
        if figure is not None
    }
    assert {str(n) for n in numbers} & OTHER_UNITS_ONLY == set()


def test_a_unit_officer_cannot_open_another_units_payroll(
    client, people, units, allocation
):
    client.force_login(people["officer"])
    assert client.get(unit_url(units["b"], year=YEAR)).status_code == 404
    client.force_login(people["officer_b"])
    response = client.get(unit_url(units["b"], year=YEAR))
    assert card_rows(response.content.decode())["civil_servant"]["quota"] == "37"


def test_a_year_without_data_shows_the_empty_state(client, people, units, allocation):
    client.force_login(people["officer"])
    response = client.get(unit_url(units["a"], year=2020))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["payroll"].year == 2020
    assert "data-payroll-empty" in html
    assert "No payroll figures for this unit in 2020" in html
    assert "data-payroll>" not in html
    # The years before 2020 hold nothing either: no table of previous years.
    assert "data-payroll-previous" not in html


def test_a_unit_without_any_payroll_shows_the_empty_state(client, people, units):
    client.force_login(people["observer"])
    html = client.get(unit_url(units["a1"])).content.decode()
    assert "data-payroll-empty" in html


@pytest.mark.parametrize(
    "year", ["abc", "0", "-1", "3000", "2027.5", "1e3", "2026;--", "9" * 40]
)
def test_a_bad_year_falls_back_to_this_year_without_an_error_page(
    client, people, units, allocation, year
):
    client.force_login(people["officer"])
    response = client.get(unit_url(units["a"]), {"year": year})
    assert response.status_code == 200
    assert response.context["payroll"].year == THIS_YEAR
    html = response.content.decode()
    assert "data-payroll-error" in html
    assert "Enter a year such as 2027" in html


def test_an_empty_year_is_this_year_without_a_message(client, people, units):
    client.force_login(people["officer"])
    response = client.get(unit_url(units["a"]), {"year": ""})
    assert response.context["payroll"].year == THIS_YEAR
    assert "data-payroll-error" not in response.content.decode()


def test_the_chosen_year_survives_a_change_of_date_and_back(
    client, people, units, allocation
):
    client.force_login(people["officer"])
    html = client.get(unit_url(units["a"], year=YEAR, as_of="2026-01-31")).content
    html = html.decode()
    # The date form keeps the year, the year form keeps the date.
    assert f'<input type="hidden" name="year" value="{YEAR}">' in html
    assert '<input type="hidden" name="as_of" value="2026-01-31">' in html


@pytest.mark.parametrize("years", [1, 12])
def test_payroll_queries_do_not_grow_with_years_positions_or_plans(
    client,
    people,
    units,
    allocation,
    years,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    for back in range(2, 2 + years):
        for kind in ("civil_servant", "public_employee", "contract"):
            UnitQuota.objects.create(
                unit=units["a"], year=THIS_YEAR - back, post_kind=kind, headcount=3
            )
    JobPositionFactory.create_batch(years, unit=units["a"], headcount=1)
    with django_assert_num_queries(4):
        staffing = unit_staffing_get(unit=units["a"], year=YEAR)
    assert len(staffing.previous) == min(1 + years, 4)
    client.force_login(people["officer"])
    # The org chart's own budget for the page (tests/orgchart/test_views.py).
    with django_assert_max_num_queries(UNIT_PAGE_BUDGET):
        response = client.get(unit_url(units["a"], year=YEAR))
    assert response.status_code == 200


def test_the_project_check_uses_the_quota_the_allocation_gave_for_the_year(
    people, units, ref, allocation
):
    project = project_svc.project_create(
        unit=units["a"],
        kind=JobPositionProject.Kind.ADJUSTMENT,
        title="Đề án điều chỉnh vị trí việc làm Sở A",
        actor=people["officer"],
    )
    project_svc.project_lines_save(
        project=project,
        actor=people["officer"],
        lines=[
            {
                "action": "add",
                "catalogue_entry": ref["entry"],
                "rank": ref["specialist"],
                "headcount": 20,
                "job_description": "Tham mưu tổ chức bộ máy",
            }
        ],
    )

    def check(on):
        results = checklist_compute(project=project, on=on)
        return next(result for result in results if result.code == "headcount_quota")

    # In YEAR: 19 civil servants and 4 public employees allocated = 23, against
    # the 9 posts in force on 1 January plus the 20 the project adds.
    first_day = datetime.date(YEAR, 1, 1)
    in_year = check(first_day)
    assert not in_year.informational and not in_year.passed
    assert "Headcount 9 before, 29 after" in in_year.detail
    assert f"the quota for {YEAR} is 23" in in_year.detail
    # The unit page's payroll row shows the same two figures for the year.
    payroll = unit_staffing_get(unit=units["a"], year=YEAR).current.payroll
    assert (payroll.quota, payroll.establishment) == (23, 9)
    # This year the quota held before the allocation (20) is the one compared.
    this_year = check(datetime.date(THIS_YEAR, 1, 1))
    assert f"the quota for {THIS_YEAR} is 20" in this_year.detail


def test_the_card_reads_in_vietnamese(client, people, units, allocation, settings):
    settings.LANGUAGE_CODE = "vi"
    fixture_words = re.compile(_fixture_words(people), re.IGNORECASE)
    client.force_login(people["officer"])
    for year in (YEAR, THIS_YEAR, 2020, "abc"):
        html = client.get(unit_url(units["a"], year=year)).content.decode()
        text = fixture_words.sub(" ", visible_text(card(html)))
        assert english_words(text, allowed={"UBND", "HĐND"}) == set(), year
    assert "Biên chế năm" in html
