"""Who may take which task of a job-position project.

Decree 62/2020/NĐ-CP Art. 7 splits the procedure between the proposing unit (its
personnel officer drafts, its head signs and submits) and the Department of Home
Affairs (the one-stop desk receives, the division head assigns, an appraiser
appraises, the director signs), and the Provincial People's Committee decides.

Unit people act through guardian *object* permissions on a unit, covering its
sub-units (``orgchart.act_for_unit`` drafts, ``orgchart.sign_for_unit`` signs);
Home Affairs and the committee act by role (group). Separation of duties: a person
holding either unit permission over the dossier's unit never takes a Home Affairs or
committee task of that dossier, whatever their groups.

Everything here reads the database at most once per person and permission and
request (``orgchart.selectors.unit_paths_granted`` and ``user_group_names`` keep
the answers on the user object, which lives for one request).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.selectors.delegations import (
    appraiser_or_delegate,
    delegators_for,
    has_stand_in,
)
from orgchart.frozen_queries import FrozenQuery
from orgchart.models import Unit, subtree_condition
from orgchart.permissions import ROLE_LABELS, Role
from orgchart.selectors import (
    unit_grant_keys,
    unit_grantees_condition,
    unit_party_ids,
    unit_party_query_of,
    unit_paths_granted,
    user_group_names,
)

ACT_FOR_UNIT = "orgchart.act_for_unit"
SIGN_FOR_UNIT = "orgchart.sign_for_unit"
UNIT_PERMISSIONS = (ACT_FOR_UNIT, SIGN_FOR_UNIT)

#: Tasks of the proposing unit, by the unit permission they need.
UNIT_TASKS: dict[str, str] = {
    "draft": ACT_FOR_UNIT,
    "revise": ACT_FOR_UNIT,
    "submit": SIGN_FOR_UNIT,
}

#: Tasks of the Department of Home Affairs and the committee, by role. A node
#: name means the same step in every flow (``decide`` is the committee's).
ROLE_TASKS: dict[str, str] = {
    "receive": Role.RECEPTION,
    "assign_appraiser": Role.DIVISION_HEAD,
    "review_report": Role.DIVISION_HEAD,
    "sign_report": Role.DIRECTOR,
    "decide": Role.COMMITTEE,
    # The staffing plan (workflows.flows.staffing): the division head closes the
    # collection and records the People's Council resolution, any appraiser of
    # the division reviews a unit's proposal, the committee allocates.
    "close_collection": Role.DIVISION_HEAD,
    "record_resolution": Role.DIVISION_HEAD,
    "review": Role.APPRAISER,
    "allocate": Role.COMMITTEE,
    # A unit consolidation (workflows.flows.consolidation): the division head
    # records the external decisions (People's Council, NA Standing Committee).
    "record_external_decisions": Role.DIVISION_HEAD,
}

#: The Home Affairs roles that propose a consolidation of their own motion.
HOME_AFFAIRS_PROPOSERS = frozenset({Role.DIVISION_HEAD, Role.APPRAISER})

#: Tasks of the proposing side of a dossier a unit or Home Affairs may propose
#: (a unit consolidation), by node: the unit permission they need when a unit
#: proposed it, the Home Affairs roles when Home Affairs did (its director signs
#: the Department's own submission).
PROPOSER_TASKS: dict[str, tuple[str, frozenset]] = {
    "propose": (ACT_FOR_UNIT, HOME_AFFAIRS_PROPOSERS),
    "submit_proposal": (SIGN_FOR_UNIT, frozenset({Role.DIRECTOR})),
}

#: Tasks only the appraiser assigned to the dossier performs.
APPRAISER_TASKS = frozenset({"appraise"})


def granted_unit_paths(user, perm: str) -> tuple[str, ...]:
    """Tree paths of the units on which ``user`` holds the object permission
    ``perm`` (global grants are ignored on purpose: per-unit rights are object
    permissions only); read once per request."""
    return unit_paths_granted(user=user, perm=perm)


def group_names(user) -> frozenset[str]:
    return user_group_names(user=user)


def unit_filter(user, perm: str, *, prefix: str = "") -> Q:
    """A filter for rows whose unit (reached through ``prefix``) lies in the
    subtree of a unit where ``user`` holds ``perm``; matches nothing without one."""
    return subtree_condition(granted_unit_paths(user, perm), prefix)


def holds_unit_permission(user, perm: str, unit: Unit) -> bool:
    """``user`` holds ``perm`` on ``unit`` or one of its ancestors."""
    return any(unit.path.startswith(path) for path in granted_unit_paths(user, perm))


def acts_for_unit(user, unit: Unit) -> bool:
    """Drafts or signs for ``unit``: the person must not appraise or decide it."""
    return any(holds_unit_permission(user, perm, unit) for perm in UNIT_PERMISSIONS)


def party_user_ids(unit: Unit) -> set[int]:
    """Ids of the people who draft or sign for ``unit`` (an object permission on
    it or an ancestor, granted to them or to one of their groups): one query."""
    return unit_party_ids(unit)


def may_start(user) -> bool:
    """A unit officer (act_for_unit somewhere) may open a new draft."""
    return bool(granted_unit_paths(user, ACT_FOR_UNIT))


def may_open_staffing_plan(user) -> bool:
    """The head of the organisation and staffing division opens a year's
    staffing cycle (Dispatch 4966/BNV-TCBC: Home Affairs asks the units)."""
    return Role.DIVISION_HEAD in group_names(user)


def may_propose_consolidation(user) -> bool:
    """A unit officer (for the unit's own sub-units) or Home Affairs proposes a
    consolidation (Decree 158/2018/NĐ-CP Art. 6; Res. 35/2023/UBTVQH15 Art. 8)."""
    return may_start(user) or bool(HOME_AFFAIRS_PROPOSERS & group_names(user))


def may_take(user, node_name: str, project) -> bool:
    """May ``user`` take (assign to themselves) and perform the task ``node_name``
    of ``project``?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if node_name in UNIT_TASKS:
        return holds_unit_permission(user, UNIT_TASKS[node_name], project.unit)
    if node_name in ROLE_TASKS:
        return ROLE_TASKS[node_name] in group_names(user) and not acts_for_unit(
            user, project.unit
        )
    if node_name in APPRAISER_TASKS:
        return _appraiser_or_delegate(user, project) and not acts_for_unit(
            user, project.unit
        )
    if node_name in PROPOSER_TASKS:
        return may_propose_for(user, project, node_name)
    return False


def _appraiser_or_delegate(user, dossier) -> bool:
    """The appraiser assigned to ``dossier``, or an appraiser standing in for
    them today (``appraisal.models.Delegation``)."""
    if dossier.assigned_appraiser_id == user.pk:
        return dossier.assigned_appraiser_id is not None
    return Role.APPRAISER in group_names(user) and appraiser_or_delegate(user, dossier)


# --- delegation: standing in for an absent colleague ----------------------------

#: The role each unit permission belongs to.
PERMISSION_ROLES = {ACT_FOR_UNIT: Role.UNIT_OFFICER, SIGN_FOR_UNIT: Role.UNIT_HEAD}


def node_roles(node_name: str) -> frozenset[str]:
    """The roles whose people perform the task ``node_name`` (a delegation in
    one of them lets the delegate act on the absent person's task)."""
    if node_name in UNIT_TASKS:
        return frozenset({PERMISSION_ROLES[UNIT_TASKS[node_name]]})
    if node_name in ROLE_TASKS:
        return frozenset({ROLE_TASKS[node_name]})
    if node_name in APPRAISER_TASKS:
        return frozenset({Role.APPRAISER})
    if node_name in PROPOSER_TASKS:
        perm, roles = PROPOSER_TASKS[node_name]
        return frozenset({PERMISSION_ROLES[perm], *roles})
    return frozenset()


def stands_in_for(user, node_name: str, owner_id: int | None) -> bool:
    """``user`` stands in today for ``owner_id`` in a role of ``node_name``."""
    if owner_id is None or owner_id == user.pk:
        return False
    return owner_id in delegators_for(user=user, roles=node_roles(node_name))


def may_act(user, node_name: str, dossier, owner_id: int | None) -> bool:
    """May ``user`` perform the task ``node_name`` of ``dossier`` held by
    ``owner_id``: their own, or the absent colleague's they stand in for —
    always within :func:`may_take` (scope and separation of duties hold)."""
    if owner_id is None:
        return False
    if owner_id != user.pk and not stands_in_for(user, node_name, owner_id):
        return False
    return may_take(user, node_name, dossier)


def acting_for(user, node_name: str, dossier, owner) -> object | None:
    """The absent person ``user`` acts for on this task, if any: the task's
    holder they stand in for, or the appraiser assigned to the dossier."""
    if owner is not None and stands_in_for(user, node_name, owner.pk):
        return owner
    if (
        node_name in APPRAISER_TASKS
        and dossier.assigned_appraiser_id
        and dossier.assigned_appraiser_id != user.pk
    ):
        return dossier.assigned_appraiser
    return None


def inbox_filter(user, flow_class) -> Q:
    """The tasks of ``flow_class`` held by ``user``, and those held by the people
    they stand in for today at a step of the delegated role — never the dossiers
    of units ``user`` drafts or signs for at a Home Affairs or committee step
    (separation of duties); the caller keeps to the dossiers ``user`` may see."""
    condition = Q(owner=user)
    if not delegators_for(user=user, roles=node_roles_all()):
        return condition
    from appraisal.models import Dossier

    party = unit_filter(user, ACT_FOR_UNIT, prefix="unit__") | unit_filter(
        user, SIGN_FOR_UNIT, prefix="unit__"
    )
    own = Dossier.objects.filter(party).order_by().values("pk")
    for node in flow_class.instance.nodes():
        name = getattr(node, "name", "")
        owners = delegators_for(user=user, roles=node_roles(name))
        if not owners:
            continue
        clause = Q(flow_task=node, owner_id__in=sorted(owners))
        if name not in UNIT_TASKS and name not in PROPOSER_TASKS:
            clause &= ~Q(process__artifact_object_id__in=own)
        condition |= clause
    return condition


def node_roles_all() -> frozenset[str]:
    """Every role that performs some task."""
    roles: set[str] = set()
    for name in (*UNIT_TASKS, *ROLE_TASKS, *APPRAISER_TASKS, *PROPOSER_TASKS):
        roles |= node_roles(name)
    return frozenset(roles)


def may_propose_for(user, dossier, node_name: str = "propose") -> bool:
    """May ``user`` take the proposing side's task ``node_name`` of ``dossier``:
    the unit's people when the unit proposed it, Home Affairs (never someone who
    acts for the unit) when Home Affairs did."""
    perm, roles = PROPOSER_TASKS[node_name]
    if getattr(dossier, "proposed_by_home_affairs", False):
        return bool(roles & group_names(user)) and not acts_for_unit(user, dossier.unit)
    return holds_unit_permission(user, perm, dossier.unit)


#: Who performs the tasks of the proposing unit and the appraiser's, in words.
_PERFORMERS = {
    "draft": _("the unit officers of the dossier's unit"),
    "revise": _("the unit officers of the dossier's unit"),
    "submit": _("the head of the dossier's unit"),
    "appraise": _("the appraiser assigned to the dossier"),
    "propose": _("the proposer of the dossier"),
    "submit_proposal": _(
        "the head of the dossier's unit, or the director of Home Affairs for its "
        "own proposal"
    ),
}


def task_performer(node_name: str) -> str:
    """Who may perform the task ``node_name``, in words for a refusal page (the
    rule itself is :func:`may_take`)."""
    if node_name in ROLE_TASKS:
        return str(ROLE_LABELS[ROLE_TASKS[node_name]])
    return str(_PERFORMERS.get(node_name, ""))


def _people_granted(*, unit_keys: list[str], content_type: int, codename: str):
    from django.contrib.auth import get_user_model

    condition = unit_grantees_condition(
        unit_keys=unit_keys, content_type=content_type, codenames=[codename]
    )
    return get_user_model().objects.filter(is_active=True).filter(condition).distinct()


def _people_in_roles(*, roles: list[str], unit_keys: list[str], content_type: int):
    from django.contrib.auth import get_user_model

    parties = unit_party_query_of(unit_keys=unit_keys, content_type=content_type)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(groups__name__in=roles)
        .exclude(pk__in=parties)
        .distinct()
    )


