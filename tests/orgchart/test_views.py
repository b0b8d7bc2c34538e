"""The org-chart pages of the front end, as each role sees them: the chart browser,
the unit page, its Excel export and the reference pages. A unit officer sees only
the units granted to them (404 elsewhere); province-wide roles see everything."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orgchart.models import Unit
from tests.factories import (
    JobPositionFactory,
    PositionCategoryFactory,
    RankFactory,
    SalaryGroupFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Queries a page may run whatever the number of units or positions: session,
#: user, the person's permissions and scope, then the page's own reads.
CHART_BUDGET = 11
#: The unit page as mounted: the org chart's reads, the four of the payroll card
#: (``appraisal.selectors.staffing.unit_staffing_get``), the header's unread
#: notifications and whether the person may propose a consolidation of the unit's
#: sub-units (its unit grant and its roles).
UNIT_PAGE_BUDGET = 19 + 4 + 1 + 2
REFERENCE_BUDGET = 4


def chart_url(**params):
    url = reverse("orgchart:index")
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def unit_url(unit, **params):
    url = reverse("orgchart:unit_detail", args=[unit.pk])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def export_url(unit, **params):
    url = reverse("orgchart:unit_export", args=[unit.pk])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def chart_codes(response) -> list[str]:
    return [unit.code for unit in response.context["units"]]


@pytest.fixture
def officer_a(make_user, two_units):
    return make_user("unit_officer", units=[two_units["a"]])


@pytest.fixture
def today():
    return timezone.localdate()


# --- Who may see what ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        lambda units: chart_url(),
        lambda units: unit_url(units["a"]),
        lambda units: export_url(units["a"]),
        lambda units: reverse("orgchart:salary_groups"),
        lambda units: reverse("orgchart:ranks"),
    ],
    ids=["chart", "unit", "export", "salary_groups", "ranks"],
)
def test_anonymous_visitor_is_sent_to_the_login_page(client, two_units, url):
    target = url(two_units)
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]


def test_site_home_leads_to_my_work_with_the_org_chart_in_the_menu(client, officer_a):
    # "/" now opens each person's own work; the org chart is one click away.
    client.force_login(officer_a)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].rstrip("/").endswith("home")
    assert f'href="{reverse("orgchart:index")}"' in response.content.decode()


def test_officer_sees_own_unit_and_its_division_in_the_chart(
    client, officer_a, two_units
):
    client.force_login(officer_a)
    response = client.get(chart_url())
    assert response.status_code == 200
    assert chart_codes(response) == ["SA", "SA-P1"]
    # Indented from the top of their scope, not from the province.
    assert [unit.indent for unit in response.context["units"]] == [0, 1]
    html = response.content.decode()
    assert "Sở A" in html and "Phòng A1" in html
    assert "Sở B" not in html and "Phòng B1" not in html


@pytest.mark.parametrize("key", ["a", "a1"])
def test_officer_of_unit_a_opens_a_and_its_sub_units(client, officer_a, two_units, key):
    client.force_login(officer_a)
    unit = two_units[key]
    assert client.get(unit_url(unit)).status_code == 200
    export = client.get(export_url(unit))
    assert export.status_code == 200
    assert export["Content-Type"] == XLSX


def test_officer_unit_page_links_its_sub_units(client, officer_a, two_units):
    client.force_login(officer_a)
    html = client.get(unit_url(two_units["a"])).content.decode()
    assert f'href="{unit_url(two_units["a1"])}"' in html
    assert unit_url(two_units["province"]) not in html


@pytest.mark.parametrize("key", ["b", "b1", "province"])
def test_officer_of_other_unit_gets_404(client, officer_a, two_units, key):
    client.force_login(officer_a)
    unit = two_units[key]
    assert client.get(unit_url(unit)).status_code == 404
    assert client.get(export_url(unit)).status_code == 404
    assert client.get(chart_url(root=unit.pk)).status_code == 404


def test_officer_gets_404_for_a_unit_that_does_not_exist(client, officer_a):
    client.force_login(officer_a)
    assert client.get(reverse("orgchart:unit_detail", args=[999999])).status_code == 404


def test_officer_searching_for_other_unit_finds_nothing(client, officer_a):
    client.force_login(officer_a)
    response = client.get(chart_url(q="SB"))
    assert response.status_code == 200
    assert chart_codes(response) == []
    assert "Sở B" not in response.content.decode()


def test_unit_page_of_division_names_its_parent_but_links_only_what_is_visible(
    client, make_user, two_units
):
    officer = make_user("unit_officer", units=[two_units["a1"]])
    client.force_login(officer)
    response = client.get(unit_url(two_units["a1"]))
    html = response.content.decode()
    assert "Sở A" in html  # its parent, named
    assert unit_url(two_units["a"]) not in html  # but not a link: out of scope
    assert client.get(unit_url(two_units["a"])).status_code == 404
    assert "Sở B" not in html


@pytest.mark.parametrize("role", ["observer", "appraiser", "committee", "director"])
def test_province_wide_roles_see_every_unit(client, make_user, two_units, role):
    user = make_user(role)
    client.force_login(user)
    response = client.get(chart_url())
    assert chart_codes(response) == ["UBND", "SA", "SA-P1", "SB", "SB-P1"]
    for key in ("a", "b", "b1"):
        assert client.get(unit_url(two_units[key])).status_code == 200
        assert client.get(export_url(two_units[key])).status_code == 200


def test_user_without_role_or_grant_sees_an_empty_chart(client, two_units):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(chart_url())
    assert response.status_code == 200
    assert chart_codes(response) == []
    assert client.get(unit_url(two_units["a"])).status_code == 404


@pytest.mark.parametrize("name", ["orgchart:salary_groups", "orgchart:ranks"])
@pytest.mark.parametrize("role", ["unit_officer", "observer", "administrator"])
def test_reference_pages_open_for_every_role(client, make_user, role, name):
    client.force_login(make_user(role))
    assert client.get(reverse(name)).status_code == 200


# --- The chart browser ---------------------------------------------------------


def test_chart_is_in_tree_order_with_kind_and_headcounts(client, make_user, two_units):
    JobPositionFactory(unit=two_units["a"], headcount=3)
    JobPositionFactory(unit=two_units["a1"], headcount=4)
    client.force_login(make_user("observer"))
    response = client.get(chart_url())
    rows = {unit.code: unit for unit in response.context["units"]}
    assert (rows["SA"].headcount, rows["SA"].subtree_headcount) == (3, 7)
    assert (rows["UBND"].headcount, rows["UBND"].subtree_headcount) == (0, 7)
    assert rows["SA-P1"].indent == 2
    html = response.content.decode()
    assert str(Unit.Kind.DIVISION.label) in html
    assert two_units["a1"].get_absolute_url() in html


def test_chart_as_of_date_shows_units_in_force_on_that_date(
    client, make_user, two_units, today
):
    closed = UnitFactory(
        code="SC",
        name="Sở C đã hợp nhất",
        parent=two_units["province"],
        valid_to=today - datetime.timedelta(days=1),
        status=Unit.Status.MERGED,
    )
    client.force_login(make_user("observer"))
    assert closed.code not in chart_codes(client.get(chart_url()))
    last_month = (today - datetime.timedelta(days=30)).isoformat()
    response = client.get(chart_url(as_of=last_month))
    assert closed.code in chart_codes(response)
    assert "Sở C đã hợp nhất" in response.content.decode()


def test_chart_accepts_the_vietnamese_date_format(client, make_user, two_units):
    client.force_login(make_user("observer"))
    response = client.get(chart_url(as_of="31/12/2025"))
    assert response.context["as_of"] == datetime.date(2025, 12, 31)
    assert not response.context["form"].errors


def test_chart_before_the_units_existed_is_empty(client, make_user, two_units):
    client.force_login(make_user("observer"))
    response = client.get(chart_url(as_of="2020-01-01"))
    assert chart_codes(response) == []
    assert "01/01/2020" in response.content.decode()


def test_bad_date_on_the_chart_shows_an_error_and_todays_chart(
    client, make_user, two_units, today
):
    client.force_login(make_user("observer"))
    response = client.get(chart_url(as_of="2026-13-45", q="Sở"))
    assert response.status_code == 200
    assert response.context["form"].errors["as_of"]
    assert 'class="pf-errors"' in response.content.decode()
    assert response.context["as_of"] == today
    # The good part of the request still applies.
    assert response.context["search"] == "Sở"


def test_chart_search_by_name_or_code(client, make_user, two_units):
    client.force_login(make_user("observer"))
    by_name = client.get(chart_url(q="Phòng"))
    assert chart_codes(by_name) == ["SA-P1", "SB-P1"]
    by_code = client.get(chart_url(q="sb-p1"))
    assert chart_codes(by_code) == ["SB-P1"]
    # The parent is named under each match, to place it in the tree.
    assert "Sở B" in by_code.content.decode()


def test_chart_root_filter_shows_one_subtree(client, make_user, two_units):
    client.force_login(make_user("observer"))
    response = client.get(chart_url(root=two_units["b"].pk))
    assert chart_codes(response) == ["SB", "SB-P1"]
    assert response.context["root"] == two_units["b"]


def test_officer_may_narrow_to_a_subtree_of_their_own(client, officer_a, two_units):
    client.force_login(officer_a)
    response = client.get(chart_url(root=two_units["a1"].pk))
    assert chart_codes(response) == ["SA-P1"]


def test_large_chart_is_paginated_in_tree_order(client, make_user):
    root = UnitFactory(code="ROOT", kind="provincial_pc", name="UBND tỉnh Nghệ An")
    for n in range(110):
        UnitFactory(parent=root, code=f"X{n:03d}", kind="commune_pc")
    client.force_login(make_user("observer"))
    first = client.get(chart_url())
    second = client.get(chart_url(page=2))
    codes = chart_codes(first) + chart_codes(second)
    assert len(chart_codes(first)) == 100
    assert len(codes) == 111 and len(set(codes)) == 111
    assert codes[0] == "ROOT"
    assert "page=2" in first.content.decode()


def _province(n_units: int, positions_per_unit: int = 1):
    root = UnitFactory(kind="provincial_pc", name="UBND tỉnh")
    departments = [UnitFactory(parent=root) for _ in range(max(n_units // 5, 1))]
    units = [root, *departments]
    while len(units) < n_units:
        units.append(
            UnitFactory(
                parent=departments[len(units) % len(departments)], kind="division"
            )
        )
    for unit in units:
        JobPositionFactory.create_batch(positions_per_unit, unit=unit)
    return root, units


@pytest.mark.parametrize("n_units", [5, 50])
@pytest.mark.parametrize("role", ["observer", "unit_officer"])
def test_chart_query_count_does_not_grow_with_units(
    client, make_user, django_assert_max_num_queries, n_units, role
):
    root, units = _province(n_units)
    user = make_user(role, units=[root] if role == "unit_officer" else [])
    client.force_login(user)
    with django_assert_max_num_queries(CHART_BUDGET):
        response = client.get(chart_url(q="", root=root.pk))
    assert len(response.context["units"]) == n_units


# --- The unit page -------------------------------------------------------------


def test_unit_page_shows_identity_relations_and_establishment(
    client, make_user, two_units
):
    a = two_units["a"]
    leadership = PositionCategoryFactory(
        code="leadership", name="Lãnh đạo, quản lý", order=1
    )
    principal = RankFactory(code="01.002", name="Chuyên viên chính")
    JobPositionFactory(
        unit=a,
        name="Giám đốc Sở",
        category=leadership,
        rank=principal,
        headcount=1,
        decision_number="12/QĐ-UBND",
        decision_date=datetime.date(2025, 6, 20),
    )
    JobPositionFactory(unit=a, name="Chuyên viên tổ chức cán bộ", headcount=3)
    JobPositionFactory(unit=two_units["a1"], headcount=5)
    client.force_login(make_user("observer"))
    response = client.get(unit_url(a))
    html = response.content.decode()
    for text in (
        "Sở A",
        "SA",
        "UBND tỉnh",  # parent
        "Phòng A1",  # sub-unit
        "Giám đốc Sở",
        "Chuyên viên tổ chức cán bộ",
        "12/QĐ-UBND",
        "20/06/2025",
        "Lãnh đạo, quản lý",
        "Chuyên viên chính",
        str(Unit.Kind.DEPARTMENT.label),
    ):
        assert text in html, text
    establishment = response.context["establishment"]
    assert establishment.total_headcount == 4
    assert [
        (r["category__code"], r["headcount"]) for r in establishment.by_category
    ] == [
        ("leadership", 1),
        ("specialised", 3),
    ]
    assert {(r["rank__code"], r["headcount"]) for r in establishment.by_rank} == {
        ("01.002", 1),
        ("01.003", 3),
    }
    page = response.context["page"]
    assert page.rollup["headcount"] == 9
    assert [(c.code, c.subtree_headcount) for c in page.children] == [("SA-P1", 5)]
    assert unit_url(two_units["province"]) in html  # parent is linked for an observer


def test_position_closed_yesterday_is_gone_today_but_shown_as_of_last_month(
    client, officer_a, two_units, today
):
    a = two_units["a"]
    JobPositionFactory(unit=a, name="Văn thư lưu trữ", headcount=1)
    JobPositionFactory(
        unit=a,
        name="Kế toán viên đã bãi bỏ",
        headcount=2,
        valid_to=today - datetime.timedelta(days=1),
    )
    client.force_login(officer_a)
    now = client.get(unit_url(a))
    establishment = now.context["establishment"]
    assert [p.name for p in establishment.positions] == ["Văn thư lưu trữ"]
    assert establishment.total_headcount == 1
    last_month = (today - datetime.timedelta(days=30)).isoformat()
    before = client.get(unit_url(a, as_of=last_month))
    names = {p.name for p in before.context["establishment"].positions}
    assert names == {"Văn thư lưu trữ", "Kế toán viên đã bãi bỏ"}
    assert before.context["establishment"].total_headcount == 3
    # The history keeps the closed position, with its last day.
    assert "Kế toán viên đã bãi bỏ" in now.content.decode()
    assert (today - datetime.timedelta(days=1)).strftime("%d/%m/%Y") in (
        now.content.decode()
    )


def test_unit_page_links_predecessors_and_successors(client, make_user, two_units):
    province = two_units["province"]
    old = UnitFactory(
        code="XA-CU",
        name="Xã Cũ",
        kind="commune_pc",
        level="commune",
        parent=province,
        valid_to=datetime.date(2025, 12, 31),
        status=Unit.Status.MERGED,
    )
    new = UnitFactory(
        code="XA-MOI",
        name="Xã Mới",
        kind="commune_pc",
        level="commune",
        parent=province,
        valid_from=datetime.date(2026, 1, 1),
    )
    old.successors.add(new)
    client.force_login(make_user("observer"))
    html = client.get(unit_url(new)).content.decode()
    assert "Xã Cũ" in html and unit_url(old) in html
    closed = client.get(unit_url(old)).content.decode()
    assert "Xã Mới" in closed and unit_url(new) in closed
    assert 'role="status"' in closed  # not in force today: said so


def test_bad_date_on_the_unit_page_shows_an_error(client, officer_a, two_units, today):
    client.force_login(officer_a)
    response = client.get(unit_url(two_units["a"], as_of="hôm-qua"))
    assert response.status_code == 200
    assert response.context["form"].errors["as_of"]
    assert response.context["as_of"] == today
    assert 'class="pf-errors"' in response.content.decode()


@pytest.mark.parametrize("size", [5, 50])
@pytest.mark.parametrize("role", ["observer", "unit_officer"])
def test_unit_page_query_count_does_not_grow_with_positions_or_children(
    client, make_user, django_assert_max_num_queries, size, role
):
    parent = UnitFactory(kind="provincial_pc")
    unit = UnitFactory(parent=parent)
    JobPositionFactory.create_batch(size, unit=unit)
    JobPositionFactory.create_batch(
        size, unit=unit, valid_to=datetime.date(2025, 12, 31)
    )
    for _ in range(size):
        UnitFactory(parent=unit, kind="division")
    unit.successors.add(*UnitFactory.create_batch(2, parent=parent))
    user = make_user(role, units=[unit] if role == "unit_officer" else [])
    client.force_login(user)
    with django_assert_max_num_queries(UNIT_PAGE_BUDGET):
        response = client.get(unit_url(unit))
    assert len(response.context["establishment"].positions) == size
    assert len(response.context["page"].history) == 2 * size
    assert len(response.context["page"].children) == size


# --- The Excel export ----------------------------------------------------------


def test_export_is_an_excel_file_with_positions_and_totals(
    client, officer_a, two_units
):
    a = two_units["a"]
    leadership = PositionCategoryFactory(
        code="leadership", name="Lãnh đạo, quản lý", order=1
    )
    principal = RankFactory(code="01.002", name="Chuyên viên chính")
    JobPositionFactory(
        unit=a,
        name="Phó Giám đốc Sở",
        category=leadership,
        rank=principal,
        headcount=2,
        decision_number="345/QĐ-UBND",
        decision_date=datetime.date(2025, 6, 30),
    )
    JobPositionFactory(unit=a, name="Chuyên viên quản lý công sở", headcount=5)
    JobPositionFactory(
        unit=a,
        name="Vị trí đã kết thúc",
        headcount=7,
        valid_to=datetime.date(2025, 9, 1),
    )
    client.force_login(officer_a)
    response = client.get(export_url(a, as_of="2026-01-15"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert "SA-2026-01-15.xlsx" in response["Content-Disposition"]

    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    flat = [value for row in rows for value in row if value is not None]
    assert "Sở A" in str(rows[0][0])
    assert "Phó Giám đốc Sở" in flat and "Chuyên viên quản lý công sở" in flat
    assert "Vị trí đã kết thúc" not in flat
    assert "345/QĐ-UBND" in flat
    # The totals: the whole establishment, and one line per category and per rank.
    total_row = next(row for row in rows if "Total" in row or "Tổng cộng" in row)
    assert 7 in total_row
    category_rows = {row[1]: row[5] for row in rows if row[1] in {"Lãnh đạo, quản lý"}}
    assert category_rows == {"Lãnh đạo, quản lý": 2}
    rank_rows = {row[2]: row[5] for row in rows if row[2] in {"01.002", "01.003"}}
    assert rank_rows == {"01.002": 2, "01.003": 5}
    # Dates are real dates, not text.
    position_row = next(row for row in rows if "Phó Giám đốc Sở" in row)
    assert datetime.date(2025, 6, 30) in [
        value.date() if isinstance(value, datetime.datetime) else value
        for value in position_row
    ]


def test_export_with_a_bad_date_goes_back_to_the_page_with_the_error(
    client, officer_a, two_units
):
    client.force_login(officer_a)
    response = client.get(export_url(two_units["a"], as_of="not-a-date"), follow=True)
    assert response.status_code == 200
    assert response.context["form"].errors["as_of"]


# --- Reference pages -----------------------------------------------------------


def test_salary_group_page_shows_the_coefficient_of_every_step(client, make_user):
    SalaryGroupFactory(
        code="A1", name="Loại A1", step1="2.34", increment="0.33", steps=9
    )
    SalaryGroupFactory(
        code="C1", name="Loại C1", step1="1.65", increment="0.18", steps=12
    )
    client.force_login(make_user("unit_officer"))
    response = client.get(reverse("orgchart:salary_groups"))
    html = response.content.decode()
    assert "Loại A1" in html and "Loại C1" in html
    # Vietnamese decimals: A1 step 9 is 2.34 + 8 × 0.33 = 4.98; C1 step 12 is 3.63.
    assert "4,98" in html and "3,63" in html
    assert len(response.context["step_numbers"]) == 12


def test_rank_page_lists_code_name_kind_group_and_level(client, make_user):
    RankFactory(code="01.003", name="Chuyên viên", basis="Circular 11/2014/TT-BNV")
    RankFactory(
        code="V.07.03.29",
        name="Giáo viên trung học phổ thông hạng III",
        kind="professional_title",
    )
    client.force_login(make_user("observer"))
    html = client.get(reverse("orgchart:ranks")).content.decode()
    for text in (
        "01.003",
        "Chuyên viên",
        "V.07.03.29",
        "Giáo viên trung học phổ thông hạng III",
        "A1",
        "Circular 11/2014/TT-BNV",
    ):
        assert text in html, text


@pytest.mark.parametrize("n", [2, 20])
def test_reference_pages_query_count_does_not_grow(
    client, make_user, django_assert_max_num_queries, n
):
    for i in range(n):
        group = SalaryGroupFactory(code=f"G{i}", step1=f"{2 + i / 10:.2f}")
        RankFactory(code=f"R.{i:03d}", salary_group=group)
    client.force_login(make_user("observer"))
    for name in ("orgchart:salary_groups", "orgchart:ranks"):
        with django_assert_max_num_queries(REFERENCE_BUDGET):
            assert client.get(reverse(name)).status_code == 200


# --- Language ------------------------------------------------------------------


def test_pages_are_vietnamese_by_default_and_switch_to_english(client, officer_a):
    client.force_login(officer_a)
    assert '<html lang="vi"' in client.get(chart_url()).content.decode()
    response = client.post(
        reverse("set_language"), {"language": "en", "next": chart_url()}
    )
    assert response.status_code == 302
    assert '<html lang="en"' in client.get(chart_url()).content.decode()


def test_menu_links_every_org_chart_page(client, officer_a):
    client.force_login(officer_a)
    html = client.get(chart_url()).content.decode()
    for name in ("orgchart:index", "orgchart:salary_groups", "orgchart:ranks"):
        assert f'href="{reverse(name)}"' in html
    assert 'action="/i18n/setlang/"' in html
