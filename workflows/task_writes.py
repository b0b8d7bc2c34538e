"""The rows a workflow step writes for the tasks it passes, written together.

A person's step (a task page's POST, a start page's POST, the daily job ending a
wait) completes its task and moves the flow on: through one or more gateways,
perhaps a function (applying a decision) and the end, to the next person's task.
viewflow writes each of those tasks as it goes, a new task inserted and then
updated when done, and each task's link to the one before it, one statement
each: ten statements for a committee's decision that applies a consolidation.

Inside :func:`tasks_written_together` (opened around such a step by the nodes of
:mod:`workflows.nodes`) the tasks the step creates are kept in memory, in their
final state, and inserted together when the flow has moved on: one INSERT for
all of them, in the order they were created, then their links in one more. The
step's own transaction holds both, so nothing of it is seen half-written, and a
refused step writes nothing. ``post_save`` is sent for each task as its
``save()`` would (the task's people are told of it at the end of the step).

Nothing of the step reads the new tasks back before then: the gateways route on
the dossier, the end of a flow without parallel paths knows it is the only open
task (:func:`open_elsewhere`), and the page that follows reads the tasks after
the step. A task saved outright meanwhile (viewflow's error path) is not written
twice.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import router
from django.db.models.signals import post_save

#: The tasks created by the step running now and not yet written, in creation
#: order (``None`` outside :func:`tasks_written_together`).
_PENDING: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "workflow_tasks_pending", default=None
)

#: The links ``(task, previous)`` of the tasks the step creates to the ones
#: before them, written when the step ends (``None`` outside
#: :func:`task_links_deferred`).
_LINKS: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "workflow_task_links", default=None
)


def task_save(task) -> None:
    """Write ``task`` (viewflow's ``task.save()``): a task new in a step running
    inside :func:`tasks_written_together` is kept for its single INSERT there;
    any other is saved at once."""
    pending = _PENDING.get()
    if pending is None or task.pk is not None:
        task.save()
        return
    if not any(each is task for each in pending):
        pending.append(task)


def task_written(task):
    """``task`` with its row written now, if it was waiting for the end of its
    step (another row is about to refer to it: a subprocess's
    ``parent_task``)."""
    if task.pk is None:
        task.save()
    return task


def task_link(task, previous) -> None:
    """``task`` follows ``previous`` (viewflow's ``task.previous.add``): inside a
    step, written with the step's other links in one INSERT when it ends (either
    may still be waiting for its own INSERT then), elsewhere at once."""
    links = _LINKS.get()
    if links is None:
        task.previous.add(previous)
        return
    links.append((task, previous))


def pending_open(process, but) -> bool:
    """Whether a task of ``process`` created in this step and not yet written,
    other than ``but``, is still open."""
    return any(
        each is not but and each.process_id == process.pk and each.finished is None
        for each in _PENDING.get() or ()
    )


def _tasks_write(pending: list) -> None:
    new = [task for task in pending if task.pk is None]
    if not new:
        return
    model = type(new[0])
    for task in new:
        # What ``Task.save`` fills in before saving.
        if task.flow_task and not task.flow_task_type:
            task.flow_task_type = task.flow_task.task_type
    using = router.db_for_write(model)
    model._default_manager.using(using).bulk_create(new)
    for task in new:
        post_save.send(
            sender=model,
            instance=task,
            created=True,
            update_fields=None,
            raw=False,
            using=using,
        )


def _links_write(links: list) -> None:
    if not links:
        return
    through = type(links[0][0]).previous.through
    through.objects.bulk_create(
        [
            through(from_task_id=task.pk, to_task_id=previous.pk)
            for task, previous in links
        ],
        ignore_conflicts=True,
    )


@contextmanager
def task_links_deferred() -> Iterator[None]:
    """Inside the block (one step's POST, in its transaction) the links between
    the tasks it creates are written together at its end: one statement instead
    of one per task passed (a step through a gateway passes two or three).
    Nothing of the step reads them: they are the tasks' history (undo, revive,
    the chart). Inside such a block already, that block writes them."""
    if _LINKS.get() is not None:
        yield
        return
    links: list = []
    token = _LINKS.set(links)
    try:
        yield
        _links_write(links)
    finally:
        _LINKS.reset(token)


@contextmanager
def tasks_written_together() -> Iterator[None]:
    """Inside the block (a step moving its flow on, in a transaction), the tasks
    it creates are inserted together at its end (see the module docstring), and
    their links with them unless an enclosing :func:`task_links_deferred` writes
    those. Inside such a block already, that block writes them."""
    if _PENDING.get() is not None:
        yield
        return
    pending: list = []
    token = _PENDING.set(pending)
    try:
        with task_links_deferred():
            yield
            _tasks_write(pending)
    finally:
        _PENDING.reset(token)
