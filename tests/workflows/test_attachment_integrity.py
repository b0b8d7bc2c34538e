"""Documents are all or nothing with the step that attaches them, and served
only as they were attached.

A step that fails after storing its file (the step's transaction rolls back, as
when a worker dies before the commit) leaves no row, and the sweep removes the
file no row names; a stored file changed or lost afterwards is refused with a
message on download, never served as the dossier's document."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from appraisal.models import Attachment, JobPositionProject
from appraisal.services.attachments import attachment_add, attachments_sweep
from tests.factories import pdf_upload
from tests.workflows.conftest import messages_of


class StepFailed(Exception):
    pass


def stored_files(media) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


@pytest.fixture
def project(driver):
    process = driver.start("officer")
    return process, JobPositionProject.objects.get(pk=process.artifact_object_id)


def attach(project, people, name="Tờ trình.pdf"):
    return attachment_add(
        dossier=project, actor=people["officer"], kind="other", file=pdf_upload(name)
    )


def test_a_step_that_rolls_back_leaves_a_file_the_sweep_removes(
    project, people, settings
):
    media = settings.MEDIA_ROOT
    _process, dossier = project
    kept = attach(dossier, people, "Giữ lại.pdf")
    with pytest.raises(StepFailed), transaction.atomic():
        attach(dossier, people, "Bị hủy.pdf")
        raise StepFailed  # the rest of the step fails: nothing is recorded

    assert list(Attachment.objects.values_list("original_name", flat=True)) == [
        "Giữ lại.pdf"
    ]
    assert len(stored_files(media)) == 2
    # Within the grace period the file is left alone (its step may be running).
    assert attachments_sweep() == []

    swept = attachments_sweep(older_than=datetime.timedelta(0))

    assert len(swept) == 1
    assert stored_files(media) == [kept.file.name]


def test_the_sweep_command_reports_what_it_removed(project, people, settings):
    _process, dossier = project
    with pytest.raises(StepFailed), transaction.atomic():
        attach(dossier, people)
        raise StepFailed
    from io import StringIO

    out = StringIO()
    call_command("sweep_attachments", "--older-than-minutes=0", stdout=out)
    assert "1 orphaned files removed." in out.getvalue()
    assert stored_files(settings.MEDIA_ROOT) == []


def _download(driver, process, attachment, who="officer"):
    driver.login(who)
    return driver.client.get(
        reverse("jobpositionproject:attachment", args=[process.pk, attachment.pk])
    )


def test_an_intact_document_is_served(driver, project, people):
    process, dossier = project
    attachment = attach(dossier, people)
    response = _download(driver, process, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_document_changed_in_storage_is_refused_with_a_message(
    driver, project, people
):
    process, dossier = project
    attachment = attach(dossier, people)
    with attachment.file.storage.open(attachment.file.name, "wb") as stored:
        stored.write(b"%PDF-1.4 another document\n%%EOF\n")

    response = _download(driver, process, attachment)

    assert response.status_code == 302
    assert not hasattr(response, "streaming_content")
    text = " ".join(messages_of(driver.client.get(response["Location"])))
    assert "is not the document that was attached" in text
    assert "Tờ trình.pdf" in text


def test_a_document_missing_from_storage_is_refused_with_a_message(
    driver, project, people
):
    process, dossier = project
    attachment = attach(dossier, people)
    attachment.file.storage.delete(attachment.file.name)

    response = _download(driver, process, attachment)

    assert response.status_code == 302
    text = " ".join(messages_of(driver.client.get(response["Location"])))
    assert "is missing from the file store" in text