def _candidates(node_name: str, project):
    """How the people who may take ``node_name`` of ``project`` are found: a
    query's builder and its values (every one a parameter, so that the query
    can be frozen: ``orgchart.frozen_queries``), or the list of them."""
    from django.contrib.contenttypes.models import ContentType

    unit_perm = UNIT_TASKS.get(node_name)
    roles: frozenset = (
        frozenset({ROLE_TASKS[node_name]}) if node_name in ROLE_TASKS else frozenset()
    )
    if node_name in PROPOSER_TASKS:
        perm, ha_roles = PROPOSER_TASKS[node_name]
        if getattr(project, "proposed_by_home_affairs", False):
            roles = ha_roles
        else:
            unit_perm = perm
    if unit_perm is not None or roles:
        values = {
            "unit_keys": unit_grant_keys(project.unit),
            "content_type": ContentType.objects.get_for_model(Unit).pk,
        }
        if unit_perm is not None:
            return _people_granted, {**values, "codename": unit_perm.split(".")[1]}
        return _people_in_roles, {**values, "roles": sorted(roles)}
    if node_name in APPRAISER_TASKS and project.assigned_appraiser_id:
        appraiser = project.assigned_appraiser
        if appraiser.is_active and not acts_for_unit(appraiser, project.unit):
            return [appraiser]
    return []


