"""Writes only a job-position project has: its drafting (fields, lines, import),
the hand-over and send-back inside the unit, its part in the shared steps (its
snapshot, what a complete project carries, its checklist, the proposed lines of the
report, what an approval decides) and applying an approved decision to the
establishment. The steps every dossier shares (submission, reception, assignment,
remarks, the report, the decision) are ``appraisal.services.dossiers``.

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
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from orgchart.frozen_queries import FrozenQuery
from orgchart.models import CatalogueEntry, JobPosition, PositionCategory, Rank, Unit
from orgchart.services import position_close, position_create
from orgchart.transactions import atomic

from ..models import (
    AppraisalReport,
    Attachment,
    AuditEntry,
    ChecklistCriterion,
    Decision,
    DecisionLine,
    JobPositionProject,
    LineAction,
    ProjectLine,
    ReportLine,
)
from .attachments import display_name
from .checklist import CheckResult, checklist_compute
from .dossiers import (
    COMMITTEE_ISSUER,
    KindRules,
    audit_created,
    dossier_lock,
    kind_rules_register,
    require_known_fields,
)
from .dossiers import audit_record as _audit
from .dossiers import dossier_save as _save
from .dossiers import dossier_sync as _sync
from .dossiers import dossier_transition as _transition
from .dossiers import require_status as _require_status
from .dossiers import require_text as _require_text
from .dossiers import require_unit_head as _require_unit_head
from .dossiers import require_unit_officer as _require_unit_officer
from .dossiers import require_version as _require_version
from .dossiers import today as _today
from .imports import lines_read
from .numbering import DECISION, full_clean_issued, number_issue

__all__ = [
    "RULES",
    "CheckResult",
    "checklist_compute",
    "decision_apply",
    "decision_apply_latest",
    "lines_build",
    "project_create",
    "project_draft_save",
    "project_handover",
    "project_lines_import",
    "project_lines_may_import",
    "project_lines_save",
    "project_send_back_to_officer",
    "project_update",
]

Status = JobPositionProject.Status
Action = AuditEntry.Action

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
#: Reference models a caller (a form's choice field) may give as instances it
#: read: a line needs nothing more of them, so they are not read again.
_TAKEN_AS_READ = (PositionCategory, Rank)
#: The project fields ``project_update`` may change.
PROJECT_EDITABLE_FIELDS = ("title", "kind", "legal_basis", "justification")


# --- helpers -------------------------------------------------------------------


def _lock(project: JobPositionProject | int) -> JobPositionProject:
    """The project, its rows locked until the transaction ends
    (:func:`~appraisal.services.dossiers.dossier_lock`)."""
    pk = getattr(project, "pk", project)
    return dossier_lock(JobPositionProject(pk=pk))


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


def _as_read(value, model) -> bool:
    """``value`` is an instance of ``model`` read from the database, of a model
    whose instances are taken as given (:data:`_TAKEN_AS_READ`)."""
    return (
        model in _TAKEN_AS_READ
        and isinstance(value, model)
        and not value._state.adding
        and value.pk is not None
    )


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
    category. Reference data is read in one query per model, except categories
    and ranks given as instances already read (a form's choices).
    """
    items = list(items)
    wanted: dict[str, set] = {name: set() for name in _LINE_FOREIGN_KEYS}
    for _number, item in items:
        for name, model in _LINE_FOREIGN_KEYS.items():
            value = _fk_value(item, name)
            pk = _pk_of(value)
            if pk is not None and not _as_read(value, model):
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
            value = _fk_value(item, name)
            pk = _pk_of(value)
            if pk is None:
                continue
            obj = value if _as_read(value, model) else found[name].get(str(pk))
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


@atomic
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
    audit_created(project, actor=actor, ip=ip)
    return project


@atomic
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
    require_known_fields(fields, PROJECT_EDITABLE_FIELDS)
    locked = _lock(project)
    _require_unit_officer(actor, locked)
    _require_status(locked, *JobPositionProject.EDITABLE_STATUSES)
    _require_version(locked, expected_version)
    for name, value in fields.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _transition(
        locked,
        locked,
        actor=actor,
        action=Action.UPDATED,
        from_status=locked.status,
        ip=ip,
    )
    _sync(locked, project)
    return project


@atomic
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
    _transition(
        locked,
        locked,
        actor=actor,
        action=Action.LINES_SAVED,
        from_status=locked.status,
        ip=ip,
    )
    _sync(locked, project)
    return list(locked.lines.all())


