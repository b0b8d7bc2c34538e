"""Attachments of a dossier: allowed types checked by extension and by content, the
size limit, safe storage under a generated name, and who may fetch them."""

import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from appraisal import services as svc
from appraisal.models import Attachment, JobPositionProject
from appraisal.selectors.projects import attachment_get
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.project_fixtures import advance
from tests.factories import docx_upload, odt_upload, pdf_upload


def file_error_code(exc) -> str:
    return exc.value.error_dict["file"][0].code


def attach(project, actor, upload, kind=Attachment.Kind.OTHER):
    return svc.attachment_add(dossier=project, actor=actor, kind=kind, file=upload)


def test_a_pdf_is_stored_under_a_generated_name_with_its_name_kept(draft, people):
    attachment = attach(draft, people["officer"], pdf_upload("Tờ trình số 12.pdf"))
    assert attachment.original_name == "Tờ trình số 12.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.extension == "pdf"
    stored = attachment.file.name
    assert stored.startswith(f"appraisal/projects/{draft.pk}/")
    assert stored.endswith(".pdf") and "Tờ" not in stored
    assert os.path.exists(attachment.file.path)
    assert len(attachment.sha256) == 64


@pytest.mark.parametrize(
    "upload",
    [docx_upload("de-an.docx"), odt_upload("de-an.odt")],
    ids=["docx", "odt"],
)
def test_office_documents_are_accepted(draft, people, upload):
    attachment = attach(draft, people["officer"], upload)
    assert attachment.extension in {"docx", "odt"}


def test_images_are_accepted_jpeg_as_jpg(draft, people):
    jpeg = SimpleUploadedFile("scan.JPEG", b"\xff\xd8\xff\xe0" + b"\0" * 100)
    png = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    assert attach(draft, people["officer"], jpeg).extension == "jpg"
    assert attach(draft, people["officer"], png).content_type == "image/png"


def test_a_path_traversal_name_is_stored_safely(draft, people, media):
    attachment = attach(
        draft, people["officer"], pdf_upload("../../../../etc/passwd.pdf")
    )
    assert attachment.original_name == "passwd.pdf"
    path = os.path.realpath(attachment.file.path)
    assert path.startswith(os.path.realpath(media) + os.sep)
    windows = attach(draft, people["officer"], pdf_upload("..\\..\\boot.ini.pdf"))
    assert windows.original_name == "boot.ini.pdf"
    assert ".." not in windows.file.name


def test_an_executable_is_refused(draft, people):
    with pytest.raises(ValidationError) as exc:
        attach(draft, people["officer"], SimpleUploadedFile("virus.exe", b"MZ\x90\0"))
    assert file_error_code(exc) == "file_type_not_allowed"
    assert not draft.attachments.filter(kind="other").exists()


def test_a_fake_pdf_is_refused(draft, people):
    fake = SimpleUploadedFile("to-trinh.pdf", b"<html><script>alert(1)</script>")
    with pytest.raises(ValidationError) as exc:
        attach(draft, people["officer"], fake)
    assert file_error_code(exc) == "file_content_mismatch"


def test_a_zip_renamed_to_docx_is_refused(draft, people):
    not_word = odt_upload("renamed.docx")  # a zip, but not a Word document
    with pytest.raises(ValidationError) as exc:
        attach(draft, people["officer"], not_word)
    assert file_error_code(exc) == "file_content_mismatch"


def test_a_too_big_file_is_refused(draft, people, settings):
    settings.APPRAISAL_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        attach(draft, people["officer"], pdf_upload("big.pdf", size=2048))
    assert file_error_code(exc) == "file_too_big"
    attach(draft, people["officer"], pdf_upload("small.pdf", size=1000))


def test_an_empty_file_is_refused(draft, people):
    with pytest.raises(ValidationError) as exc:
        attach(draft, people["officer"], SimpleUploadedFile("empty.pdf", b""))
    assert file_error_code(exc) == "file_empty"


def test_only_the_units_officer_attaches_and_only_while_the_unit_holds_it(
    draft, people
):
    with pytest.raises(ValidationError) as exc:
        attach(draft, people["officer_b"], pdf_upload())
    assert exc.value.code == "not_unit_officer"
    advance(draft, people, JobPositionProject.Status.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        attach(draft, people["officer"], pdf_upload())
    assert exc.value.code == "wrong_status"


def test_a_submitted_document_stays_but_a_new_one_can_be_removed(draft, people):
    advance(draft, people, JobPositionProject.Status.SUBMITTED)
    svc.dossier_request_supplement(
        dossier=draft, actor=people["reception"], reason="Thiếu phụ lục"
    )
    submitted = draft.attachments.first()
    with pytest.raises(ValidationError) as exc:
        svc.attachment_remove(attachment=submitted, actor=people["officer"])
    assert exc.value.code == "attachment_submitted"
    extra = attach(draft, people["officer"], pdf_upload("phu-luc.pdf"))
    svc.attachment_remove(attachment=extra, actor=people["officer"])
    assert not Attachment.objects.filter(pk=extra.pk).exists()
    assert draft.audit_entries.last().comment == "phu-luc.pdf"


def test_attachment_get_answers_only_within_the_dossier_scope(draft, people):
    attachment = draft.attachments.first()
    assert attachment_get(user=people["officer"], pk=attachment.pk) == attachment
    for who in ("officer_b", "reception", "observer", "appraiser"):
        with pytest.raises(Attachment.DoesNotExist):
            attachment_get(user=people[who], pk=attachment.pk)
    advance(draft, people, JobPositionProject.Status.UNDER_APPRAISAL)
    for who in ("reception", "observer", "appraiser", "committee"):
        assert attachment_get(user=people[who], pk=attachment.pk) == attachment
    for who in ("officer_b", "appraiser2"):
        with pytest.raises(Attachment.DoesNotExist):
            attachment_get(user=people[who], pk=attachment.pk)


def test_the_attachment_form_shows_a_fake_file_next_to_the_field(db):
    from appraisal.forms import AttachmentForm

    form = AttachmentForm(
        data={"kind": "other"},
        files={"file": SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\0 not a pdf")},
    )
    assert not form.is_valid()
    assert "not a PDF document" in form.errors["file"][0]
    good = AttachmentForm(data={"kind": "other"}, files={"file": pdf_upload()})
    assert good.is_valid(), good.errors
