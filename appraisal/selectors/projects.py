"""Reads of job-position projects, with each person's scope applied here, once.

Who sees which dossier (PRODUCT.md, "Who uses it"; issue 3 §5):

- a unit officer or unit head: every dossier, drafts included, of the units granted
  to them as guardian object permissions (``orgchart.act_for_unit`` /
  ``orgchart.sign_for_unit``) and of their sub-units;
- an appraiser: the dossiers assigned to them;
- reception, the division head, the director, the committee and observers: every
  dossier that has been submitted at least once. A draft is the unit's own work
  until its head signs it, so Home Affairs does not see it.

Anything outside a person's scope is answered as missing (``DoesNotExist``), so that
a page or a file of another unit is indistinguishable from one that does not exist.

The helpers ``user_roles`` and ``user_acts_for_unit`` answer "may this person act"
for the services, which check rights again whatever the caller did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from orgchart.models import Unit
from orgchart.permissions import Role
from orgchart.selectors import (
    person_rights_read_in_action,
    unit_paths_granted,
    user_group_names,
)

from ..models import (
    JOB_POSITION_KINDS,
    Attachment,
    AuditEntry,
    Decision,
    DecisionLine,
    Dossier,
    JobPositionProject,
    ProjectLine,
    Remark,
    Revision,
)
from .delegations import delegators_for

if TYPE_CHECKING:
    from .dossiers import UnitFilter

__all__ = [
    "PROJECT_RELATED",
    "FieldChange",
    "LineChange",
    "ProjectDiff",
    "appraiser_list_eligible",
    "attachment_get",
    "project_attachments",
    "project_audit",
    "project_decision_latest",
    "project_diff",
    "project_dossiers_for_user",
    "project_get",
    "project_ids_for_user",
    "project_ids_matching",
    "project_lines",
    "project_list_filter",
    "project_list_for_user",
    "project_remarks",
    "project_revisions",
    "project_scope",
    "project_visible",
    "user_acts_for_unit",
    "user_is_party_to_unit",
    "user_roles",
]

AnyUser = AbstractBaseUser | AnonymousUser

#: Home Affairs and committee roles that see every submitted dossier.
PROVINCE_WIDE_ROLES = frozenset(
    {Role.RECEPTION, Role.DIVISION_HEAD, Role.DIRECTOR, Role.COMMITTEE, Role.OBSERVER}
)

#: What a project is read with, for its lists and its pages.
PROJECT_RELATED = ("unit", "assigned_appraiser", "created_by")

ACT_FOR_UNIT = "orgchart.act_for_unit"
SIGN_FOR_UNIT = "orgchart.sign_for_unit"


def user_roles(user: AnyUser) -> frozenset[str]:
    """The product roles (group names) ``user`` holds; none when inactive. Read
    afresh: the services check rights inside their own transaction, whatever the
    page checked before; a reading made inside that same transaction (a task
    page's POST, ``orgchart.selectors.person_rights_in_action``) is reused."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if person_rights_read_in_action(user):
        return user_group_names(user=user)
    return frozenset(user.groups.values_list("name", flat=True))


def user_acts_for_unit(user: AnyUser, unit: Unit, perms: list[str] | str) -> bool:
    """Whether ``user`` holds one of ``perms`` as an object permission on ``unit`` or
    on one of its ancestors (a grant covers the subtree). Global grants and the
    superuser flag do not count: per-unit rights are object permissions only.
    Read afresh (one query), like :func:`user_roles`, unless read inside the
    action's own transaction already."""
    if not user.is_authenticated or not user.is_active:
        return False
    perms = [perms] if isinstance(perms, str) else list(perms)
    if person_rights_read_in_action(user):
        return any(
            unit.path.startswith(path)
            for perm in perms
            for path in unit_paths_granted(user=user, perm=perm)
        )
    ids = [*unit.ancestor_ids, unit.pk]
    return get_objects_for_user(
        user,
        perms,
        klass=Unit.objects.filter(pk__in=ids),
        any_perm=True,
        with_superuser=False,
        accept_global_perms=False,
    ).exists()


def user_is_party_to_unit(user: AnyUser, unit: Unit) -> bool:
    """Whether ``user`` drafts or signs for ``unit`` (separation of duties: such a
    person may neither appraise nor decide the unit's dossiers)."""
    return user_acts_for_unit(user, unit, [ACT_FOR_UNIT, SIGN_FOR_UNIT])


def project_scope(user: AnyUser) -> Q:
    """The dossiers of the job-position kinds ``user`` may see, as a condition on
    the dossier's own columns (see the module docstring)."""
    roles = user_group_names(user=user)
    if not roles and not (user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    scope = Q(pk__in=[])
    if roles & PROVINCE_WIDE_ROLES:
        scope |= Q(current_revision__gte=1)
    if Role.APPRAISER in roles:
        # The dossiers assigned to them, and to the appraisers they stand in for
        # today (``Delegation``): the absent person's scope, never wider.
        stands_for = delegators_for(user=user, roles=[Role.APPRAISER])
        scope |= Q(assigned_appraiser_id__in=[user.pk, *sorted(stands_for)])
    for path in sorted(_party_paths(user)):
        scope |= Q(unit__path__startswith=path)
    return scope


def _party_paths(user: AnyUser) -> set[str]:
    """Tree paths of the units ``user`` drafts or signs for."""
    return {
        path
        for perm in (ACT_FOR_UNIT, SIGN_FOR_UNIT)
        for path in unit_paths_granted(user=user, perm=perm)
    }


def project_scope_under(user: AnyUser, paths) -> bool:
    """Whether every dossier :func:`project_scope` lets ``user`` see belongs to a
    unit under one of the tree ``paths``: the person sees by unit grants alone
    (no province-wide role, not an appraiser) and each granted unit lies under
    one of ``paths``. A list already kept to the person's scope then needs no
    second condition on those units."""
    roles = user_group_names(user=user)
    if roles & PROVINCE_WIDE_ROLES or Role.APPRAISER in roles:
        return False
    return all(
        any(path.startswith(under) for under in paths) for path in _party_paths(user)
    )


def project_visible(user: AnyUser, project: JobPositionProject) -> bool:
    """Whether ``user`` may see ``project`` (read with its unit): the rule of
    :func:`project_scope`, evaluated on a row already read instead of in the
    query, so that a step's page reads its dossier by key alone
    (``tests/appraisal/test_scope_predicates.py`` holds the two equal)."""
    if not user.is_authenticated or not user.is_active:
        return False
    roles = user_group_names(user=user)
    if roles & PROVINCE_WIDE_ROLES and project.current_revision >= 1:
        return True
    appraiser = project.assigned_appraiser_id
    if Role.APPRAISER in roles and appraiser is not None:
        if appraiser == user.pk or appraiser in delegators_for(
            user=user, roles=[Role.APPRAISER]
        ):
            return True
    path = project.unit.path
    return any(
        path.startswith(granted)
        for perm in (ACT_FOR_UNIT, SIGN_FOR_UNIT)
        for granted in unit_paths_granted(user=user, perm=perm)
    )


def project_list_for_user(*, user: AnyUser) -> QuerySet[JobPositionProject]:
    """The dossiers ``user`` may see, newest first, with unit and appraiser joined
    (two queries to build the scope, once per request, and one to list,
    whatever the number of rows)."""
    if not user.is_authenticated or not user.is_active:
        return JobPositionProject.objects.none()
    return JobPositionProject.objects.filter(project_scope(user)).select_related(
        *PROJECT_RELATED
    )


def project_dossiers_for_user(*, user: AnyUser) -> QuerySet[Dossier]:
    """The dossiers of :func:`project_list_for_user` as rows of the dossiers' own
    table, picked by their kind (no join to the projects' table): for what
    reads only the dossier's columns (its key, its unit)."""
    if not user.is_authenticated or not user.is_active:
        return Dossier.objects.none()
    return Dossier.objects.filter(
        project_scope(user), dossier_kind__in=JOB_POSITION_KINDS
    ).order_by()


def project_ids_for_user(*, user: AnyUser) -> QuerySet[Dossier]:
    """The keys of the dossiers of :func:`project_list_for_user`: the subquery
    that keeps the flow's processes and tasks to a person's scope. Read from the
    dossiers' own table by their kind, PostgreSQL finds a unit's dossiers in one
    index (``dossier_unit_kind``) without the table: a department's 4,950
    dossiers at 50,000 in 1 ms instead of 8 (bench/README.md, "National
    volumes")."""
    return project_dossiers_for_user(user=user).values("pk")


def project_ids_matching(
    *,
    user: AnyUser,
    search: str = "",
    kind: str = "",
    status: str = "",
    unit: Unit | int | UnitFilter | None = None,
    due_state: str = "",
) -> QuerySet[Dossier]:
    """The keys of the dossiers of ``project_list_filter(project_list_for_user)``
    with these filters, read on the dossiers' own table (as
    :func:`project_ids_for_user`): each candidate is checked on its own row,
    not on the project's and then the dossier's."""
    return (
        project_list_filter(
            queryset=project_dossiers_for_user(user=user),
            search=search,
            kind=kind,
            status=status,
            unit=unit,
            due_state=due_state,
        )
        .order_by()
        .values("pk")
    )


def project_get(*, user: AnyUser, pk: int) -> JobPositionProject:
    """The dossier ``pk`` if ``user`` may see it; ``JobPositionProject.DoesNotExist``
    otherwise."""
    return project_list_for_user(user=user).get(pk=pk)


def project_lines(*, project: JobPositionProject) -> list[ProjectLine]:
    """The current lines with everything a table shows (one query)."""
    return list(
        project.lines.select_related(
            "position", "catalogue_entry", "category", "rank"
        ).order_by("order", "pk")
    )


def project_attachments(*, project: JobPositionProject) -> QuerySet[Attachment]:
    """The documents the unit attached (the generated official documents are
    listed with their state and signatures: ``documents.dossier_documents``)."""
    return (
        project.attachments.filter(issue__isnull=True)
        .select_related("uploaded_by")
        .order_by("kind", "pk")
    )


def project_remarks(
    *, project: JobPositionProject, open_only: bool = False
) -> QuerySet[Remark]:
    qs = project.remarks.select_related("author", "line")
    return qs.filter(resolved=False) if open_only else qs


def project_revisions(*, project: JobPositionProject) -> QuerySet[Revision]:
    return project.revisions.select_related("submitted_by").order_by("number")


def project_audit(*, project: JobPositionProject) -> QuerySet[AuditEntry]:
    """The dossier's history, oldest first, with who acted."""
    return AuditEntry.objects.filter(dossier=project).select_related(
        "actor", "on_behalf_of"
    )


#: Actions that send a dossier back to an earlier step, with a reason.
RETURN_ACTIONS = frozenset(
    {
        AuditEntry.Action.SUPPLEMENT_REQUESTED,
        AuditEntry.Action.REVISION_REQUESTED,
        AuditEntry.Action.SENT_BACK_TO_OFFICER,
        AuditEntry.Action.REPORT_SENT_BACK,
        AuditEntry.Action.RETURNED,
    }
)
#: Actions after which an earlier return no longer explains the current step.
_MOVED_ON_ACTIONS = frozenset(
    {
        AuditEntry.Action.SUBMITTED,
        AuditEntry.Action.ACCEPTED,
        AuditEntry.Action.APPRAISER_ASSIGNED,
        AuditEntry.Action.REPORT_COMPLETED,
        AuditEntry.Action.REPORT_SIGNED,
        AuditEntry.Action.APPROVED,
        AuditEntry.Action.REJECTED,
        AuditEntry.Action.REFUSED,
    }
)


def project_return_reason(*, audit: list[AuditEntry]) -> AuditEntry | None:
    """Why the dossier is at its current step again: the latest supplement
    request, revision request or send-back (its comment is the reason) that no
    later step has answered yet; ``None`` otherwise. ``audit`` is the dossier's
    history oldest first (:func:`project_audit`), read once by the page."""
    for entry in reversed(audit):
        if entry.action in RETURN_ACTIONS:
            return entry
        if entry.action in _MOVED_ON_ACTIONS:
            return None
    return None


def attachment_get(*, user: AnyUser, pk: int) -> Attachment:
    """An attachment of a dossier ``user`` may see; ``Attachment.DoesNotExist``
    otherwise (a file of another unit answers as missing)."""
    return (
        Attachment.objects.select_related("dossier")
        .filter(dossier__in=project_list_for_user(user=user).values("pk"))
        .get(pk=pk)
    )


def project_decision_latest(*, project: JobPositionProject) -> Decision | None:
    """The committee's latest answer on the dossier, with its lines (two queries)."""
    return (
        project.decisions.select_related("signer")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=DecisionLine.objects.select_related(
                    "position", "category", "rank", "created_position"
                ),
            )
        )
        .order_by("-created_at", "-pk")
        .first()
    )