def project_lines_may_import(*, user, project: JobPositionProject) -> bool:
    """Whether ``user`` may replace the lines of ``project`` now (read without
    the lock: the import itself checks again under it)."""
    try:
        _require_unit_officer(user, project)
        _require_status(project, *JobPositionProject.EDITABLE_STATUSES)
    except ValidationError:
        return False
    return True


@atomic
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
    _transition(
        locked,
        locked,
        actor=actor,
        action=Action.LINES_IMPORTED,
        from_status=locked.status,
        comment=str(
            _("%(count)s lines imported from %(name)s")
            % {"count": len(built), "name": display_name(getattr(file, "name", ""))}
        ),
        ip=ip,
    )
    _sync(locked, project)
    return list(locked.lines.all())


def _draft_apply(
    locked: JobPositionProject,
    *,
    fields: dict | None,
    lines: list[dict] | None,
    save: bool = True,
) -> None:
    """Write the unit's edits of the text and the lines to the locked dossier (no
    audit row: the caller's action writes the one row of what the person did;
    ``save=False`` leaves saving the dossier's row to it, with that row)."""
    fields = fields or {}
    require_known_fields(fields, PROJECT_EDITABLE_FIELDS)
    for name, value in fields.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if lines is not None:
        built, errors = lines_build(
            project=locked, items=[(i + 1, item) for i, item in enumerate(lines)]
        )
        _raise_line_errors(errors)
        _lines_replace(locked, built)
    if save:
        _save(locked)


@atomic
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
    _draft_apply(locked, fields=fields, lines=lines, save=False)
    _transition(
        locked,
        locked,
        actor=actor,
        action=Action.UPDATED,
        from_status=locked.status,
        ip=ip,
    )
    _sync(locked, project)
    return project


def _require_complete_dossier(project: JobPositionProject) -> None:
    """The dossier carries at least one line and every required document (Decree
    62/2020/NĐ-CP Art. 7(2): the submission letter, the project and the decision on
    the unit's functions). Checked when the officer hands it over and again when
    the head submits it, so a dossier never reaches the head incomplete."""
    lines, attachments = _contents_read(project)
    # The snapshot of the same submission, taken next, uses this reading.
    project.__dict__["_contents_read"] = lines, attachments
    if not lines:
        raise ValidationError(
            _("Add at least one position line before submitting."), code="no_lines"
        )
    present = {attachment.kind for attachment in attachments}
    missing = [kind for kind in Attachment.REQUIRED_KINDS if kind not in present]
    if missing:
        raise ValidationError(
            _("Attach the missing documents before submitting: %(kinds)s."),
            code="missing_attachments",
            params={
                "kinds": ", ".join(str(Attachment.Kind(kind).label) for kind in missing)
            },
        )


@atomic
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
    edited = bool(fields) or lines is not None
    if edited:
        _draft_apply(locked, fields=fields, lines=lines, save=False)
    _require_complete_dossier(locked)
    line = {
        "actor": actor,
        "action": Action.HANDED_OVER,
        "from_status": locked.status,
        "comment": comment,
        "ip": ip,
    }
    if edited:
        # The edits and the new chain head in one update of the row.
        _transition(locked, project, **line)
    else:
        _audit(locked, **line)
    _sync(locked, project)


@atomic
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


# --- submission and reception ------------------------------------------------------


#: A project's lines with what a snapshot names of them, and its attachments,
#: in their order: read on every submission (compiled once).
_LINES_READ = FrozenQuery(
    lambda project: (
        ProjectLine.objects.filter(project_id=project)
        .select_related("position", "catalogue_entry", "category", "rank")
        .order_by("order", "pk")
    )
)
_ATTACHMENTS_READ = FrozenQuery(
    lambda dossier: Attachment.objects.filter(dossier_id=dossier).order_by("kind", "pk")
)


def _contents_read(project: JobPositionProject) -> tuple[list, list]:
    """The project's lines (with what a snapshot names of them) and attachments,
    in their order."""
    lines = _LINES_READ(project=project.pk)
    for line in lines:
        line.project = project  # held: not read again through the line
    return lines, _ATTACHMENTS_READ(dossier=project.pk)


def _snapshot(project: JobPositionProject) -> dict:
    """The dossier as submitted, in plain JSON: fields, lines with their identity,
    attachments. Read once with the completeness check of the same submission
    (:func:`_require_complete_dossier`, just before it, under the same lock)."""
    lines, attachments = project.__dict__.pop("_contents_read", None) or _contents_read(
        project
    )
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
            for attachment in attachments
        ],
    }


