"""Writes to the organisational chart and its reference data.

Every function validates with ``full_clean()`` and writes inside one transaction, so a
rejected change leaves nothing behind.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils.formats import date_format

from .frozen_queries import FrozenQuery
from .models import (
    CatalogueEntry,
    JobPosition,
    PositionCategory,
    Rank,
    Unit,
    subtree_condition,
)
from .transactions import atomic


def _path_for(unit: Unit) -> tuple[str, int]:
    if unit.parent_id is None:
        return f"/{unit.pk}/", 0
    return f"{unit.parent.path}{unit.pk}/", unit.parent.depth + 1


@atomic
def unit_create(
    *,
    code: str,
    name: str,
    kind: str,
    level: str,
    valid_from: datetime.date,
    parent: Unit | None = None,
    short_name: str = "",
    admin_code: str = "",
    valid_to: datetime.date | None = None,
    status: str = Unit.Status.ACTIVE,
) -> Unit:
    """Open a unit under ``parent`` (or as a root) from ``valid_from``.

    The materialised path needs the new primary key, so the row is written, then its
    path; both inside the same transaction.
    """
    unit = Unit(
        code=code,
        name=name,
        short_name=short_name,
        kind=kind,
        level=level,
        parent=parent,
        admin_code=admin_code,
        valid_from=valid_from,
        valid_to=valid_to,
        status=status,
    )
    unit.full_clean(exclude=["path"])
    unit.path = "/"
    unit.save()
    unit.path, unit.depth = _path_for(unit)
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    return unit


@atomic
def unit_update(*, unit: Unit, **fields) -> Unit:
    """Change a unit's descriptive fields (name, codes, validity, parent).

    A new parent rewrites the paths of the whole subtree in one pass.
    """
    old_path = unit.path
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.full_clean(exclude=["path"])
    new_path, depth = _path_for(unit)
    unit.path, unit.depth = new_path, depth
    unit.save()
    if new_path != old_path:
        depth_shift = depth - (old_path.count("/") - 2)
        for descendant in Unit.objects.filter(path__startswith=old_path).exclude(
            pk=unit.pk
        ):
            descendant.path = new_path + descendant.path[len(old_path) :]
            descendant.depth += depth_shift
            descendant.save(update_fields=["path", "depth"])
    return unit


@atomic
def position_create(
    *,
    unit: Unit,
    rank: Rank,
    headcount: int,
    valid_from: datetime.date,
    name: str = "",
    category: PositionCategory | None = None,
    catalogue_entry: CatalogueEntry | None = None,
    job_description: str = "",
    competency_framework: str = "",
    valid_to: datetime.date | None = None,
    decision_number: str = "",
    decision_date: datetime.date | None = None,
) -> JobPosition:
    """Record a job position of the approved establishment.

    Called when a decision is applied, or when the establishment already approved on
    paper is loaded (with that decision's number). The catalogue entry supplies the
    name and category when they are not given (Decree 62/2020/NĐ-CP Art. 5).
    """
    if catalogue_entry is not None:
        name = name or catalogue_entry.name
        category = category or catalogue_entry.category
    position = JobPosition(
        unit=unit,
        catalogue_entry=catalogue_entry,
        name=name,
        category=category,
        rank=rank,
        headcount=headcount,
        job_description=job_description,
        competency_framework=competency_framework,
        valid_from=valid_from,
        valid_to=valid_to,
        decision_number=decision_number,
        decision_date=decision_date,
    )
    position.full_clean()
    position.save()
    return position


@atomic
def roles_ensure() -> list[Group]:
    """Create the product's groups with their global permissions (idempotent).

    Model permissions exist only after ``migrate`` has run its post-migrate hook, so
    this runs from a command (``seed_demo``, ``setup_roles``), not from a migration.
    """
    from django.contrib.auth.models import Permission

    from .permissions import ROLE_PERMISSIONS

    groups = []
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.append(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)
        groups.append(group)
    return groups


@atomic
def unit_bulk_create(*, units: list[Unit]) -> list[Unit]:
    """Open many units at once, each under a parent that already exists.

    For loading whole administrative levels (the 3,321 commune People's Committees
    of Res. 76/2025/UBTVQH15 and their divisions): each unit passes the same checks
    as in ``unit_create`` (its fields and ``clean()``), the one-open-unit-per-code
    and per-administrative-code rules are checked for the whole batch in two
    queries, then the rows are inserted and their tree paths written in bulk.
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext_lazy as _

    if not units:
        return []
    for unit in units:
        if unit.pk is not None or (unit.parent is not None and unit.parent.pk is None):
            raise ValueError("unit_bulk_create takes new units under saved parents")
        # The parent is a saved instance in hand (checked above; the foreign key
        # holds it in the database), so skip the per-row query that checks it.
        unit.full_clean(
            exclude=["path", "parent"],
            validate_unique=False,
            validate_constraints=False,
        )
    open_units = Unit.objects.filter(valid_to__isnull=True)
    for field, code in (
        ("code", "duplicate_code"),
        ("admin_code", "duplicate_admin_code"),
    ):
        values = [
            getattr(u, field) for u in units if u.valid_to is None and getattr(u, field)
        ]
        taken = set(
            open_units.filter(**{f"{field}__in": values}).values_list(field, flat=True)
        )
        seen: set[str] = set()
        for value in values:
            if value in taken or value in seen:
                raise ValidationError(
                    {
                        field: ValidationError(
                            _("Another open unit already uses the code %(code)s."),
                            code=code,
                            params={"code": value},
                        )
                    }
                )
            seen.add(value)
    for unit in units:
        unit.path = "/"
    created = Unit.objects.bulk_create(units, batch_size=500)
    for unit in created:
        unit.path, unit.depth = _path_for(unit)
    Unit.objects.bulk_update(created, ["path", "depth"], batch_size=500)
    return created


@atomic
def position_close(
    *,
    position: JobPosition,
    last_day: datetime.date,
    decision_number: str = "",
    decision_date: datetime.date | None = None,
) -> JobPosition:
    """End a job position of the establishment: ``last_day`` is its last day in force
    (the day before the effective date of the decision that ends or replaces it).

    Positions are closed, never edited or deleted, so the establishment as of any
    earlier date stays reproducible (Decree 62/2020/NĐ-CP Art. 7: only an approval
    decision changes it). The caller records which decision closed it. Refused for a
    position already closed or one that would end before it started.
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext_lazy as _

    position = JobPosition.objects.select_for_update().get(pk=position.pk)
    if position.valid_to is not None:
        raise ValidationError(
            _("Position %(name)s already ended on %(date)s."),
            code="position_already_closed",
            params={
                "name": position.name,
                "date": date_format(position.valid_to, "SHORT_DATE_FORMAT"),
            },
        )
    if last_day < position.valid_from:
        raise ValidationError(
            _("Position %(name)s cannot end before it started (%(date)s)."),
            code="position_close_before_start",
            params={
                "name": position.name,
                "date": date_format(position.valid_from, "SHORT_DATE_FORMAT"),
            },
        )
    position.valid_to = last_day
    position.ended_by_decision_number = decision_number
    position.ended_by_decision_date = decision_date
    position.full_clean()
    position.save(
        update_fields=["valid_to", "ended_by_decision_number", "ended_by_decision_date"]
    )
    return position


@atomic
def unit_close(
    *,
    units: list[Unit],
    last_day: datetime.date,
    status: str,
) -> list[Unit]:
    """Close ``units`` and every sub-unit of theirs still open on ``last_day`` (a
    unit cannot outlive its parent): ``last_day`` is their last day in force, the
    day before a reorganisation takes effect (Decree 158/2018/NĐ-CP; Res.
    76/2025/UBTVQH15 for communes), ``status`` says how they ended (the caller
    links what they became once the successors exist). Units are closed, never deleted
    or moved, so the chart as of any earlier date stays as it was.

    Refused, with nothing written, for a unit already closed or one that would end
    before it started. Returns every unit closed, the sub-units included. The
    caller holds the units' rows locked."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext_lazy as _

    if not units:
        return []
    closing = _STILL_OPEN_BELOW(paths=[unit.path for unit in units], after=last_day)
    given = {unit.pk for unit in units}
    for unit in closing:
        if unit.pk in given and unit.valid_to is not None:
            raise ValidationError(
                _("%(unit)s already closed on %(date)s."),
                code="unit_already_closed",
                params={
                    "unit": unit,
                    "date": date_format(unit.valid_to, "SHORT_DATE_FORMAT"),
                },
            )
        if last_day < unit.valid_from:
            raise ValidationError(
                _("%(unit)s cannot close before it opened (%(date)s)."),
                code="unit_close_before_start",
                params={
                    "unit": unit,
                    "date": date_format(unit.valid_from, "SHORT_DATE_FORMAT"),
                },
            )
        unit.valid_to = last_day
        unit.status = status
    missing = given - {unit.pk for unit in closing}
    if missing:
        closed = Unit.objects.filter(pk__in=missing).first()
        raise ValidationError(
            _("%(unit)s already closed on %(date)s."),
            code="unit_already_closed",
            params={
                "unit": closed,
                "date": date_format(closed.valid_to, "SHORT_DATE_FORMAT"),
            },
        )
    Unit.objects.filter(pk__in=[unit.pk for unit in closing]).update(
        valid_to=last_day, status=status
    )
    return closing


#: The units of the subtrees of ``paths`` still open ``after`` a day, in tree
#: order: what closing them closes (compiled once per number of units).
_STILL_OPEN_BELOW = FrozenQuery(
    lambda paths, after: (
        Unit.objects.filter(subtree_condition(paths))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=after))
        .order_by("path")
    )
)


