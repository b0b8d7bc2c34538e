"""The generated documents are downloaded exactly as their dossier is seen: every
role, every issued file of the matrix's dossiers (the approved one's decision,
report and submissions; another unit's submission): 200 for whoever sees the
dossier, 404 for anyone else, a login page for an anonymous visitor. The dossier
page lists them with their state and signatures."""

from __future__ import annotations

import pytest
from django.urls import reverse

from appraisal.models import Attachment, DocumentIssue
from appraisal.services.documents import document_generate
from tests.workflows.test_permission_matrix import ROLES, _visible

pytestmark = [pytest.mark.django_db, pytest.mark.documents]


@pytest.fixture
def certified(people, signer_certificate):
    signer_certificate(people["director"])
    signer_certificate(people["committee"])
    return people


@pytest.fixture
def issued(certified, world):
    """The matrix's dossiers with their documents generated (the jobs their steps
    started, run here: the test's transaction never commits)."""
    for issue in DocumentIssue.objects.filter(state="pending"):
        document_generate(issue.pk)
    return world


def test_every_generated_file_is_scoped_like_its_dossier(client, people, issued):
    by_dossier = {process.artifact_object_id: process for process in issued.values()}
    files = list(
        Attachment.objects.filter(issue__isnull=False, dossier_id__in=by_dossier)
    )
    kinds = set(DocumentIssue.objects.values_list("document", flat=True))
    assert {"unit_submission", "report", "submission", "decision"} <= kinds
    mismatches = []
    for role in ROLES:
        if role is None:
            client.logout()
        else:
            client.force_login(people[role])
        for attachment in files:
            process = by_dossier[attachment.dossier_id]
            expected = 302 if role is None else 200 if _visible(role, process) else 404
            path = reverse("dossiers:document", args=[attachment.pk])
            status = client.get(path).status_code
            if status != expected:
                mismatches.append(f"{role} {path} {status} != {expected}")
    assert mismatches == []


def test_an_uploaded_file_is_not_served_as_a_generated_one(client, people, issued):
    uploaded = Attachment.objects.filter(issue__isnull=True).first()
    client.force_login(people["officer"])
    response = client.get(reverse("dossiers:document", args=[uploaded.pk]))
    assert response.status_code == 404


def test_the_dossier_page_shows_each_document_with_its_signature(
    client, people, issued
):
    done = issued["done"]
    client.force_login(people["observer"])
    page = client.get(reverse("jobpositionproject:process_detail", args=[done.pk]))
    html = page.content.decode()
    assert 'id="official-documents"' in html
    assert html.count('data-document="decision"') == 1
    # Signed by the committee's member, checked valid now.
    committee = people["committee"]
    assert (committee.get_full_name() or committee.username) in html
    assert "Chữ ký hợp lệ" in html or "Valid signature" in html


def test_a_signed_file_lost_from_storage_is_named_on_the_page_not_a_crash(
    client, people, issued
):
    done = issued["done"]
    signed = Attachment.objects.filter(
        dossier_id=done.artifact_object_id, extension="pdf", signed_at__isnull=False
    ).first()
    signed.file.storage.delete(signed.file.name)
    client.force_login(people["observer"])
    page = client.get(reverse("jobpositionproject:process_detail", args=[done.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "The stored file cannot be read; tell the administrator" in html
