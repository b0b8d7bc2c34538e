"""The pages a person sees when something is refused, missing or broken: in
Vietnamese, in the app's frame, with a way back (to "My work" and to the previous
page), whether DEBUG is on (the demo) or off (production). A 404 reads the same for
a dossier that does not exist and for another unit's dossier.

Also the flow chart inside the app (menu, title, a way back; another unit's
process chart is a 404) and the language switch on viewflow's list pages."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.workflows.conftest import dossier_url, url, without_csrf_token

pytestmark = pytest.mark.django_db

HOME = "Công việc của tôi"
BACK = "Quay lại trang trước"
NOT_FOUND = "Không tìm thấy trang"
NOT_ALLOWED = "Bạn không được thực hiện thao tác này"
BROKEN = "Đã xảy ra lỗi"


@pytest.fixture(autouse=True)
def _english(settings):
    """These pages are read in the default language, Vietnamese (overrides the
    English of the other flow tests)."""
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def dossier_a(driver):
    return driver.start("officer", title="Đề án vị trí việc làm Sở A")


def _text(response) -> str:
    return response.content.decode()


def _assert_way_back(html: str, *, back: str | None = None) -> None:
    assert HOME in html
    assert 'href="/"' in html
    if back is not None:
        assert BACK in html
        assert f'href="{back}"' in html


@pytest.mark.parametrize("debug", [True, False])
def test_other_units_dossier_and_missing_dossier_read_the_same_404(
    people, dossier_a, debug
):
    client = Client()
    client.force_login(people["officer_b"])
    referer = "http://testserver" + reverse("jobpositionproject:index")
    with override_settings(DEBUG=debug):
        other = client.get(dossier_url(dossier_a), HTTP_REFERER=referer)
        missing = client.get(
            reverse("jobpositionproject:process_detail", args=[dossier_a.pk + 999]),
            HTTP_REFERER=referer,
        )
    for response in (other, missing):
        assert response.status_code == 404
        html = _text(response)
        assert NOT_FOUND in html
        assert "Traceback" not in html and "Django" not in html
        assert "Đề án vị trí việc làm Sở A" not in html
        _assert_way_back(html, back=referer)
        # In the app's frame: the menu of the site and the language switch.
        assert "vf-page__menu" in html and 'name="language"' in html
    # Nothing tells the two apart.
    assert _page(other) == _page(missing)


def _page(response) -> str:
    """The page without what differs by request: the CSRF token and the address
    the language switch returns to."""
    html = without_csrf_token(_text(response))
    return html.replace(response.wsgi_request.path, "")


@pytest.mark.parametrize("debug", [True, False])
def test_address_that_matches_nothing_shows_the_404_page(client, people, debug):
    client.force_login(people["officer"])
    with override_settings(DEBUG=debug):
        response = client.get("/no-such-page/here/")
    assert response.status_code == 404
    html = _text(response)
    assert NOT_FOUND in html
    assert "URLconf" not in html
    _assert_way_back(html)


@pytest.mark.parametrize("debug", [True, False])
def test_refused_task_action_shows_the_403_page(client, people, driver, debug):
    process = driver.to_reception()
    task = driver.open_task(process, "receive")
    # The division head sees the submitted dossier, but receiving it is the
    # one-stop desk's step.
    client.force_login(people["division_head"])
    with override_settings(DEBUG=debug):
        response = client.post(url(task, "assign"))
    assert response.status_code == 403
    html = _text(response)
    assert NOT_ALLOWED in html
    # Who may do it instead.
    assert "Người thực hiện: Cán bộ Bộ phận một cửa" in html
    assert "Không có gì bị thay đổi" in html
    _assert_way_back(html)
    task.refresh_from_db()
    assert task.owner_id is None


@pytest.mark.parametrize("debug", [True, False])
@override_settings(ROOT_URLCONF="tests.error_urls")
def test_an_unexpected_error_shows_the_500_page_and_logs_the_traceback(
    people, caplog, debug
):
    client = Client(raise_request_exception=False)
    client.force_login(people["officer"])
    with (
        override_settings(DEBUG=debug),
        caplog.at_level(logging.ERROR, logger="django.request"),
    ):
        response = client.get("/broken-for-test/")
    assert response.status_code == 500
    html = _text(response)
    assert BROKEN in html
    assert "quản trị viên" in html
    _assert_way_back(html)
    assert "a bug in a view" not in html and "Traceback" not in html
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.exc_info and "a bug in a view" in str(record.exc_info[1])


def test_the_500_page_renders_without_request_or_database():
    from django.template import loader

    html = loader.get_template("500.html").render({})
    assert BROKEN in html and HOME in html


def test_a_stale_form_shows_the_vietnamese_csrf_page(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["officer"])
    response = client.post(reverse("jobpositionproject:start:execute"), {"title": "x"})
    assert response.status_code == 403
    html = _text(response)
    assert "Biểu mẫu đã hết hạn" in html
    _assert_way_back(html)


def test_flow_chart_is_a_page_of_the_app_with_a_way_back(client, people, dossier_a):
    client.force_login(people["officer"])
    response = client.get(
        reverse("jobpositionproject:process_chart", args=[dossier_a.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = _text(response)
    assert "vf-page__menu" in html and 'name="language"' in html
    assert "Đề án vị trí việc làm Sở A" in html
    assert f'href="{dossier_url(dossier_a)}"' in html
    assert "Quay lại hồ sơ" in html
    # The picture itself, scoped the same way.
    picture = client.get(
        reverse("jobpositionproject:process_chart", args=[dossier_a.pk]),
        {"format": "svg"},
    )
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/svg+xml"

    general = client.get(reverse("jobpositionproject:chart"))
    assert general.status_code == 200
    assert f'href="{reverse("jobpositionproject:index")}"' in _text(general)
    assert "Quay lại danh sách hồ sơ" in _text(general)


@pytest.mark.parametrize("fmt", [None, "svg", "bpmn"])
def test_another_units_process_chart_is_a_404(people, dossier_a, fmt):
    client = Client()
    client.force_login(people["officer_b"])
    response = client.get(
        reverse("jobpositionproject:process_chart", args=[dossier_a.pk]),
        {"format": fmt} if fmt else {},
    )
    assert response.status_code == 404
    assert NOT_FOUND in _text(response)
    assert "Đề án vị trí việc làm Sở A" not in _text(response)


@pytest.mark.parametrize(
    "name", ["index", "inbox", "queue", "archive", "process_list", "chart"]
)
def test_language_switch_is_on_every_list_page(client, people, dossier_a, name):
    client.force_login(people["officer"])
    response = client.get(reverse(f"jobpositionproject:{name}"))
    assert response.status_code == 200
    html = _text(response)
    assert f'action="{reverse("set_language")}"' in html
    assert 'value="vi"' in html and 'value="en"' in html


def test_language_switch_is_on_dossier_and_task_pages(
    client, people, dossier_a, driver
):
    client.force_login(people["officer"])
    task = driver.open_task(dossier_a)
    for address in (dossier_url(dossier_a), url(task, "execute")):
        response = client.get(address)
        assert response.status_code == 200, address
        assert 'name="language"' in _text(response)