def candidate_people(node_name: str, project):
    """The active people who may take the task ``node_name`` of ``project`` (the
    rule of :func:`may_take`, asked the other way round), as a query of users or,
    for the appraisal, a list: unit tasks by the unit permission on the dossier's
    unit or an ancestor, granted to the person or to one of their groups; Home
    Affairs and committee tasks by group, minus the people who draft or sign for
    the dossier's unit (separation of duties); the appraisal only by the
    appraiser assigned to the dossier. Evaluating it costs one query."""
    found = _candidates(node_name, project)
    if isinstance(found, list):
        return found
    build, values = found
    return build(**values)


def candidate_ids(node_name: str, project) -> set[int]:
    """Ids of :func:`candidate_people`."""
    people = candidate_people(node_name, project)
    if isinstance(people, list):
        return {person.pk for person in people}
    return set(people.values_list("pk", flat=True))


def _with_stand_in(build, limit: int | None):
    def people(*, stand_in_roles: list[str], day, **values):
        stand_in = has_stand_in(roles=stand_in_roles, day=day)
        found = build(**values).annotate(has_stand_in=stand_in)
        return found if limit is None else found[:limit]

    return FrozenQuery(people)


_BUILDS = (_people_granted, _people_in_roles)
#: :func:`sole_candidate`'s queries and :func:`candidates_read`'s, compiled once
#: (every step that creates a task runs one of them).
_SOLE = {build: _with_stand_in(build, 2) for build in _BUILDS}
_EVERY = {build: _with_stand_in(build, None) for build in _BUILDS}


