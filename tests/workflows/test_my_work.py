"""'My work' (Công việc của tôi): every person lands on their own tasks, most urgent
first, with the buttons to open or take them and to start what they may start;
a task only one person may take arrives in their inbox; every list can be
searched, filtered and exported to Excel with exactly the rows it shows."""

from __future__ import annotations

import datetime
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import remove_perm
from openpyxl import load_workbook
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from appraisal.models import JobPositionProject
from tests.workflows.conftest import url
from workflows.flows import JobPositionProjectFlow
from workflows.selectors import task_list_inbox, task_list_queue

pytestmark = pytest.mark.django_db

HOME = "/home/"
START = "Draft a job-position project"

_ROW = re.compile(
    r'<tr class="pf-work__row" data-task="(\d+)">\s*'
    r'<td class="pf-work__dossier"><a href="[^"]+">([^<]+)</a>'
)


def _home_rows(client, query: str = "") -> list[tuple[str, bool]]:
    """(dossier title, must be taken first) of every row of the home page."""
    response = client.get(HOME + query)
    assert response.status_code == 200
    content = response.content.decode()
    rows = []
    for match in _ROW.finditer(content):
        task = Task.objects.get(pk=match.group(1))
        rows.append((unescape(match.group(2)), task.status == STATUS.NEW))
    return rows


def _xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


# --- the home page, role by role ------------------------------------------------


def test_home_shows_each_person_exactly_their_assigned_and_claimable_tasks(
    world, driver
):
    expected = {
        "officer": {("Chờ soạn", False), ("Chờ chỉnh sửa", False)},
        "officer2": set(),
        "head": {("Chờ ký", True)},
        "committee_a": {("Chờ ký", True)},
        "officer_b": set(),
        "head_b": set(),
        "reception": {("Chờ tiếp nhận", False), ("Hồ sơ Sở B", True)},
        "reception2": {("Hồ sơ Sở B", True)},
        "division_head": {("Chờ phân công", False), ("Chờ trưởng phòng duyệt", False)},
        "appraiser": {("Đang thẩm định", False)},
        "director": {("Chờ giám đốc ký", False)},
        "committee": {("Chờ UBND quyết định", False)},
        "observer": set(),
    }
    for who, rows in expected.items():
        driver.login(who)
        page = _home_rows(driver.client)
        assert set(page) == rows, who
        assert len(page) == len(rows), who


def test_root_and_login_lead_to_my_work(client, people):
    people["officer"].set_password("secret-pass-1")
    people["officer"].save()
    response = client.post(
        reverse("login"),
        {"username": "officer", "password": "secret-pass-1"},
        follow=True,
    )
    assert response.request["PATH_INFO"] == HOME
    assert "My work" in response.content.decode()
    response = client.get("/", follow=True)
    assert response.request["PATH_INFO"] == HOME
    client.logout()
    anonymous = client.get(HOME)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_my_work_is_first_in_the_menu(client, people):
    client.force_login(people["reception"])
    content = client.get(reverse("orgchart:index")).content.decode()
    applications = content[content.index("Applications") :]
    assert applications.index(f'href="{HOME}"') < applications.index(
        f'href="{reverse("orgchart:index")}"'
    )


def _at_reception_with_due_dates(driver) -> None:
    """Five dossiers waiting at reception: none due, due in 40 days, 3 days
    overdue, due in 10 days, 20 days overdue."""
    today = timezone.localdate()
    dues = {
        "Không hạn": None,
        "Còn lâu": today + datetime.timedelta(days=40),
        "Quá hạn": today - datetime.timedelta(days=3),
        "Sắp tới": today + datetime.timedelta(days=10),
        "Quá hạn lâu": today - datetime.timedelta(days=20),
    }
    for title, due in dues.items():
        process = driver.to_reception(title=title)
        JobPositionProject.objects.filter(pk=process.artifact_object_id).update(
            due_on=due
        )


def test_most_urgent_task_comes_first(driver, people):
    _at_reception_with_due_dates(driver)
    today = timezone.localdate()
    driver.login("reception")
    titles = [title for title, _ in _home_rows(driver.client)]
    assert titles == ["Quá hạn lâu", "Quá hạn", "Sắp tới", "Còn lâu", "Không hạn"]
    content = driver.client.get(HOME).content.decode()
    assert (today - datetime.timedelta(days=3)).strftime("%d/%m/%Y") in content


