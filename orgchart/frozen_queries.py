"""Queries a request runs on every step, compiled to SQL once per process.

Django builds and compiles a queryset's SQL each time it runs it: for the reads
every workflow step makes (the task with the flow's lock, the dossier with its
own, the sole candidate of the next task) that costs several times the round trip
to the database (a few milliseconds each under the profiler, against a fraction
of one for PostgreSQL to answer). A :class:`FrozenQuery` builds its queryset
once for each shape of its arguments (their names, types and, for lists, their
lengths), compiles it with stand-in values, notes where each value goes among the
statement's parameters, and from then on only sends the same SQL with the new
values and builds the rows' objects as the queryset would (``select_related``
objects, annotations and the database's converters included).

The queryset is Django's: its joins, lock clause (``select_for_update``) and
conditions are written once, in the ORM, and a test compares each frozen query
with its queryset run directly. A value that Django does not pass through as it
is (a pattern built from it, a value written into the SQL itself) is refused
when the query is first compiled, so a frozen query is never silently wrong.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

#: Stand-ins: values no real argument takes (negative ids far beyond any
#: sequence, texts with control characters).
_INT_BASE = -7_300_000_000_000
_TEXT_MARK = "\x1ffrozen-%d\x1f"


class FrozenQueryError(ValueError):
    """The queryset cannot be frozen: one of its values is not passed to the
    database as it is."""


_DATE_BASE = datetime.date(1000, 1, 1)


def _stand_in(kind: type, number: int):
    if kind is int:
        return _INT_BASE - number
    if kind is str:
        return _TEXT_MARK % number
    if kind is datetime.date:
        return _DATE_BASE + datetime.timedelta(days=number)
    raise FrozenQueryError(
        f"a frozen query takes ints, strs and dates, not {kind.__name__}"
    )


_BIGINT = 2**63


def _beyond_bigint(value) -> bool:
    return isinstance(value, int) and not -_BIGINT <= value < _BIGINT


def _shape(values: dict[str, Any]) -> tuple:
    shape = []
    for name in sorted(values):
        value = values[name]
        if isinstance(value, (list, tuple)):
            kinds = tuple(type(item) for item in value)
            shape.append((name, "list", kinds))
        else:
            shape.append((name, "one", type(value)))
    return tuple(shape)


class _Compiled:
    """One shape's SQL, where each argument goes in its parameters, and what
    turns a row into objects."""

    def __init__(
        self,
        queryset: QuerySet,
        stand_ins: dict[Any, tuple[str, int]],
        *,
        part: bool = False,
    ):
        self.model = queryset.model
        compiler = queryset.query.get_compiler(using=queryset.db)
        self.sql, params = compiler.as_sql()
        self.for_update = (
            queryset.query.select_for_update
            and connections[queryset.db].features.has_select_for_update
        )
        self.slots: list[tuple[str, int | None] | Any] = []
        found = set()
        # A backend may pass a date as its text (SQLite): the same is done to
        # the value at each call.
        as_text = {
            str(value): key
            for value, key in stand_ins.items()
            if isinstance(value, datetime.date)
        }
        for param in params:
            key = None
            if type(param) in (int, str, datetime.date):
                key = stand_ins.get(param)
            if key is None and isinstance(param, str) and param in as_text:
                key = (*as_text[param], str)
            if key is None:
                if any(
                    isinstance(param, str) and mark in param
                    for mark in stand_ins
                    if isinstance(mark, str)
                ):
                    raise FrozenQueryError(
                        f"a value is rewritten by the query: {param!r}"
                    )
                self.slots.append(_Fixed(param))
            else:
                self.slots.append(key)
                found.add(key)
        self.found = {key[:2] for key in found}
        if not part:
            _require_all_passed(stand_ins, self.found)
        elif compiler.has_extra_select:
            raise FrozenQueryError("a joined queryset selects only its own columns")
        self.compiler = compiler
        self.db = queryset.db
        klass_info = compiler.klass_info
        select = compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model_slice = (start, end)
        self.init_list = [column[0].target.attname for column in select[start:end]]
        self.populators = get_related_populators(klass_info, select, queryset.db)
        self.annotations = dict(compiler.annotation_col_map or {})
        # What the database's values go through (``results_iter`` works them
        # out again at every call): found once.
        fields = [column[0] for column in select[: compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise FrozenQueryError("a frozen query reads no composite key")
        self.converters = compiler.get_converters(fields)

    def params(self, values: dict[str, Any]) -> list:
        out = []
        for slot in self.slots:
            if isinstance(slot, _Fixed):
                out.append(slot.value)
                continue
            name, index, *adapt = slot
            value = values[name]
            value = value if index is None else value[index]
            out.append(adapt[0](value) if adapt else value)
        return out

    @property
    def columns(self) -> int:
        """How many columns its statement answers (a part of a join)."""
        return len(self.compiler.select)

    def run(self, values: dict[str, Any]) -> list:
        return self.objects(_fetch(self, values))

    def objects(self, rows: list) -> list:
        """The objects of the statement's ``rows``, as the queryset builds them."""
        compiler = self.compiler
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        start, end = self.model_slice
        objects = []
        if self.converters:
            rows = compiler.apply_converters(rows, self.converters)
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


