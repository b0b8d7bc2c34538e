"""The draft page offers the Excel template of the line import, downloadable by
the people who may see that dossier only."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from tests.workflows.conftest import url

pytestmark = pytest.mark.django_db


def template_url(process) -> str:
    return reverse("jobpositionproject:lines_template", args=[process.pk])


def test_draft_page_links_to_the_template_next_to_the_import(driver):
    process = driver.start("officer", title="Hồ sơ có mẫu")
    task = driver.open_task(process)
    driver.login("officer")
    driver.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"

    page = driver.client.get(url(task, "execute")).content.decode()

    form = page[page.index('id="import-form"') :]
    form = form[: form.index("</form>")]
    assert f'href="{template_url(process)}"' in form
    assert "Tải mẫu Excel" in form


def test_the_units_officer_downloads_the_template(driver):
    process = driver.start("officer", title="Hồ sơ có mẫu")
    driver.login("officer")
    driver.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"

    response = driver.client.get(template_url(process))

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="project-lines-template.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Dữ liệu", "Hướng dẫn"]
    headings = next(book.worksheets[0].iter_rows(max_row=1, values_only=True))
    assert headings[:3] == ("Thao tác", "Mã vị trí hiện có", "Mã danh mục")


def test_the_template_is_refused_outside_the_dossiers_readers(driver):
    process = driver.start("officer", title="Hồ sơ có mẫu")
    path = template_url(process)
    # A draft is the unit's own: other units and Home Affairs get 404.
    for who in ("officer_b", "head_b", "reception", "observer"):
        driver.login(who)
        assert driver.client.get(path).status_code == 404, who
    # A process that does not exist: 404 as well.
    driver.login("officer")
    missing = reverse("jobpositionproject:lines_template", args=[process.pk + 999])
    assert driver.client.get(missing).status_code == 404
    # Anonymous visitors are sent to log in.
    driver.client.logout()
    response = driver.client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)