def test_a_stopped_clock_waits_after_every_running_deadline(driver, people):
    """A dossier whose clock is stopped (the unit has it back) is not urgent,
    however long ago it was due: last, with the dossiers not yet due."""
    _at_reception_with_due_dates(driver)
    today = timezone.localdate()
    stopped = driver.to_reception(title="Tạm dừng")
    JobPositionProject.objects.filter(pk=stopped.artifact_object_id).update(
        due_on=today - datetime.timedelta(days=30),
        clock_paused_on=today - datetime.timedelta(days=5),
    )
    driver.login("reception")
    titles = [title for title, _ in _home_rows(driver.client)]
    assert titles == [
        "Quá hạn lâu",
        "Quá hạn",
        "Sắp tới",
        "Còn lâu",
        "Không hạn",
        "Tạm dừng",
    ]


def test_many_tasks_come_a_page_at_a_time_most_urgent_first(
    driver, people, monkeypatch
):
    monkeypatch.setattr("workflows.listing.WORK_PAGE_SIZE", 2)
    _at_reception_with_due_dates(driver)
    driver.login("reception")
    pages = [
        [title for title, _ in _home_rows(driver.client, f"?page={n}")]
        for n in (1, 2, 3)
    ]
    assert pages == [["Quá hạn lâu", "Quá hạn"], ["Sắp tới", "Còn lâu"], ["Không hạn"]]
    content = driver.client.get(HOME + "?page=2&status=submitted").content.decode()
    # The counts are of all the person's work, not of the page.
    assert "5 tasks you may take" in content
    assert "Page 2 of 3" in content
    # The pager keeps the filters; a page past the end shows the last one.
    assert 'href="?status=submitted&amp;page=3"' in content
    assert [t for t, _ in _home_rows(driver.client, "?page=9")] == ["Không hạn"]
    # The export holds every task, not one page.
    rows = _xlsx_rows(driver.client.get(HOME + "?page=2&export=xlsx"))
    assert [row[0] for row in rows[1:]] == [t for page in pages for t in page]


def test_clear_is_offered_only_when_a_filter_is_applied(dossiers, driver):
    driver.login("reception")
    for query, offered in (
        ("", False),
        ("?page=2", False),
        ("?search=&kind=", False),
        ("?search=thanh", True),
        ("?page=1&kind=first", True),
    ):
        content = driver.client.get(HOME + query).content.decode()
        assert ("data-clear-filters" in content) is offered, query


def test_take_and_open_takes_the_task_and_opens_its_form(world, driver, people):
    driver.login("head")
    task = Task.objects.get(
        process=world["submit"], flow_task=JobPositionProjectFlow.submit
    )
    content = driver.client.get(HOME).content.decode()
    assert f'action="{url(task, "assign")}"' in content
    response = driver.client.post(url(task, "assign"))
    assert response.status_code == 302
    assert response["Location"] == url(task, "execute")
    task.refresh_from_db()
    assert task.owner == people["head"]
    assert _home_rows(driver.client) == [("Chờ ký", False)]
    assert f'href="{url(task, "execute")}"' in driver.client.get(HOME).content.decode()


def test_empty_home_says_what_happens_next(client, people):
    client.force_login(people["officer"])
    content = client.get(HOME).content.decode()
    assert "Nothing is waiting for you." in content
    assert "Start a new dossier with the button above" in content
    client.force_login(people["director"])
    content = client.get(HOME).content.decode()
    assert "Nothing is waiting for you." in content
    assert "as soon as a dossier reaches a step you handle" in content


def test_home_keeps_its_query_budget_whatever_the_number_of_tasks(
    driver, django_assert_max_num_queries
):
    driver.to_reception(title="Hồ sơ 1")
    driver.login("reception")
    # What a session does once after the login (whether it needs the second
    # step) is paid by the first page; the budget is the home page's own.
    driver.client.get("/")
    with CaptureQueriesContext(connection) as few:
        assert driver.client.get(HOME).status_code == 200
    for n in range(2, 7):
        driver.to_reception(title=f"Hồ sơ {n}")
    driver.login("reception")
    driver.client.get("/")
    # One query per flow's inbox and queue for the order, one for the page's
    # tasks and one per kind of dossier on it, the person, the menu, the filters.
    with django_assert_max_num_queries(23):
        assert len(_home_rows(driver.client)) == 6
    with CaptureQueriesContext(connection) as many:
        driver.client.get(HOME)
    assert len(many.captured_queries) == len(few.captured_queries)


# --- start buttons ---------------------------------------------------------------


def test_start_button_only_for_people_who_may_start(client, people):
    start = reverse("jobpositionproject:start:execute")
    pages = [
        HOME,
        reverse("jobpositionproject:inbox"),
        reverse("jobpositionproject:process_list"),
    ]
    for who, shown in (
        ("officer", True),
        ("officer_b", True),
        ("reception", False),
        ("director", False),
        ("observer", False),
    ):
        client.force_login(people[who])
        for page in pages:
            content = client.get(page).content.decode()
            assert (f'href="{start}"' in content) is shown, (who, page)
            assert (START in content) is shown, (who, page)
    # viewflow's round button, which only reloaded the list, is gone.
    client.force_login(people["officer"])
    content = client.get(reverse("jobpositionproject:process_list")).content.decode()
    assert "mdc-fab" not in content


