"""The committee's signed decision, downloaded in Chromium from the dossier page
(where its signature shows as valid) and opened: its text carries the decision's
number and the unit, and its signature validates against the trust root."""

from __future__ import annotations

import io

import pypdf
import pytest
from playwright.sync_api import expect

from appraisal.documents.signing import pdf_signatures_check
from appraisal.models import Decision
from appraisal.services.documents import trust_roots_pem
from tests.e2e.test_project_browser import Walk, people, province  # noqa: F401

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.documents,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path, transactional_db):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "vi"


def test_the_committee_downloads_the_signed_decision(
    live_server,
    browser_page,
    artifacts_dir,
    province,  # noqa: F811
    people,  # noqa: F811
    signer_certificate,
    tmp_path,
):
    from django.test import Client

    from tests.workflows.conftest import FlowDriver

    signer_certificate(people["director"])
    signer_certificate(people["committee"])
    driver = FlowDriver(
        Client(),
        people,
        {"specialised": province["specialised"], "specialist": province["specialist"]},
        {"a": province["health"]},
    )
    process = driver.to_committee(title="Đề án vị trí việc làm Sở Y tế")
    response = driver.execute(
        "committee",
        process,
        "decide",
        {"outcome": "approved", "effective_date": "2099-01-01"},
    )
    assert response.status_code == 302
    decision = Decision.objects.get(
        dossier_id=process.artifact_object_id, outcome="approved"
    )

    folder = artifacts_dir / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    page = browser_page
    walk = Walk(page, live_server.url, folder)
    walk.login(people["committee"].username)
    page.goto(f"{live_server.url}/jobpositionproject/{process.pk}/")
    row = page.locator('#official-documents tr[data-document="decision"]')
    expect(row).to_contain_text("Chữ ký hợp lệ")
    expect(row).to_contain_text("Đã ký")
    page.screenshot(path=str(folder / "dossier-documents.png"), full_page=True)
    with page.expect_download() as download_info:
        row.get_by_role("link", name="PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    text = " ".join(
        " ".join(
            p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages
        ).split()
    )
    assert decision.number in text
    assert province["health"].name in text
    [check] = pdf_signatures_check(data, trust_roots_pem=trust_roots_pem())
    assert check.valid
