"""Check constraints, and the conditions of partial unique constraints,
validated in Python when they can be.

Django validates a ``CheckConstraint`` in ``full_clean()`` by asking the
database (``Q.check``): a ``SELECT`` between a savepoint and its release, three
round trips per constraint and row. Every check constraint of this project is a
comparison of a row's own columns (with each other or with constants), so the
same condition is evaluated here on the instance, with SQL's three-valued logic
(a comparison with NULL is unknown, and a check that is unknown passes, as
``COALESCE(condition, true)`` makes it in Django). A condition this evaluator
does not know (a function, a lookup through a relation, an ordering of text,
whose result depends on the database's collation) is still asked of the
database. A partial unique constraint (``UniqueConstraint(condition=…)``) is
asked of the database only for a row its condition may hold for: a row it
certainly does not concern (a dossier without a receipt number yet) cannot
break it. The table's constraints themselves are unchanged: the database
enforces them on every write whatever was validated.

It lives in ``orgchart``, the app every other depends on, so the models of every
app use it. It deconstructs as Django's own, so migrations do not see it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import F, Q

#: The lookups evaluated here; any other is left to the database.
LOOKUPS = {"exact", "gt", "gte", "lt", "lte", "isnull", "in"}


class Unsupported(Exception):
    """The condition holds something only the database can evaluate."""


def _field_value(model, instance, name: str) -> Any:
    if name == "pk":
        return instance.pk
    try:
        field = model._meta.get_field(name)
    except Exception as exc:
        raise Unsupported(name) from exc
    if not getattr(field, "concrete", False) or field.many_to_many:
        raise Unsupported(name)
    value = getattr(instance, field.attname)
    if hasattr(value, "resolve_expression"):
        raise Unsupported(name)  # an expression the next save computes
    return value


def _operand(model, instance, value: Any) -> Any:
    if isinstance(value, F):
        return _field_value(model, instance, value.name)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "resolve_expression"):
        raise Unsupported(value)
    return value


def _compare(op: str, left: Any, right: Any) -> bool | None:
    if left is None or right is None:
        return None
    if op == "exact":
        return left == right
    if isinstance(left, str) or isinstance(right, str):
        raise Unsupported(op)  # text order is the database's collation
    try:
        if op == "gt":
            return left > right
        if op == "gte":
            return left >= right
        if op == "lt":
            return left < right
        return left <= right
    except TypeError as exc:
        raise Unsupported(op) from exc


def _lookup(model, instance, lookup: str, value: Any) -> bool | None:
    name, _, op = lookup.partition("__")
    op = op or "exact"
    if op not in LOOKUPS:
        raise Unsupported(lookup)
    left = _field_value(model, instance, name)
    if op == "isnull":
        return (left is None) == bool(value)
    if op == "exact" and value is None:
        return left is None  # Django turns "= None" into IS NULL
    if op == "in":
        if left is None:
            return None
        values = [_operand(model, instance, v) for v in value]
        if left in [v for v in values if v is not None]:
            return True
        return None if None in values else False
    return _compare(op, left, _operand(model, instance, value))


def _all(results: list[bool | None]) -> bool | None:
    if any(r is False for r in results):
        return False
    return None if any(r is None for r in results) else True


def _any(results: list[bool | None]) -> bool | None:
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


def evaluate(condition: Q, model, instance) -> bool | None:
    """``condition`` on ``instance``'s values: True, False, or None (unknown,
    as SQL says of a comparison with NULL). ``Unsupported`` when only the
    database can tell."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(evaluate(child, model, instance))
        elif isinstance(child, tuple) and len(child) == 2:
            results.append(_lookup(model, instance, *child))
        else:
            raise Unsupported(child)
    result = _all(results) if condition.connector == Q.AND else _any(results)
    if condition.negated:
        return None if result is None else not result
    return result


def referenced(condition: Q) -> set[str]:
    """The field names ``condition`` reads."""
    names: set[str] = set()
    for child in condition.children:
        if isinstance(child, Q):
            names |= referenced(child)
            continue
        lookup, value = child
        names.add(lookup.partition("__")[0])
        for item in value if isinstance(value, list | tuple | set) else [value]:
            if isinstance(item, F):
                names.add(item.name)
    return names


class CheckConstraint(models.CheckConstraint):
    """Django's ``CheckConstraint``, validated on the instance when it can be
    (see the module docstring)."""

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        condition = self.condition if isinstance(self.condition, Q) else None
        if condition is None:
            return super().validate(model, instance, exclude=exclude, using=using)
        names = referenced(condition)
        if exclude and names & set(exclude):
            return None  # as Django: a check on an excluded field is skipped
        try:
            result = evaluate(condition, model, instance)
        except Unsupported:
            return super().validate(model, instance, exclude=exclude, using=using)
        if result is False:
            raise ValidationError(
                self.get_violation_error_message(), code=self.violation_error_code
            )
        return None

    def deconstruct(self):
        _path, args, kwargs = super().deconstruct()
        return "django.db.models.CheckConstraint", args, kwargs


class UniqueConstraint(models.UniqueConstraint):
    """Django's ``UniqueConstraint``; a partial one is not asked of the
    database for a row its condition certainly does not hold for."""

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if isinstance(self.condition, Q):
            try:
                outside = evaluate(self.condition, model, instance) is False
            except Unsupported:
                outside = False
            if outside:
                return None
        return super().validate(model, instance, exclude=exclude, using=using)

    def deconstruct(self):
        _path, args, kwargs = super().deconstruct()
        return "django.db.models.UniqueConstraint", args, kwargs