def test_unit_page_button_only_for_that_units_officers(client, people, units):
    start = reverse("jobpositionproject:start:execute")
    unit_a = reverse("orgchart:unit_detail", args=[units["a"].pk])
    unit_b = reverse("orgchart:unit_detail", args=[units["b"].pk])
    client.force_login(people["officer"])
    content = client.get(unit_a).content.decode()
    assert f'href="{start}?unit={units["a"].pk}"' in content
    assert "Draft a project for this unit" in content
    assert "Draft a project for this unit" not in client.get(unit_b).content.decode()
    for who in ("reception", "director", "observer", "officer_b"):
        client.force_login(people[who])
        response = client.get(unit_a)
        assert "Draft a project for this unit" not in response.content.decode(), who
    # The start form opens with the unit filled in.
    client.force_login(people["officer"])
    form = client.get(f"{start}?unit={units['a'].pk}").content.decode()
    assert re.search(rf'<option value="{units["a"].pk}" selected>', form)


# --- direct assignment -----------------------------------------------------------


def test_a_task_only_one_person_may_take_arrives_in_their_inbox(driver, people):
    # Two reception officers: the dossier waits in both queues.
    process = driver.to_reception(title="Hai người nhận")
    receive = driver.open_task(process, "receive")
    assert receive.owner is None
    assert receive in task_list_queue(user=people["reception"])
    assert receive in task_list_queue(user=people["reception2"])
    # With one of them gone, the other gets the next dossier directly.
    people["reception2"].is_active = False
    people["reception2"].save()
    process = driver.to_reception(title="Một người nhận")
    receive = driver.open_task(process, "receive")
    assert (receive.owner, receive.status) == (people["reception"], STATUS.ASSIGNED)
    assert receive in task_list_inbox(user=people["reception"])
    # The sole unit head (once the committee member no longer signs for the unit).
    remove_perm("orgchart.sign_for_unit", people["committee_a"], driver.units["a"])
    process = driver.start("officer", title="Một thủ trưởng")
    driver.attach_required("officer", process)
    driver.draft("officer", process, [driver.add_line()])
    submit = driver.open_task(process, "submit")
    assert submit.owner == people["head"]
    driver.login("head")
    assert ("Một thủ trưởng", False) in _home_rows(driver.client)


def test_revision_goes_to_the_drafter_or_waits_when_they_left(driver, people):
    first = driver.to_appraisal(title="Người soạn còn")
    second = driver.to_appraisal(title="Người soạn đã chuyển")
    driver.execute(
        "appraiser", first, "appraise", {"action": "request_revision", "comment": "x"}
    )
    assert driver.open_task(first, "revise").owner == people["officer"]
    # The drafter moved to another unit before the second dossier came back.
    remove_perm("orgchart.act_for_unit", people["officer"], driver.units["a"])
    driver.execute(
        "appraiser", second, "appraise", {"action": "request_revision", "comment": "x"}
    )
    revise = driver.open_task(second, "revise")
    # officer2 and the unit head may both revise: it waits in their queues.
    assert revise.owner is None
    assert revise in task_list_queue(user=people["officer2"])


# --- search, filters, export -----------------------------------------------------


@pytest.fixture
def dossiers(driver, units):
    today = timezone.localdate()
    late = driver.to_reception(title="Đề án Văn phòng")
    soon = driver.to_reception(title="Đề án Thanh tra")
    project = JobPositionProject.objects.get(pk=late.artifact_object_id)
    JobPositionProject.objects.filter(pk=project.pk).update(
        due_on=today - datetime.timedelta(days=2), receipt_number="000123"
    )
    # A first approval (the dossier's kind follows the project's, as ``save``
    # keeps it).
    JobPositionProject.objects.filter(pk=soon.artifact_object_id).update(
        due_on=today + datetime.timedelta(days=60),
        kind="first",
        dossier_kind="job_position_first",
    )
    other = driver.start("officer_b", unit=units["b"], title="Đề án Sở B")
    driver.attach_required("officer_b", other)
    driver.draft("officer_b", other, [driver.add_line()])
    assert driver.execute("head_b", other, "submit", {}).status_code == 302
    return {"late": late, "soon": soon, "other": other}


def _titles(client, query: str) -> set[str]:
    return {title for title, _ in _home_rows(client, query)}


