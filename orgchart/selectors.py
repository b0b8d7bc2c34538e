"""Reads of the organisational chart, with the joins and the per-person scope done here.

Scope: a person with ``orgchart.view_all_units`` (Home Affairs, the committee,
observers, administrators) sees every unit; a unit officer or head sees the units
granted to them as guardian object permissions and everything below them.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from guardian.shortcuts import get_objects_for_user

from .models import (
    CatalogueEntry,
    ImportJob,
    JobPosition,
    PositionCategory,
    Rank,
    SalaryGroup,
    Unit,
    subtree_condition,
)
from .text import clean_text

SCOPE_PERMISSIONS = ["orgchart.act_for_unit", "orgchart.sign_for_unit"]


def unit_scope_filter(user) -> Q | None:
    """A filter on ``Unit`` for the units ``user`` may see; ``None`` means all."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.has_perm("orgchart.view_all_units"):
        return None
    granted_paths = get_objects_for_user(
        user,
        SCOPE_PERMISSIONS,
        klass=Unit,
        any_perm=True,
        with_superuser=False,
        accept_global_perms=False,
    ).values_list("path", flat=True)
    return subtree_condition(granted_paths)


def unit_list_visible(*, user) -> QuerySet[Unit]:
    """Every unit (any date) that ``user`` may see."""
    scope = unit_scope_filter(user)
    qs = Unit.objects.all()
    return qs if scope is None else qs.filter(scope)


#: Where the per-person answers below are kept: on the user object itself, which
#: Django builds afresh for every request, so a grant or a group change is seen
#: from the next request on and each answer costs one query per request at most.
_PERSON_CACHE = "_positionflow_scope_cache"


_IN_ACTION = "in_action"


def person_cache(user) -> dict:
    return user.__dict__.setdefault(_PERSON_CACHE, {})


@contextlib.contextmanager
def person_rights_in_action(user) -> Iterator[None]:
    """Inside the block, one action's transaction opened by the caller (a task
    page's POST, under the flow's lock), the person's roles and unit grants are
    read afresh once and every check of the action, the page's and the
    service's, uses that reading (:func:`person_rights_read_in_action`). Inside
    such a block already, the reading made for it is kept. A service may read
    another person's rights the same way (one query for both)."""
    cache = person_cache(user)
    if cache.get(_IN_ACTION):
        yield
        return
    cache.clear()
    cache[_IN_ACTION] = True
    if user.is_authenticated and user.is_active:
        # Every action checks both: its roles and its scope grants, one query.
        _grants_cache(user, SCOPE_PERMISSIONS, with_roles=True)
    try:
        yield
    finally:
        cache.pop(_IN_ACTION, None)


def person_rights_read_in_action(user) -> bool:
    """Whether ``user``'s roles and grants cached for this request were read
    inside the action's own transaction (:func:`person_rights_in_action`), so a
    service may rely on them instead of reading them again."""
    return bool(getattr(user, "__dict__", {}).get(_PERSON_CACHE, {}).get(_IN_ACTION))


def unit_paths_granted(*, user, perm: str) -> tuple[str, ...]:
    """Tree paths of the units on which ``user`` holds the object permission
    ``perm`` (``orgchart.act_for_unit`` or ``orgchart.sign_for_unit``); a grant
    covers the unit's subtree (Decree 62/2020/NĐ-CP Art. 7: the unit builds its
    own project). Global grants and the superuser flag do not count: per-unit
    rights are object permissions only. The grants of both scope permissions are
    read together, in one query per person and request; none for an anonymous or
    inactive person (who holds nothing)."""
    if not user.is_authenticated or not user.is_active:
        return ()
    cache = person_cache(user)
    key = ("paths", perm)
    if key not in cache:
        _grants_cache(user, SCOPE_PERMISSIONS if perm in SCOPE_PERMISSIONS else [perm])
    return cache[key]


