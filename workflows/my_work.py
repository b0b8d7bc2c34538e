"""A person's work across every flow ("My work"), most urgent first.

Read in two steps so that a person with hundreds of tasks costs what one page
shows: :func:`work_items_for_user` reads, for every task waiting for the person,
only what the order needs (the task's key and creation time, its dossier's due
date and whether the clock is stopped) and sorts those; :func:`work_tasks_load`
then reads the tasks of one page whole, with their dossiers, in one query plus
one per kind of dossier on the page.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from viewflow.workflow.models import Task

from appraisal.models import Dossier
from appraisal.selectors.deadlines import deadline_annotate

from .selectors import WORK_SOURCES


def _dossier_kinds() -> list:
    """Every kind of dossier a flow's process may route (the concrete models
    that extend ``Dossier``), each read with what a row shows."""
    return [
        model.objects.select_related("unit", "assigned_appraiser")
        for model in apps.get_models()
        if issubclass(model, Dossier) and model is not Dossier and not model._meta.proxy
    ]


@dataclass(frozen=True)
class WorkItem:
    """One task waiting for the person, with what orders it: overdue first, then
    by the soonest due date; tasks without a running deadline (none yet, or the
    clock stopped) last, oldest first."""

    task_id: int
    claimable: bool
    order: tuple


def _order(*, due, paused, created, pk, today: datetime.date) -> tuple:
    """The sort key of a task whose dossier is due on ``due`` (clock stopped
    since ``paused``): the rule of ``deadline_state`` without the calendar, which
    tells only "due soon" from "on time", both ordered by the due date."""
    if paused is not None or due is None:
        return (2, created.date(), created, pk)
    return (0 if today > due else 1, due, created, pk)


def work_items_for_user(*, user, filters: dict | None = None) -> list[WorkItem]:
    """The tasks assigned to ``user`` and those they may take, in every flow,
    most urgent first (``WorkItem``): one query per flow's inbox and queue,
    whatever the number of tasks, and no task read whole."""
    if not user.is_authenticated or not user.is_active:
        return []
    filters = filters or {}
    today = timezone.localdate()
    dossier = Dossier.objects.filter(pk=OuterRef("process__artifact_object_id"))
    items = []
    for inbox, queue, narrow in WORK_SOURCES:
        for claimable, tasks in ((False, inbox), (True, queue)):
            # In the list's own order (oldest first), which the open tasks'
            # indexes follow: read unordered, PostgreSQL walked every open task.
            rows = (
                narrow(queryset=tasks(user=user), user=user, filters=filters)
                .annotate(
                    due=Subquery(dossier.values("due_on")),
                    paused=Subquery(dossier.values("clock_paused_on")),
                )
                .values_list("pk", "created", "due", "paused")
            )
            items.extend(
                WorkItem(
                    task_id=pk,
                    claimable=claimable,
                    order=_order(
                        due=due, paused=paused, created=created, pk=pk, today=today
                    ),
                )
                for pk, created, due, paused in rows
            )
    return sorted(items, key=lambda item: item.order)


def work_tasks_load(*, user, items: Sequence[WorkItem]) -> list[Task]:
    """The tasks of ``items`` (found for ``user`` by ``work_items_for_user``), in
    their order, each with ``task.project`` (its dossier, with
    ``deadline_state``), ``task.claimable`` (the person must take it first) and
    ``task.acting_for`` (the absent colleague whose task it is, or None)."""
    if not items:
        return []
    found = (
        Task.objects.filter(pk__in=[item.task_id for item in items])
        .select_related("process", "owner")
        .prefetch_related(GenericPrefetch("process__artifact", _dossier_kinds()))
        .in_bulk()
    )
    tasks = []
    for item in items:
        task = found.get(item.task_id)
        if task is None:  # done or taken since the items were read
            continue
        task.claimable = item.claimable
        # Held by a colleague the person stands in for (a delegation).
        task.acting_for = (
            task.owner if not item.claimable and task.owner_id != user.pk else None
        )
        task.project = task.process.coerced.project
        tasks.append(task)
    deadline_annotate(rows=[task.project for task in tasks])
    return tasks


def work_list_for_user(*, user, filters: dict | None = None) -> list[Task]:
    """Every task of the person's work, read whole, most urgent first (the
    export; a page reads only its own tasks with ``work_tasks_load``)."""
    return work_tasks_load(
        user=user, items=work_items_for_user(user=user, filters=filters)
    )
