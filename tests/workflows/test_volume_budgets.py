"""The pages people read every day cost the same number of queries whether the
province holds N dossiers or three times as many: the inbox, the queue, the
archive and "my work" of a busy appraiser, the dossier list (first page, filtered,
searched), the dossier page and the unit page.

The dossiers come from the benchmarks' bulk generator (``bench/volume_data.py``):
job-position projects and the other kinds, in every state, each with its process,
tasks, revisions, remarks and chained audit rows, as ``bench/volumes.py`` measures
them at national size. ``test_scope_and_lists`` keeps the flow's own list pages to
their budgets as dossiers move through the real URLs; here the volume is what
grows.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisal.selectors.audit import audit_chains_verify
from workflows.models import JobPositionProjectProcess

pytestmark = pytest.mark.django_db

N = 10
NS = "jobpositionproject"


def _pages(people, units) -> list[tuple[str, str, str]]:
    """(name, who, url) of every page whose budget is kept."""
    index = reverse(f"{NS}:index")
    process = (
        JobPositionProjectProcess.objects.filter(
            artifact_object_id__in=units["a"]
            .dossiers.filter(status="under_appraisal")
            .values("pk")
        )
        .order_by("pk")
        .first()
    )
    detail = reverse(f"{NS}:process_detail", args=[process.pk])
    unit = reverse("orgchart:unit_detail", args=[units["a"].pk])
    return [
        ("inbox", "appraiser", reverse(f"{NS}:inbox")),
        ("queue", "appraiser", reverse(f"{NS}:queue")),
        ("queue", "reception", reverse(f"{NS}:queue")),
        ("archive", "appraiser", reverse(f"{NS}:archive")),
        ("my work", "appraiser", reverse("home:index")),
        ("dossier list", "officer", index),
        ("dossier list", "observer", index),
        ("dossier list filtered", "observer", index + "?status=under_appraisal"),
        ("dossier list by unit code", "observer", index + "?unit=SB"),
        ("dossier list by unit link", "observer", index + f"?unit={units['b'].pk}"),
        ("dossier list by unit name", "officer", index + "?unit=s%E1%BB%9F"),
        ("search", "observer", index + "?search=H%E1%BB%93+s%C6%A1"),
        ("search", "officer", index + "?search=S%E1%BB%9F+A"),
        ("dossier page", "observer", detail),
        ("dossier page", "officer", detail),
        ("unit page", "officer", unit),
        ("unit page", "observer", unit),
    ]


#: The most queries each page may make (session, person, scope, the rows and
#: what each row shows, the menu's counters: one statement for both, which the
#: inbox's and queue's pagers reuse).
BUDGETS = {
    "inbox": 11,
    "queue": 11,
    "archive": 12,
    "my work": 18,
    "dossier list": 12,
    "dossier list filtered": 12,
    "dossier list by unit code": 12,
    "dossier list by unit link": 13,
    "dossier list by unit name": 12,
    "search": 12,
    "dossier page": 24,
    "unit page": 24,
}


def _count(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries), response.content.decode()


def _counts(client, people, units) -> dict:
    counts = {}
    for name, who, url in _pages(people, units):
        client.force_login(people[who])
        _count(client, url)  # the process's first look-ups (content types) done
        counts[(name, who)], _content = _count(client, url)
    return counts


def test_daily_pages_make_as_many_queries_for_3n_dossiers_as_for_n(
    client, people, units, volume
):
    volume(N, seed=1)
    few = _counts(client, people, units)
    volume(2 * N, seed=2)
    many = _counts(client, people, units)
    assert many == few
    for (name, who), queries in many.items():
        assert queries <= BUDGETS[name], (name, who, queries)


def test_generated_volume_is_what_the_pages_show(client, people, units, volume):
    """The generated dossiers are real to the pages: each person finds their work,
    the list and search narrow, and the audit chain verifies."""
    volume(N, seed=3)
    client.force_login(people["reception"])
    _queries, queue = _count(client, reverse(f"{NS}:queue"))
    assert "Hồ sơ" in queue
    client.force_login(people["officer_b"])
    _queries, listed = _count(client, reverse(f"{NS}:index"))
    assert "Sở A" not in listed
    client.force_login(people["observer"])
    _queries, found = _count(client, reverse(f"{NS}:index") + "?search=Phòng+B1")
    assert "— Phòng B1</a>" in found
    assert "— Sở A</a>" not in found
    assert not audit_chains_verify().broken


def test_reading_a_list_again_writes_nothing_to_the_session(client, people, volume):
    volume(N, seed=4)
    client.force_login(people["appraiser"])
    inbox = reverse(f"{NS}:inbox")
    client.get(inbox)
    with CaptureQueriesContext(connection) as context:
        assert client.get(inbox).status_code == 200
    writes = [
        q["sql"]
        for q in context.captured_queries
        if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")
    ]
    assert writes == []
    # Another list is still remembered (the flow's "back" link returns to it).
    client.get(reverse(f"{NS}:queue"))
    assert client.session["vf-pin-location"] == reverse(f"{NS}:queue")
