"""Writes of unit consolidations (sắp xếp, tổ chức lại đơn vị): the dossier and its
operations, the position mapping (proposed by default, edited in the browser or
from Excel), the external resolutions, and applying the operations to the org
chart on their effective date (Decree 158/2018/NĐ-CP for agencies; Res.
35/2023/UBTVQH15 and 76/2025/UBTVQH15 for administrative units).

The shared steps (submission, reception, appraisal, report, decision) are those
of every dossier (``appraisal.services.dossiers``); this module registers what is
special about a consolidation (:data:`RULES`). What the operations do before the
decision (the impact statement) is computed in
``appraisal.services.consolidation_impact``.

Every write locks the dossier (and the units it names), checks the status and the
actor's right in its own transaction and writes one audit row.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from orgchart.frozen_queries import FrozenQuery
from orgchart.models import JobPosition, Unit, subtree_condition
from orgchart.permissions import Role
from orgchart.services import (
    position_bulk_close,
    position_bulk_create,
    unit_bulk_create,
    unit_close,
)
from orgchart.spreadsheets import fold
from orgchart.transactions import atomic

from ..models import (
    AuditEntry,
    Consolidation,
    ConsolidationOperation,
    Decision,
    Dossier,
    DossierKind,
    ExternalDecision,
    OperationSource,
    OperationSuccessor,
    PositionMapping,
    UnitQuota,
)
from ..selectors.delegations import appraiser_or_delegate
from ..selectors.projects import ACT_FOR_UNIT, user_acts_for_unit, user_roles
from .dossiers import (
    COMMITTEE_ISSUER,
    KindRules,
    audit_created,
    dossier_lock,
    dossier_sync,
    dossier_transition,
    kind_rules_register,
    require_known_fields,
    require_status,
    require_unit_head,
    require_version,
    today,
)
from .numbering import DECISION, full_clean_issued, number_issue

__all__ = [
    "HOME_AFFAIRS_ROLES",
    "ImpactRow",
    "ImpactStatement",
    "consolidation_checks",
    "impact_compute",
    "mapping_build",
    "mapping_import",
    "mapping_may_edit",
    "mapping_template",
    "operation_positions",
    "operations_pending",
    "proposed_mapping",
    "consolidation_apply",
    "consolidation_create",
    "consolidation_update",
    "external_decision_record",
    "mapping_default",
    "mapping_save",
    "mapping_unmapped",
    "operation_add",
    "operation_remove",
]

Status = Dossier.Status
Action = AuditEntry.Action
Kind = ConsolidationOperation.Kind
MappingAction = PositionMapping.Action

#: Who proposes a consolidation for Home Affairs (any unit of the province).
HOME_AFFAIRS_ROLES = frozenset({Role.DIVISION_HEAD, Role.APPRAISER})

#: The number of sources and of successors (not counting the sub-units of a new
#: successor) each kind of operation takes: (least, most or None), and whether its
#: successors are new units (True), existing ones (False) or either (None).
SHAPES = {
    Kind.MERGE: ((2, None), (1, 1), True),
    Kind.ABSORB: ((1, None), (1, 1), False),
    Kind.SPLIT: ((1, 1), (2, None), None),
    Kind.DISSOLVE: ((1, None), (0, 0), None),
    Kind.RENAME: ((1, 1), (1, 1), True),
    Kind.ESTABLISH: ((0, 0), (1, None), True),
}

#: How a source unit ends, by the kind of operation that closes it.
CLOSING_STATUS = {
    Kind.MERGE: Unit.Status.MERGED,
    Kind.ABSORB: Unit.Status.MERGED,
    Kind.SPLIT: Unit.Status.SPLIT,
    Kind.DISSOLVE: Unit.Status.DISSOLVED,
    Kind.RENAME: Unit.Status.RENAMED,
}

#: Fields of the dossier the proposer may change.
EDITABLE_FIELDS = ("title", "legal_basis", "justification", "scope")

#: A dossier of these statuses no longer holds its units.
_DONE = (*Dossier.FINAL_STATUSES,)


# --- rights -----------------------------------------------------------------------


def _is_home_affairs(user) -> bool:
    return bool(user_roles(user) & HOME_AFFAIRS_ROLES)


def _require_proposer(user, consolidation: Consolidation) -> None:
    """Home Affairs for its own proposals; an officer of the unit for the unit's."""
    if consolidation.proposed_by_home_affairs:
        allowed = _is_home_affairs(user)
    else:
        allowed = user_acts_for_unit(user, consolidation.unit, ACT_FOR_UNIT)
    if not allowed:
        raise ValidationError(
            _("Only the proposer of this consolidation may change it."),
            code="not_proposer",
        )


def _lock(consolidation: Consolidation | int) -> Consolidation:
    return dossier_lock(consolidation)


def _write(locked, dossier, *, user, action, comment="", ip=None) -> None:
    """A change that keeps the status: new version, audit row, caller synced;
    the operations read before it are read again after it."""
    _operations_forget(locked)
    dossier_transition(
        locked,
        locked,
        actor=user,
        action=action,
        from_status=locked.status,
        comment=comment,
        ip=ip,
    )
    dossier_sync(locked, dossier)


