"""Writes of the job-position project dossier: its status machine, who may do what,
and applying an approved decision to the establishment.

The procedure is Decree 62/2020/NĐ-CP Art. 7 (civil servants) and Decree
106/2020/NĐ-CP Art. 7 (public service units): the unit builds its project and its
head submits it; the Department of Home Affairs receives it at the one-stop desk
(Decree 118/2025/NĐ-CP; forms of Circular 01/2018/TT-VPCP), appraises it and
submits its report to the Provincial People's Committee, whose Chairman decides.

Every function here:

- locks the project row (``select_for_update``) inside one transaction and checks
  the current status, so a double click, a stale form or two people acting at once
  apply the action once; the other gets a ``ValidationError`` with code
  ``wrong_status`` (or ``stale`` for edits carrying ``expected_version``);
- checks the actor's right itself, whatever the caller checked: unit officers hold
  ``orgchart.act_for_unit`` and unit heads ``orgchart.sign_for_unit`` as object
  permissions on the unit or an ancestor; Home Affairs and committee people act by
  their group (``orgchart.permissions.Role``); an appraiser acts only on the dossiers
  assigned to them. Separation of duties: nobody who drafts or signs for the unit
  may be its appraiser or decide its dossier;
- writes one :class:`~appraisal.models.AuditEntry` (who, what, when, from where,
  with the comment).
"""

from __future__ import annotations

import datetime
import hashlib
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from orgchart.models import CatalogueEntry, JobPosition, PositionCategory, Rank, Unit
from orgchart.permissions import Role
from orgchart.services import position_close, position_create

from ..models import (
    AppraisalReport,
    Attachment,
    AuditEntry,
    ChecklistAnswer,
    ChecklistCriterion,
    Decision,
    DecisionLine,
    JobPositionProject,
    LineAction,
    ProjectLine,
    Remark,
    ReportLine,
    Revision,
)
from ..models.calendar import ProcessingStep
from ..selectors.projects import (
    ACT_FOR_UNIT,
    SIGN_FOR_UNIT,
    user_acts_for_unit,
    user_is_party_to_unit,
    user_roles,
)
from .checklist import CheckResult, checklist_compute
from .deadlines import due_date_for, due_date_resume
from .dossiers import audit_record as _audit
from .dossiers import dossier_save as _save
from .dossiers import dossier_sync as _sync
from .dossiers import dossier_transition as _transition
from .dossiers import require_not_party as _require_not_party
from .dossiers import require_role as _require_role
from .dossiers import require_status as _require_status
from .dossiers import require_version as _require_version
from .dossiers import today as _today
from .imports import lines_read
from .numbering import DECISION, RECEIPT, SUBMISSION, number_issue

__all__ = [
    "CheckResult",
    "attachment_add",
    "attachment_check",
    "attachment_remove",
    "checklist_compute",
    "decision_apply",
    "lines_build",
    "project_accept",
    "project_assign_appraiser",
    "project_create",
    "project_decide",
    "project_draft_save",
    "project_handover",
    "project_lines_import",
    "project_lines_save",
    "project_missing_attachments",
    "project_refuse",
    "project_request_revision",
    "project_request_supplement",
    "project_send_back_to_officer",
    "project_submit",
    "project_update",
    "remark_add",
    "remark_resolve",
    "report_complete",
    "report_review",
    "report_save",
    "report_send_back",
    "report_sign",
]

Status = JobPositionProject.Status
Action = AuditEntry.Action

#: Issuer abbreviations on the numbers (Decree 30/2020/NĐ-CP Appendix I):
#: the Department of Home Affairs receives and submits, the Provincial People's
#: Committee decides.
HOME_AFFAIRS_ISSUER = getattr(settings, "APPRAISAL_HOME_AFFAIRS_ISSUER", "SNV")
COMMITTEE_ISSUER = getattr(settings, "APPRAISAL_COMMITTEE_ISSUER", "UBND")

#: The fields of a line a caller may give (``lines`` dicts, import rows).
LINE_FIELDS = (
    "action",
    "position",
    "catalogue_entry",
    "name",
    "category",
    "rank",
    "headcount",
    "job_description",
    "competency_framework",
    "order",
)
_LINE_FOREIGN_KEYS = {
    "position": JobPosition,
    "catalogue_entry": CatalogueEntry,
    "category": PositionCategory,
    "rank": Rank,
}
#: The project fields ``project_update`` may change.
PROJECT_EDITABLE_FIELDS = ("title", "kind", "legal_basis", "justification")


# --- helpers -------------------------------------------------------------------


def _lock(project: JobPositionProject | int) -> JobPositionProject:
    """The project row, locked until the transaction ends, so two people acting on
    the same dossier at once are served one after the other (PostgreSQL: the row
    lock; SQLite ignores ``FOR UPDATE`` but its transactions take the database's
    write lock when they begin, see ``config.settings``)."""
    pk = getattr(project, "pk", project)
    # Both rows: the status and dates live in the dossier's row, and PostgreSQL
    # re-reads after a lock wait only the rows it locked.
    return (
        JobPositionProject.objects.select_for_update(of=("self", "dossier_ptr"))
        .select_related("unit")
        .get(pk=pk)
    )


def _require_unit_officer(actor, project: JobPositionProject) -> None:
    if not user_acts_for_unit(actor, project.unit, ACT_FOR_UNIT):
        raise ValidationError(
            _("Only an officer of %(unit)s may prepare its dossier."),
            code="not_unit_officer",
            params={"unit": project.unit},
        )


def _require_unit_head(actor, project: JobPositionProject) -> None:
    if not user_acts_for_unit(actor, project.unit, SIGN_FOR_UNIT):
        raise ValidationError(
            _("Only the head of %(unit)s may sign and submit its dossier."),
            code="not_unit_head",
            params={"unit": project.unit},
        )


def _require_appraiser(actor, project: JobPositionProject) -> None:
    if (
        not actor.is_active
        or project.assigned_appraiser_id != actor.pk
        or Role.APPRAISER not in user_roles(actor)
    ):
        raise ValidationError(
            _("Only the appraiser assigned to this dossier may appraise it."),
            code="not_assigned_appraiser",
        )
    _require_not_party(actor, project)


def _require_text(value: str, *, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: ValidationError(message, code="required")})
    return value


def _line_error(number: int, reason) -> ValidationError:
    return ValidationError(
        _("Line %(line)s: %(reason)s"),
        code="invalid_line",
        params={"line": number, "reason": reason},
    )


def _raise_line_errors(errors: list[tuple[int, ValidationError]]) -> None:
    if errors:
        errors.sort(key=lambda item: item[0])
        raise ValidationError([error for _number, error in errors])


