"""Long lists are counted only a few pages ahead of the page shown
(``workflows.pagination``): the pager says "more than" that many, its "next"
link still leads page after page to the very last row, in the list's order,
and a list that ends within reach is counted exactly. The page's rows are read
by the keys the count found, never outside the person's scope."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from appraisal.selectors.dossiers import dossier_list_for_user
from workflows import dossier_views, pagination, selectors, views

pytestmark = pytest.mark.django_db

NS = "jobpositionproject"


@pytest.fixture
def short_pages(monkeypatch):
    """Two rows a page, one page counted ahead."""
    monkeypatch.setattr(pagination, "LOOKAHEAD_PAGES", 1)
    monkeypatch.setattr(views.ProjectProcessListView, "paginate_by", 2)
    monkeypatch.setattr(dossier_views, "PAGE_SIZE", 2)


def _process_ids(html: str) -> list[int]:
    detail = reverse(f"{NS}:process_detail", args=[0]).replace("0/", "")
    return [int(pk) for pk in re.findall(rf'href="{detail}(\d+)/"', html)]


def _walk(client, query: dict) -> list[str]:
    """Every page of the flow's dossier list, from the first through "next"."""
    pages, page = [], 1
    while True:
        html = client.get(reverse(f"{NS}:index"), {**query, "page": page})
        pages.append(html.content.decode())
        following = re.search(r'pagination-item--next" data-page="(\d+)"', pages[-1])
        if not following:
            return pages
        page = int(following.group(1))


def test_the_flow_list_reaches_its_last_row_through_next(
    client, people, volume, short_pages
):
    observer = people["observer"]
    expected = list(
        selectors.process_list_for_user(user=observer).values_list("pk", flat=True)
    )
    assert len(expected) > 6  # more than the counted reach of page 1
    client.force_login(observer)
    pages = _walk(client, {})
    seen = [pk for html in pages for pk in _process_ids(html)]
    summaries = [
        re.search(r"pagination-summary\">\s*(.*?)\s*</span>", html, re.S).group(1)
        for html in pages
    ]
    # Every row once, none twice, newest first across the pages.
    assert seen == expected
    assert summaries[0] == "1–2 of more than 4"
    assert summaries[-1].endswith(f"of {len(expected)}")


def test_the_dossier_list_says_more_than_until_its_end_is_near(
    client, people, volume, short_pages
):
    observer = people["observer"]
    total = dossier_list_for_user(user=observer).count()
    pages = -(-total // 2)
    assert pages > 4
    client.force_login(observer)
    first = client.get(reverse("dossiers:index")).content.decode()
    assert "Page 1 of more than 2" in first
    assert "page=2" in first
    last = client.get(reverse("dossiers:index"), {"page": pages}).content.decode()
    assert f"Page {pages} of {pages}" in last
    assert f"page={pages + 1}" not in last
    # A page past the end shows the last one.
    beyond = client.get(reverse("dossiers:index"), {"page": pages + 5})
    assert f"Page {pages} of {pages}" in beyond.content.decode()


def test_the_counted_reach_follows_the_page_asked(client, people, volume, short_pages):
    client.force_login(people["observer"])
    third = client.get(reverse("dossiers:index"), {"page": 3}).content.decode()
    assert "Page 3 of more than 4" in third


def test_a_page_read_by_its_keys_keeps_to_the_persons_scope_and_filters(
    client, people, volume, short_pages
):
    """Department B's officer pages through their list and a search: only
    department B's dossiers, with their units, on every page."""
    volume(40, seed=5)
    officer_b = people["officer_b"]
    client.force_login(officer_b)
    for query in ({}, {"search": "Hồ sơ"}):
        expected = list(
            selectors.process_list_filter(
                queryset=selectors.process_list_for_user(user=officer_b),
                user=officer_b,
                filters=query,
            ).values_list("pk", flat=True)
        )
        assert len(expected) > 4, query
        pages = _walk(client, query)
        for html in pages:
            assert "Sở A" not in html and "Phòng A1" not in html
        assert [pk for html in pages for pk in _process_ids(html)] == expected
