"""Writes to the organisational chart and its reference data.

Every function validates with ``full_clean()`` and writes inside one transaction, so a
rejected change leaves nothing behind.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.db import transaction

from .models import CatalogueEntry, JobPosition, PositionCategory, Rank, Unit


def _path_for(unit: Unit) -> tuple[str, int]:
    if unit.parent_id is None:
        return f"/{unit.pk}/", 0
    return f"{unit.parent.path}{unit.pk}/", unit.parent.depth + 1


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
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