# --- revision diff -------------------------------------------------------------

#: The fields of a frozen line compared between revisions, with their labels.
DIFF_FIELDS: list[tuple[str, Any]] = [
    ("action", _("action")),
    ("position", _("existing position")),
    ("catalogue", _("catalogue entry")),
    ("name", _("position name")),
    ("category", _("category")),
    ("rank", _("required rank")),
    ("headcount", _("headcount")),
    ("job_description", _("job description")),
    ("competency_framework", _("competency framework")),
]

#: Project fields frozen in a revision and compared as well.
DIFF_PROJECT_FIELDS: list[tuple[str, Any]] = [
    ("title", _("title")),
    ("kind", _("kind")),
    ("legal_basis", _("legal basis")),
    ("justification", _("justification")),
]


@dataclass
class FieldChange:
    field: str
    label: str
    before: Any
    after: Any


@dataclass
class LineChange:
    key: str
    before: dict
    after: dict
    fields: list[FieldChange]


@dataclass
class ProjectDiff:
    """What changed from revision ``a`` to revision ``b``: lines added, removed and
    changed (field by field, matched by their identity), and project fields."""

    revision_a: int
    revision_b: int
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[LineChange] = field(default_factory=list)
    project_fields: list[FieldChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.project_fields)


def _revision_number(value) -> int:
    return value.number if isinstance(value, Revision) else int(value)