# --- decision ------------------------------------------------------------------------


#: Where the project read under the step's lock keeps the decision just
#: approved and its lines, for the flow's next node to apply.
APPROVED_HELD = "_approved_decision_lines"


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


def _approve(
    locked: JobPositionProject,
    report: AppraisalReport | None,
    decision: Decision,
    effective_date: datetime.date | None,
    comment: str,
) -> Decision:
    """The committee approves the project: a decision numbered in the committee's
    register (``…/QĐ-UBND``) with the lines approved (the report's when it
    recommended changes, otherwise the unit's) taking effect on ``effective_date``
    (default: the decision's date; never earlier). Refused, with nothing written,
    while a line could not apply on that date."""
    effective_date = effective_date or decision.date
    if effective_date < decision.date:
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
        on=decision.date,
        subject=str(locked)[:255],
    ).text
    full_clean_issued(decision, "number")
    decision.save()
    created = DecisionLine.objects.bulk_create(
        DecisionLine(
            decision=decision,
            key=getattr(line, "key", uuid.uuid4()),
            **{name: getattr(line, name) for name in LINE_FIELDS},
        )
        for line in lines
    )
    if all(line.pk for line in created):
        # Applied in the same step (the flow's next node): not read again.
        locked.__dict__[APPROVED_HELD] = (decision, created)
    locked.outcome = JobPositionProject.Outcome.APPROVED
    return decision


@atomic
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
    return _decision_apply_locked(decision, actor=actor, ip=ip)


@atomic
def decision_apply_latest(
    *, project: JobPositionProject, actor: User | None = None, ip: str | None = None
) -> Decision | None:
    """Apply the dossier's latest decision (:func:`decision_apply`), read once,
    locked: the flow's step after the committee approves (the decision just made
    in the same step, with its lines, is not read again: nobody else sees it
    before the step commits)."""
    held = project.__dict__.pop(APPROVED_HELD, None)
    if held is not None:
        decision, lines = held
        return _decision_apply_locked(decision, actor=actor, ip=ip, lines=lines)
    decision = (
        Decision.objects.select_for_update()
        .filter(dossier_id=project.pk)
        .order_by("-created_at", "-pk")
        .first()
    )
    if decision is None:
        return None
    return _decision_apply_locked(decision, actor=actor, ip=ip)


def _decision_apply_locked(
    decision: Decision, *, actor: User | None, ip: str | None, lines=None
) -> Decision:
    if decision.applied_at is not None:
        return decision
    if decision.outcome != Decision.Outcome.APPROVED:
        raise ValidationError(
            _("Only an approval changes the establishment."), code="not_approved"
        )
    project = _lock(decision.dossier_id)
    _require_status(project, Status.APPROVED)
    last_day = decision.effective_date - datetime.timedelta(days=1)
    if lines is None:
        lines = list(
            decision.lines.select_related(
                "position", "catalogue_entry", "category", "rank"
            )
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
    _transition(
        project,
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


# --- the project's part in the shared steps ------------------------------------------


def _proposed_lines_write(
    locked: JobPositionProject, report: AppraisalReport, items
) -> None:
    """The report's lines as the appraiser proposes them ("approve with changes")."""
    built, errors = lines_build(
        project=locked,
        items=[(i + 1, item) for i, item in enumerate(items or [])],
        line_class=ReportLine,
    )
    _raise_line_errors(errors)
    report.lines.all().delete()
    for line in built:
        line.report = report
    ReportLine.objects.bulk_create(built)


def _proposed_lines_state(report: AppraisalReport) -> tuple:
    return tuple(
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
    )


def _report_ready(locked: JobPositionProject, report: AppraisalReport) -> None:
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


RULES = kind_rules_register(
    KindRules(
        model=JobPositionProject,
        appraise_permission="appraisal.appraise_project",
        decide_message=_(
            "Only the Provincial People's Committee decides on the project."
        ),
        require_complete=_require_complete_dossier,
        snapshot=_snapshot,
        criteria=lambda project: ChecklistCriterion.objects.filter(active=True),
        checks=lambda project: checklist_compute(project=project),
        report_fields={"proposed_lines": _proposed_lines_write},
        report_state=_proposed_lines_state,
        report_ready=_report_ready,
        approve=_approve,
    )
)
