"""The lists' search: every word in the title, the receipt number or the unit's
name, never another dossier; on PostgreSQL served by the trigram indexes the
migrations create (orgchart.text_search), the unit's name through the units' own
index, so a search at national volume does not read every dossier
(bench/README.md, "National volumes")."""

from __future__ import annotations

import pytest
from django.db import connection

from appraisal.models import Dossier, JobPositionProject
from appraisal.selectors.dossiers import dossier_list_filter
from orgchart.permissions import Role
from tests.workflows.dashboard_fixtures import make_dossier

pytestmark = pytest.mark.django_db

S = Dossier.Status
TRIGRAM_INDEXES = {"dossier_title_trgm", "dossier_receipt_trgm", "unit_name_trgm"}


@pytest.fixture
def dossiers(two_units, make_user):
    officer = make_user(Role.UNIT_OFFICER, units=[two_units["a"]])
    made = (
        ("a", "Đề án Văn phòng", S.SUBMITTED, "000123"),
        ("a1", "Đề án Thanh tra", S.SUBMITTED, "000456"),
        ("b", "Đề án Sở B", S.DRAFT, ""),
    )
    return [
        make_dossier(
            two_units[unit],
            officer,
            kind=JobPositionProject.Kind.FIRST,
            title=title,
            status=status,
            receipt_number=receipt,
        )
        for unit, title, status, receipt in made
    ]


def _found(search: str) -> set[str]:
    rows = dossier_list_filter(queryset=Dossier.objects.all(), search=search)
    return set(rows.values_list("title", flat=True))


def test_every_word_is_found_in_the_title_the_receipt_or_the_units_name(dossiers):
    assert _found("thanh tra") == {"Đề án Thanh tra"}
    assert _found("văn") == {"Đề án Văn phòng"}
    assert _found("THANH") == {"Đề án Thanh tra"}
    assert _found("0004") == {"Đề án Thanh tra"}
    # "Phòng A1" is the inspection dossier's unit, "Văn phòng" a title.
    assert _found("phòng") == {"Đề án Văn phòng", "Đề án Thanh tra"}
    assert _found("A1") == {"Đề án Thanh tra"}
    assert _found("Sở B") == {"Đề án Sở B"}
    # Every word must match somewhere: the unit of one, the title of another.
    assert _found("A1 văn") == set()
    assert _found("Đề án") == {"Đề án Văn phòng", "Đề án Thanh tra", "Đề án Sở B"}
    assert _found("không có") == set()
    # A word with LIKE's wildcards is a word, not a pattern.
    assert _found("%") == set()
    assert _found("_") == set()


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        return {row[0] for row in cursor.fetchall()}


def test_postgresql_serves_the_search_from_its_trigram_indexes(dossiers):
    if connection.vendor != "postgresql":
        # The migrations create them on PostgreSQL only; the search is the same.
        assert not TRIGRAM_INDEXES & _index_names()
        assert _found("thanh tra") == {"Đề án Thanh tra"}
        return
    assert TRIGRAM_INDEXES <= _index_names()
    rows = dossier_list_filter(queryset=Dossier.objects.all(), search="thanh")
    with connection.cursor() as cursor:
        # On three rows a sequential scan is cheapest; what is asked here is
        # whether the indexes can serve the conditions the search writes.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(rows.explain().splitlines())
    assert "dossier_title_trgm" in plan, plan
    assert "dossier_receipt_trgm" in plan, plan
    assert "unit_name_trgm" in plan, plan
    assert "BitmapOr" in plan, plan
    assert set(rows.values_list("title", flat=True)) == {"Đề án Thanh tra"}


def test_a_word_too_short_for_the_index_reads_only_the_dossiers_own_units(dossiers):
    """ "A1" cannot be found by a trigram index: the search reads the name of each
    dossier's own unit instead of every unit of the country (the whole table,
    20,280 units, for each such word at national volume)."""
    rows = dossier_list_filter(queryset=Dossier.objects.all(), search="A1")
    sql = str(rows.query)
    assert sql.count('FROM "orgchart_unit"') == 0, sql
    assert 'INNER JOIN "orgchart_unit"' in sql, sql
    assert set(rows.values_list("title", flat=True)) == {"Đề án Thanh tra"}
    # A longer word still goes through the units' index.
    longer = dossier_list_filter(queryset=Dossier.objects.all(), search="phòng")
    assert str(longer.query).count('FROM "orgchart_unit"') == 1