def _line_value(line: dict, name: str):
    if name == "position":
        return line.get("position_name") if line.get("position_id") else None
    if name == "catalogue":
        return line.get("catalogue_code") or None
    if name == "category":
        return line.get("category_code") or None
    if name == "rank":
        return line.get("rank_code") or None
    return line.get(name)


def _line_identity(line: dict) -> str:
    return line["key"]


def project_diff(
    *,
    project: JobPositionProject,
    revision_a: int | Revision,
    revision_b: int | Revision,
) -> ProjectDiff:
    """Line-by-line changes between two revisions of ``project`` (one query).

    Lines are matched by their identity (``key``), which survives edits, so a line
    whose headcount changed shows as changed, not as removed and added.
    Raises ``Revision.DoesNotExist`` if either revision is missing.
    """
    a, b = _revision_number(revision_a), _revision_number(revision_b)
    snapshots = dict(
        Revision.objects.filter(dossier=project, number__in=[a, b]).values_list(
            "number", "snapshot"
        )
    )
    if a not in snapshots or b not in snapshots:
        raise Revision.DoesNotExist
    before, after = snapshots[a], snapshots[b]
    diff = ProjectDiff(revision_a=a, revision_b=b)
    old_lines = {_line_identity(line): line for line in before.get("lines", [])}
    new_lines = {_line_identity(line): line for line in after.get("lines", [])}
    for key, line in new_lines.items():
        if key not in old_lines:
            diff.added.append(line)
            continue
        changes = [
            FieldChange(
                field=name,
                label=str(label),
                before=_line_value(old_lines[key], name),
                after=_line_value(line, name),
            )
            for name, label in DIFF_FIELDS
            if _line_value(old_lines[key], name) != _line_value(line, name)
        ]
        if changes:
            diff.changed.append(
                LineChange(key=key, before=old_lines[key], after=line, fields=changes)
            )
    diff.removed = [line for key, line in old_lines.items() if key not in new_lines]
    old_project, new_project = before.get("project", {}), after.get("project", {})
    diff.project_fields = [
        FieldChange(
            field=name,
            label=str(label),
            before=old_project.get(name),
            after=new_project.get(name),
        )
        for name, label in DIFF_PROJECT_FIELDS
        if old_project.get(name) != new_project.get(name)
    ]
    return diff