@atomic
def position_bulk_close(
    *,
    positions: list[JobPosition],
    last_day: datetime.date,
    decision_number: str = "",
    decision_date: datetime.date | None = None,
) -> int:
    """End many positions at once, as :func:`position_close` ends one (the last day
    in force and the decision that ended them); in one statement. Refused, with
    nothing written, for a position already ended or one that would end before
    it started."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext_lazy as _

    ids = [position.pk for position in positions]
    if not ids:
        return 0
    rows = JobPosition.objects.filter(pk__in=ids)
    # Only the positions that may end are written; should one not, the step is
    # refused and rolled back whole (the caller's transaction), so the check
    # costs a query only when it fails.
    closed = rows.filter(valid_to__isnull=True, valid_from__lte=last_day).update(
        valid_to=last_day,
        ended_by_decision_number=decision_number,
        ended_by_decision_date=decision_date,
    )
    if closed != len(set(ids)):
        bad = next(
            (p for p in positions if p.valid_to is not None or p.valid_from > last_day),
            positions[0],
        )
        raise ValidationError(
            _("Position %(name)s of %(unit)s cannot end on %(date)s."),
            code="position_cannot_close",
            params={
                "name": bad.name,
                "unit": bad.unit,
                "date": date_format(last_day, "SHORT_DATE_FORMAT"),
            },
        )
    return closed


@atomic
def position_bulk_create(
    *, positions: list[JobPosition], checked: bool = False
) -> list[JobPosition]:
    """Record many positions at once (a reorganisation opens thousands): each
    passes the checks of :func:`position_create` (its fields and ``clean()``,
    with its unit in hand), then all are inserted together. ``checked``: the
    caller has just run those checks on every position (an import, which
    reports every bad row before writing any)."""
    if checked:
        return JobPosition.objects.bulk_create(positions, batch_size=1000)
    for position in positions:
        entry = position.catalogue_entry if position.catalogue_entry_id else None
        if entry is not None:
            position.name = position.name or entry.name
            position.category_id = position.category_id or entry.category_id
        position.full_clean(
            exclude=["unit", "category", "rank", "catalogue_entry"],
            validate_unique=False,
            validate_constraints=False,
        )
    return JobPosition.objects.bulk_create(positions, batch_size=1000)
