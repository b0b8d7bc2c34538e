"""The services' transactions: one savepoint per workflow step.

A task page calls its service and completes its viewflow task inside one savepoint,
:func:`step`: anything raised inside it (a refusal, a database error) rolls the
whole step back to it, and the page is shown again as typed. The services called
inside a step join that savepoint (:func:`atomic`) instead of opening their own:
each savepoint costs two round trips to the database, and inside a step it guards
nothing, since nothing there catches a service's error and goes on. Should some
code ever do so, Django refuses its next query (the transaction is marked for
rollback) instead of committing half a step.

Outside a step (a background job, the shell, another service calling under its
own ``try``) the services open their savepoint as ``transaction.atomic`` does.

A task page's POST, which is one transaction already, saves the step's own
savepoint too (:func:`steps_replayed`): a refused step rolls the whole
transaction back and the request is run again to show the refusal.

It lives in ``orgchart``, the app every other depends on, so the services of
every app can join a step.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

F = TypeVar("F", bound=Callable)

_in_step: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "services_in_step", default=False
)
_step_end: contextvars.ContextVar[list[Callable[[], None]] | None] = (
    contextvars.ContextVar("services_step_end", default=None)
)
_step_undo: contextvars.ContextVar[list[Callable[[], None]] | None] = (
    contextvars.ContextVar("services_step_undo", default=None)
)


class StepRefused(Exception):
    """A step without a savepoint was refused (``error``, a ``ValidationError``):
    the caller of :func:`steps_replayed` rolls its whole transaction back and
    runs the request again, in which the step refuses at once."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


class _Replay:
    def __init__(self, refusal: ValidationError | None):
        self.refusal = refusal


_replay: contextvars.ContextVar[_Replay | None] = contextvars.ContextVar(
    "services_step_replay", default=None
)


@contextmanager
def steps_replayed(refusal: ValidationError | None = None) -> Iterator[None]:
    """Inside the caller's transaction (a task page's POST), a step opens no
    savepoint of its own: one refused raises :class:`StepRefused` out of the
    transaction, and the caller, once it has rolled back, runs the request again
    inside ``steps_replayed(refusal)``, where the step refuses with the same
    error before doing anything; the page then shows it as typed, as after a
    step rolled back to its savepoint. A refusal is rare, a step is not: the
    savepoint cost every step two round trips."""
    token = _replay.set(_Replay(refusal))
    try:
        yield
    finally:
        _replay.reset(token)


@contextmanager
def step() -> Iterator[None]:
    """The savepoint of one workflow step (its service calls and the task's
    completion): all of it, or nothing of it (inside :func:`steps_replayed`, the
    caller's transaction instead of a savepoint). What was left for its end
    (:func:`on_step_end`) runs last, inside it; when it is rolled back, what was
    left for that (:func:`on_step_rollback`) puts the objects the request keeps
    back as the database has them again."""
    replay = _replay.get()
    if replay is not None and replay.refusal is not None:
        refusal, replay.refusal = replay.refusal, None
        raise refusal
    hooks: list[Callable[[], None]] = []
    undo: list[Callable[[], None]] = []
    tokens = _in_step.set(True), _step_end.set(hooks), _step_undo.set(undo)
    try:
        with transaction.atomic(savepoint=replay is None):
            try:
                yield
            except ValidationError as exc:
                if replay is None:
                    raise
                raise StepRefused(exc) from exc
            while hooks:
                hooks.pop(0)()
    except BaseException:
        while undo:
            undo.pop()()
        raise
    finally:
        _in_step.reset(tokens[0])
        _step_end.reset(tokens[1])
        _step_undo.reset(tokens[2])


def on_step_end(func: Callable[[], None]) -> bool:
    """Leave ``func`` for the end of the current step, to run inside its
    transaction once everything else of it is written (the rows that tell people
    about it, with the step's own). False outside a step: the caller does what it
    does elsewhere (a background job after commit). The steps open no savepoint
    of their own that could roll back part of them, so what is left here always
    belongs to what the step commits."""
    hooks = _step_end.get()
    if hooks is None:
        return False
    hooks.append(func)
    return True


@contextmanager
def _block() -> Iterator[None]:
    # Joined, a failure marks the transaction for rollback; the nearest savepoint
    # around it (the step's, or one some code opened with ``transaction.atomic``
    # to catch it) rolls back and clears the mark, as Django's own blocks do.
    with transaction.atomic(savepoint=not _in_step.get()):
        yield


def atomic(func: F | None = None):
    """``transaction.atomic`` for a service, used as a decorator or a ``with``
    block: inside a :func:`step` it joins the step's savepoint."""
    if func is None:
        return _block()

    @wraps(func)
    def inner(*args, **kwargs):
        with _block():
            return func(*args, **kwargs)

    return inner


def on_step_rollback(func: Callable[[], None]) -> bool:
    """Leave ``func`` to run if the current step is rolled back (after the
    rollback, latest first). False outside a step."""
    undo = _step_undo.get()
    if undo is None:
        return False
    undo.append(func)
    return True