def candidates_read(node_name: str, project) -> list:
    """The people of :func:`candidate_people`, read whole in one query, each with
    whether someone stands in for them today (``has_stand_in``; not on the
    assigned appraiser, who comes as the dossier holds them)."""
    found = _candidates(node_name, project)
    if isinstance(found, list):
        return found
    build, values = found
    return _EVERY[build](
        **values,
        stand_in_roles=sorted(node_roles(node_name)),
        day=timezone.localdate(),
    )


def sole_candidate(node_name: str, project):
    """The one active person who may take the task ``node_name`` of ``project``,
    or ``None`` when nobody or several people may (the task then waits in the
    queue of everyone who may take it). A task only one person can do is given to
    them when it is created, so it is in their inbox at once instead of waiting to
    be claimed. The people are read whole, two at most: no second read of the
    one found, who comes with whether someone stands in for them today
    (``has_stand_in``, so that telling them of the task needs no query for it)."""
    found = _candidates(node_name, project)
    if not isinstance(found, list):
        build, values = found
        found = _SOLE[build](
            **values,
            stand_in_roles=sorted(node_roles(node_name)),
            day=timezone.localdate(),
        )
    return found[0] if len(found) == 1 else None


def revise_owner(project):
    """Who revises a dossier returned to the unit: the officer who drafted it if
    they may still draft for its unit, otherwise the sole candidate (or nobody:
    the task waits in the unit officers' queue)."""
    author = project.created_by
    if (
        author is not None
        and author.is_active
        and holds_unit_permission(author, UNIT_TASKS["revise"], project.unit)
    ):
        return author
    return sole_candidate("revise", project)


def proposer_owner(dossier):
    """Who a proposal step goes to: its author while they may still propose for
    the dossier, otherwise nobody (the step waits in the proposers' queue)."""
    author = dossier.created_by
    if author is not None and author.is_active and may_propose_for(author, dossier):
        return author
    return None


def may_reassign_appraisers(user) -> bool:
    """The head of the organisation and payroll division, or the director, moves
    an absent appraiser's dossiers to another appraiser."""
    return bool({Role.DIVISION_HEAD, Role.DIRECTOR} & group_names(user))


def appraiser_filter(user) -> Q:
    """A filter for the dossiers ``user`` appraises: assigned to them, or to an
    appraiser they stand in for today — minus, for the latter, the dossiers of
    units ``user`` drafts or signs for (separation of duties)."""
    condition = Q(assigned_appraiser=user)
    if Role.APPRAISER not in group_names(user):
        return condition
    stands_for = delegators_for(user=user, roles=[Role.APPRAISER])
    if stands_for:
        party = unit_filter(user, ACT_FOR_UNIT, prefix="unit__") | unit_filter(
            user, SIGN_FOR_UNIT, prefix="unit__"
        )
        condition |= Q(assigned_appraiser_id__in=sorted(stands_for)) & ~party
    return condition