def test_search_and_filters_narrow_the_home_page(dossiers, driver, units):
    driver.login("reception")
    client = driver.client
    everything = {"Đề án Văn phòng", "Đề án Thanh tra", "Đề án Sở B"}
    assert _titles(client, "") == everything
    assert _titles(client, "?search=thanh+tra") == {"Đề án Thanh tra"}
    assert _titles(client, "?search=000123") == {"Đề án Văn phòng"}
    assert _titles(client, "?search=Sở+B") == {"Đề án Sở B"}
    assert _titles(client, "?kind=first") == {"Đề án Thanh tra"}
    assert _titles(client, f"?unit={units['b'].pk}") == {"Đề án Sở B"}
    assert _titles(client, "?due_state=overdue") == {"Đề án Văn phòng"}
    assert _titles(client, "?due_state=on_time") == {"Đề án Thanh tra"}
    assert _titles(client, "?due_state=stopped") == set()
    assert _titles(client, "?status=submitted") == everything
    # The values stay in the form after the submit.
    content = client.get(
        HOME + f"?search=thanh&unit={units['b'].pk}&due_state=overdue"
    ).content.decode()
    assert 'value="thanh"' in content
    assert re.search(rf'name="unit" value="{units["b"].pk}"', content)
    # The unit chosen by its id is named, so the person sees what is applied.
    assert f"Showing the unit {units['b'].name} (code {units['b'].code})" in content
    assert '<option value="overdue" selected>' in content
    assert "No task matches this search and these filters." in content


def test_search_and_filters_narrow_every_list(dossiers, driver):
    driver.login("reception")
    for name in ("queue", "process_list"):
        path = reverse(f"jobpositionproject:{name}")
        content = driver.client.get(path + "?search=thanh+tra").content.decode()
        assert "Đề án Thanh tra" in content, name
        assert "Đề án Văn phòng" not in content, name
        assert 'value="thanh tra"' in content, name
    # The archive too: the officer's finished drafts.
    driver.login("officer")
    path = reverse("jobpositionproject:archive")
    content = driver.client.get(path + "?search=thanh+tra").content.decode()
    assert "Đề án Thanh tra" in content
    assert "Đề án Văn phòng" not in content
    rows = _xlsx_rows(driver.client.get(path + "?search=thanh+tra&export=xlsx"))
    assert {row[1] for row in rows[1:]} == {"Đề án Thanh tra"}


def test_home_export_has_exactly_the_rows_of_the_page(dossiers, driver, settings):
    driver.login("reception")
    page = _home_rows(driver.client, "?due_state=overdue")
    rows = _xlsx_rows(driver.client.get(HOME + "?due_state=overdue&export=xlsx"))
    assert rows[0][0] == "Dossier"
    assert [(row[0], row[6] == "To take") for row in rows[1:]] == page
    everything = _home_rows(driver.client)
    rows = _xlsx_rows(driver.client.get(HOME + "?export=xlsx"))
    assert [(row[0], row[6] == "To take") for row in rows[1:]] == everything
    overdue = next(row for row in rows if row[0] == "Đề án Văn phòng")
    assert overdue[1] == "000123"
    assert overdue[4].date() == timezone.localdate() - datetime.timedelta(days=2)
    sheet = load_workbook(
        io.BytesIO(driver.client.get(HOME + "?export=xlsx").content)
    ).active
    assert sheet["E2"].number_format == "DD/MM/YYYY"


def test_export_headers_are_vietnamese_by_default(dossiers, driver, settings):
    settings.LANGUAGE_CODE = "vi"
    driver.login("reception")
    rows = _xlsx_rows(driver.client.get(HOME + "?export=xlsx"))
    assert rows[0][:4] == ("Hồ sơ", "Số tiếp nhận", "Đơn vị", "Bước")


def test_list_export_stays_in_the_persons_scope(dossiers, driver):
    path = reverse("jobpositionproject:process_list")
    driver.login("officer_b")
    rows = _xlsx_rows(driver.client.get(path + "?export=xlsx"))
    assert [row[0] for row in rows[1:]] == ["Đề án Sở B"]
    driver.login("officer")
    rows = _xlsx_rows(driver.client.get(path + "?export=xlsx"))
    titles = [row[0] for row in rows[1:]]
    assert "Đề án Sở B" not in titles
    assert set(titles) == {"Đề án Văn phòng", "Đề án Thanh tra"}
    # Filters apply to the export as to the page.
    rows = _xlsx_rows(driver.client.get(path + "?search=thanh&export=xlsx"))
    assert [row[0] for row in rows[1:]] == ["Đề án Thanh tra"]
    # The inbox and the queue export only what the person sees there.
    driver.login("reception")
    rows = _xlsx_rows(
        driver.client.get(reverse("jobpositionproject:queue") + "?export=xlsx")
    )
    assert {row[1] for row in rows[1:]} == {
        "Đề án Văn phòng",
        "Đề án Thanh tra",
        "Đề án Sở B",
    }
    driver.login("officer_b")
    rows = _xlsx_rows(
        driver.client.get(reverse("jobpositionproject:queue") + "?export=xlsx")
    )
    assert rows[1:] == []
