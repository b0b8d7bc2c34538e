"""Rows every workflow step writes, with their SQL written once per process.

``save()`` builds and compiles its INSERT or UPDATE anew each time: for the rows
every step writes (its audit line, the dossier's new state, the task it
finishes) that costs about as much as the round trip to the database. These
functions write the same statement Django's ``save()`` writes, once per model
(and, for an update, per set of columns), and then only send it with the new
values:

- each value is prepared by its field as ``save()`` prepares it (``pre_save``,
  which fills ``auto_now`` columns, then ``get_db_prep_save``);
- ``pre_save`` and ``post_save`` are sent as ``save()`` sends them;
- an update that finds no row is refused, as ``save(update_fields=…)`` is;
- a model whose own ``save()`` adds behaviour (a derived column, a guard) is
  saved by it instead: nothing it does is skipped. :func:`row_insert` is the
  exception its caller chooses: an insert of a row whose model's ``save()``
  only guards later changes (the audit trail's).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.db import DatabaseError, connections, models, router
from django.db.models.signals import post_save, pre_save

_lock = threading.Lock()
_statements: dict[tuple, tuple[str, list[models.Field]]] = {}


def _statement(key: tuple, build) -> tuple[str, list[models.Field]]:
    found = _statements.get(key)
    if found is None:
        found = build()
        with _lock:
            found = _statements.setdefault(key, found)
    return found


def _own_save(model: type[models.Model]) -> bool:
    return model.save is not models.Model.save


def row_insert(obj: models.Model) -> None:
    """Insert ``obj`` (a new row of a model with one table) as ``obj.save()``
    would, its key filled in; the model's own ``save()``, if any, is not run."""
    model = type(obj)
    meta = model._meta
    if meta.parents:
        raise ValueError(f"{model.__name__} has parent tables: save() writes them")
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]

    def build():
        quote = connection.ops.quote_name
        fields = [
            f
            for f in meta.local_concrete_fields
            if not (f is meta.auto_field and getattr(obj, f.attname) is None)
        ]
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names only
            quote(meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        if connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {quote(meta.pk.column)}"
        return sql, fields

    key = ("insert", model, using, getattr(obj, meta.pk.attname) is None)
    sql, fields = _statement(key, build)
    pre_save.send(
        sender=model, instance=obj, raw=False, using=using, update_fields=None
    )
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if getattr(obj, meta.pk.attname) is None:
            if connection.features.can_return_columns_from_insert:
                pk = cursor.fetchone()[0]
            else:
                pk = connection.ops.last_insert_id(
                    cursor, meta.db_table, meta.pk.column
                )
            setattr(obj, meta.pk.attname, pk)
    obj._state.adding = False
    obj._state.db = using
    post_save.send(
        sender=model,
        instance=obj,
        created=True,
        update_fields=None,
        raw=False,
        using=using,
    )


def row_update(obj: models.Model, names: Iterable[str]) -> None:
    """``obj.save(update_fields=names)``: the columns ``names`` of ``obj``'s
    row (its parents' tables first), refused if the row is gone."""
    model = type(obj)
    names = frozenset(names)
    if _own_save(model):
        obj.save(update_fields=names)
        return
    if not names:
        return
    meta = model._meta
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]

    def build():
        quote = connection.ops.quote_name
        wanted = [meta.get_field(name) for name in sorted(names)]
        parts = []
        for table_model in [*reversed(meta.get_parent_list()), meta.concrete_model]:
            table_meta = table_model._meta
            fields = [f for f in wanted if f in table_meta.local_concrete_fields]
            if not fields:
                continue
            sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 - names only
                quote(table_meta.db_table),
                ", ".join(f"{quote(f.column)} = %s" for f in fields),
                quote(table_meta.pk.column),
            )
            parts.append((sql, fields, table_meta.pk.attname))
        return parts

    parts = _statement(("update", model, using, names), build)
    pre_save.send(
        sender=model, instance=obj, raw=False, using=using, update_fields=names
    )
    with connection.cursor() as cursor:
        for sql, fields, pk_name in parts:
            params = [
                f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields
            ]
            cursor.execute(sql, [*params, getattr(obj, pk_name)])
            if cursor.rowcount == 0:
                raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = using
    post_save.send(
        sender=model,
        instance=obj,
        created=False,
        update_fields=names,
        raw=False,
        using=using,
    )