def _grants_cache(user, perms, *, with_roles: bool = False) -> None:
    cache = person_cache(user)
    granted: dict[str, list[str]] = {each: [] for each in perms}
    roles = []
    for path, each in _unit_grants(user, perms, with_roles=with_roles):
        if each is None:
            roles.append(path)
        else:
            granted[each].append(path)
    for each, paths in granted.items():
        cache[("paths", each)] = tuple(sorted(set(paths)))
    if with_roles:
        cache["groups"] = frozenset(roles)


def _unit_grants(user, perms, *, with_roles=False) -> list[tuple[str, str | None]]:
    """``(unit path, permission)`` of every object permission among ``perms``
    (dotted) that ``user`` holds on a unit, directly or through a group: one
    query. The grants (few rows) are read first and their units found by key
    (guardian's ``get_objects_for_user`` compares every unit's id cast to text
    with the grants instead, which no index serves). ``with_roles``: also
    ``(group name, None)`` of each of the person's roles, in the same query.
    Every request of every person runs it: its SQL is written once
    (:func:`_unit_grants_sql`) rather than built by the ORM each time."""
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Unit).pk
    codenames = {each.split(".", 1)[1]: each for each in perms}
    grants = [content_type, *codenames]
    params = [user.pk, *grants, user.pk, *grants]
    if with_roles:
        params.append(user.pk)
    with connection.cursor() as cursor:
        cursor.execute(_unit_grants_sql(len(codenames), with_roles), params)
        rows = cursor.fetchall()
    return [
        (unit_path, codenames[codename] if codename else None)
        for unit_path, codename in rows
        if unit_path is not None
    ]