# --- lines ---------------------------------------------------------------------


def _fk_value(item: dict, name: str):
    if name in item:
        return item[name]
    return item.get(f"{name}_id")


def _pk_of(value) -> Any:
    if value in (None, ""):
        return None
    return getattr(value, "pk", value)


def lines_build(
    *,
    project: JobPositionProject,
    items: Iterable[tuple[int, dict]],
    line_class: type = ProjectLine,
) -> tuple[list, list[tuple[int, ValidationError]]]:
    """Unsaved line objects from ``(number, dict)`` items, and the errors of every
    bad one as ``(number, "Line N: reason")``.

    Foreign keys may be given as objects or primary keys (``rank`` or ``rank_id``);
    an existing position must belong to the project's unit. A change line takes what
    it does not say from the position it changes; a catalogue entry gives the
    category. Reference data is read in one query per model.
    """
    items = list(items)
    wanted: dict[str, set] = {name: set() for name in _LINE_FOREIGN_KEYS}
    for _number, item in items:
        for name in _LINE_FOREIGN_KEYS:
            pk = _pk_of(_fk_value(item, name))
            if pk is not None:
                wanted[name].add(pk)
    found: dict[str, dict] = {}
    for name, model in _LINE_FOREIGN_KEYS.items():
        qs = model.objects.filter(
            pk__in=[pk for pk in wanted[name] if str(pk).isdigit()]
        )
        if model is JobPosition:
            qs = qs.filter(unit=project.unit).select_related(
                "catalogue_entry", "category", "rank"
            )
        if model is CatalogueEntry:
            qs = qs.select_related("category")
        found[name] = {str(obj.pk): obj for obj in qs} if wanted[name] else {}

    lines, errors, seen_keys = [], [], set()
    for index, (number, item) in enumerate(items):
        unknown = (
            set(item)
            - set(LINE_FIELDS)
            - {"key", "id"}
            - {f"{name}_id" for name in _LINE_FOREIGN_KEYS}
        )
        if unknown:
            errors.append(
                (
                    number,
                    _line_error(
                        number,
                        _("unknown field %(fields)s.")
                        % {"fields": ", ".join(sorted(unknown))},
                    ),
                )
            )
            continue
        line = line_class(order=item.get("order", index) or index)
        if line_class is ProjectLine:
            line.project = project
        key = item.get("key")
        if key:
            try:
                line.key = uuid.UUID(str(key))
            except ValueError:
                errors.append(
                    (number, _line_error(number, _("invalid line identity.")))
                )
                continue
            if line.key in seen_keys:
                errors.append(
                    (number, _line_error(number, _("the line appears twice.")))
                )
                continue
            seen_keys.add(line.key)
        action = (item.get("action") or "").strip().lower()
        if action not in LineAction.values:
            errors.append(
                (
                    number,
                    _line_error(
                        number,
                        _("the action must be add, change or end, not “%(action)s”.")
                        % {"action": action},
                    ),
                )
            )
            continue
        line.action = action
        bad = False
        for name, model in _LINE_FOREIGN_KEYS.items():
            pk = _pk_of(_fk_value(item, name))
            if pk is None:
                continue
            obj = found[name].get(str(pk))
            if obj is None:
                reason = (
                    _("position %(id)s is not a position of this unit.")
                    if model is JobPosition
                    else _("%(model)s %(id)s does not exist.")
                ) % {"id": pk, "model": model._meta.verbose_name}
                errors.append((number, _line_error(number, reason)))
                bad = True
                continue
            setattr(line, name, obj)
        if bad:
            continue
        line.name = (item.get("name") or "").strip()
        line.job_description = item.get("job_description") or ""
        line.competency_framework = item.get("competency_framework") or ""
        headcount = item.get("headcount")
        if headcount in (None, ""):
            line.headcount = None
        else:
            try:
                line.headcount = int(headcount)
            except (TypeError, ValueError):
                errors.append(
                    (number, _line_error(number, _("the headcount must be a number.")))
                )
                continue
            if line.headcount < 0:
                errors.append(
                    (
                        number,
                        _line_error(number, _("the headcount must be at least 1.")),
                    )
                )
                continue
        _line_defaults(line)
        try:
            line.full_clean(exclude=["project", "report", "decision"])
        except ValidationError as exc:
            for message in exc.messages:
                errors.append((number, _line_error(number, message)))
            continue
        lines.append(line)
    return lines, errors


def _line_defaults(line) -> None:
    position = line.position if line.position_id else None
    entry = line.catalogue_entry if line.catalogue_entry_id else None
    if line.action == LineAction.CHANGE and position is not None:
        if not line.catalogue_entry_id and not line.name:
            # Nothing said about the name: the position keeps its own.
            line.catalogue_entry = position.catalogue_entry
            entry = line.catalogue_entry
            line.name = position.name
        if not line.category_id:
            line.category = entry.category if entry else position.category
        if not line.rank_id:
            line.rank = position.rank
        if not line.headcount:
            line.headcount = position.headcount
    elif line.action == LineAction.ADD and entry is not None and not line.category_id:
        line.category = entry.category
    if line.action == LineAction.END:
        line.headcount = None


def _lines_replace(project: JobPositionProject, lines: list[ProjectLine]) -> None:
    """Make ``lines`` the project's lines: lines whose identity already exists are
    updated in place (their remarks stay attached), others created, the rest
    deleted."""
    existing = {line.key: line for line in project.lines.all()}
    keep, create = [], []
    fields = [f for f in LINE_FIELDS]
    for line in lines:
        old = existing.pop(line.key, None)
        if old is None:
            create.append(line)
        else:
            for name in fields:
                setattr(old, name, getattr(line, name))
            keep.append(old)
    if existing:
        ProjectLine.objects.filter(
            pk__in=[line.pk for line in existing.values()]
        ).delete()
    if keep:
        ProjectLine.objects.bulk_update(keep, fields)
    if create:
        ProjectLine.objects.bulk_create(create)


# --- drafting --------------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    unit: Unit,
    kind: str,
    title: str,
    actor: User,
    legal_basis: str = "",
    justification: str = "",
    ip: str | None = None,
) -> JobPositionProject:
    """Open a draft job-position project of ``unit`` (Decree 62/2020/NĐ-CP Art.
    7(1): each agency builds its own project). Only an officer of the unit may;
    the unit must be in force today."""
    project = JobPositionProject(
        unit=unit,
        kind=kind,
        title=(title or "").strip(),
        legal_basis=legal_basis,
        justification=justification,
        created_by=actor,
    )
    _require_unit_officer(actor, project)
    if not unit.is_active_on(_today()):
        raise ValidationError(
            _("%(unit)s is no longer in force; it cannot open a new dossier."),
            code="unit_closed",
            params={"unit": unit},
        )
    project.full_clean()
    project.save()
    _audit(project, actor=actor, action=Action.CREATED, from_status=Status.DRAFT, ip=ip)
    return project