def _require_all_passed(stand_ins: dict, found: set) -> None:
    missing = set(stand_ins.values()) - found
    if missing:
        raise FrozenQueryError(
            "values not passed as parameters: "
            + ", ".join(sorted(f"{name}[{index}]" for name, index in missing))
        )


def _fetch(compiled, values: dict[str, Any]) -> list:
    connection = connections[compiled.db]
    if compiled.for_update and connection.get_autocommit():
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params(values))
        return cursor.fetchall()


class _Joined:
    """Several querysets answered by one statement: each the row source of its
    own, side by side (a cross join; each keeps its lock clause and its
    ordering), their rows split back into each queryset's objects. Meant for
    reads of one row each: the result has one row per combination."""

    def __init__(self, parts: list[_Compiled], stand_ins: dict[Any, tuple[str, int]]):
        _require_all_passed(stand_ins, set().union(*(part.found for part in parts)))
        self.parts = parts
        self.db = parts[0].db
        if any(part.db != self.db for part in parts):
            raise FrozenQueryError("joined querysets must use one database")
        self.for_update = any(part.for_update for part in parts)
        # Django's compiled statements, their values all parameters.
        self.sql = "SELECT * FROM " + " CROSS JOIN ".join(  # noqa: S608
            f"({part.sql}) AS frozen_{index}" for index, part in enumerate(parts)
        )

    def params(self, values: dict[str, Any]) -> list:
        return [param for part in self.parts for param in part.params(values)]

    def run(self, values: dict[str, Any]) -> list[tuple]:
        rows = _fetch(self, values)
        columns, start = [], 0
        for part in self.parts:
            columns.append((start, start + part.columns))
            start += part.columns
        each = [
            part.objects([row[begin:end] for row in rows])
            for part, (begin, end) in zip(self.parts, columns, strict=True)
        ]
        return list(zip(*each, strict=True))


class _Nothing:
    """The shape of a query that matches nothing (not sent)."""

    @staticmethod
    def run(values: dict[str, Any]) -> list:
        return []


_NOTHING = _Nothing()


class _Fixed:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class FrozenQuery:
    """``build(**values)`` returns the queryset for those values; calling the
    frozen query with the same keywords returns the list of its rows' objects,
    compiled once per shape of the values (one database per process: the
    queryset's own, as built). A ``build`` returning a tuple of querysets (each
    of one row at most) has them answered by one statement, and the call
    returns the tuples of their objects (:class:`_Joined`).

    Every value must reach the database as a parameter of its own, compared for
    equality (``pk=``, an exact comparison, ``__in``) or ordered (a date's
    ``__lte``): ints, strs and dates, or lists of them. A single int beyond the
    database's 64 bits matches nothing.
    """

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()

    def __call__(self, **values: int | str | Sequence[int | str]) -> list:
        if any(_beyond_bigint(value) for value in values.values()):
            # Django's lookups answer such a value with no rows, without asking
            # the database (which would refuse it).
            return []
        key = _shape(values)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(values)
            with self._lock:
                compiled = self._compiled.setdefault(key, compiled)
        return compiled.run(values)

    def _compile(self, values: dict[str, Any]) -> _Compiled:
        stand_ins: dict[Any, tuple[str, int | None]] = {}
        arguments: dict[str, Any] = {}
        number = 0
        for name in sorted(values):
            value = values[name]
            if isinstance(value, (list, tuple)):
                items = []
                for index, item in enumerate(value):
                    stand_in = _stand_in(type(item), number)
                    number += 1
                    stand_ins[stand_in] = (name, index)
                    items.append(stand_in)
                arguments[name] = items
            else:
                stand_in = _stand_in(type(value), number)
                number += 1
                stand_ins[stand_in] = (name, None)
                arguments[name] = stand_in
        built = self.build(**arguments)
        try:
            if isinstance(built, tuple):
                return _Joined(
                    [_Compiled(each, stand_ins, part=True) for each in built],
                    stand_ins,
                )
            return _Compiled(built, stand_ins)
        except EmptyResultSet:
            # A condition that matches nothing whatever the values (an empty
            # list compared with ``__in``): Django asks nothing, nor does this.
            return _NOTHING