@functools.cache
def _unit_grants_sql(codenames: int, with_roles: bool) -> str:
    """The SQL of :func:`_unit_grants` for ``codenames`` permissions: the
    person's own grants, their groups' grants, and their groups' names."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from guardian.models import GroupObjectPermission, UserObjectPermission

    quote = connection.ops.quote_name
    unit, permission = quote(Unit._meta.db_table), quote(Permission._meta.db_table)
    members = quote(get_user_model().groups.through._meta.db_table)
    codes = ", ".join(["%s"] * codenames)
    # Only the models' table names and placeholders go into the text.
    path = f"(SELECT u.path FROM {unit} u WHERE u.id = CAST(g.object_pk AS BIGINT))"  # noqa: S608
    grants = f"g.content_type_id = %s AND p.codename IN ({codes})"
    sql = (
        f"SELECT {path}, p.codename"  # noqa: S608 - the models' names
        f" FROM {quote(UserObjectPermission._meta.db_table)} g"
        f" INNER JOIN {permission} p ON p.id = g.permission_id"
        f" WHERE g.user_id = %s AND {grants}"
        f" UNION ALL SELECT {path}, p.codename"
        f" FROM {quote(GroupObjectPermission._meta.db_table)} g"
        f" INNER JOIN {permission} p ON p.id = g.permission_id"
        f" WHERE g.group_id IN (SELECT m.group_id FROM {members} m"
        f" WHERE m.user_id = %s) AND {grants}"
    )
    if with_roles:
        # A role's row: its name, and no permission (every grant has one).
        sql += (
            f" UNION ALL SELECT r.name, '' FROM {quote(Group._meta.db_table)} r"  # noqa: S608
            f" INNER JOIN {members} m ON m.group_id = r.id WHERE m.user_id = %s"
        )
    return sql


def unit_party_ids(unit: Unit) -> set[int]:
    """Ids of the people who draft or sign for ``unit``: an object permission
    (``act_for_unit`` or ``sign_for_unit``) on it or an ancestor, granted to them
    or to one of their groups. One query."""
    return set(unit_party_query(unit))


def unit_party_query(unit: Unit) -> QuerySet:
    """The ids of :func:`unit_party_ids` as a query, to nest in another (the
    people a task may go to, less these) without a statement of its own."""
    from django.contrib.contenttypes.models import ContentType

    return unit_party_query_of(
        unit_keys=unit_grant_keys(unit),
        content_type=ContentType.objects.get_for_model(Unit).pk,
    )


def unit_grant_keys(unit: Unit) -> list[str]:
    """The keys under which a grant covering ``unit`` is recorded (guardian's
    ``object_pk``): the unit's and its ancestors'."""
    return [str(pk) for pk in [*unit.ancestor_ids, unit.pk]]


#: The unit permissions that make a person a party to the unit's dossiers (the
#: scope permissions' codenames).
UNIT_PARTY_CODENAMES = tuple(perm.split(".")[1] for perm in SCOPE_PERMISSIONS)


def unit_grantees_condition(
    *, unit_keys: list[str], content_type: int, codenames: list[str]
) -> Q:
    """The condition on people (``auth.User``) holding one of the unit
    permissions ``codenames`` on a unit whose grant keys are ``unit_keys``
    (``content_type``: the unit's), directly or through one of their groups;
    every value a parameter of the query."""
    from guardian.models import GroupObjectPermission, UserObjectPermission

    grants = {
        "content_type_id": content_type,
        "object_pk__in": unit_keys,
        "permission__codename__in": codenames,
    }
    direct = UserObjectPermission.objects.filter(**grants).values("user_id")
    through_groups = GroupObjectPermission.objects.filter(**grants).values("group_id")
    return Q(pk__in=direct) | Q(groups__in=through_groups)


def unit_party_query_of(*, unit_keys: list[str], content_type: int) -> QuerySet:
    """:func:`unit_party_query` of the unit whose grant keys are ``unit_keys``
    (``content_type``: the unit's), every value a parameter of the query."""
    from django.contrib.auth import get_user_model

    condition = unit_grantees_condition(
        unit_keys=unit_keys,
        content_type=content_type,
        codenames=list(UNIT_PARTY_CODENAMES),
    )
    return get_user_model().objects.filter(condition).values_list("pk", flat=True)


def person_name(user) -> str:
    """How a person is named to others (trails, documents, lists): their full
    name, their login only when no name was recorded; empty for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def user_group_names(*, user) -> frozenset[str]:
    """The product roles (group names, ``orgchart.permissions.Role``) ``user``
    holds; none when anonymous or inactive. One query per person per request."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cache = person_cache(user)
    if "groups" not in cache:
        cache["groups"] = frozenset(user.groups.values_list("name", flat=True))
    return cache["groups"]


def unit_list_granted(*, user) -> QuerySet[Unit]:
    """The units granted to a unit officer or head (the roots of their scope)."""
    return get_objects_for_user(
        user,
        SCOPE_PERMISSIONS,
        klass=Unit,
        any_perm=True,
        with_superuser=False,
        accept_global_perms=False,
    ).order_by("path")


def unit_list_matching(*, text: str) -> QuerySet[Unit]:
    """The units a person means by ``text`` typed in a unit filter: those whose
    code is ``text`` or whose name contains it, both ignoring case, the text in
    NFC like every stored name (``orgchart.text.clean_text``), so that a name
    typed decomposed or in capitals is found. Every unit, in force or not: the
    caller narrows an already scoped list with it, it never widens a scope."""
    text = clean_text(text or "").strip()
    if not text:
        return Unit.objects.none()
    return Unit.objects.filter(Q(code__iexact=text) | Q(name__icontains=text))


def unit_get(*, user, pk: int) -> Unit:
    """The unit ``pk`` if ``user`` may see it; ``Unit.DoesNotExist`` otherwise, so
    that a unit outside one's scope is indistinguishable from a missing one."""
    return unit_list_visible(user=user).select_related("parent").get(pk=pk)


def _headcount_subquery(as_of: datetime.date):
    """Each unit's own approved posts on ``as_of`` (an equality join: indexed)."""
    # SUM as a plain function, not an aggregate: no GROUP BY, one row per outer unit.
    total = (
        JobPosition.objects.active_on(as_of)
        .filter(unit=OuterRef("pk"))
        .order_by()
        .annotate(total=Func(F("headcount"), function="SUM"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def _headcount_by_path(paths, as_of: datetime.date) -> dict[str, int]:
    """Approved posts on ``as_of`` per unit path, over the subtrees of ``paths``:
    one grouped query whose prefix filters are constants (index-served)."""
    roots: list[str] = []
    for path in sorted(set(paths)):
        if not roots or not path.startswith(roots[-1]):
            roots.append(path)
    if not roots:
        return {}
    within = Q()
    for path in roots:
        within |= Q(unit__path__startswith=path)
    return dict(
        JobPosition.objects.active_on(as_of)
        .filter(within)
        .order_by()
        .values("unit__path")
        .annotate(total=Sum("headcount"))
        .values_list("unit__path", "total")
    )


def unit_set_subtree_headcount(*, units: list[Unit], as_of: datetime.date) -> None:
    """Set ``subtree_headcount`` (approved posts on ``as_of`` in the unit and all
    below it) on each of ``units``, in one query whatever their number.

    Summing along the materialised path in Python, rather than a correlated
    ``path LIKE outer.path || '%'`` per unit, keeps the cost proportional to the
    subtrees shown: such a pattern is unknown when the plan is made, so no index
    serves it and PostgreSQL scans every unit of the country once per row (see
    bench/README.md)."""
    by_path = {unit.path: unit for unit in units}
    for unit in units:
        unit.subtree_headcount = 0
    for path, total in _headcount_by_path(by_path, as_of).items():
        prefix = "/"
        for part in path.strip("/").split("/"):
            prefix = f"{prefix}{part}/"
            unit = by_path.get(prefix)
            if unit is not None:
                unit.subtree_headcount += total


def unit_list_tree(
    *, user, as_of: datetime.date, root: Unit | None = None
) -> list[Unit]:
    """The units ``user`` may see that are in force on ``as_of``, in tree order
    (each unit right after its parent), each annotated with ``headcount`` (its own
    approved posts on that date) and ``subtree_headcount``. Two queries whatever
    the size of the tree: the materialised path gives both the order and the
    subtree."""
    qs = Unit.objects.active_on(as_of)
    if root is not None:
        qs = qs.subtree_of(root)
    scope = unit_scope_filter(user)
    if scope is not None:
        qs = qs.filter(scope)
    units = list(qs.annotate(headcount=_headcount_subquery(as_of)).order_by("path"))
    unit_set_subtree_headcount(units=units, as_of=as_of)
    return units


@dataclass
class Establishment:
    """A unit's approved establishment on one date, with its totals."""

    unit: Unit
    as_of: datetime.date
    positions: list[JobPosition]
    by_category: list[dict] = field(default_factory=list)
    by_rank: list[dict] = field(default_factory=list)

    @property
    def total_headcount(self) -> int:
        return sum(row["headcount"] for row in self.by_category)

    @property
    def total_positions(self) -> int:
        return len(self.positions)


def unit_get_establishment(*, unit: Unit, as_of: datetime.date) -> Establishment:
    """The job positions of ``unit`` in force on ``as_of`` with totals by category
    and by rank (three queries, whatever the number of positions)."""
    active = JobPosition.objects.active_on(as_of).filter(unit=unit)
    positions = list(
        active.select_related(
            "category", "rank", "rank__salary_group", "catalogue_entry"
        )
    )
    by_category = list(
        active.order_by()
        .values("category__code", "category__name", "category__order")
        .annotate(positions=Count("pk"), headcount=Sum("headcount"))
        .order_by("category__order")
    )
    by_rank = list(
        active.order_by()
        .values("rank__code", "rank__name")
        .annotate(positions=Count("pk"), headcount=Sum("headcount"))
        .order_by("rank__code")
    )
    return Establishment(
        unit=unit,
        as_of=as_of,
        positions=positions,
        by_category=by_category,
        by_rank=by_rank,
    )


def unit_get_rollup(*, unit: Unit, as_of: datetime.date) -> dict:
    """Head-count roll-up over the subtree of ``unit`` on ``as_of``: the total and
    the share of each direct sub-unit (two queries: the sub-units, and the posts of
    the subtree grouped by unit)."""
    children = list(Unit.objects.active_on(as_of).filter(parent=unit).order_by("path"))
    by_child = {f"{child.path}": child for child in children}
    for child in children:
        child.subtree_headcount = 0
    per_path = (
        JobPosition.objects.active_on(as_of)
        .filter(unit__path__startswith=unit.path)
        .order_by()
        .values("unit__path")
        .annotate(headcount=Sum("headcount"), positions=Count("pk"))
    )
    headcount = positions = 0
    for row in per_path:
        headcount += row["headcount"]
        positions += row["positions"]
        child_id = row["unit__path"][len(unit.path) :].split("/", 1)[0]
        child = by_child.get(f"{unit.path}{child_id}/")
        if child is not None:
            child.subtree_headcount += row["headcount"]
    return {"headcount": headcount, "positions": positions, "children": children}


def unit_list_history(*, unit: Unit) -> QuerySet[JobPosition]:
    """Every position the unit has had, newest first, with its decision."""
    return (
        JobPosition.objects.filter(unit=unit)
        .select_related("category", "rank")
        .order_by("-valid_from", "name")
    )


# --- Pages of the organisational chart (the viewflow front end) -----------------


def unit_list_chart(
    *,
    user,
    as_of: datetime.date,
    root: Unit | None = None,
    search: str = "",
) -> QuerySet[Unit]:
    """The org-chart browser's rows: like :func:`unit_list_tree` (units in force on
    ``as_of`` that ``user`` may see, in tree order, with ``headcount``) but lazy, so
    a page of it costs one query for the rows and one for the count whatever the
    size of the province, and searchable by name, short name, code or official
    administrative code. Call :func:`unit_set_subtree_headcount` on the page."""
    qs = Unit.objects.active_on(as_of)
    if root is not None:
        qs = qs.subtree_of(root)
    scope = unit_scope_filter(user)
    if scope is not None:
        qs = qs.filter(scope)
    search = search.strip()
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(short_name__icontains=search)
            | Q(code__icontains=search)
            | Q(admin_code__icontains=search)
        )
    return (
        qs.select_related("parent")
        .annotate(headcount=_headcount_subquery(as_of))
        .order_by("path")
    )


@dataclass
class UnitPage:
    """Everything the unit page shows about one unit on one date: where it sits
    (visible ancestors, parent, sub-units), where it came from and went to
    (predecessors and successors of a reorganisation), its approved establishment
    with totals, the head-count roll-up of its subtree and the history of its
    positions. ``visible_ids`` are the related units ``user`` may open."""

    unit: Unit
    as_of: datetime.date
    ancestors: list[Unit]
    predecessors: list[Unit]
    successors: list[Unit]
    visible_ids: set[int]
    establishment: Establishment
    rollup: dict
    history: list[JobPosition]

    @property
    def children(self) -> list[Unit]:
        return self.rollup["children"]

    @property
    def in_force(self) -> bool:
        return self.unit.is_active_on(self.as_of)


def unit_get_page(*, user, pk: int, as_of: datetime.date) -> UnitPage:
    """The unit page of unit ``pk`` as of ``as_of`` for ``user``; raises
    ``Unit.DoesNotExist`` for a unit outside the person's scope. A fixed number of
    queries whatever the number of positions, sub-units or related units."""
    unit = unit_get(user=user, pk=pk)
    ancestors = list(Unit.objects.filter(pk__in=unit.ancestor_ids).order_by("path"))
    predecessors = list(unit.predecessors.order_by("path"))
    successors = list(unit.successors.order_by("path"))
    related = {u.pk for u in [*ancestors, *predecessors, *successors]}
    visible_ids = set(
        unit_list_visible(user=user).filter(pk__in=related).values_list("pk", flat=True)
    )
    rollup = unit_get_rollup(unit=unit, as_of=as_of)
    # Scope covers whole subtrees: the sub-units of a visible unit are visible.
    visible_ids.update(child.pk for child in rollup["children"])
    return UnitPage(
        unit=unit,
        as_of=as_of,
        ancestors=ancestors,
        predecessors=predecessors,
        successors=successors,
        visible_ids=visible_ids,
        establishment=unit_get_establishment(unit=unit, as_of=as_of),
        rollup=rollup,
        history=list(unit_list_history(unit=unit)),
    )


def salary_group_list() -> QuerySet[SalaryGroup]:
    """The salary groups of the coefficient scale (Decree 204/2004/NĐ-CP), highest
    first; each one's coefficients per step are computed from the row."""
    return SalaryGroup.objects.order_by("-step1", "code")


def rank_list() -> QuerySet[Rank]:
    """Civil-servant ranks and professional titles with their salary group, by kind
    and code."""
    return Rank.objects.select_related("salary_group").order_by("kind", "code")


def category_list() -> QuerySet[PositionCategory]:
    """The categories of job positions (Decree 62/2020/NĐ-CP Art. 5), in order."""
    return PositionCategory.objects.order_by("order", "code")


def catalogue_list(*, search: str = "") -> QuerySet[CatalogueEntry]:
    """The framework list of job positions with their category, by code;
    ``search`` matches words of the code or the name."""
    qs = CatalogueEntry.objects.select_related("category").order_by("code")
    for word in search.split():
        qs = qs.filter(Q(code__icontains=word) | Q(name__icontains=word))
    return qs


# ------------------------------------------------------------------ import jobs


def user_is_import_admin(*, user) -> bool:
    """An administrator (the role, or a superuser): sees every import job."""
    from .permissions import Role

    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or Role.ADMINISTRATOR in user_group_names(user=user)


def import_job_list_visible(*, user) -> QuerySet[ImportJob]:
    """The import jobs ``user`` may follow: their own, those of the units they act
    or sign for (and below), every one for an administrator."""
    if not user.is_authenticated or not user.is_active:
        return ImportJob.objects.none()
    jobs = ImportJob.objects.select_related("user", "unit")
    if user_is_import_admin(user=user):
        return jobs
    scope = Q(user=user)
    for perm in SCOPE_PERMISSIONS:
        for path in unit_paths_granted(user=user, perm=perm):
            scope |= Q(unit__path__startswith=path)
    return jobs.filter(scope)


def import_job_get(*, user, pk: int) -> ImportJob:
    """The job ``pk`` if ``user`` may follow it; ``ImportJob.DoesNotExist``
    otherwise (another's job is indistinguishable from a missing one)."""
    return import_job_list_visible(user=user).get(pk=pk)


@dataclass
class ImportJobState:
    """What the job page and its progress endpoint show: the state as a person
    should read it (a running job whose worker died is failed), and the
    counters, live from the worker while it runs."""

    job: ImportJob
    status: str
    stale: bool
    read: int
    validated: int
    written: int

    @property
    def finished(self) -> bool:
        return self.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED)

    @property
    def status_label(self) -> str:
        return str(ImportJob.Status(self.status).label)

    @property
    def total(self) -> int:
        return max(self.job.rows_total, self.read)

    def as_dict(self) -> dict:
        return {
            "id": self.job.pk,
            "status": self.status,
            "status_label": self.status_label,
            "stale": self.stale,
            "finished": self.finished,
            "rows_total": self.total,
            "rows_read": self.read,
            "rows_validated": self.validated,
            "rows_written": self.written,
            "error_count": self.job.error_count,
            "message": str(self.message),
        }

    @property
    def message(self):
        from django.utils.translation import gettext

        if self.stale:
            return gettext(
                "The background worker stopped while importing this file; nothing "
                "was written. Run the import again."
            )
        return self.job.message


def import_job_state(*, job: ImportJob) -> ImportJobState:
    from .import_jobs import import_job_stale, progress_read

    progress = progress_read(job) if job.status == ImportJob.Status.RUNNING else None
    stale = import_job_stale(job, progress)
    counters = (
        (progress["read"], progress["validated"], progress["written"])
        if progress
        else (job.rows_read, job.rows_validated, job.rows_written)
    )
    status = ImportJob.Status.FAILED if stale else job.status
    return ImportJobState(job, status, stale, *counters)