@transaction.atomic
def project_update(
    *,
    project: JobPositionProject,
    actor: User,
    expected_version: int | None = None,
    ip: str | None = None,
    **fields,
) -> JobPositionProject:
    """Change the title, kind, legal basis or justification while the unit holds
    the dossier (draft, supplement or revision)."""
    unknown = set(fields) - set(PROJECT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s."),
            code="field_not_editable",
            params={"fields": ", ".join(sorted(unknown))},
        )
    locked = _lock(project)
    _require_unit_officer(actor, locked)
    _require_status(locked, *JobPositionProject.EDITABLE_STATUSES)
    _require_version(locked, expected_version)
    for name, value in fields.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _save(locked)
    _audit(locked, actor=actor, action=Action.UPDATED, from_status=locked.status, ip=ip)
    _sync(locked, project)
    return project


@transaction.atomic
def project_lines_save(
    *,
    project: JobPositionProject,
    actor: User,
    lines: list[dict],
    expected_version: int | None = None,
    ip: str | None = None,
) -> list[ProjectLine]:
    """Replace the lines of a dossier the unit holds by ``lines`` (dicts keyed by
    ProjectLine field names; ``key`` keeps a line's identity across revisions).
    All or nothing: one bad line refuses the whole table, listing every bad line as
    "Line N: reason" (N counts from 1)."""
    locked = _lock(project)
    _require_unit_officer(actor, locked)
    _require_status(locked, *JobPositionProject.EDITABLE_STATUSES)
    _require_version(locked, expected_version)
    built, errors = lines_build(
        project=locked, items=[(i + 1, item) for i, item in enumerate(lines)]
    )
    _raise_line_errors(errors)
    _lines_replace(locked, built)
    _save(locked)
    _audit(
        locked, actor=actor, action=Action.LINES_SAVED, from_status=locked.status, ip=ip
    )
    _sync(locked, project)
    return list(locked.lines.all())


@transaction.atomic
def project_lines_import(
    *, project: JobPositionProject, actor: User, file: File, ip: str | None = None
) -> list[ProjectLine]:
    """Replace the lines of a dossier the unit holds by the rows of an Excel (.xlsx)
    or CSV file (columns: :mod:`appraisal.services.imports`). Nothing is written
    unless every row is valid; otherwise the error lists every bad row as
    "Line N: reason", N being the row number in the spreadsheet."""
    locked = _lock(project)
    _require_unit_officer(actor, locked)
    _require_status(locked, *JobPositionProject.EDITABLE_STATUSES)
    items, errors = lines_read(file=file)
    built, build_errors = lines_build(project=locked, items=items)
    errors = errors + build_errors
    _raise_line_errors(errors)
    if not built:
        raise ValidationError(
            _("The file has no lines: fill in at least one row under the headings."),
            code="empty_file",
        )
    # Rows matching an existing line keep its identity, so the revision diff shows
    # them as changed rather than removed and added again.
    existing = list(locked.lines.select_related("catalogue_entry", "position"))
    by_position = {line.position_id: line.key for line in existing if line.position_id}
    by_name = {
        (line.action, line.display_name.casefold()): line.key
        for line in existing
        if not line.position_id
    }
    for line in built:
        if line.position_id and line.position_id in by_position:
            line.key = by_position.pop(line.position_id)
        elif not line.position_id:
            match = by_name.pop((line.action, line.display_name.casefold()), None)
            if match:
                line.key = match
    _lines_replace(locked, built)
    _save(locked)
    _audit(
        locked,
        actor=actor,
        action=Action.LINES_IMPORTED,
        from_status=locked.status,
        comment=str(
            _("%(count)s lines imported from %(name)s")
            % {"count": len(built), "name": _display_name(getattr(file, "name", ""))}
        ),
        ip=ip,
    )
    _sync(locked, project)
    return list(locked.lines.all())


def _draft_apply(
    locked: JobPositionProject, *, fields: dict | None, lines: list[dict] | None
) -> None:
    """Write the unit's edits of the text and the lines to the locked dossier (no
    audit row: the caller's action writes the one row of what the person did)."""
    fields = fields or {}
    unknown = set(fields) - set(PROJECT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s."),
            code="field_not_editable",
            params={"fields": ", ".join(sorted(unknown))},
        )
    for name, value in fields.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if lines is not None:
        built, errors = lines_build(
            project=locked, items=[(i + 1, item) for i, item in enumerate(lines)]
        )
        _raise_line_errors(errors)
        _lines_replace(locked, built)
    _save(locked)


@transaction.atomic
def project_draft_save(
    *,
    project: JobPositionProject,
    actor: User,
    fields: dict | None = None,
    lines: list[dict] | None = None,
    expected_version: int | None = None,
    ip: str | None = None,
) -> JobPositionProject:
    """Save the unit officer's page in one go: the project's text (``fields``, see
    ``PROJECT_EDITABLE_FIELDS``) and its lines (as for :func:`project_lines_save`).
    One click, one audit row ("Edited the dossier"); all or nothing."""
    locked = _lock(project)
    _require_unit_officer(actor, locked)
    _require_status(locked, *JobPositionProject.EDITABLE_STATUSES)
    _require_version(locked, expected_version)
    _draft_apply(locked, fields=fields, lines=lines)
    _audit(locked, actor=actor, action=Action.UPDATED, from_status=locked.status, ip=ip)
    _sync(locked, project)
    return project


def _require_complete_dossier(project: JobPositionProject) -> None:
    """The dossier carries at least one line and every required document (Decree
    62/2020/NĐ-CP Art. 7(2): the submission letter, the project and the decision on
    the unit's functions). Checked when the officer hands it over and again when
    the head submits it, so a dossier never reaches the head incomplete."""
    if not project.lines.exists():
        raise ValidationError(
            _("Add at least one position line before submitting."), code="no_lines"
        )
    missing = project_missing_attachments(project=project)
    if missing:
        raise ValidationError(
            _("Attach the missing documents before submitting: %(kinds)s."),
            code="missing_attachments",
            params={
                "kinds": ", ".join(str(Attachment.Kind(kind).label) for kind in missing)
            },
        )


