"""Searching words inside texts at national volume, on PostgreSQL.

A list's search asks for every word somewhere in a dossier's title, its receipt
number or its unit's name: ``UPPER(column) LIKE '%WORD%'`` (Django's ``icontains``),
which no B-tree index serves, so PostgreSQL read every dossier with its unit (130 ms
for a three-word search at 50,000 dossiers, 420 ms for ten words; bench/README.md,
"National volumes"). Two things make it an index lookup:

- trigram indexes (``pg_trgm``, a trusted extension a database's owner may
  create) on exactly the expression ``icontains`` writes, ``UPPER(column::text)``,
  made by the migrations through ``trigram_indexes_create``;
- the unit's name matched through the units' own trigram index and handed to the
  dossiers as an array (``InArray``), so the three conditions of a word combine in
  one ``BitmapOr`` (a ``unit_id IN (subquery)`` inside an OR is a filter run on
  every row instead).

Elsewhere (SQLite) nothing is created and ``InArray`` is a plain ``IN``."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Lookup

logger = logging.getLogger(__name__)

#: A trigram index finds words of at least this many characters; a shorter word
#: (a number, "hồ", "sơ") is matched row by row whatever is done.
TRIGRAM_LENGTH = 3


def indexed_word(word: str) -> bool:
    """Whether a trigram index can find ``word`` inside a text."""
    return len(word) >= TRIGRAM_LENGTH


class InArray(Lookup):
    """``lhs IN (subquery)``, which PostgreSQL runs once as an array (``lhs =
    ANY(ARRAY(subquery))``), so an index on ``lhs`` still serves it inside an OR.
    Used as an expression: ``Q(InArray(F("unit"), units.values("pk")))``."""

    lookup_name = "in_array"
    prepare_rhs = False

    def _sides(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # A subquery comes back in parentheses (Lookup.process_rhs).
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return lhs, rhs, (*lhs_params, *rhs_params)

    def as_sql(self, compiler, connection):
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} IN {rhs}", params

    def as_postgresql(self, compiler, connection):
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", params


def trigram_indexes_create(schema_editor, indexes: list[tuple[str, str, str]]):
    """On PostgreSQL, the trigram index ``(name, table, column)`` of each entry on
    ``UPPER(column::text)``. Where the extension may not be created (a database
    user without the right), the indexes are left out with a warning: the search
    works the same, only slower."""
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # noqa: BLE001 - any refusal leaves the search unindexed
        logger.warning("pg_trgm unavailable, search left without indexes: %s", exc)
        return
    for name, table, column in indexes:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON "
            f"{schema_editor.quote_name(table)} USING gin "
            f"(UPPER({schema_editor.quote_name(column)}::text) gin_trgm_ops)"
        )


def trigram_indexes_drop(schema_editor, indexes: list[tuple[str, str, str]]):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in indexes:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
