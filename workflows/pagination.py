"""Pages of long lists that cost what one page shows, however long the list.

A pager that says "page 1 of 915" counts every row the person may see first:
at national volume that count was most of a province-wide list's time (the
director's 32,827 dossiers, their 22,865 finished tasks). :class:`LookaheadPaginator`
counts only as far as :data:`LOOKAHEAD_PAGES` pages beyond the one asked for,
in the list's own order, so the count stops where the page's rows are found.
A shorter list is counted exactly; a longer one says "more than" that many and
its "next" link still leads on, page after page, to the very last row.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

#: How many pages beyond the one shown are counted.
LOOKAHEAD_PAGES = 10


def page_asked(value) -> int:
    """The page number a request asks for (``?page=``), 1 when it asks none."""
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


class LookaheadPaginator(Paginator):
    """A ``Paginator`` whose ``count`` stops :data:`LOOKAHEAD_PAGES` pages
    beyond page ``asked``; ``more`` tells that rows lie beyond the count. A
    count known already (the menu's) is given as ``known``."""

    def __init__(self, object_list, per_page, *args, asked=1, known=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.asked = page_asked(asked)
        self.more = False
        if known is not None:
            self.__dict__["count"] = known

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return len(self.object_list)
        limit = (self.asked + LOOKAHEAD_PAGES) * self.per_page
        counted = self.object_list[: limit + 1].count()
        self.more = counted > limit
        return min(counted, limit)
