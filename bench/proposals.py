"""Rewrites of two org-chart selectors, measured by the benchmark next to the real
ones; the application does not use them.

Why: ``unit_list_tree`` and ``unit_get_rollup`` compute each unit's subtree head
count with a correlated subquery ``unit.path LIKE outer.path || '%'``. The pattern is
not a constant when the plan is made, so no index can serve it and PostgreSQL scans
the whole unit table once per listed unit: the cost grows with the size of the
country times the size of the province. Both rewrites keep the query count and give
the same numbers:

- the tree already holds every unit of the subtree (scope and validity both cover
  whole subtrees), so each unit's own head count is summed up its path in Python;
- the roll-up sums the positions of the subtree per unit in one grouped query and
  folds them onto the direct sub-units by path.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Sum

from orgchart import selectors
from orgchart.models import JobPosition, Unit


def unit_list_tree_rolled_up(
    *, user, as_of: datetime.date, root: Unit | None = None
) -> list[Unit]:
    """``selectors.unit_list_tree`` with the subtree head count summed in Python."""
    qs = Unit.objects.active_on(as_of)
    if root is not None:
        qs = qs.subtree_of(root)
    scope = selectors.unit_scope_filter(user)
    if scope is not None:
        qs = qs.filter(scope)
    units = list(
        qs.annotate(
            headcount=selectors._headcount_subquery(as_of)
        ).order_by("path")
    )
    by_id = {unit.pk: unit for unit in units}
    for unit in units:
        unit.subtree_headcount = 0
    for unit in units:
        unit.subtree_headcount += unit.headcount
        for ancestor_id in unit.ancestor_ids:
            ancestor = by_id.get(ancestor_id)
            if ancestor is not None:
                ancestor.subtree_headcount += unit.headcount
    return units


def unit_get_rollup_grouped(*, unit: Unit, as_of: datetime.date) -> dict:
    """``selectors.unit_get_rollup`` from one grouped query over the subtree."""
    per_unit = (
        JobPosition.objects.active_on(as_of)
        .filter(unit__path__startswith=unit.path)
        .values("unit__path")
        .annotate(headcount=Sum("headcount"), positions=Count("pk"))
        .order_by()
    )
    children = list(Unit.objects.active_on(as_of).filter(parent=unit).order_by("path"))
    by_id = {str(child.pk): child for child in children}
    for child in children:
        child.subtree_headcount = 0
    headcount = positions = 0
    for row in per_unit:
        headcount += row["headcount"]
        positions += row["positions"]
        child_id = row["unit__path"][len(unit.path) :].split("/", 1)[0]
        if child_id in by_id:
            by_id[child_id].subtree_headcount += row["headcount"]
    return {"headcount": headcount, "positions": positions, "children": children}
