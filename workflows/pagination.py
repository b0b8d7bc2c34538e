"""Pages of long lists that cost what one page shows, however long the list.

A pager that says "page 1 of 915" counts every row the person may see first:
at national volume that count was most of a province-wide list's time (the
director's 32,827 dossiers, their 22,865 finished tasks). :class:`LookaheadPaginator`
counts only as far as :data:`LOOKAHEAD_PAGES` pages beyond the one asked for,
in the list's own order, so the count stops where the page's rows are found.
A shorter list is counted exactly; a longer one says "more than" that many and
its "next" link still leads on, page after page, to the very last row. The walk
that counts also finds the page: it reads the rows' keys in order, and the
page's rows are then read by key.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

#: How many pages beyond the one shown are counted.
LOOKAHEAD_PAGES = 10

#: Rows on a page of the flows' lists (viewflow's list view, ``paginate_by``).
LIST_PAGE_SIZE = 25


@dataclass(frozen=True)
class Counted:
    """A list's length known without counting it again: ``count`` rows, and
    more beyond them when ``more``."""

    count: int
    more: bool = False


def page_asked(value) -> int:
    """The page number a request asks for (``?page=``), 1 when it asks none."""
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def counting_reach(asked, per_page: int) -> int:
    """How many rows a pager counts when page ``asked`` is shown."""
    return (page_asked(asked) + LOOKAHEAD_PAGES) * per_page


class LookaheadPaginator(Paginator):
    """A ``Paginator`` whose ``count`` stops :data:`LOOKAHEAD_PAGES` pages
    beyond page ``asked``; ``more`` tells that rows lie beyond the count. A
    count known already (the menu's, a :class:`Counted`) is given as ``known``."""

    def __init__(self, object_list, per_page, *args, asked=1, known=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.asked = page_asked(asked)
        self.more = False
        if known is not None:
            self.__dict__["count"] = known.count
            self.more = known.more

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return len(self.object_list)
        limit = counting_reach(self.asked, self.per_page)
        # The keys of the rows counted, in the list's order: the same walk
        # counts them and finds the page's rows, which are then read by key.
        self._keys = list(self.object_list.values_list("pk", flat=True)[: limit + 1])
        self.more = len(self._keys) > limit
        return min(len(self._keys), limit)

    def page(self, number):
        number = self.validate_number(number)
        keys = getattr(self, "_keys", None)
        if keys is None:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        wanted = keys[bottom:top]
        rows = {row.pk: row for row in _rows_by_key(self.object_list, wanted)}
        return self._get_page(
            [rows[key] for key in wanted if key in rows], number, self
        )


def _rows_by_key(queryset: QuerySet, keys: list) -> QuerySet:
    """The rows of ``keys``, which ``queryset`` found in this request, read by
    key with what it joins and prefetches. Its conditions (the person's scope,
    the filters) were applied when the keys were found and are not asked again:
    asked again, PostgreSQL plans them anew and, misjudging a unit's dossiers,
    walks the whole scope to fetch 25 rows. A list that selects computed
    columns or distinct rows is read through its own conditions."""
    if queryset.query.annotation_select or queryset.query.distinct:
        return queryset.filter(pk__in=keys)
    rows = queryset.model._default_manager.filter(pk__in=keys)
    rows.query.select_related = queryset.query.select_related
    return rows.prefetch_related(*queryset._prefetch_related_lookups)
