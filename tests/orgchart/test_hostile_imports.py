"""Every administrators' import against hostile and careless files: a clear
message on the upload page, never an error page, and not a row written.

The files are built by ``tests.hostile_files`` from each import's own template
(headings and sample row), so every import is tried with every kind of file.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from orgchart.models import ImportJob, JobPosition, Unit
from orgchart.permissions import Role
from tests import hostile_files
from tests.orgchart.test_import_templates import RESOURCES, admin_url

MODELS = list(RESOURCES)
#: Index of each format in the admin's import form.
FORMAT_INDEX = {"csv": "0", "xlsx": "1"}
#: A whole-number column of each import that has one.
NUMBER_COLUMNS = {
    "salarygroup": "steps",
    "positioncategory": "order",
    "jobposition": "headcount",
}
NUMBER_MODELS = [m for m in MODELS if m._meta.model_name in NUMBER_COLUMNS]


@pytest.fixture(autouse=True)
def _english_wording():
    """The messages are read in English, the source wording (the requests
    switch the language, which this puts back afterwards)."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff_client(client, make_user):
    user = make_user(Role.ADMINISTRATOR, username="admin-en", is_staff=True)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def template_rows(model) -> list[list]:
    """The headings and the sample row of the import's template, as text."""
    layout = RESOURCES[model]().layout()
    sample = [
        "" if v is None else str(v) for v in (c.sample_value() for c in layout.columns)
    ]
    return [layout.headers, sample]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def upload(client, model, data: bytes, fmt: str):
    return client.post(
        admin_url(model, "import"),
        {
            "resource": "0",
            "format": FORMAT_INDEX[fmt],
            "import_file": SimpleUploadedFile(f"data.{fmt}", data),
        },
    )


def refused(client, model, data: bytes, fmt: str) -> str:
    """Upload ``data``: the page comes back with the file's error and nothing is
    written; the error's text."""
    before = counts()
    response = upload(client, model, data, fmt)
    assert response.status_code == 200
    assert counts() == before
    assert "confirm_form" not in (response.context or {})
    errors = response.context["form"].errors["import_file"]
    return " ".join(errors)


@pytest.fixture
def data(two_units, ref):
    return two_units


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_sheet_declaring_a_million_rows_is_refused_before_reading(
    staff_client, data, model
):
    file = hostile_files.huge_dimension_xlsx(template_rows(model))
    assert len(file) < 10_000

    message = refused(staff_client, model, file, "xlsx")

    assert "The sheet declares 1048576 rows" in message
    assert "split it into several files" in message


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_zip_bomb_workbook_is_refused_before_unpacking(staff_client, data, model):
    file = hostile_files.zip_bomb_xlsx(template_rows(model))
    assert len(file) < 200_000

    message = refused(staff_client, model, file, "xlsx")

    assert "unpacks to far more data than its size suggests" in message


#: The establishment streams its file in a worker (``IMPORT_JOB_MAX_ROWS``).
READ_WHOLE = [m for m in MODELS if m._meta.model_name != "jobposition"]


@pytest.mark.parametrize("model", READ_WHOLE, ids=lambda m: m.__name__)
def test_a_csv_of_sixty_thousand_rows_is_refused_over_the_limit(
    staff_client, data, model
):
    file = hostile_files.many_rows_csv(template_rows(model))

    message = refused(staff_client, model, file, "csv")

    assert "more than 50.000 rows" in message


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_file_over_the_size_limit_is_refused(staff_client, data, model, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    rows = template_rows(model)
    file = hostile_files.csv([rows[0]]) + b" " * (1024 * 1024)

    message = refused(staff_client, model, file, "csv")

    assert "too big to import; the largest is 1 MB" in message


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_column_given_twice_is_refused(staff_client, data, model, fmt):
    rows = hostile_files.with_repeated_column(template_rows(model))
    file = hostile_files.xlsx(rows) if fmt == "xlsx" else hostile_files.csv(rows)

    message = refused(staff_client, model, file, fmt)

    assert "These columns appear more than once" in message
    assert rows[0][1] in message


@pytest.mark.parametrize("model", NUMBER_MODELS, ids=lambda m: m.__name__)
def test_superscript_digits_are_a_clear_row_error(staff_client, data, model):
    headings, sample = template_rows(model)
    keys = RESOURCES[model]().layout().keys
    index = keys.index(NUMBER_COLUMNS[model._meta.model_name])
    sample[index] = hostile_files.superscript(2)
    before = counts()

    response = upload(
        staff_client, model, hostile_files.xlsx([headings, sample]), "xlsx"
    )

    assert response.status_code == 200
    assert counts() == before
    messages = " ".join(response.context["result"].error_messages())
    assert "Line 2" in messages
    assert "2²" in messages
    assert "confirm_form" not in response.context


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_decomposed_text_is_stored_precomposed(staff_client, data, model):
    headings, sample = template_rows(model)
    keys = RESOURCES[model]().layout().keys
    name = "Phòng Quản lý đất đai Nghệ An"
    sample[keys.index("name")] = hostile_files.nfd(name) + "\u200b\x07"
    file = hostile_files.csv([headings, sample])

    preview = upload(staff_client, model, file, "csv")
    assert preview.status_code == 200, preview.content
    done = staff_client.post(
        admin_url(model, "process_import"), preview.context["confirm_form"].initial
    )

    assert done.status_code == 302
    assert model.objects.filter(name=name).count() == 1


def test_a_unit_imported_in_nfd_is_found_by_the_chart_search(staff_client, data):
    headings, sample = template_rows(Unit)
    keys = RESOURCES[Unit]().layout().keys
    sample[keys.index("name")] = hostile_files.nfd("Phòng Quản lý đô thị")
    preview = upload(staff_client, Unit, hostile_files.xlsx([headings, sample]), "xlsx")
    staff_client.post(
        admin_url(Unit, "process_import"), preview.context["confirm_form"].initial
    )

    for typed in ("Quản lý đô thị", hostile_files.nfd("Quản lý đô thị")):
        page = staff_client.get(reverse("orgchart:index"), {"q": typed})
        assert "Phòng Quản lý đô thị" in page.content.decode()


def test_every_form_text_field_is_normalised_to_nfc_without_controls():
    from django import forms

    class Search(forms.Form):
        q = forms.CharField()
        note = forms.CharField(widget=forms.Textarea)

    form = Search(
        {"q": hostile_files.nfd("Sở Tư pháp") + "\u200b", "note": "một\r\nhai\x00"}
    )
    assert form.is_valid()
    assert form.cleaned_data == {"q": "Sở Tư pháp", "note": "một\nhai"}


def test_sixty_thousand_establishment_rows_go_to_a_worker_not_refused(
    staff_client, data, settings, tmp_path
):
    """The establishment is read streaming by a job: a file over the in-request
    limit is queued (and nothing is written before the worker runs it)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    before = counts()
    file = hostile_files.many_rows_csv(template_rows(JobPosition))
    response = upload(staff_client, JobPosition, file, "csv")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status, job.background) == ("establishment", "queued", True)
    assert job.rows_total > 50_000
    assert counts() == before
