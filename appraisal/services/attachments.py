"""The documents of a dossier, whatever its kind: the checks an uploaded file must
pass (allowed type, size, content that really is of that type) and attaching or
removing a document while the unit holds the dossier. Documents of a submitted
revision stay in the record."""

from __future__ import annotations

import datetime
import hashlib
import unicodedata
import zipfile

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgchart.transactions import atomic

from ..models import Attachment, AuditEntry, Dossier
from .dossiers import (
    dossier_lock,
    dossier_sync,
    dossier_transition,
    require_status,
    require_unit_officer,
)

__all__ = [
    "ATTACHMENT_TYPES",
    "ORPHAN_GRACE",
    "attachment_add",
    "attachment_check",
    "attachment_max_bytes",
    "attachment_open",
    "attachment_remove",
    "attachments_sweep",
    "display_name",
]

Action = AuditEntry.Action

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"

#: Allowed extensions: the stored content type and the signature the content must
#: start with. Office Open XML and OpenDocument files are zip archives and are
#: also checked for the member that makes them what they claim to be.
ATTACHMENT_TYPES: dict[str, tuple[str, bytes]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "doc": ("application/msword", _OLE2),
    "xls": ("application/vnd.ms-excel", _OLE2),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ZIP,
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
}
_EXTENSION_ALIASES = {"jpeg": "jpg"}
_ZIP_MEMBERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}

#: Default largest attachment: 20 MB (setting ``APPRAISAL_ATTACHMENT_MAX_BYTES``).
DEFAULT_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def attachment_max_bytes() -> int:
    return int(
        getattr(
            settings, "APPRAISAL_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES
        )
    )