@transaction.atomic
def project_handover(
    *,
    project: JobPositionProject,
    actor: User,
    comment: str = "",
    ip: str | None = None,
    fields: dict | None = None,
    lines: list[dict] | None = None,
    expected_version: int | None = None,
) -> None:
    """The unit officer hands the prepared dossier to the unit head for signature,
    with the edits of the page if given (``fields``, ``lines``). Refused, with
    nothing written, while the dossier lacks a line or a required document. The
    status does not change (the head submits); the hand-over and its comment are
    the one audit row of the action."""
    locked = _lock(project)
    _require_unit_officer(actor, locked)
    _require_status(locked, *JobPositionProject.EDITABLE_STATUSES)
    _require_version(locked, expected_version)
    if fields or lines is not None:
        _draft_apply(locked, fields=fields, lines=lines)
    _require_complete_dossier(locked)
    _audit(
        locked,
        actor=actor,
        action=Action.HANDED_OVER,
        from_status=locked.status,
        comment=comment,
        ip=ip,
    )
    _sync(locked, project)


@transaction.atomic
def project_send_back_to_officer(
    *,
    project: JobPositionProject,
    actor: User,
    reason: str,
    ip: str | None = None,
) -> JobPositionProject:
    """The unit head does not sign and sends the dossier back to the unit's
    officer with the reason (what to correct); the status does not change and the
    officer's task shows the reason."""
    reason = _require_text(
        reason, field="reason", message=_("Say what the officer must correct.")
    )
    locked = _lock(project)
    _require_unit_head(actor, locked)
    _require_status(locked, *JobPositionProject.EDITABLE_STATUSES)
    _transition(
        locked,
        project,
        actor=actor,
        action=Action.SENT_BACK_TO_OFFICER,
        from_status=locked.status,
        comment=reason,
        ip=ip,
    )
    return project


# --- attachments ---------------------------------------------------------------

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


def _display_name(name: str) -> str:
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
    name = _display_name(getattr(file, "name", ""))
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


@transaction.atomic
def attachment_add(
    *,
    project: JobPositionProject,
    actor: User,
    kind: str,
    file: File,
    ip: str | None = None,
) -> Attachment:
    """Attach a document to a dossier the unit holds (Decree 106/2020/NĐ-CP Art.
    7(2): the submission, the project, the decision on the unit's functions and
    organisation, other documents). The file is stored under a generated name; the
    uploaded name is kept for display only."""
    locked = _lock(project)
    _require_unit_officer(actor, locked)
    _require_status(locked, *JobPositionProject.EDITABLE_STATUSES)
    if kind not in Attachment.Kind.values:
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
    attachment.full_clean()
    attachment.save()
    _save(locked)
    _audit(
        locked,
        actor=actor,
        action=Action.ATTACHMENT_ADDED,
        from_status=locked.status,
        comment=f"{attachment.get_kind_display()}: {name}",
        ip=ip,
    )
    _sync(locked, project)
    return attachment


@transaction.atomic
def attachment_remove(
    *, attachment: Attachment, actor: User, ip: str | None = None
) -> None:
    """Remove a document the unit attached since its last submission; documents of
    a submitted revision stay in the record."""
    locked = _lock(attachment.dossier_id)
    _require_unit_officer(actor, locked)
    _require_status(locked, *JobPositionProject.EDITABLE_STATUSES)
    attachment = Attachment.objects.get(pk=attachment.pk, dossier=locked)
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
    _save(locked)
    _audit(
        locked,
        actor=actor,
        action=Action.ATTACHMENT_REMOVED,
        from_status=locked.status,
        comment=name,
        ip=ip,
    )


# --- submission and reception ------------------------------------------------------


def _snapshot(project: JobPositionProject) -> dict:
    """The dossier as submitted, in plain JSON: fields, lines with their identity,
    attachments."""
    lines = project.lines.select_related(
        "position", "catalogue_entry", "category", "rank"
    ).order_by("order", "pk")
    return {
        "project": {
            "title": project.title,
            "kind": project.kind,
            "legal_basis": project.legal_basis,
            "justification": project.justification,
        },
        "lines": [
            {
                "key": str(line.key),
                "order": line.order,
                "action": line.action,
                "position_id": line.position_id,
                "position_name": line.position.name if line.position_id else "",
                "catalogue_entry_id": line.catalogue_entry_id,
                "catalogue_code": (
                    line.catalogue_entry.code if line.catalogue_entry_id else ""
                ),
                "name": line.display_name,
                "category_code": line.category.code if line.category_id else "",
                "category_name": line.category.name if line.category_id else "",
                "rank_code": line.rank.code if line.rank_id else "",
                "rank_name": line.rank.name if line.rank_id else "",
                "headcount": line.headcount,
                "job_description": line.job_description,
                "competency_framework": line.competency_framework,
            }
            for line in lines
        ],
        "attachments": [
            {
                "id": attachment.pk,
                "kind": attachment.kind,
                "original_name": attachment.original_name,
                "size": attachment.size,
                "sha256": attachment.sha256,
            }
            for attachment in project.attachments.order_by("kind", "pk")
        ],
    }


def project_missing_attachments(*, project: JobPositionProject) -> list[str]:
    """The required kinds of document the dossier does not carry yet."""
    present = set(project.attachments.values_list("kind", flat=True))
    return [kind for kind in Attachment.REQUIRED_KINDS if kind not in present]


