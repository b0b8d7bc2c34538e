"""The flow's lists, dossier page and files show exactly a person's scope, carry the
due date and the overdue flag, and keep to a query budget that does not grow with
the number of dossiers, lines or history rows."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from appraisal.models import Attachment, JobPositionProject
from tests.factories import pdf_upload
from tests.workflows.conftest import url

pytestmark = pytest.mark.django_db

#: Query budgets of the pages (session, user, scope, the rows, the menu counts).
BUDGETS = {
    "inbox": 20,
    "queue": 22,
    "archive": 22,
    "process_list": 24,
    "index": 24,
    "task_list": 22,
}
DOSSIER_BUDGET = 34


def _titles(response) -> str:
    return response.content.decode()


def _page(client, name):
    response = client.get(reverse(f"jobpositionproject:{name}"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def dossiers(driver, units):
    """A draft of A, a submitted dossier of A, one of B under appraisal."""
    draft = driver.start("officer", title="Bản nháp Sở A")
    submitted = driver.to_reception(title="Đề án đã trình Sở A")
    other = driver.start("officer_b", unit=units["b"], title="Đề án Sở B")
    driver.attach_required("officer_b", other)
    driver.draft("officer_b", other, [driver.add_line()])
    assert driver.execute("head_b", other, "submit", {}).status_code == 302
    driver.execute("reception", other, "receive", {"decision": "accept"})
    driver.execute(
        "division_head",
        other,
        "assign_appraiser",
        {"appraiser": driver.people["appraiser2"].pk},
    )
    return {"draft": draft, "submitted": submitted, "other": other}


@pytest.mark.parametrize(
    ("who", "sees", "does_not_see"),
    [
        ("officer", ["Bản nháp Sở A", "Đề án đã trình Sở A"], ["Đề án Sở B"]),
        ("officer_b", ["Đề án Sở B"], ["Bản nháp Sở A", "Đề án đã trình Sở A"]),
        ("reception", ["Đề án đã trình Sở A", "Đề án Sở B"], ["Bản nháp Sở A"]),
        ("observer", ["Đề án đã trình Sở A", "Đề án Sở B"], ["Bản nháp Sở A"]),
        ("appraiser", [], ["Bản nháp Sở A", "Đề án đã trình Sở A", "Đề án Sở B"]),
        ("appraiser2", ["Đề án Sở B"], ["Bản nháp Sở A", "Đề án đã trình Sở A"]),
    ],
)
def test_dossier_lists_show_exactly_each_persons_scope(
    driver, dossiers, who, sees, does_not_see
):
    driver.login(who)
    for name in ("index", "process_list", "task_list"):
        content = _page(driver.client, name)
        for title in sees:
            assert title in content, (name, title)
        for title in does_not_see:
            assert title not in content, (name, title)


def test_queue_offers_each_task_only_to_the_people_it_is_for(driver, dossiers):
    driver.login("reception")
    assert "Đề án đã trình Sở A" in _page(driver.client, "queue")
    for who in ("officer", "head", "director", "observer", "appraiser"):
        driver.login(who)
        assert "Đề án đã trình Sở A" not in _page(driver.client, "queue"), who
    driver.login("appraiser2")
    assert "Đề án Sở B" in _page(driver.client, "inbox")
    driver.login("appraiser")
    assert "Đề án Sở B" not in _page(driver.client, "inbox")
    # The draft waits in its author's inbox, nobody else's.
    driver.login("officer")
    assert "Bản nháp Sở A" in _page(driver.client, "inbox")
    driver.login("officer2")
    assert "Bản nháp Sở A" not in _page(driver.client, "inbox")


def test_due_date_and_overdue_flag_show_in_queue_inbox_and_dossier(driver, dossiers):
    submitted = dossiers["submitted"]
    project = JobPositionProject.objects.get(pk=submitted.artifact_object_id)
    assert project.due_on is not None
    driver.login("reception")
    content = _page(driver.client, "queue")
    assert project.due_on.strftime("%d/%m/%Y") in content
    assert "pf-deadline--overdue" not in content

    # Time passes: the reception step is now late.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    JobPositionProject.objects.filter(pk=project.pk).update(due_on=yesterday)
    content = _page(driver.client, "queue")
    assert "pf-deadline--overdue" in content
    task = driver.open_task(submitted)
    driver.take("reception", task)
    assert "pf-deadline--overdue" in _page(driver.client, "inbox")
    page = driver.client.get(
        reverse("jobpositionproject:process_detail", args=[submitted.pk])
    )
    assert "pf-deadline--overdue" in page.content.decode()
    assert yesterday.strftime("%d/%m/%Y") in page.content.decode()


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(context.captured_queries)


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("officer", "inbox"),
        ("head", "queue"),
        ("reception", "queue"),
        ("officer", "archive"),
        ("observer", "process_list"),
        ("observer", "index"),
        ("observer", "task_list"),
    ],
)
def test_list_pages_keep_their_query_budget_whatever_the_number_of_dossiers(
    driver, who, name, django_assert_max_num_queries
):
    path = reverse(f"jobpositionproject:{name}")
    driver.to_reception(title="Hồ sơ 1")
    driver.start("officer", title="Nháp 1")
    driver.login(who)
    with django_assert_max_num_queries(BUDGETS[name]):
        assert driver.client.get(path).status_code == 200
    few = _queries(driver.client, path)
    for n in range(2, 6):
        driver.to_reception(title=f"Hồ sơ {n}")
        driver.start("officer", title=f"Nháp {n}")
    driver.login(who)
    with django_assert_max_num_queries(BUDGETS[name]):
        response = driver.client.get(path)
    assert response.status_code == 200
    assert _queries(driver.client, path) == few


def test_dossier_page_keeps_its_query_budget_whatever_its_size(
    driver, django_assert_max_num_queries
):
    small = driver.to_appraisal(title="Nhỏ")
    big = driver.to_appraisal(
        title="Lớn",
        lines=[driver.add_line(name=f"Chuyên viên {n}") for n in range(12)],
    )
    appraise = driver.open_task(big)
    driver.login("appraiser")
    for n in range(5):
        driver.client.post(
            url(appraise, "execute"), {"_remark": "1", "remark-text": f"Ý kiến {n}"}
        )
    driver.login("observer")
    for process in (small, big):
        with django_assert_max_num_queries(DOSSIER_BUDGET):
            response = driver.client.get(
                reverse("jobpositionproject:process_detail", args=[process.pk])
            )
        assert response.status_code == 200
    assert _queries(
        driver.client, reverse("jobpositionproject:process_detail", args=[small.pk])
    ) == _queries(
        driver.client, reverse("jobpositionproject:process_detail", args=[big.pk])
    )


def test_attachment_is_served_under_its_original_name_to_its_dossiers_readers(
    driver, units
):
    process = driver.start("officer", title="Hồ sơ có tệp")
    task = driver.open_task(process)
    driver.login("officer")
    name = 'Tờ trình "số 12"; bản chính.pdf'
    response = driver.client.post(
        url(task, "execute"),
        {"_attach": "1", "kind": "submission_letter", "file": pdf_upload(name)},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(dossier_id=process.artifact_object_id)
    path = reverse("jobpositionproject:attachment", args=[process.pk, attachment.pk])

    response = driver.client.get(path)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-1.4")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "\r" not in disposition and "\n" not in disposition
    assert "filename*=UTF-8''" in disposition
    # The name's own quotes cannot close the quoted ASCII fallback early, and the
    # exact name travels percent-encoded.
    assert disposition == (
        'attachment; filename="T trnh s 12; bn chnh.pdf"; '
        "filename*=UTF-8''"
        "T%E1%BB%9D%20tr%C3%ACnh%20%22s%E1%BB%91%2012%22%3B%20b%E1%BA%A3n%20ch%C3%ADnh.pdf"
    )
    assert attachment.original_name == name
    assert response["X-Content-Type-Options"] == "nosniff"

    # A draft is the unit's own: Home Affairs and other units get 404.
    for who in ("officer_b", "observer", "reception"):
        driver.login(who)
        assert driver.client.get(path).status_code == 404, who
    # The attachment must belong to the process of the URL.
    other = driver.start("officer", title="Hồ sơ khác")
    driver.login("officer")
    wrong = reverse("jobpositionproject:attachment", args=[other.pk, attachment.pk])
    assert driver.client.get(wrong).status_code == 404


def test_the_archive_keeps_to_the_scope_the_person_has_today(driver, people, units):
    """An officer moved to department B no longer finds department A's dossiers
    among the tasks they completed there."""
    driver.to_reception(title="Đề án đã trình Sở A")
    archive = reverse("jobpositionproject:archive")
    driver.login("officer")
    assert "Đề án đã trình Sở A" in _titles(driver.client.get(archive))
    officer = people["officer"]
    remove_perm("orgchart.act_for_unit", officer, units["a"])
    assign_perm("orgchart.act_for_unit", officer, units["b"])
    driver.login("officer")
    page = _titles(driver.client.get(archive))
    assert "Đề án đã trình Sở A" not in page
    summary = re.search(r'pagination-summary">(.*?)</span>', page, re.S)
    assert summary.group(1).strip() == "0–0 of 0"