def display_name(name: str) -> str:
    """The uploaded file's own name, for display only: no directories, no control
    characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return unicodedata.normalize("NFC", name)[:255]


def _attachment_error(message, code: str, **params) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code, params=params)})


def _zip_is(file, ext: str) -> bool:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if ext in _ZIP_MEMBERS:
                return _ZIP_MEMBERS[ext] in names
            if "mimetype" not in names or archive.getinfo("mimetype").file_size > 100:
                return False
            return (
                archive.read("mimetype").decode("ascii", "replace").strip()
                == (ATTACHMENT_TYPES[ext][0])
            )
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return False


def attachment_check(file) -> tuple[str, str, str, int, str]:
    """Check an uploaded file: allowed extension, size, and content that really is
    of that type (its signature, and for zip-based office formats the member that
    makes them one). Returns ``(display name, extension, content type, size,
    sha256)``; raises ``ValidationError`` on the ``file`` field otherwise."""
    name = display_name(getattr(file, "name", ""))
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    ext = _EXTENSION_ALIASES.get(ext, ext)
    if ext not in ATTACHMENT_TYPES:
        raise _attachment_error(
            _("Files of this type cannot be attached. Allowed types: %(types)s."),
            "file_type_not_allowed",
            types=", ".join(ATTACHMENT_TYPES),
        )
    size = file.size
    limit = attachment_max_bytes()
    if not size:
        raise _attachment_error(_("The file is empty."), "file_empty")
    if size > limit:
        raise _attachment_error(
            _("The file is %(size)s MB; the largest allowed is %(limit)s MB."),
            "file_too_big",
            size=round(size / 1024 / 1024, 1),
            limit=round(limit / 1024 / 1024, 1),
        )
    file.seek(0)
    head = file.read(16)
    content_type, signature = ATTACHMENT_TYPES[ext]
    if not head.startswith(signature) or (signature == _ZIP and not _zip_is(file, ext)):
        raise _attachment_error(
            _(
                "The content of the file is not a %(type)s document although its name "
                "says so. Save it again in that format and attach it again."
            ),
            "file_content_mismatch",
            type=ext.upper(),
        )
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in (
        file.chunks()
        if hasattr(file, "chunks")
        else iter(lambda: file.read(65536), b"")
    ):
        digest.update(chunk)
    file.seek(0)
    return name or f"file.{ext}", ext, content_type, size, digest.hexdigest()


@atomic
def attachment_add(
    *,
    dossier: Dossier,
    actor: User,
    kind: str,
    file: File,
    ip: str | None = None,
) -> Attachment:
    """Attach a document to a dossier the unit holds (Decree 106/2020/NĐ-CP Art.
    7(2): the submission, the project, the decision on the unit's functions and
    organisation, other documents). The file is stored under a generated name; the
    uploaded name is kept for display only."""
    locked = dossier_lock(dossier)
    require_unit_officer(actor, locked)
    require_status(locked, *locked.EDITABLE_STATUSES)
    if kind not in Attachment.UPLOAD_KINDS:
        raise ValidationError(
            {"kind": ValidationError(_("Choose the kind of document."), code="invalid")}
        )
    name, ext, content_type, size, sha256 = attachment_check(file)
    attachment = Attachment(
        dossier=locked,
        kind=kind,
        original_name=name,
        extension=ext,
        size=size,
        content_type=content_type,
        sha256=sha256,
        uploaded_by=actor,
    )
    attachment.file.save(f"upload.{ext}", file, save=False)
    try:
        attachment.full_clean()
        attachment.save()
        dossier_transition(
            locked,
            locked,
            actor=actor,
            action=Action.ATTACHMENT_ADDED,
            from_status=locked.status,
            comment=f"{attachment.get_kind_display()}: {name}",
            ip=ip,
        )
    except BaseException:
        # Not recorded: the file goes at once. A rollback of an enclosing
        # transaction (the step that attached it failed later) or a worker
        # killed before the commit leaves a file no row names, which
        # ``attachments_sweep`` removes.
        attachment.file.storage.delete(attachment.file.name)
        raise
    dossier_sync(locked, dossier)
    return attachment


@atomic
def attachment_remove(
    *, attachment: Attachment, actor: User, ip: str | None = None
) -> None:
    """Remove a document the unit attached since its last submission; documents of
    a submitted revision stay in the record."""
    locked = dossier_lock(attachment.dossier_id)
    require_unit_officer(actor, locked)
    require_status(locked, *locked.EDITABLE_STATUSES)
    attachment = Attachment.objects.get(pk=attachment.pk, dossier=locked)
    if attachment.issue_id is not None:
        raise ValidationError(
            _("An issued official document stays in the record."),
            code="attachment_issued",
        )
    if attachment.submitted_in is not None:
        raise ValidationError(
            _(
                "This document was part of revision %(number)s and stays in the "
                "record; attach a corrected one instead."
            ),
            code="attachment_submitted",
            params={"number": attachment.submitted_in},
        )
    name = attachment.original_name
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))
    dossier_transition(
        locked,
        locked,
        actor=actor,
        action=Action.ATTACHMENT_REMOVED,
        from_status=locked.status,
        comment=name,
        ip=ip,
    )


def _file_digest(attachment: Attachment) -> str | None:
    """The SHA-256 of the stored file, ``None`` if it is missing."""
    digest = hashlib.sha256()
    try:
        with attachment.file.storage.open(attachment.file.name, "rb") as stored:
            for chunk in iter(lambda: stored.read(65536), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return None
    return digest.hexdigest()


def attachment_open(*, attachment: Attachment):
    """The stored file of ``attachment``, open for reading, once its content is
    checked against the SHA-256 recorded when it was attached: a file changed
    or lost in storage is refused with ``ValidationError``, never served as the
    dossier's document."""
    digest = _file_digest(attachment)
    if digest is None:
        raise ValidationError(
            _(
                "The document “%(name)s” is missing from the file store. Tell the "
                "administrator; it must be restored from the backup."
            ),
            code="attachment_missing",
            params={"name": attachment.original_name},
        )
    if digest != attachment.sha256:
        raise ValidationError(
            _(
                "The stored file of “%(name)s” is not the document that was "
                "attached (its SHA-256 fingerprint differs), so it is not served. "
                "Tell the administrator; it must be restored from the backup."
            ),
            code="attachment_tampered",
            params={"name": attachment.original_name},
        )
    return attachment.file.storage.open(attachment.file.name, "rb")


#: Files younger than this are left alone by the sweep: their transaction may
#: still be running.
ORPHAN_GRACE = datetime.timedelta(hours=1)
ATTACHMENT_FOLDER = "appraisal"


def _stored_files(storage, folder: str):
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _stored_files(storage, f"{folder}/{directory}")


def attachments_sweep(*, older_than: datetime.timedelta = ORPHAN_GRACE) -> list[str]:
    """Delete the stored files that no attachment names and that are older than
    ``older_than``: left by a transaction that rolled back or a worker killed in
    the middle of a step. Returns their names."""
    storage = Attachment._meta.get_field("file").storage
    try:
        names = list(_stored_files(storage, ATTACHMENT_FOLDER))
    except FileNotFoundError:
        return []
    known = set(Attachment.objects.values_list("file", flat=True))
    limit = timezone.now() - older_than
    swept = []
    for name in names:
        if name in known or storage.get_modified_time(name) > limit:
            continue
        storage.delete(name)
        swept.append(name)
    return swept