def appraiser_list_eligible(*, project: JobPositionProject) -> QuerySet:
    """Active appraisers who may be assigned to ``project``: none of them holds
    ``act_for_unit`` or ``sign_for_unit`` on its unit or an ancestor, directly or
    through a group (separation of duties). Three queries whatever the number of
    people."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    unit = project.unit
    unit_ids = [str(pk) for pk in [*unit.ancestor_ids, unit.pk]]
    grants = {
        "content_type": ContentType.objects.get_for_model(Unit),
        "object_pk__in": unit_ids,
        "permission__codename__in": ["act_for_unit", "sign_for_unit"],
    }
    party_users = UserObjectPermission.objects.filter(**grants).values("user_id")
    party_groups = GroupObjectPermission.objects.filter(**grants).values("group_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.APPRAISER)
        .exclude(pk__in=party_users)
        .exclude(groups__in=party_groups)
        .order_by("username")
        .distinct()
    )


def project_list_filter(
    *,
    queryset: QuerySet[JobPositionProject] | QuerySet[Dossier],
    search: str = "",
    kind: str = "",
    status: str = "",
    unit: Unit | int | UnitFilter | None = None,
    due_state: str = "",
) -> QuerySet[JobPositionProject]:
    """``queryset`` narrowed as every list of dossiers narrows
    (:func:`appraisal.selectors.dossiers.dossier_list_filter`: words, status, unit,
    deadline state) and by the project's kind (first approval or adjustment).
    Never widens the person's scope: it only filters."""
    from .dossiers import dossier_list_filter

    # The kind through the dossier's own column (which follows the project's),
    # so that the dossiers' rows (``project_dossiers_for_user``) filter too.
    return dossier_list_filter(
        queryset=queryset,
        search=search,
        status=status,
        unit=unit,
        due_state=due_state,
        dossier_kind=JobPositionProject.dossier_kind_for(kind) if kind else "",
    )