@transaction.atomic
def project_submit(
    *,
    project: JobPositionProject,
    actor: User,
    comment: str = "",
    ip: str | None = None,
) -> Revision:
    """The unit head signs and submits the dossier (Tờ trình): it is frozen as the
    next numbered revision. A first submission or an answer to a supplement request
    goes to reception; an answer to a revision request goes back to the appraiser,
    and the stopped clock restarts (the due date moves by the working days the unit
    held it). Refused without lines or without the required documents."""
    locked = _lock(project)
    _require_unit_head(actor, locked)
    _require_status(locked, *JobPositionProject.EDITABLE_STATUSES)
    _require_complete_dossier(locked)
    today = _today()
    from_status = locked.status
    number = locked.current_revision + 1
    revision = Revision.objects.create(
        dossier=locked, number=number, snapshot=_snapshot(locked), submitted_by=actor
    )
    locked.attachments.filter(submitted_in__isnull=True).update(submitted_in=number)
    locked.current_revision = number
    locked.submitted_on = today
    if from_status == Status.DRAFT:
        locked.status = Status.SUBMITTED
        locked.due_on = due_date_for(
            dossier_kind=locked.dossier_kind, step=ProcessingStep.RECEIVE, start=today
        )
    else:
        locked.status = (
            Status.SUBMITTED
            if from_status == Status.SUPPLEMENT_REQUESTED
            else Status.UNDER_APPRAISAL
        )
        if locked.due_on and locked.clock_paused_on:
            locked.due_on = due_date_resume(
                due=locked.due_on, paused_on=locked.clock_paused_on, resumed_on=today
            )
    locked.clock_paused_on = None
    _transition(
        locked,
        project,
        actor=actor,
        action=Action.SUBMITTED,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return revision


def _require_reception(actor) -> None:
    _require_role(
        actor,
        Role.RECEPTION,
        "not_reception",
        _("Only the one-stop reception of Home Affairs may receive dossiers."),
    )


@transaction.atomic
def project_accept(
    *,
    project: JobPositionProject,
    actor: User,
    comment: str = "",
    ip: str | None = None,
) -> JobPositionProject:
    """Reception finds the dossier complete and receives it: a receipt number of the
    one-stop register (form No. 01 of Circular 01/2018/TT-VPCP), the receipt date,
    and the due date of the whole appraisal in working days from receipt (Decree
    106/2020/NĐ-CP Art. 7(3))."""
    locked = _lock(project)
    _require_reception(actor)
    _require_status(locked, Status.SUBMITTED)
    today = _today()
    issued = number_issue(
        issuer=HOME_AFFAIRS_ISSUER,
        doc_type=RECEIPT,
        on=today,
        subject=str(_("Receipt of dossier %(pk)s") % {"pk": locked.pk}),
    )
    from_status = locked.status
    locked.receipt_number = issued.text
    locked.received_on = today
    locked.due_on = due_date_for(
        dossier_kind=locked.dossier_kind, step=ProcessingStep.TOTAL, start=today
    )
    locked.status = Status.RECEIVED
    _transition(
        locked,
        project,
        actor=actor,
        action=Action.ACCEPTED,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return project


@transaction.atomic
def project_request_supplement(
    *, project: JobPositionProject, actor: User, reason: str, ip: str | None = None
) -> JobPositionProject:
    """Reception finds the dossier incomplete and sends it back to the unit with
    what to add (form No. 02 of Circular 01/2018/TT-VPCP); the clock stops until the
    unit head submits it again. The reason is also left as a general remark."""
    reason = _require_text(
        reason, field="reason", message=_("Say what the unit must add or correct.")
    )
    locked = _lock(project)
    _require_reception(actor)
    _require_status(locked, Status.SUBMITTED)
    from_status = locked.status
    Remark.objects.create(
        dossier=locked,
        revision_number=locked.current_revision,
        text=reason,
        author=actor,
    )
    locked.status = Status.SUPPLEMENT_REQUESTED
    locked.clock_paused_on = _today()
    _transition(
        locked,
        project,
        actor=actor,
        action=Action.SUPPLEMENT_REQUESTED,
        from_status=from_status,
        comment=reason,
        ip=ip,
    )
    return project


@transaction.atomic
def project_refuse(
    *, project: JobPositionProject, actor: User, reason: str, ip: str | None = None
) -> JobPositionProject:
    """Reception refuses the dossier with the reason (form No. 03 of Circular
    01/2018/TT-VPCP), e.g. a matter outside the Department's remit. The dossier
    ends here."""
    reason = _require_text(
        reason, field="reason", message=_("Give the reason for the refusal.")
    )
    locked = _lock(project)
    _require_reception(actor)
    _require_status(locked, Status.SUBMITTED)
    from_status = locked.status
    locked.status = Status.REFUSED
    locked.outcome = JobPositionProject.Outcome.REFUSED
    locked.clock_paused_on = None
    _transition(
        locked,
        project,
        actor=actor,
        action=Action.REFUSED,
        from_status=from_status,
        comment=reason,
        ip=ip,
    )
    return project


# --- appraisal -------------------------------------------------------------------


@transaction.atomic
def project_assign_appraiser(
    *,
    project: JobPositionProject,
    actor: User,
    appraiser: User,
    comment: str = "",
    ip: str | None = None,
) -> JobPositionProject:
    """The head of the organisation and payroll division assigns a received dossier
    to an appraiser (or reassigns it during the appraisal). The appraiser must hold
    the appraiser role and must not draft or sign for the unit (separation of
    duties). The appraiser also gets the object permission
    ``appraisal.appraise_project`` on the dossier."""
    locked = _lock(project)
    _require_role(
        actor,
        Role.DIVISION_HEAD,
        "not_division_head",
        _("Only the head of the organisation and payroll division assigns appraisers."),
    )
    _require_status(locked, Status.RECEIVED, Status.UNDER_APPRAISAL)
    if not appraiser.is_active or Role.APPRAISER not in user_roles(appraiser):
        raise ValidationError(
            {
                "appraiser": ValidationError(
                    _("%(user)s is not an appraiser."),
                    code="not_an_appraiser",
                    params={"user": appraiser},
                )
            }
        )
    if user_is_party_to_unit(appraiser, locked.unit):
        raise ValidationError(
            {
                "appraiser": ValidationError(
                    _(
                        "%(user)s drafts or signs for %(unit)s and cannot appraise its "
                        "dossier (separation of duties)."
                    ),
                    code="conflict_of_interest",
                    params={"user": appraiser, "unit": locked.unit},
                )
            }
        )
    if locked.assigned_appraiser_id == appraiser.pk:
        raise ValidationError(
            _("%(user)s is already the appraiser of this dossier."),
            code="already_assigned",
            params={"user": appraiser},
        )
    from_status = locked.status
    previous = locked.assigned_appraiser
    if previous is not None:
        remove_perm("appraisal.appraise_project", previous, locked)
    assign_perm("appraisal.appraise_project", appraiser, locked)
    locked.assigned_appraiser = appraiser
    locked.status = Status.UNDER_APPRAISAL
    _transition(
        locked,
        project,
        actor=actor,
        action=Action.APPRAISER_ASSIGNED,
        from_status=from_status,
        comment=comment or str(appraiser),
        ip=ip,
    )
    return project


@transaction.atomic
def remark_add(
    *,
    project: JobPositionProject,
    actor: User,
    text: str,
    line: ProjectLine | None = None,
    ip: str | None = None,
) -> Remark:
    """The appraiser notes a remark on a line or on the whole dossier, for the unit
    to answer in its next revision."""
    text = _require_text(text, field="text", message=_("Write the remark."))
    locked = _lock(project)
    _require_appraiser(actor, locked)
    _require_status(locked, Status.UNDER_APPRAISAL)
    if line is not None and line.project_id != locked.pk:
        raise ValidationError(
            {
                "line": ValidationError(
                    _("This line is not of this dossier."), code="invalid"
                )
            }
        )
    remark = Remark.objects.create(
        dossier=locked,
        revision_number=locked.current_revision,
        line=line,
        line_key=line.key if line is not None else None,
        text=text,
        author=actor,
    )
    _save(locked)
    _audit(
        locked,
        actor=actor,
        action=Action.REMARK_ADDED,
        from_status=locked.status,
        comment=text,
        ip=ip,
    )
    _sync(locked, project)
    return remark


@transaction.atomic
def remark_resolve(*, remark: Remark, actor: User, ip: str | None = None) -> Remark:
    """The appraiser marks a remark as answered by the unit."""
    locked = _lock(remark.dossier_id)
    _require_appraiser(actor, locked)
    _require_status(locked, Status.UNDER_APPRAISAL)
    remark = Remark.objects.get(pk=remark.pk, dossier=locked)
    if remark.resolved:
        raise ValidationError(
            _("This remark is already resolved."), code="already_resolved"
        )
    remark.resolved = True
    remark.save(update_fields=["resolved"])
    _save(locked)
    _audit(
        locked,
        actor=actor,
        action=Action.REMARK_RESOLVED,
        from_status=locked.status,
        comment=remark.text,
        ip=ip,
    )
    return remark


@transaction.atomic
def project_request_revision(
    *,
    project: JobPositionProject,
    actor: User,
    comment: str = "",
    ip: str | None = None,
) -> JobPositionProject:
    """The appraiser sends the dossier back to the unit to revise it with the open
    remarks (the comment, if any, is added as a general remark). The clock stops
    until the unit head submits the next revision."""
    comment = (comment or "").strip()
    locked = _lock(project)
    _require_appraiser(actor, locked)
    _require_status(locked, Status.UNDER_APPRAISAL)
    if not comment and not locked.remarks.filter(resolved=False).exists():
        raise ValidationError(
            _("Add a remark or a comment telling the unit what to revise."),
            code="no_remarks",
        )
    if comment:
        Remark.objects.create(
            dossier=locked,
            revision_number=locked.current_revision,
            text=comment,
            author=actor,
        )
    from_status = locked.status
    locked.status = Status.REVISION_REQUESTED
    locked.clock_paused_on = _today()
    _transition(
        locked,
        project,
        actor=actor,
        action=Action.REVISION_REQUESTED,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return project


def _answers_items(answers) -> list[tuple[str, str, str]]:
    """``(code, result, note)`` from ``{code: result}``, ``{code: {"result", "note"}}``
    or a list of dicts with ``criterion``/``code``, ``result``, ``note``."""
    if isinstance(answers, dict):
        raw = [
            {"code": code, **(value if isinstance(value, dict) else {"result": value})}
            for code, value in answers.items()
        ]
    else:
        raw = list(answers)
    items = []
    for entry in raw:
        criterion = entry.get("criterion", entry.get("code"))
        code = getattr(criterion, "code", criterion)
        items.append((str(code), entry.get("result") or "", entry.get("note") or ""))
    return items


_REPORT_FIELDS = frozenset({"recommendation", "text", "answers", "proposed_lines"})


def _report_state(report: AppraisalReport) -> tuple:
    """What the report says, to tell whether a save changed anything."""
    return (
        report.recommendation,
        report.text,
        sorted(
            (a.criterion_id, a.result, a.note)
            for a in ChecklistAnswer.objects.filter(report=report)
        ),
        [
            (
                line.action,
                line.position_id,
                line.catalogue_entry_id,
                line.name,
                line.category_id,
                line.rank_id,
                line.headcount,
                line.job_description,
                line.competency_framework,
            )
            for line in ReportLine.objects.filter(report=report).order_by("order", "pk")
        ],
    )


def _report_write(
    locked: JobPositionProject, *, actor: User, fields: dict
) -> tuple[AppraisalReport, bool]:
    """Write the report's draft fields (no audit row); whether anything changed."""
    unknown = set(fields) - _REPORT_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s."),
            code="field_not_editable",
            params={"fields": ", ".join(sorted(unknown))},
        )
    report, created = AppraisalReport.objects.get_or_create(dossier=locked)
    before = None if created else _report_state(report)
    if "recommendation" in fields:
        report.recommendation = fields["recommendation"] or ""
    if "text" in fields:
        report.text = fields["text"] or ""
    report.author = actor
    report.draft = True
    report.updated_at = timezone.now()
    report.full_clean()
    report.save()
    if "answers" in fields:
        _answers_save(report, fields["answers"])
    if "proposed_lines" in fields:
        built, errors = lines_build(
            project=locked,
            items=[
                (i + 1, item) for i, item in enumerate(fields["proposed_lines"] or [])
            ],
            line_class=ReportLine,
        )
        _raise_line_errors(errors)
        report.lines.all().delete()
        for line in built:
            line.report = report
        ReportLine.objects.bulk_create(built)
    return report, before != _report_state(report)


@transaction.atomic
def report_save(
    *,
    project: JobPositionProject,
    actor: User,
    expected_version: int | None = None,
    ip: str | None = None,
    **fields,
) -> AppraisalReport:
    """Save the appraisal report as a draft (any number of times over several
    days): ``recommendation``, ``text``, ``answers`` to the manual criteria
    (``{code: "pass" | "fail" | "remark" | {"result": …, "note": …}}``; an empty
    result clears an answer) and ``proposed_lines`` (line dicts, as for
    :func:`project_lines_save`, for "approve with changes"). A save that changes
    nothing writes no audit row (the task page saves the report it holds before
    every other action of the appraiser)."""
    locked = _lock(project)
    _require_appraiser(actor, locked)
    _require_status(locked, Status.UNDER_APPRAISAL)
    _require_version(locked, expected_version)
    report, changed = _report_write(locked, actor=actor, fields=fields)
    if changed:
        _save(locked)
        _audit(
            locked,
            actor=actor,
            action=Action.REPORT_SAVED,
            from_status=locked.status,
            ip=ip,
        )
    _sync(locked, project)
    return report


def _answers_save(report: AppraisalReport, answers) -> None:
    items = _answers_items(answers)
    criteria = {
        c.code: c
        for c in ChecklistCriterion.objects.filter(
            code__in=[code for code, _r, _n in items]
        )
    }
    existing = {a.criterion_id: a for a in report.answers.all()}
    errors = []
    for code, result, note in items:
        criterion = criteria.get(code)
        if criterion is None:
            errors.append(
                ValidationError(
                    _("Unknown checklist criterion %(code)s."),
                    code="unknown_criterion",
                    params={"code": code},
                )
            )
            continue
        answer = existing.get(criterion.pk)
        if not result:
            if answer is not None:
                answer.delete()
            continue
        if answer is None:
            answer = ChecklistAnswer(report=report, criterion=criterion)
        answer.result, answer.note = result, note.strip()
        try:
            answer.full_clean(exclude=["report"], validate_unique=False)
        except ValidationError as exc:
            errors.extend(
                ValidationError(
                    _("%(criterion)s: %(reason)s"),
                    code="invalid_answer",
                    params={"criterion": criterion.label, "reason": message},
                )
                for message in exc.messages
            )
            continue
        answer.save()
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def report_complete(
    *,
    project: JobPositionProject,
    actor: User,
    comment: str = "",
    ip: str | None = None,
    expected_version: int | None = None,
    **report_fields,
) -> AppraisalReport:
    """The appraiser completes the report and hands it to the director, with the
    report as the page holds it if given (the fields of :func:`report_save`).
    Refused, with nothing written, while an active manual criterion is unanswered
    (error on ``answers``, the codes in its params), without a recommendation (on
    ``recommendation``), or for "approve with changes" without the proposed lines
    (on ``proposed_lines``). The computed checks are frozen into the report; the
    completion is the one audit row of the action."""
    locked = _lock(project)
    _require_appraiser(actor, locked)
    _require_status(locked, Status.UNDER_APPRAISAL)
    _require_version(locked, expected_version)
    if report_fields:
        _report_write(locked, actor=actor, fields=report_fields)
    report = AppraisalReport.objects.filter(dossier=locked).first()
    if report is None or not report.recommendation:
        raise ValidationError(
            {
                "recommendation": ValidationError(
                    _("Choose the report's recommendation."), code="required"
                )
            }
        )
    unanswered = list(
        ChecklistCriterion.objects.filter(active=True)
        .exclude(answers__report=report)
        .values_list("code", "label")
    )
    if unanswered:
        raise ValidationError(
            {
                "answers": ValidationError(
                    _("Answer every checklist criterion first: %(criteria)s."),
                    code="unanswered_criteria",
                    params={
                        "criteria": "; ".join(label for _code, label in unanswered),
                        "codes": [code for code, _label in unanswered],
                    },
                )
            }
        )
    if (
        report.recommendation == AppraisalReport.Recommendation.APPROVE_WITH_CHANGES
        and not report.lines.exists()
    ):
        raise ValidationError(
            {
                "proposed_lines": ValidationError(
                    _("Give the lines as you propose them when recommending changes."),
                    code="no_proposed_lines",
                )
            }
        )
    report.checklist_results = [
        result.as_dict() for result in checklist_compute(project=locked)
    ]
    report.draft = False
    report.completed_at = timezone.now()
    report.save()
    from_status = locked.status
    locked.status = Status.REPORT_COMPLETED
    _transition(
        locked,
        project,
        actor=actor,
        action=Action.REPORT_COMPLETED,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return report


def _require_director(actor) -> None:
    _require_role(
        actor,
        Role.DIRECTOR,
        "not_director",
        _("Only the director of Home Affairs signs the appraisal report."),
    )


@transaction.atomic
def report_sign(
    *,
    project: JobPositionProject,
    actor: User,
    comment: str = "",
    ip: str | None = None,
) -> AppraisalReport:
    """The director signs the report and the Department's submission to the
    committee, numbered in the Department's register (``…/TTr-SNV``, Decree
    30/2020/NĐ-CP)."""
    locked = _lock(project)
    _require_director(actor)
    _require_not_party(actor, locked)
    _require_status(locked, Status.REPORT_REVIEWED)
    report = AppraisalReport.objects.select_for_update().get(dossier=locked)
    today = _today()
    report.number = number_issue(
        issuer=HOME_AFFAIRS_ISSUER,
        doc_type=SUBMISSION,
        on=today,
        subject=str(locked)[:255],
    ).text
    report.signed_by = actor
    report.signed_at = timezone.now()
    report.save()
    from_status = locked.status
    locked.status = Status.AWAITING_DECISION
    _transition(
        locked,
        project,
        actor=actor,
        action=Action.REPORT_SIGNED,
        from_status=from_status,
        comment=comment or report.number,
        ip=ip,
    )
    return report


def _require_division_head(actor) -> None:
    _require_role(
        actor,
        Role.DIVISION_HEAD,
        "not_division_head",
        _(
            "Only the head of the organisation and staffing division reviews "
            "the report."
        ),
    )


@transaction.atomic
def report_review(
    *,
    project: JobPositionProject,
    actor: User,
    comment: str = "",
    ip: str | None = None,
) -> AppraisalReport:
    """The head of the organisation and staffing division reviews the appraiser's
    completed report and passes it to the director for signature (the division
    prepares the Department's appraisal, Decree 62/2020/NĐ-CP Art. 7(2); the
    director signs it)."""
    locked = _lock(project)
    _require_division_head(actor)
    _require_not_party(actor, locked)
    _require_status(locked, Status.REPORT_COMPLETED)
    report = AppraisalReport.objects.select_for_update().get(dossier=locked)
    from_status = locked.status
    locked.status = Status.REPORT_REVIEWED
    _transition(
        locked,
        project,
        actor=actor,
        action=Action.REPORT_REVIEWED,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return report


@transaction.atomic
def report_send_back(
    *, project: JobPositionProject, actor: User, comment: str, ip: str | None = None
) -> AppraisalReport:
    """The division head (reviewing) or the director (signing) sends the report
    back to the appraiser with what to change."""
    comment = _require_text(
        comment, field="comment", message=_("Say what the appraiser must change.")
    )
    locked = _lock(project)
    if locked.status == Status.REPORT_COMPLETED:
        _require_division_head(actor)
    else:
        _require_director(actor)
    _require_not_party(actor, locked)
    _require_status(locked, Status.REPORT_COMPLETED, Status.REPORT_REVIEWED)
    report = AppraisalReport.objects.select_for_update().get(dossier=locked)
    report.draft = True
    report.save(update_fields=["draft"])
    from_status = locked.status
    locked.status = Status.UNDER_APPRAISAL
    _transition(
        locked,
        project,
        actor=actor,
        action=Action.REPORT_SENT_BACK,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return report


# --- decision ------------------------------------------------------------------------


def _approved_lines(project: JobPositionProject, report: AppraisalReport | None):
    if (
        report is not None
        and report.recommendation == AppraisalReport.Recommendation.APPROVE_WITH_CHANGES
    ):
        source = report.lines.all()
    else:
        source = project.lines.all()
    return list(
        source.select_related(
            "position", "catalogue_entry", "category", "rank"
        ).order_by("order", "pk")
    )


def _applicability_errors(
    project: JobPositionProject, lines: list, effective_date: datetime.date
) -> list[tuple[int, ValidationError]]:
    """Why a line could not become part of the establishment on ``effective_date``:
    a position it changes or ends must be open, of the unit and older than the
    effective date, and each new position must be valid (rank allowed by the
    catalogue entry, unit kind, unit validity)."""
    errors, touched = [], set()
    last_day = effective_date - datetime.timedelta(days=1)
    for number, line in enumerate(lines, start=1):
        if line.action in (LineAction.CHANGE, LineAction.END):
            position = line.position
            if position.pk in touched:
                reason = _("another line already changes or ends this position.")
                errors.append((number, _line_error(number, reason)))
            touched.add(position.pk)
            if (
                position.unit_id != project.unit_id
                or position.valid_to is not None
                or position.valid_from > last_day
            ):
                errors.append(
                    (
                        number,
                        _line_error(
                            number,
                            _(
                                "position “%(name)s” is not open in this unit before "
                                "the effective date."
                            )
                            % {"name": position.name},
                        ),
                    )
                )
        if line.action in (LineAction.ADD, LineAction.CHANGE):
            candidate = JobPosition(
                unit=project.unit,
                catalogue_entry=line.catalogue_entry,
                name=line.name
                or (line.catalogue_entry.name if line.catalogue_entry_id else ""),
                category=line.category,
                rank=line.rank,
                headcount=line.headcount,
                valid_from=effective_date,
            )
            try:
                candidate.full_clean()
            except ValidationError as exc:
                errors.extend((number, _line_error(number, m)) for m in exc.messages)
    return errors


@transaction.atomic
def project_decide(
    *,
    project: JobPositionProject,
    actor: User,
    outcome: str,
    effective_date: datetime.date | None = None,
    comment: str = "",
    ip: str | None = None,
) -> Decision:
    """The committee answers the Department's submission (Decree 62/2020/NĐ-CP Art.
    7(3)): approve, by a decision numbered in the committee's register
    (``…/QĐ-UBND``) with the lines approved (the report's when it recommended
    changes, otherwise the unit's) taking effect on ``effective_date`` (default:
    the decision's date; never earlier); return it to Home Affairs; or reject it
    with reasons (Decree 106/2020/NĐ-CP Art. 7(3)). Nobody who drafts or signs for
    the unit may decide."""
    locked = _lock(project)
    _require_role(
        actor,
        Role.COMMITTEE,
        "not_committee",
        _("Only the Provincial People's Committee decides on the project."),
    )
    _require_not_party(actor, locked)
    _require_status(locked, Status.AWAITING_DECISION)
    if outcome not in Decision.Outcome.values:
        raise ValidationError(
            {"outcome": ValidationError(_("Choose the decision."), code="invalid")}
        )
    today = _today()
    from_status = locked.status
    report = AppraisalReport.objects.filter(dossier=locked).first()
    decision = Decision(dossier=locked, outcome=outcome, date=today, signer=actor)
    if outcome == Decision.Outcome.APPROVED:
        effective_date = effective_date or today
        if effective_date < today:
            raise ValidationError(
                {
                    "effective_date": ValidationError(
                        _("The effective date cannot be before the decision's date."),
                        code="effective_before_decision",
                    )
                }
            )
        lines = _approved_lines(locked, report)
        if not lines:
            raise ValidationError(_("There are no lines to approve."), code="no_lines")
        _raise_line_errors(_applicability_errors(locked, lines, effective_date))
        decision.effective_date = effective_date
        decision.reason = comment
        decision.number = number_issue(
            issuer=COMMITTEE_ISSUER,
            doc_type=DECISION,
            on=today,
            subject=str(locked)[:255],
        ).text
        decision.full_clean()
        decision.save()
        DecisionLine.objects.bulk_create(
            DecisionLine(
                decision=decision,
                key=getattr(line, "key", uuid.uuid4()),
                **{name: getattr(line, name) for name in LINE_FIELDS},
            )
            for line in lines
        )
        locked.status = Status.APPROVED
        locked.outcome = JobPositionProject.Outcome.APPROVED
        action = Action.APPROVED
    else:
        comment = _require_text(
            comment,
            field="comment",
            message=_("Give the reasons for returning or rejecting the project."),
        )
        decision.reason = comment
        decision.full_clean()
        decision.save()
        if outcome == Decision.Outcome.REJECTED:
            locked.status = Status.REJECTED
            locked.outcome = JobPositionProject.Outcome.REJECTED
            action = Action.REJECTED
        else:
            if report is not None:
                report.draft = True
                report.save(update_fields=["draft"])
            locked.status = Status.UNDER_APPRAISAL
            action = Action.RETURNED
    _transition(
        locked,
        project,
        actor=actor,
        action=action,
        from_status=from_status,
        comment=comment or decision.number,
        ip=ip,
    )
    return decision


@transaction.atomic
def decision_apply(
    *, decision: Decision, actor: User | None = None, ip: str | None = None
) -> Decision:
    """Apply an approval to the establishment: each added line opens a job position
    from the effective date; a changed position is closed the day before and its new
    version opened on the effective date; an ended position is closed the day
    before. Every position opened carries the decision's number and date; the
    decision's lines record which position each closed and opened.

    Idempotent: a decision already applied is returned unchanged, so a retried
    call (a double click, a re-run job) changes nothing. Positions are
    effective-dated, so a decision effective in the future can be applied at once:
    the establishment as of any earlier date is unchanged."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.applied_at is not None:
        return decision
    if decision.outcome != Decision.Outcome.APPROVED:
        raise ValidationError(
            _("Only an approval changes the establishment."), code="not_approved"
        )
    project = _lock(decision.dossier_id)
    _require_status(project, Status.APPROVED)
    last_day = decision.effective_date - datetime.timedelta(days=1)
    lines = list(
        decision.lines.select_related("position", "catalogue_entry", "category", "rank")
    )
    for line in lines:
        if line.action in (LineAction.CHANGE, LineAction.END):
            position_close(
                position=line.position,
                last_day=last_day,
                decision_number=decision.number,
                decision_date=decision.date,
            )
        if line.action in (LineAction.ADD, LineAction.CHANGE):
            line.created_position = position_create(
                unit=project.unit,
                rank=line.rank,
                headcount=line.headcount,
                valid_from=decision.effective_date,
                name=line.name,
                category=line.category,
                catalogue_entry=line.catalogue_entry,
                job_description=line.job_description,
                competency_framework=line.competency_framework,
                decision_number=decision.number,
                decision_date=decision.date,
            )
            line.save(update_fields=["created_position"])
    decision.applied_at = timezone.now()
    decision.save(update_fields=["applied_at"])
    from_status = project.status
    project.status = Status.APPLIED
    _save(project)
    _audit(
        project,
        actor=actor,
        action=Action.DECISION_APPLIED,
        from_status=from_status,
        comment=str(
            _("%(number)s effective %(date)s")
            % {
                "number": decision.number,
                "date": date_format(decision.effective_date, "SHORT_DATE_FORMAT"),
            }
        ),
        ip=ip,
    )
    return decision
