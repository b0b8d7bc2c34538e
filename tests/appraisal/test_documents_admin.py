"""The administrator's pages of the documents: a signer's certificate uploaded
with its password, a template per issuer refused with the reason when it does
not render (the previous one stays in use)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appraisal.documents.signing import demo_signer_create
from appraisal.models import DocumentTemplate, SignerCertificate
from tests.signing import SIGNER_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def director(make_user):
    return make_user("director", username="giamdoc", first_name="Đức")


def test_an_administrator_uploads_a_signers_certificate(
    admin_client, director, demo_authority
):
    data = demo_signer_create(demo_authority, "Nguyễn Văn Đức", SIGNER_PASSWORD)
    url = reverse("admin:appraisal_signercertificate_add")
    refused = admin_client.post(
        url,
        {
            "user": director.pk,
            "file": SimpleUploadedFile("gd.p12", data),
            "password": "sai",
        },
    )
    assert refused.status_code == 200
    assert "password" in refused.content.decode() or "mật khẩu" in (
        refused.content.decode()
    )
    assert not SignerCertificate.objects.exists()
    accepted = admin_client.post(
        url,
        {
            "user": director.pk,
            "file": SimpleUploadedFile("gd.p12", data),
            "password": SIGNER_PASSWORD,
        },
    )
    assert accepted.status_code == 302
    stored = SignerCertificate.objects.get()
    assert (stored.user, stored.subject) == (director, "Nguyễn Văn Đức")


def test_a_broken_template_is_refused_in_the_admin_and_the_previous_one_stays(
    admin_client,
):
    url = reverse("admin:appraisal_documenttemplate_add")
    good = b"<p>{{ doc.number }}</p>"
    response = admin_client.post(
        url,
        {
            "issuer": "UBND",
            "document": "decision",
            "format": "html",
            "file": SimpleUploadedFile("mau.html", good),
        },
    )
    assert response.status_code == 302
    response = admin_client.post(
        url,
        {
            "issuer": "UBND",
            "document": "decision",
            "format": "html",
            "file": SimpleUploadedFile("hong.html", b"{% if %}"),
        },
    )
    assert response.status_code == 200
    assert "TemplateSyntaxError" in response.content.decode()
    assert list(DocumentTemplate.objects.values_list("original_name", flat=True)) == [
        "mau.html"
    ]


def test_the_demo_command_makes_an_authority_and_certifies_the_signers(
    make_user, tmp_path
):
    from django.core.management import call_command

    from appraisal.models import TrustRoot
    from appraisal.services import signer_certificate_require

    director = make_user("director", username="giamdoc")
    committee = make_user("committee", username="chutich")
    officer = make_user("unit_officer", username="chuyenvien")
    call_command("seed_demo_certificates")
    for signer in (director, committee):
        assert signer_certificate_require(signer).subject == signer.username
    assert not SignerCertificate.objects.filter(user=officer).exists()
    call_command("seed_demo_certificates")  # nothing missing: nothing new
    assert TrustRoot.objects.count() == 1
    assert SignerCertificate.objects.count() == 2