def _date(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


# --- the dossier -------------------------------------------------------------------


@atomic
def consolidation_create(
    *,
    user: User,
    unit: Unit,
    title: str,
    scope: str,
    legal_basis: str = "",
    justification: str = "",
    ip: str | None = None,
) -> Consolidation:
    """Open a draft consolidation concerning ``unit`` (the unit whose sub-units
    change, or the province's committee for a province-wide project). Home
    Affairs may propose one for any unit; an officer of a unit only for the
    unit's own sub-units (then the operations must stay below it)."""
    home_affairs = _is_home_affairs(user)
    if not home_affairs and not user_acts_for_unit(user, unit, ACT_FOR_UNIT):
        raise ValidationError(
            _(
                "Only Home Affairs, or an officer of %(unit)s for its own sub-units, "
                "may propose this consolidation."
            ),
            code="not_proposer",
            params={"unit": unit},
        )
    if not unit.is_active_on(today()):
        raise ValidationError(
            _("%(unit)s is no longer in force; it cannot open a new dossier."),
            code="unit_closed",
            params={"unit": unit},
        )
    consolidation = Consolidation(
        dossier_kind=DossierKind.CONSOLIDATION,
        unit=unit,
        title=(title or "").strip(),
        scope=scope,
        legal_basis=legal_basis,
        justification=justification,
        proposed_by_home_affairs=home_affairs,
        created_by=user,
    )
    consolidation.full_clean()
    consolidation.save()
    audit_created(consolidation, actor=user, ip=ip)
    return consolidation


@atomic
def consolidation_update(
    *,
    user: User,
    consolidation: Consolidation,
    version: int | None = None,
    ip: str | None = None,
    **fields,
) -> Consolidation:
    """Change the title, legal basis, justification or scope while the proposer
    holds the dossier."""
    require_known_fields(fields, EDITABLE_FIELDS)
    locked = _lock(consolidation)
    _require_proposer(user, locked)
    require_status(locked, *Dossier.EDITABLE_STATUSES)
    require_version(locked, version)
    for name, value in fields.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _write(locked, consolidation, user=user, action=Action.UPDATED, ip=ip)
    return consolidation


# --- operations --------------------------------------------------------------------


def _lock_units(ids) -> dict[int, Unit]:
    """The units' rows locked in a fixed order (two consolidations reaching for
    the same units queue on them instead of deadlocking)."""
    ids = sorted({pk for pk in ids if pk is not None})
    if not ids:
        return {}
    return {unit.pk: unit for unit in _UNITS_LOCKED(units=ids)}


#: The units' rows locked in the order of their keys (adding an operation and
#: applying the decision lock the units they touch), compiled once per number of
#: units.
_UNITS_LOCKED = FrozenQuery(
    lambda units: Unit.objects.select_for_update().filter(pk__in=units).order_by("pk")
)


def _in_progress(exclude: Consolidation):
    """Operations of other consolidations not applied yet, whose dossier is still
    alive."""
    return ConsolidationOperation.objects.filter(applied_at__isnull=True).exclude(
        Q(consolidation_id=getattr(exclude, "pk", exclude))
        | Q(consolidation__status__in=_DONE)
    )


def _require_free(units: list[Unit], consolidation: Consolidation) -> None:
    """None of ``units`` is a source or an existing successor of another
    consolidation in progress."""
    ids = [unit.pk for unit in units]
    if not ids:
        return
    # One statement finds an operation in the way; which of the units it holds
    # is read only when there is one, to name it in the refusal.
    found = _BUSY(consolidation=consolidation.pk, units=ids)
    if found:
        busy = found[0]
        held = {source.unit_id for source in busy.sources.all()} | {
            successor.unit_id for successor in busy.successors.all()
        }
        raise ValidationError(
            _(
                "%(unit)s is already in another consolidation in progress "
                "(“%(dossier)s”); it can take part in one only at a time."
            ),
            code="unit_in_other_consolidation",
            params={
                "unit": next(unit for unit in units if unit.pk in held),
                "dossier": Consolidation.objects.get(pk=busy.consolidation_id),
            },
        )


#: An operation of another consolidation in progress (not applied, its dossier
#: alive) with one of ``units`` as a source or an existing successor.
_BUSY = FrozenQuery(
    lambda consolidation, units: (
        _in_progress(consolidation)
        .filter(Q(sources__unit_id__in=units) | Q(successors__unit_id__in=units))
        .only("consolidation_id")
        .order_by()[:1]
    )
)


def _require_within(
    unit: Unit, consolidation: Consolidation, *, or_itself: bool = False
) -> None:
    """A unit's own proposal reorganises only the units below it (a new unit
    may be placed directly under the proposing unit itself: ``or_itself``)."""
    if consolidation.proposed_by_home_affairs:
        return
    root = consolidation.unit
    if (unit.pk == root.pk and not or_itself) or not unit.path.startswith(root.path):
        raise ValidationError(
            _(
                "%(unit)s is not a sub-unit of %(root)s; only Home Affairs may "
                "reorganise it."
            ),
            code="outside_proposer_unit",
            params={"unit": unit, "root": root},
        )


def _count_error(kind: str, what, least: int, most: int | None) -> ValidationError:
    if most == least:
        message = _("A %(kind)s operation takes exactly %(n)s %(what)s.")
    elif most is None:
        message = _("A %(kind)s operation takes at least %(n)s %(what)s.")
    else:  # pragma: no cover  (no kind has a range with an upper bound)
        message = _("A %(kind)s operation takes %(n)s to %(most)s %(what)s.")
    return ValidationError(
        message,
        code="wrong_count",
        params={
            "kind": Kind(kind).label.lower(),
            "n": least,
            "most": most,
            "what": what,
        },
    )


def _require_shape(kind: str, sources: list[Unit], tops: list[dict]) -> None:
    (s_least, s_most), (t_least, t_most), new = SHAPES[kind]
    if len(sources) < s_least or (s_most is not None and len(sources) > s_most):
        raise _count_error(kind, _("source unit(s)"), s_least, s_most)
    if len(tops) < t_least or (t_most is not None and len(tops) > t_most):
        raise _count_error(kind, _("successor unit(s)"), t_least, t_most)
    for item in tops:
        if new is True and item.get("unit") is not None:
            raise ValidationError(
                _("The successor of a %(kind)s operation is a new unit."),
                code="successor_must_be_new",
                params={"kind": Kind(kind).label.lower()},
            )
        if new is False and item.get("unit") is None:
            raise ValidationError(
                _("The successor of a %(kind)s operation is an existing unit."),
                code="successor_must_exist",
                params={"kind": Kind(kind).label.lower()},
            )


def _require_open(units: list[Unit], on: datetime.date) -> None:
    """Each unit is in force on the day before ``on`` and not closed since."""
    for unit in units:
        day_before = on - datetime.timedelta(days=1)
        if unit.valid_to is not None or not unit.is_active_on(day_before):
            raise ValidationError(
                _(
                    "%(unit)s is closed or not yet in force on %(date)s; a "
                    "consolidation cannot use it."
                ),
                code="unit_closed",
                params={"unit": unit, "date": _date(day_before)},
            )


def _require_no_cycle(sources: list[Unit], items: list[dict]) -> None:
    """No existing successor lies in a source's subtree (a unit absorbed into its
    own sub-unit), and no new unit is placed under a unit that closes."""
    paths = [unit.path for unit in sources]

    def under_a_source(unit: Unit) -> bool:
        return any(unit.path.startswith(path) for path in paths)

    for item in items:
        unit, parent = item.get("unit"), item.get("parent")
        if unit is not None and under_a_source(unit):
            raise ValidationError(
                _(
                    "%(unit)s cannot succeed a unit it belongs to: that would make a "
                    "cycle in the tree."
                ),
                code="cycle",
                params={"unit": unit},
            )
        if parent is not None and under_a_source(parent):
            raise ValidationError(
                _(
                    "%(name)s cannot be placed under %(parent)s, which closes in "
                    "this operation: that would make a cycle in the tree."
                ),
                code="cycle",
                params={"name": item.get("name") or "", "parent": parent},
            )


#: The first of ``units`` already a source of an operation of the
#: consolidation.
_SOURCE_IN = FrozenQuery(
    lambda consolidation, units: (
        OperationSource.objects.filter(
            operation__consolidation_id=consolidation, unit_id__in=units
        )
        .select_related("unit")
        .order_by("pk")[:1]
    )
)


def _require_free_codes(
    items: list[dict], sources: list[Unit], on: datetime.date, consolidation
) -> None:
    """The new units' codes and official codes clash with no unit open on ``on``
    (the sources close the day before), with each other, nor with another new
    unit planned by a consolidation in progress."""
    closing = [unit.pk for unit in sources]
    seen: dict[tuple[str, str], str] = {}
    if all(item.get("unit") is not None for item in items):
        return
    planned = OperationSuccessor.objects.filter(
        operation__in=_in_progress(consolidation),
        unit__isnull=True,
    )
    own = OperationSuccessor.objects.filter(
        operation__consolidation=consolidation, unit__isnull=True
    )
    for item in items:
        if item.get("unit") is not None:
            continue
        for column in ("code", "admin_code"):
            value = (item.get(column) or "").strip()
            if not value:
                continue
            clash_unit = (
                Unit.objects.filter(**{column: value})
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
                .exclude(pk__in=closing)
                .exists()
            )
            clash_planned = (
                planned.filter(**{column: value}).exists()
                or own.filter(**{column: value}).exists()
                or (column, value) in seen
            )
            if clash_unit or clash_planned:
                raise ValidationError(
                    {
                        column: ValidationError(
                            _(
                                "The code %(code)s of %(name)s is already used by "
                                "another unit."
                            ),
                            code="duplicate_code",
                            params={"code": value, "name": item.get("name") or ""},
                        )
                    }
                )
            seen[(column, value)] = item.get("name") or ""


def _successor_rows(
    operation: ConsolidationOperation, items: list[dict]
) -> list[OperationSuccessor]:
    """Save the successors in order, each sub-unit after the new unit it belongs
    to (``parent_index``: the place of that unit in ``items``)."""
    saved: list[OperationSuccessor] = []
    for order, item in enumerate(items):
        parent_index = item.get("parent_index")
        parent_successor = None
        if parent_index is not None:
            if not 0 <= parent_index < order or items[parent_index].get("unit"):
                raise ValidationError(
                    _(
                        "A sub-unit of a new unit must come after that new unit in "
                        "the list."
                    ),
                    code="bad_parent_index",
                )
            parent_successor = saved[parent_index]
        row = OperationSuccessor(
            operation=operation,
            order=order,
            unit=item.get("unit"),
            name=(item.get("name") or "").strip(),
            code=(item.get("code") or "").strip(),
            kind=item.get("kind") or "",
            level=item.get("level") or "",
            parent=item.get("parent"),
            parent_successor=parent_successor,
            admin_code=(item.get("admin_code") or "").strip(),
            population=item.get("population"),
            area_km2=item.get("area_km2"),
        )
        if row.unit is None:
            missing = [
                label
                for label, value in (
                    (_("name"), row.name),
                    (_("code"), row.code),
                    (_("kind"), row.kind),
                    (_("level"), row.level),
                )
                if not value
            ]
            if row.parent is None and row.parent_successor is None:
                missing.append(_("parent unit"))
            if missing:
                raise ValidationError(
                    _("A new unit needs its %(fields)s."),
                    code="successor_incomplete",
                    params={"fields": ", ".join(str(m) for m in missing)},
                )
        row.full_clean(exclude=["operation", "parent_successor"])
        row.save()
        saved.append(row)
    return saved


@atomic
def operation_add(
    *,
    user: User,
    consolidation: Consolidation,
    kind: str,
    effective_date: datetime.date,
    source_units: list[Unit] = (),
    successors: list[dict] = (),
    voters_in_favour_pct: Decimal | None = None,
    note: str = "",
    ip: str | None = None,
) -> ConsolidationOperation:
    """Add an operation: ``source_units`` become ``successors`` on
    ``effective_date``. A successor is ``{"unit": Unit}`` (an existing unit) or a
    new unit ``{"name", "code", "kind", "level", "parent", "admin_code",
    "population", "area_km2"}``; a sub-unit of a new unit gives ``"parent_index"``
    (that unit's place in the list) instead of ``"parent"``.

    Refused, with nothing written: a source closed or not in force the day
    before, a unit already in another consolidation in progress, a new unit's
    code already used, a successor placed under a unit that closes (a cycle), the
    wrong number of sources or successors for the kind, a unit outside the
    proposer's own sub-units. The units' rows are locked for the check, so of two
    consolidations reaching for the same unit at once one waits for the other
    and is then refused."""
    if kind not in Kind.values:
        raise ValidationError(
            {
                "kind": ValidationError(
                    _("Choose the kind of operation."), code="invalid"
                )
            }
        )
    if effective_date is None:
        raise ValidationError(
            {
                "effective_date": ValidationError(
                    _("Give the effective date."), code="required"
                )
            }
        )
    locked = _lock(consolidation)
    _require_proposer(user, locked)
    require_status(locked, *Dossier.EDITABLE_STATUSES)
    items = [dict(item) for item in successors]
    tops = [item for item in items if item.get("parent_index") is None]
    named = [unit.pk for unit in source_units] + [
        item["unit"].pk for item in items if item.get("unit") is not None
    ]
    units = _lock_units(named)
    sources = [units[unit.pk] for unit in source_units]
    for item in items:
        if item.get("unit") is not None:
            item["unit"] = units[item["unit"].pk]
    if len({unit.pk for unit in sources}) != len(sources):
        raise ValidationError(
            _("A unit is named twice among the sources."), code="duplicate_source"
        )
    _require_shape(kind, sources, tops)
    existing = [item["unit"] for item in items if item.get("unit") is not None]
    if {u.pk for u in existing} & {u.pk for u in sources}:
        raise ValidationError(
            _("A unit cannot be both a source and a successor of one operation."),
            code="cycle",
        )
    _require_open(sources + existing, effective_date)
    for unit in sources + existing:
        _require_within(unit, locked)
    for item in items:
        if item.get("parent") is not None:
            _require_within(item["parent"], locked, or_itself=True)
            _require_open([item["parent"]], effective_date)
    in_this = sources and _SOURCE_IN(
        consolidation=locked.pk, units=[u.pk for u in sources]
    )
    if in_this:
        raise ValidationError(
            _("%(unit)s is already a source of another operation of this dossier."),
            code="duplicate_source",
            params={"unit": in_this[0].unit},
        )
    _require_free(sources + existing, locked)
    _require_no_cycle(sources, items)
    _require_free_codes(items, sources, effective_date, locked)
    operation = ConsolidationOperation(
        consolidation=locked,
        kind=kind,
        effective_date=effective_date,
        order=locked.operations.count(),
        voters_in_favour_pct=voters_in_favour_pct,
        note=note or "",
    )
    operation.full_clean()
    operation.save()
    OperationSource.objects.bulk_create(
        OperationSource(operation=operation, unit=unit) for unit in sources
    )
    _successor_rows(operation, items)
    _write(
        locked,
        consolidation,
        user=user,
        action=Action.OPERATION_ADDED,
        comment=_operation_label(operation, sources),
        ip=ip,
    )
    return operation


def _operation_label(operation: ConsolidationOperation, sources) -> str:
    names = ", ".join(unit.name for unit in sources)
    return f"{operation.get_kind_display()} {names} ({_date(operation.effective_date)})"


@atomic
def operation_remove(
    *, user: User, operation: ConsolidationOperation, ip: str | None = None
) -> None:
    """Remove an operation (with its successors and mapping) while the proposer
    holds the dossier."""
    locked = _lock(operation.consolidation_id)
    _require_proposer(user, locked)
    require_status(locked, *Dossier.EDITABLE_STATUSES)
    operation = ConsolidationOperation.objects.get(
        pk=operation.pk, consolidation=locked
    )
    label = _operation_label(operation, [s.unit for s in operation.sources.all()])
    operation.delete()
    _write(
        locked, locked, user=user, action=Action.OPERATION_REMOVED, comment=label, ip=ip
    )


# --- the position mapping ------------------------------------------------------------


#: The positions in force in the existing successors' units, by effective date
#: and unit (read with the sources' positions: :func:`operation_positions`).
SuccessorPositions = dict[tuple[datetime.date, int], list[JobPosition]]


#: The positions in force on ``on`` in the subtrees of ``paths`` and in the
#: units ``into``, with what the mapping, the impact statement and the applying
#: show of them: read on most of a consolidation's steps, compiled once per
#: number of sources and successors.
_POSITIONS_TO_MAP = FrozenQuery(
    lambda on, paths, into: (
        JobPosition.objects.active_on(on)
        .filter(subtree_condition(paths, "unit__") | Q(unit_id__in=into))
        .select_related("unit", "rank", "category", "catalogue_entry")
        .order_by("unit__path", "pk")
    )
)


def operation_positions(
    operations: list[ConsolidationOperation],
    successors: SuccessorPositions | None = None,
) -> dict[int, list[JobPosition]]:
    """For each operation, the positions to map: those of its sources and their
    sub-units in force on its effective date (one query per effective date).
    With ``successors`` (a dict, filled in), the same query also reads those in
    force in the units of its existing successors: the impact statement counts
    them, the applying merges into them."""
    by_date: dict[datetime.date, list[ConsolidationOperation]] = defaultdict(list)
    for operation in operations:
        by_date[operation.effective_date].append(operation)
    result: dict[int, list[JobPosition]] = {op.pk: [] for op in operations}
    for date, group in by_date.items():
        owner: dict[str, int] = {}
        into: set[int] = set()
        for operation in group:
            for source in operation.sources.all():
                owner[source.unit.path] = operation.pk
            if successors is not None:
                into.update(s.unit_id for s in operation.successors.all() if s.unit_id)
        for unit_id in into:
            successors[date, unit_id] = []
        if not owner and not into:
            continue
        positions = _POSITIONS_TO_MAP(on=date, paths=list(owner), into=sorted(into))
        for position in positions:
            if position.unit_id in into:
                successors[date, position.unit_id].append(position)
            path = position.unit.path
            for source_path, operation_pk in owner.items():
                if path.startswith(source_path):
                    result[operation_pk].append(position)
                    break
    return result


#: Where a consolidation read under its lock keeps the positions its pending
#: operations map (:func:`_pending`).
_PENDING = "_pending_read"


def _operations(consolidation) -> list[ConsolidationOperation]:
    """The operations in order, with their sources, successors (in order, with
    their units and parents) and mappings (by source position).

    A consolidation read under its lock (a step's POST, a service's write) reads
    them once: they are kept in Django's prefetch cache of its ``operations``,
    so ``consolidation.operations.all()`` and the model's properties (the flow's
    gateways) use them too, until a service that changes them forgets them
    (:func:`_operations_forget`); a failed step drops them
    (``dossiers._restore``). The lock keeps everyone else's writes out meanwhile."""
    cache = getattr(consolidation, "_prefetched_objects_cache", None) or {}
    if "operations" in cache:
        return list(cache["operations"])
    operations = _OPERATIONS_READ(consolidation=consolidation.pk)
    if operations:
        keys = [operation.pk for operation in operations]
        for name, read in _OPERATION_PARTS.items():
            rows = read(operations=keys)
            by_operation = defaultdict(list)
            for row in rows:
                by_operation[row.operation_id].append(row)
            for operation in operations:
                found = by_operation[operation.pk]
                for row in found:
                    row.operation = operation
                _keep_related(operation, name, found)
    if getattr(consolidation, "_audit_locked", False):
        _keep_related(consolidation, "operations", operations)
    return operations


def _keep_related(instance, name: str, rows: list) -> None:
    """``rows`` become ``instance``'s ``name`` as ``prefetch_related`` keeps them."""
    kept = getattr(instance, name).all()
    kept._result_cache, kept._prefetch_done = rows, True
    cache = getattr(instance, "_prefetched_objects_cache", None) or {}
    instance._prefetched_objects_cache = {**cache, name: kept}


#: A consolidation's operations in order, and their sources (with their units),
#: successors (in order, with their units and parents) and mappings (by source
#: position): read on most of its steps, compiled once.
_OPERATIONS_READ = FrozenQuery(
    lambda consolidation: ConsolidationOperation.objects.filter(
        consolidation_id=consolidation
    ).order_by("effective_date", "order", "pk")
)
_OPERATION_PARTS = {
    "sources": FrozenQuery(
        lambda operations: (
            OperationSource.objects.filter(operation_id__in=operations)
            .select_related("unit")
            .order_by("pk")
        )
    ),
    "successors": FrozenQuery(
        lambda operations: (
            OperationSuccessor.objects.filter(operation_id__in=operations)
            .select_related("unit", "parent")
            .order_by("order", "pk")
        )
    ),
    "mappings": FrozenQuery(
        lambda operations: PositionMapping.objects.filter(
            operation_id__in=operations
        ).order_by("source_position_id", "pk")
    ),
}


def _operations_forget(locked: Consolidation) -> None:
    """After a write to the operations, their sources, successors, mappings or
    the positions they move: the next reading reads them again."""
    getattr(locked, "_prefetched_objects_cache", {}).pop("operations", None)
    locked.__dict__.pop(_PENDING, None)


def _pending_read(
    consolidation,
) -> tuple[
    list[ConsolidationOperation], dict[int, list[JobPosition]], SuccessorPositions
]:
    """The operations not applied yet, for each the positions it maps, and the
    positions in force in their existing successors' units
    (:func:`operation_positions`); read once under the lock, like
    :func:`_operations`."""
    kept = consolidation.__dict__.get(_PENDING)
    if kept is not None:
        return kept
    operations = [op for op in _operations(consolidation) if op.applied_at is None]
    successors: SuccessorPositions = {}
    pending = operations, operation_positions(operations, successors), successors
    if getattr(consolidation, "_audit_locked", False):
        consolidation.__dict__[_PENDING] = pending
    return pending


def _pending(
    consolidation,
) -> tuple[list[ConsolidationOperation], dict[int, list[JobPosition]]]:
    """The operations not applied yet and, for each, the positions it maps
    (:func:`_pending_read`)."""
    operations, positions, _successors = _pending_read(consolidation)
    return operations, positions


def successor_positions(*, consolidation: Consolidation) -> SuccessorPositions:
    """The positions in force in the existing successors' units of the
    operations not applied yet, by effective date and unit (read with
    :func:`_pending`)."""
    return _pending_read(consolidation)[2]


def operations_pending(
    *, consolidation: Consolidation
) -> tuple[list[ConsolidationOperation], dict[int, list[JobPosition]]]:
    """The operations not applied yet, in order, with their sources, successors
    and mappings, and for each the positions it maps (read once under the
    dossier's lock, then kept for the rest of the action)."""
    return _pending(consolidation)


def mapping_unmapped(*, consolidation: Consolidation) -> list[JobPosition]:
    """The positions of the source units in force on their operation's date that
    have no mapping yet (a submission is refused while there is one)."""
    operations, positions = _pending(consolidation)
    mapped = {
        (mapping.operation_id, mapping.source_position_id)
        for operation in operations
        for mapping in operation.mappings.all()
    }
    return [
        position
        for operation in operations
        for position in positions[operation.pk]
        if (operation.pk, position.pk) not in mapped
    ]


def _default_successor(
    position: JobPosition, source_root: Unit, successors: list[OperationSuccessor]
) -> OperationSuccessor | None:
    """Where a position goes by default: a sub-unit of a source goes to the new
    sub-unit of the same kind and name, if there is one (a commune's "Phòng Kinh
    tế" to the new commune's); everything else to the first successor."""
    tops = [s for s in successors if s.parent_successor_id is None]
    if not tops:
        return None
    if position.unit_id != source_root.pk:
        unit = position.unit
        for successor in successors:
            if (
                successor.parent_successor_id is not None
                and successor.kind == unit.kind
                and fold(successor.name) == fold(unit.name)
            ):
                return successor
    return tops[0]


def _existing_names(
    consolidation, successors: list[OperationSuccessor], on: datetime.date
):
    """``{(unit id, folded name, rank id)}`` of the positions the existing
    successors hold on ``on`` (from the reading kept under the lock if there
    is one: :func:`_pending_read`)."""
    ids = [s.unit_id for s in successors if s.unit_id is not None]
    if not ids:
        return set()
    kept = consolidation.__dict__.get(_PENDING)
    if kept is not None and all((on, pk) in kept[2] for pk in ids):
        return {
            (p.unit_id, fold(p.name), p.rank_id) for pk in ids for p in kept[2][on, pk]
        }
    return {
        (unit_id, fold(name), rank_id)
        for unit_id, name, rank_id in JobPosition.objects.active_on(on)
        .filter(unit_id__in=ids)
        .values_list("unit_id", "name", "rank_id")
    }


def proposed_mapping(
    consolidation: Consolidation,
    operations: list[ConsolidationOperation],
    positions: dict[int, list[JobPosition]],
) -> dict[int, PositionMapping]:
    """``position id → mapping`` for every position to map: the one saved, or
    the default proposal (unsaved): kept in the successor under its own name and
    head-count (merged into the successor's position of the same name and rank
    when an existing successor has one); ended where the operation has no
    successor (dissolution)."""
    # The operations as :func:`_operations` reads them: their mappings and
    # successors (with their units) come with them.
    successors_of = {op.pk: list(op.successors.all()) for op in operations}
    by_id = {s.pk: s for found in successors_of.values() for s in found}
    by_position = {p.pk: p for op in operations for p in positions[op.pk]}
    result = {}
    for operation in operations:
        for mapping in operation.mappings.all():
            if mapping.successor_id is not None:
                mapping.successor = by_id[mapping.successor_id]
            if mapping.source_position_id in by_position:
                mapping.source_position = by_position[mapping.source_position_id]
            result[mapping.source_position_id] = mapping
    for operation in operations:
        successors = successors_of[operation.pk]
        existing = _existing_names(consolidation, successors, operation.effective_date)
        roots = [source.unit for source in operation.sources.all()]
        for position in positions[operation.pk]:
            if position.pk in result:
                continue
            root = next(r for r in roots if position.unit.path.startswith(r.path))
            successor = _default_successor(position, root, successors)
            if successor is None:
                action = MappingAction.END
            elif (
                successor.unit_id is not None
                and (successor.unit_id, fold(position.name), position.rank_id)
                in existing
            ):
                action = MappingAction.MERGE_INTO
            else:
                action = MappingAction.KEEP
            result[position.pk] = PositionMapping(
                operation=operation,
                source_position=position,
                action=action,
                successor=successor,
                target_name="" if successor is None else position.name,
                headcount=0 if successor is None else position.headcount,
            )
    return result


@atomic
def mapping_default(*, consolidation: Consolidation) -> int:
    """Save the default proposal (:func:`proposed_mapping`) for every position of
    the source units in force on the effective date that has no mapping yet.
    Returns how many were proposed; saved rows are never changed."""
    operations, positions = _pending(consolidation)
    proposed = proposed_mapping(consolidation, operations, positions)
    rows = [mapping for mapping in proposed.values() if mapping.pk is None]
    PositionMapping.objects.bulk_create(rows, batch_size=1000)
    _operations_forget(consolidation)
    return len(rows)


def _row_error(number: int, reason) -> ValidationError:
    return ValidationError(
        _("Line %(line)s: %(reason)s"),
        code="invalid_line",
        params={"line": number, "reason": reason},
    )


def mapping_build(
    consolidation: Consolidation, rows: list[tuple[int, dict]]
) -> tuple[list[PositionMapping], list[ValidationError]]:
    """Mappings from ``(line number, {source_position_id, action, successor_id,
    target_name, headcount})``, and every bad line's error; reads, never writes."""
    operations, positions = _pending(consolidation)
    operation_of = {
        position.pk: (operation, position)
        for operation in operations
        for position in positions[operation.pk]
    }
    successors = {s.pk: s for op in operations for s in op.successors.all()}
    built, errors, seen = [], [], set()
    for number, row in rows:
        try:
            position_id = int(row.get("source_position_id") or 0)
        except (TypeError, ValueError):
            position_id = 0
        found = operation_of.get(position_id)
        if found is None:
            errors.append(
                _row_error(
                    number,
                    _(
                        "position %(id)s is not a position of a source unit in "
                        "force on the effective date."
                    )
                    % {"id": row.get("source_position_id") or "—"},
                )
            )
            continue
        operation, position = found
        if position_id in seen:
            errors.append(
                _row_error(
                    number, _("position %(id)s appears twice.") % {"id": position_id}
                )
            )
            continue
        seen.add(position_id)
        action = row.get("action") or ""
        if action not in MappingAction.values:
            errors.append(
                _row_error(
                    number,
                    _("the action must be one of: %(choices)s.")
                    % {"choices": ", ".join(str(c.label) for c in MappingAction)},
                )
            )
            continue
        successor = None
        if action != MappingAction.END:
            try:
                successor = successors.get(int(row.get("successor_id") or 0))
            except (TypeError, ValueError):
                successor = None
            if successor is None or successor.operation_id != operation.pk:
                errors.append(
                    _row_error(
                        number,
                        _("choose a successor of the operation that closes %(unit)s.")
                        % {"unit": position.unit},
                    )
                )
                continue
        raw = row.get("headcount")
        try:
            headcount = position.headcount if raw in (None, "") else int(raw)
        except (TypeError, ValueError):
            headcount = -1
        if action == MappingAction.END:
            headcount = 0
        elif headcount < 1:
            errors.append(
                _row_error(
                    number,
                    _("a kept or merged position needs a head-count of at least 1."),
                )
            )
            continue
        target_name = " ".join(str(row.get("target_name") or "").split())
        if action != MappingAction.END and not target_name:
            target_name = position.name
        built.append(
            PositionMapping(
                operation=operation,
                source_position=position,
                action=action,
                successor=successor,
                target_name=target_name if action != MappingAction.END else "",
                headcount=headcount,
            )
        )
    return built, errors


def _mapping_replace(consolidation, built: list[PositionMapping]) -> None:
    PositionMapping.objects.filter(
        operation__consolidation=consolidation,
        source_position_id__in=[m.source_position_id for m in built],
    ).delete()
    PositionMapping.objects.bulk_create(built, batch_size=1000)


def _require_mapping_editor(user, locked: Consolidation) -> None:
    """The proposer while the dossier is theirs; the assigned appraiser while it
    is under appraisal."""
    if locked.status == Status.UNDER_APPRAISAL:
        if not appraiser_or_delegate(user, locked):
            raise ValidationError(
                _("Only the appraiser assigned to this dossier may appraise it."),
                code="not_assigned_appraiser",
            )
        return
    _require_proposer(user, locked)
    require_status(locked, *Dossier.EDITABLE_STATUSES)


def mapping_may_edit(*, user, consolidation: Consolidation) -> bool:
    """Whether ``user`` may change the mapping now (read without the lock: the
    saving itself checks again under it)."""
    try:
        _require_mapping_editor(user, consolidation)
    except ValidationError:
        return False
    return True


@atomic
def mapping_save(
    *,
    user: User,
    consolidation: Consolidation,
    rows: list[dict],
    version: int | None = None,
    ip: str | None = None,
    action: str = Action.MAPPING_SAVED,
) -> list[PositionMapping]:
    """Save the mapping of the positions given (others keep theirs). All or
    nothing: one bad row refuses the whole table, every bad row listed as
    "Line N: reason" (N counts from 1, or the spreadsheet's row number)."""
    locked = _lock(consolidation)
    _require_mapping_editor(user, locked)
    require_version(locked, version)
    numbered = [(row.get("_line", index + 1), row) for index, row in enumerate(rows)]
    built, errors = mapping_build(locked, numbered)
    if errors:
        raise ValidationError(errors)
    _mapping_replace(locked, built)
    _write(
        locked,
        consolidation,
        user=user,
        action=action,
        comment=str(_("%(count)s position(s)") % {"count": len(built)}),
        ip=ip,
    )
    return built


# --- external resolutions -------------------------------------------------------------


@atomic
def external_decision_record(
    *,
    user: User,
    consolidation: Consolidation,
    body: str,
    number: str,
    date: datetime.date,
    ip: str | None = None,
) -> ExternalDecision:
    """Record a resolution the law requires for administrative units (the
    People's Council's, the NA Standing Committee's) once the committee has
    approved the consolidation. One per body."""
    if Role.DIVISION_HEAD not in user_roles(user):
        raise ValidationError(
            _("Only the head of the organisation and staffing division does this."),
            code="not_division_head",
        )
    number = (number or "").strip()
    if not number:
        raise ValidationError(
            {
                "number": ValidationError(
                    _("Give the resolution's number."), code="number_required"
                )
            }
        )
    if date is None:
        raise ValidationError(
            {"date": ValidationError(_("Give the resolution's date."), code="required")}
        )
    locked = _lock(consolidation)
    require_status(locked, Status.APPROVED)
    if not locked.requires_external_decisions:
        raise ValidationError(
            _("This consolidation needs no external resolution."),
            code="not_required",
        )
    if body not in ExternalDecision.Body.values:
        raise ValidationError(
            {"body": ValidationError(_("Choose the body."), code="invalid")}
        )
    if locked.external_decisions.filter(body=body).exists():
        raise ValidationError(
            _("The resolution of %(body)s is already recorded."),
            code="already_recorded",
            params={"body": ExternalDecision.Body(body).label},
        )
    decision = ExternalDecision.objects.create(
        consolidation=locked, body=body, number=number, date=date, recorded_by=user
    )
    _write(
        locked,
        consolidation,
        user=user,
        action=Action.EXTERNAL_DECISION,
        comment=f"{number} ({_date(date)})",
        ip=ip,
    )
    return decision


# --- applying ----------------------------------------------------------------------


#: Where the committee's approval leaves its decision on the locked dossier, for
#: the flow's applying it in the same step.
_APPROVED = "_approved_decision"


def _decision(locked: Consolidation) -> Decision:
    decision = locked.__dict__.get(_APPROVED) or (
        Decision.objects.filter(dossier=locked, outcome=Decision.Outcome.APPROVED)
        .order_by("-created_at", "-pk")
        .first()
    )
    if decision is None:
        raise ValidationError(
            _("The consolidation has no approval decision."), code="not_approved"
        )
    return decision


@dataclass
class _Day:
    """The operations of one effective date, applied together, with their
    sources and successors read once."""

    on: datetime.date
    operations: list[ConsolidationOperation]
    sources: dict[int, list[Unit]] = field(default_factory=dict)
    successors: dict[int, list[OperationSuccessor]] = field(default_factory=dict)
    #: The positions the mappings move, by id, as read for the checks.
    positions: dict[int, JobPosition] = field(default_factory=dict)
    #: The positions in force in the existing successors' units that day, by
    #: unit, as read for the checks when nothing has moved since (the first
    #: day applied); None: read them.
    existing: dict[int, list[JobPosition]] | None = None

    @classmethod
    def read(cls, on, operations, positions=None, existing=None) -> _Day:
        """``operations`` as :func:`_operations` reads them; ``positions``:
        their sources' positions as :func:`_pending` reads them; ``existing``:
        see the attribute."""
        day = cls(on, operations, positions=positions or {}, existing=existing)
        day.sources = {op.pk: [s.unit for s in op.sources.all()] for op in operations}
        day.successors = {op.pk: list(op.successors.all()) for op in operations}
        return day

    @property
    def last_day(self) -> datetime.date:
        return self.on - datetime.timedelta(days=1)

    @property
    def all_successors(self) -> list[OperationSuccessor]:
        return [s for op in self.operations for s in self.successors[op.pk]]

    def tops(self, operation) -> list[OperationSuccessor]:
        return [
            s for s in self.successors[operation.pk] if s.parent_successor_id is None
        ]


def _new_units(day: _Day) -> None:
    """Open the day's new units, each sub-unit after the new unit it belongs to
    (their tree paths need the parent's): one bulk insert per level."""
    successors = day.all_successors
    pending = [s for s in successors if s.unit_id is None and s.created_unit_id is None]
    created: dict[int, Unit] = {}
    while pending:
        ready = [
            s
            for s in pending
            if s.parent_successor_id is None or s.parent_successor_id in created
        ]
        units = [
            Unit(
                code=s.code,
                name=s.name,
                kind=s.kind,
                level=s.level,
                parent=created.get(s.parent_successor_id) or s.parent,
                admin_code=s.admin_code,
                population=s.population,
                area_km2=s.area_km2,
                valid_from=day.on,
            )
            for s in ready
        ]
        for successor, unit in zip(ready, unit_bulk_create(units=units), strict=True):
            successor.created_unit = unit
            created[successor.pk] = unit
        pending = [s for s in pending if s.pk not in created]
    OperationSuccessor.objects.bulk_update(
        [s for s in successors if s.pk in created], ["created_unit"], batch_size=200
    )


def _move_positions(day: _Day, decision: Decision) -> list[PositionMapping]:
    """Positions move, merge or end as mapped: the sources' positions close the
    day before; each successor unit gets one position per name and rank, with the
    head-counts mapped onto it added to what it already had (an existing one is
    closed and reopened with the sum); every position opened cites the
    decision. Returns the day's mappings."""
    # The mappings were read with the operations and their positions for the
    # checks (a position missing there, read now).
    mappings = [m for op in day.operations for m in op.mappings.all()]
    missing = {m.source_position_id for m in mappings} - set(day.positions)
    positions = dict(day.positions)
    if missing:
        positions.update(
            (p.pk, p)
            for p in JobPosition.objects.filter(pk__in=missing).select_related(
                "rank", "category", "catalogue_entry"
            )
        )
    for mapping in mappings:
        mapping.source_position = positions[mapping.source_position_id]
    by_successor = {s.pk: s for s in day.all_successors}
    groups: dict[tuple, list[PositionMapping]] = defaultdict(list)
    for mapping in mappings:
        if mapping.action == MappingAction.END:
            continue
        successor = by_successor[mapping.successor_id]
        key = (
            successor.resulting_unit_id,
            fold(mapping.target_name),
            mapping.source_position.rank_id,
        )
        groups[key].append(mapping)
    # Each successor's unit: the existing one (read with the operations) or the
    # one just opened (read only if not in hand).
    needed = {key[0] for key in groups}
    units = {}
    existing_units = set()
    for successor in day.all_successors:
        if successor.unit_id is not None:
            units[successor.unit_id] = successor.unit
            existing_units.add(successor.unit_id)
        elif OperationSuccessor.created_unit.is_cached(successor):
            units[successor.created_unit_id] = successor.created_unit
    units = {pk: unit for pk, unit in units.items() if pk in needed}
    missing = needed - set(units)
    if missing:
        units.update((unit.pk, unit) for unit in Unit.objects.filter(pk__in=missing))
    if day.existing is not None and all(
        pk in day.existing or pk not in existing_units for pk in units
    ):
        # Read with the checks: the existing units' own, the new ones have none.
        in_force = [p for pk in units for p in day.existing.get(pk, ())]
    else:
        in_force = JobPosition.objects.active_on(day.on).filter(unit_id__in=list(units))
    existing = {(p.unit_id, fold(p.name), p.rank_id): p for p in in_force}
    closing = [m.source_position for m in mappings]
    opening: list[JobPosition] = []
    for key, group in groups.items():
        first = group[0].source_position
        total = sum(m.headcount for m in group)
        current = existing.get(key)
        if current is not None:
            closing.append(current)
            total += current.headcount
        opening.append(
            JobPosition(
                unit=units[key[0]],
                name=group[0].target_name,
                category=first.category,
                rank=first.rank,
                catalogue_entry=first.catalogue_entry,
                headcount=total,
                job_description=first.job_description,
                competency_framework=first.competency_framework,
                valid_from=day.on,
                decision_number=decision.number,
                decision_date=decision.date,
            )
        )
    position_bulk_close(
        positions=closing,
        last_day=day.last_day,
        decision_number=decision.number,
        decision_date=decision.date,
    )
    opened = position_bulk_create(positions=opening)
    for group, position in zip(groups.values(), opened, strict=True):
        for mapping in group:
            mapping.resulting_position = position
    # Small batches: each is one UPDATE with a CASE branch per row.
    PositionMapping.objects.bulk_update(
        [m for group in groups.values() for m in group],
        ["resulting_position"],
        batch_size=200,
    )
    return mappings


#: The quotas of units from a year on: what a consolidation's sources take to
#: their successors (the impact statement shows it, the applying moves it).
_SOURCE_QUOTAS = FrozenQuery(
    lambda units: UnitQuota.objects.filter(unit_id__in=units).only(
        "unit_id", "year", "post_kind", "headcount"
    )
)


def source_quotas(units: list[int], from_year: int) -> list[UnitQuota]:
    """The quotas of ``units`` for ``from_year`` and later (one query, compiled
    once per number of units; a unit has one row per year and kind of post, so
    the earlier years are left out here: a frozen query cannot pass a year to a
    small integer column as it is)."""
    if not units:
        return []
    return [q for q in _SOURCE_QUOTAS(units=units) if q.year >= from_year]


def _move_quotas(day: _Day, mappings: list[PositionMapping], decision) -> None:
    """The sources' quotas of the effective year and later follow them: added to
    the successor they all go to, or shared among several successors in
    proportion to the head-count mapped to each (the largest remainders get the
    odd posts). The sources' rows stay as the record of what they had."""
    owner = {unit.pk: op.pk for op in day.operations for unit in day.sources[op.pk]}
    quotas: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for quota in source_quotas(list(owner), day.on.year):
        quotas[owner[quota.unit_id]].append(
            (quota.year, quota.post_kind, quota.headcount)
        )
    mapped: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for mapping in mappings:
        if mapping.action != MappingAction.END:
            mapped[mapping.operation_id][mapping.successor_id] += mapping.headcount
    added: dict[tuple[int, int, str], int] = defaultdict(int)
    for operation in day.operations:
        tops = day.tops(operation)
        if not tops or not quotas[operation.pk]:
            continue
        by_pk = {s.pk: s for s in day.successors[operation.pk]}
        weights: dict[int, int] = defaultdict(int)
        for successor_id, headcount in mapped[operation.pk].items():
            successor = by_pk[successor_id]
            while successor.parent_successor_id is not None:
                successor = by_pk[successor.parent_successor_id]
            weights[successor.resulting_unit_id] += headcount
        if not weights:
            weights = {tops[0].resulting_unit_id: 1}
        totals: dict[tuple[int, str], int] = defaultdict(int)
        for year, kind, headcount in quotas[operation.pk]:
            totals[(year, kind)] += headcount
        for (year, kind), total in totals.items():
            for unit_id, part in _shares(total, weights).items():
                added[(unit_id, year, kind)] += part
    added = {key: part for key, part in added.items() if part}
    if not added:
        return
    existing = {
        (q.unit_id, q.year, q.post_kind): q
        for q in UnitQuota.objects.select_for_update().filter(
            unit_id__in={unit_id for unit_id, _y, _k in added},
            year__gte=day.on.year,
        )
    }
    changed, new = [], []
    for (unit_id, year, kind), part in added.items():
        quota = existing.get((unit_id, year, kind))
        if quota is None:
            new.append(
                UnitQuota(
                    unit_id=unit_id,
                    year=year,
                    post_kind=kind,
                    headcount=part,
                    decision_number=decision.number,
                    legal_basis=str(decision.dossier),
                )
            )
        else:
            quota.headcount += part
            changed.append(quota)
    UnitQuota.objects.bulk_update(changed, ["headcount"], batch_size=1000)
    UnitQuota.objects.bulk_create(new, batch_size=1000)


def _shares(total: int, weights: dict[int, int]) -> dict[int, int]:
    """``total`` shared in proportion to ``weights``, largest remainders first."""
    whole = sum(weights.values())
    exact = {key: total * weight / whole for key, weight in weights.items()}
    parts = {key: int(value) for key, value in exact.items()}
    left = total - sum(parts.values())
    for key in sorted(exact, key=lambda k: exact[k] - parts[k], reverse=True)[:left]:
        parts[key] += 1
    return parts


#: The dossiers still open of ``units`` but the consolidation's own, locked
#: (their trails get a line each), compiled once per number of units.
_OPEN_DOSSIERS_LOCKED = FrozenQuery(
    lambda units, consolidation: (
        Dossier.objects.filter(unit_id__in=units)
        .exclude(status__in=Dossier.FINAL_STATUSES)
        .exclude(pk=consolidation)
        .select_for_update(of=("self",))
        .select_related("unit")
    )
)


def _flag_open_dossiers(
    locked: Consolidation, day: _Day, closed: list[Unit], decision: Decision
) -> int:
    """Dossiers still open of the units that closed get a row in their trail for
    Home Affairs to act on (carry them over to the successor, or close them)."""
    # Each new line is chained to its dossier's last one (``AuditEntry.seal``,
    # the head the dossier's row keeps), under the dossier's lock like every
    # other line of its trail.
    dossiers = _OPEN_DOSSIERS_LOCKED(
        units=[unit.pk for unit in closed], consolidation=locked.pk
    )
    kind_of = {
        unit.path: op.get_kind_display()
        for op in day.operations
        for unit in day.sources[op.pk]
    }
    comment = _(
        "%(unit)s closed on %(date)s by decision %(number)s (%(kind)s); Home "
        "Affairs must carry this dossier over to the successor or close it."
    )

    def kind(unit: Unit) -> str:
        return next(k for path, k in kind_of.items() if unit.path.startswith(path))

    entries = [
        AuditEntry(
            dossier=dossier,
            actor=None,
            action=Action.DOSSIER_FLAGGED,
            from_status=dossier.status,
            to_status=dossier.status,
            revision_number=dossier.current_revision,
            comment=str(
                comment
                % {
                    "unit": dossier.unit,
                    "date": _date(day.last_day),
                    "number": decision.number,
                    "kind": kind(dossier.unit),
                }
            ),
        )
        for dossier in dossiers
    ]
    for entry, dossier in zip(entries, dossiers, strict=True):
        entry.seal(dossier.audit_head)
        dossier.audit_head = entry.chain_hash
    AuditEntry.objects.bulk_create(entries)
    Dossier.objects.bulk_update(dossiers, ["audit_head"])
    return len(dossiers)


def _apply_day(day: _Day, decision: Decision, locked: Consolidation) -> None:
    """Apply the operations of one effective date together: close the sources
    (by the status of each kind), open the new units, link what each source
    became, move the positions and the quotas, flag the open dossiers."""
    _require_open([u for op in day.operations for u in day.sources[op.pk]], day.on)
    by_status: dict[str, list[Unit]] = defaultdict(list)
    for operation in day.operations:
        if day.sources[operation.pk]:
            by_status[CLOSING_STATUS[operation.kind]].extend(day.sources[operation.pk])
    closed = []
    for status, units in by_status.items():
        closed += unit_close(units=units, last_day=day.last_day, status=status)
    _new_units(day)
    link = Unit.successors.through
    link.objects.bulk_create(
        [
            link(from_unit_id=unit.pk, to_unit_id=top.resulting_unit_id)
            for operation in day.operations
            for unit in day.sources[operation.pk]
            for top in day.tops(operation)
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    mappings = _move_positions(day, decision)
    _move_quotas(day, mappings, decision)
    _flag_open_dossiers(locked, day, closed, decision)


@atomic
def consolidation_apply(
    *,
    consolidation: Consolidation,
    on: datetime.date | None = None,
    user: User | None = None,
    ip: str | None = None,
) -> list[ConsolidationOperation]:
    """Apply every operation not applied yet whose effective date has come by
    ``on`` (default today), in one transaction: the sources (and their sub-units)
    close the day before, with their status and what they became; the new units
    open with their place in the tree; the positions move, merge or end citing
    the decision; the quotas follow; open dossiers of the closed units are
    flagged to Home Affairs. Anything failing leaves nothing applied.

    Refused before the committee's approval and while a required external
    resolution is missing. Idempotent: an applied operation is never applied
    again; once every operation is applied the dossier is "applied"."""
    on = on or today()
    locked = _lock(consolidation)
    require_status(locked, Status.APPROVED)
    if locked.awaits_external_decisions:
        raise ValidationError(
            _(
                "The resolutions of the People's Council and of the National "
                "Assembly Standing Committee must be recorded first."
            ),
            code="awaiting_external_decisions",
        )
    decision = _decision(locked)
    # The operations are written only under the dossier's lock, held here.
    due = [
        op
        for op in _operations(locked)
        if op.applied_at is None and op.effective_date <= on
    ]
    if not due:
        return []
    unmapped = [p for p in mapping_unmapped(consolidation=locked) if p.valid_from <= on]
    if unmapped:
        raise ValidationError(
            _("%(count)s position(s) are not mapped: %(names)s."),
            code="unmapped_positions",
            params={
                "count": len(unmapped),
                "names": "; ".join(f"{p.unit}: {p.name}" for p in unmapped[:10]),
            },
        )
    _lock_units([source.unit_id for op in due for source in op.sources.all()])
    now = timezone.now()
    by_date: dict[datetime.date, list[ConsolidationOperation]] = defaultdict(list)
    for operation in due:
        by_date[operation.effective_date].append(operation)
    _operations_read, found, successors = _pending_read(locked)
    positions = {p.pk: p for each in found.values() for p in each}
    for index, (on_date, operations) in enumerate(sorted(by_date.items())):
        # What the checks read of the successors holds until a day has moved
        # positions.
        existing = None
        if index == 0:
            existing = defaultdict(list)
            for (date, unit_id), each in successors.items():
                if date == on_date:
                    existing[unit_id] = each
        _apply_day(
            _Day.read(on_date, operations, positions, existing), decision, locked
        )
    # The positions moved: read again if asked; the operations read are kept,
    # applied (the flow's next gateway reads them).
    locked.__dict__.pop(_PENDING, None)
    for operation in due:
        operation.applied_at = now
    ConsolidationOperation.objects.bulk_update(due, ["applied_at"])
    from_status = locked.status
    if all(op.applied_at for op in _operations(locked)):
        locked.status = Status.APPLIED
        if decision.applied_at is None:
            decision.applied_at = now
            decision.save(update_fields=["applied_at"])
    dossier_transition(
        locked,
        locked,
        actor=user,
        action=Action.UNITS_REORGANISED,
        from_status=from_status,
        comment=str(
            _("%(count)s operation(s) applied, decision %(number)s")
            % {"count": len(due), "number": decision.number}
        ),
        ip=ip,
    )
    dossier_sync(locked, consolidation)
    return due


# --- the consolidation's part in the shared steps ------------------------------------


def _require_complete(locked: Consolidation) -> None:
    if not _operations(locked):
        raise ValidationError(
            _("Add at least one operation before submitting."), code="no_operations"
        )
    unmapped = mapping_unmapped(consolidation=locked)
    if unmapped:
        names = "; ".join(f"{p.unit}: {p.name}" for p in unmapped[:10])
        raise ValidationError(
            _("%(count)s position(s) are not mapped: %(names)s."),
            code="unmapped_positions",
            params={"count": len(unmapped), "names": names},
        )


def _snapshot(locked: Consolidation) -> dict:
    operations = []
    for operation in _operations(locked):
        operations.append(
            {
                "kind": operation.kind,
                "effective_date": operation.effective_date.isoformat(),
                "voters_in_favour_pct": (
                    None
                    if operation.voters_in_favour_pct is None
                    else str(operation.voters_in_favour_pct)
                ),
                "sources": [s.unit_id for s in operation.sources.all()],
                "successors": [
                    {
                        "unit": s.unit_id,
                        "name": s.name,
                        "code": s.code,
                        "kind": s.kind,
                        "level": s.level,
                        "parent": s.parent_id,
                        "parent_successor": s.parent_successor_id,
                        "admin_code": s.admin_code,
                    }
                    for s in operation.successors.all()
                ],
                "mappings": [
                    [
                        m.source_position_id,
                        m.action,
                        m.successor_id,
                        m.target_name,
                        m.headcount,
                    ]
                    for m in operation.mappings.all()
                ],
            }
        )
    return {
        "title": locked.title,
        "scope": locked.scope,
        "legal_basis": locked.legal_basis,
        "operations": operations,
    }


def _approve(
    locked: Consolidation,
    report,
    decision: Decision,
    effective_date: datetime.date | None,
    comment: str,
) -> Decision:
    """The committee approves: a decision numbered ``…/QĐ-UBND`` effective on the
    earliest operation's date. Refused while a position is unmapped or the impact
    statement has a blocking finding. Applying is the flow's job, on the date."""
    _require_complete(locked)
    blocking = impact_compute(consolidation=locked).blocking
    if blocking:
        raise ValidationError(
            [ValidationError(str(message), code="blocking") for message in blocking]
        )
    dates = [op.effective_date for op in _operations(locked)]
    decision.effective_date = effective_date or min(dates)
    decision.reason = comment
    decision.number = number_issue(
        issuer=COMMITTEE_ISSUER,
        doc_type=DECISION,
        on=decision.date,
        subject=str(locked)[:255],
    ).text
    full_clean_issued(decision, "number")
    decision.save()
    locked.outcome = Dossier.Outcome.APPROVED
    locked.__dict__[_APPROVED] = decision
    return decision


def _require_submitter(actor, locked: Consolidation) -> None:
    """Home Affairs' director signs its own proposals; a unit's head the unit's."""
    if locked.proposed_by_home_affairs:
        if Role.DIRECTOR not in user_roles(actor):
            raise ValidationError(
                _("Only the director of Home Affairs signs and submits this dossier."),
                code="not_director",
            )
        return
    require_unit_head(actor, locked)


def _checks(locked: Consolidation) -> list:
    return consolidation_checks(consolidation=locked)


RULES = kind_rules_register(
    KindRules(
        model=Consolidation,
        appraise_permission="appraisal.appraise_consolidation",
        decide_message=_(
            "Only the Provincial People's Committee decides on the consolidation."
        ),
        require_complete=_require_complete,
        snapshot=_snapshot,
        checks=_checks,
        approve=_approve,
        require_submitter=_require_submitter,
    )
)


# The impact statement and the Excel mapping live in their own modules; they are
# part of this module's interface.
from .consolidation_impact import (  # noqa: E402
    ImpactRow,
    ImpactStatement,
    consolidation_checks,
    impact_compute,
)
from .consolidation_import import mapping_import, mapping_template  # noqa: E402
