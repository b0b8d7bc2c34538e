"""Issuing the official documents of a dossier: the step that issues a document
asks for it inside its own transaction (checking first that a signing step's
actor holds a valid certificate, else the step does not complete), the job is
started once that transaction commits, and the job renders the Word and PDF
files whole in memory, signs the PDF when the step is a signature, and stores
both as attachments of the dossier with their SHA-256 in one transaction: a
failure stores nothing, is retried, and is then shown on the dossier page. A
signed file never changes; issuing again adds a version and keeps the old one.

Legal basis: Decree 30/2020/NĐ-CP (layout and digital signing of administrative
documents), Decree 130/2018/NĐ-CP (digital signatures and their validation).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgchart.transactions import atomic

from ..documents import signing
from ..documents.registry import DocumentSpec, document_spec, document_specs
from ..documents.render import render_docx, render_pdf
from ..models import (
    Attachment,
    DocumentIssue,
    DocumentTemplate,
    Dossier,
    SignerCertificate,
    TrustRoot,
)

__all__ = [
    "attachment_signatures",
    "document_generate",
    "document_generation_failed",
    "document_render",
    "document_template_add",
    "documents_enabled",
    "documents_request",
    "signer_certificate_add",
    "signer_certificate_require",
    "trust_roots_pem",
]

_CERTIFICATE_PROBLEMS = {
    "none": _(
        "You have no digital-signature certificate: ask the administrator to "
        "upload yours before you sign."
    ),
    "expired": _(
        "Your digital-signature certificate is not valid today: ask the "
        "administrator to upload a current one before you sign."
    ),
    "untrusted": _(
        "Your digital-signature certificate was not issued by a trusted "
        "authority: ask the administrator to upload one that is."
    ),
    "unreadable": _(
        "The certificate cannot be opened with this password, or is not a "
        "PKCS#12 file (.p12, .pfx)."
    ),
    "no_key": _("The file holds no private key to sign with."),
    "undecryptable": _(
        "Your stored certificate can no longer be read (the signing key changed): "
        "ask the administrator to upload it again."
    ),
}

logger = logging.getLogger(__name__)


def documents_enabled() -> bool:
    """Whether the steps issue documents (``APPRAISAL_DOCUMENTS``, on by default;
    off only where a province has not introduced digital signatures yet)."""
    return bool(getattr(settings, "APPRAISAL_DOCUMENTS", True))


def trust_roots_pem() -> list[bytes]:
    """The certificate authorities signatures are checked against."""
    return [
        pem.encode()
        for pem in TrustRoot.objects.filter(active=True).values_list(
            "certificate_pem", flat=True
        )
    ]


def _certificate_error(code: str) -> ValidationError:
    return ValidationError(_CERTIFICATE_PROBLEMS[code], code=f"certificate_{code}")


def _open(certificate: SignerCertificate) -> signing.LoadedCertificate:
    return signing.pkcs12_load(
        signing.secret_decrypt(certificate.encrypted_pkcs12),
        signing.secret_decrypt(certificate.encrypted_password).decode(),
        trust_roots_pem=trust_roots_pem(),
    )


def signer_certificate_require(user: User) -> signing.LoadedCertificate:
    """The certificate ``user`` signs with now: their newest active one that opens,
    is within its validity and chains to a trust root. Raises a
    ``ValidationError`` telling the signer what is wrong otherwise."""
    certificates = list(
        SignerCertificate.objects.filter(user=user, active=True).order_by(
            "-uploaded_at", "-pk"
        )
    )
    if not certificates:
        raise _certificate_error("none")
    problem = "none"
    for certificate in certificates:
        try:
            return _open(certificate)
        except signing.CertificateProblem as exc:
            problem = exc.code
    raise _certificate_error(problem)


@atomic
def signer_certificate_add(
    *, user: User, data: bytes, password: str
) -> SignerCertificate:
    """An administrator uploads ``user``'s PKCS#12 certificate: refused unless it
    opens with ``password``, holds a key, is valid today and chains to a trust
    root. Stored encrypted, password included."""
    try:
        loaded = signing.pkcs12_load(data, password, trust_roots_pem=trust_roots_pem())
    except signing.CertificateProblem as exc:
        raise ValidationError({"file": _certificate_error(exc.code)}) from exc
    return SignerCertificate.objects.create(
        user=user,
        encrypted_pkcs12=signing.secret_encrypt(bytes(data)),
        encrypted_password=signing.secret_encrypt(password.encode()),
        subject=loaded.subject[:255],
        fingerprint=loaded.fingerprint,
        not_before=loaded.not_before,
        not_after=loaded.not_after,
    )


def documents_request(*, dossier: Dossier, step: str, signer: User | None) -> list:
    """Called by a step inside its transaction: records one pending issue of each
    document the dossier's kind issues at ``step`` and starts their generation
    when the transaction commits. A step that signs is refused (nothing is
    written) while ``signer`` has no valid certificate."""
    if not documents_enabled():
        return []
    specs = document_specs(dossier, step=step)
    if any(spec.signed for spec in specs):
        signer_certificate_require(signer)
    issues = []
    for spec in specs:
        latest = DocumentIssue.objects.filter(
            dossier_id=dossier.pk, document=spec.key
        ).aggregate(last=Max("version"))["last"]
        issues.append(
            DocumentIssue.objects.create(
                dossier_id=dossier.pk,
                document=spec.key,
                version=(latest or 0) + 1,
                signer=signer if spec.signed else None,
            )
        )
    if issues:
        from ..tasks import document_generate_task

        ids = [issue.pk for issue in issues]
        transaction.on_commit(lambda: [document_generate_task.delay(pk) for pk in ids])
    return issues


def _template(spec: DocumentSpec, dossier, fmt: str) -> bytes | None:
    issuer = spec.issuer(dossier)
    found = (
        DocumentTemplate.objects.filter(
            issuer=issuer, format=fmt, active=True, document__in=[spec.key, ""]
        )
        .order_by("-document", "-uploaded_at", "-pk")
        .values_list("content", flat=True)
        .first()
    )
    return bytes(found) if found is not None else None


def document_render(spec: DocumentSpec, dossier) -> tuple[bytes, bytes]:
    """The Word and PDF files of one document of ``dossier``, from the issuer's
    templates if an administrator uploaded some, else the built-in ones."""
    content = spec.build(dossier)
    html = _template(spec, dossier, DocumentTemplate.Format.HTML)
    docx = render_docx(
        content,
        _template(spec, dossier, DocumentTemplate.Format.DOCX),
        name=spec.word_template,
    )
    pdf = render_pdf(content, html.decode() if html else None, name=spec.html_template)
    return docx, pdf


def _attachment(issue, name: str, ext: str, data: bytes, signed_at) -> Attachment:
    from .attachments import ATTACHMENT_TYPES

    attachment = Attachment(
        dossier_id=issue.dossier_id,
        kind=Attachment.Kind.OFFICIAL_DOCUMENT,
        original_name=f"{name}-v{issue.version}.{ext}",
        extension=ext,
        size=len(data),
        content_type=ATTACHMENT_TYPES[ext][0],
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=issue.signer_id or _system_user_id(issue),
        issue=issue,
        signed_at=signed_at,
    )
    attachment.file.save(f"generated.{ext}", ContentFile(data), save=False)
    attachment.save()
    return attachment


def _system_user_id(issue: DocumentIssue) -> int:
    # The files of an unsigned document are credited to who created the dossier.
    return Dossier.objects.values_list("created_by_id", flat=True).get(
        pk=issue.dossier_id
    )


def document_generate(issue_id: int) -> DocumentIssue:
    """Render (and sign) one requested document and store its files. Raises on
    failure without storing anything; a finished issue is left as it is."""
    issue = DocumentIssue.objects.select_related("signer").get(pk=issue_id)
    if issue.state in (DocumentIssue.State.READY, DocumentIssue.State.SIGNED):
        return issue
    dossier = Dossier.objects.get(pk=issue.dossier_id).specific
    spec = document_spec(dossier, issue.document)
    DocumentIssue.objects.filter(pk=issue.pk).update(attempts=issue.attempts + 1)
    docx, pdf = document_render(spec, dossier)
    signed_at = None
    if spec.signed:
        loaded = signer_certificate_require(issue.signer)
        pdf = signing.pdf_sign(pdf, loaded, field="Signature1", reason=str(spec.name))
        signed_at = timezone.now()
    with atomic():
        issue = DocumentIssue.objects.select_for_update().get(pk=issue.pk)
        if issue.state in (DocumentIssue.State.READY, DocumentIssue.State.SIGNED):
            return issue
        _attachment(issue, spec.file_stem, "docx", docx, None)
        _attachment(issue, spec.file_stem, "pdf", pdf, signed_at)
        issue.state = (
            DocumentIssue.State.SIGNED if signed_at else DocumentIssue.State.READY
        )
        issue.error = ""
        issue.finished_at = timezone.now()
        issue.save(update_fields=["state", "error", "finished_at"])
    return issue


def document_generation_failed(issue_id: int, error: str) -> None:
    """The job gave up: the dossier page shows the document as failed, with why."""
    DocumentIssue.objects.filter(pk=issue_id).exclude(
        state__in=[DocumentIssue.State.READY, DocumentIssue.State.SIGNED]
    ).update(
        state=DocumentIssue.State.FAILED,
        error=error[:2000],
        finished_at=timezone.now(),
    )


def attachment_signatures(attachment: Attachment) -> list[signing.SignatureCheck]:
    """The signatures of a stored PDF, checked now against the trust roots (a
    changed byte shows as not intact)."""
    if attachment.extension != "pdf":
        return []
    try:
        with attachment.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        # The page still shows; the file's loss is an incident for the
        # administrators (restore it from the backup of the media folder).
        logger.error(
            "attachment %s: stored file %s unreadable",
            attachment.pk,
            attachment.file.name,
        )
        return [
            signing.SignatureCheck(
                "", "", None, intact=False, trusted=False, missing=True
            )
        ]
    return signing.pdf_signatures_check(data, trust_roots_pem=trust_roots_pem())


@atomic
def document_template_add(
    *,
    issuer: str,
    document: str,
    fmt: str,
    content: bytes,
    original_name: str,
    actor: User | None,
) -> DocumentTemplate:
    """An administrator's template for an issuer: rendered on a sample document
    first, refused with the reason if that fails (the previous template keeps
    being used)."""
    from ..documents.samples import sample_document

    sample = sample_document()
    try:
        if fmt == DocumentTemplate.Format.DOCX:
            render_docx(sample, content)
        else:
            render_pdf(sample, content.decode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - any failure is the template's
        raise ValidationError(
            {
                "file": ValidationError(
                    _("The template cannot be used: %(reason)s"),
                    code="template_broken",
                    params={"reason": f"{type(exc).__name__}: {exc}"[:500]},
                )
            }
        ) from exc
    return DocumentTemplate.objects.create(
        issuer=issuer,
        document=document,
        format=fmt,
        content=content,
        original_name=original_name[:255],
        uploaded_by=actor,
    )
