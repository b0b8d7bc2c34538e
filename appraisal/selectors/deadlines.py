"""How a due date looks to the person who has to meet it: in time, due soon,
overdue, or not running because the clock is stopped (a supplement or a revision is
with the unit). The on-time rate of Decision 766/QĐ-TTg (2022) counts dossiers
completed on or before the due date; these states flag the others before it is late.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.services.deadlines import WorkingCalendar

#: "Due soon" means this many working days or fewer are left, the due day included.
DUE_SOON_WORKING_DAYS = 2

# "Due soon" needs the calendar only from today up to the due date, and no further
# than this: a month always holds more than two working days (Tết, the longest run
# of days off, is nine days), so a later due date is on time.
_DUE_SOON_HORIZON = datetime.timedelta(days=31)


class DeadlineState(models.TextChoices):
    """A deadline's state; the value doubles as a CSS class in templates."""

    NONE = "none", _("No deadline")
    ON_TIME = "on_time", _("On time")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    STOPPED = "stopped", _("Clock stopped")


def _state(
    *,
    due: datetime.date | None,
    on: datetime.date,
    paused_on: datetime.date | None,
    calendar: WorkingCalendar | None,
) -> DeadlineState:
    if paused_on is not None:
        return DeadlineState.STOPPED
    if due is None:
        return DeadlineState.NONE
    if on > due:
        return DeadlineState.OVERDUE
    if calendar is None:
        calendar = WorkingCalendar(on, min(due, on + _DUE_SOON_HORIZON))
    last = min(due, calendar.last)
    # Working days left, today included when it is one.
    left = calendar.count(on - datetime.timedelta(days=1), last)
    if left <= DUE_SOON_WORKING_DAYS:
        return DeadlineState.DUE_SOON
    return DeadlineState.ON_TIME


def deadline_state(
    *,
    due: datetime.date | None,
    on: datetime.date | None = None,
    paused_on: datetime.date | None = None,
) -> DeadlineState:
    """The state of ``due`` on ``on`` (default: today in Asia/Ho_Chi_Minh).

    ``"stopped"`` when ``paused_on`` is set (the clock is stopped since then);
    ``"none"`` without a due date; ``"overdue"`` after the due day; ``"due_soon"``
    when at most two working days are left, today and the due day included;
    otherwise ``"on_time"``. The result is a :class:`DeadlineState` (a ``str``) with
    a translated ``.label``. At most one query; none unless a due date is running.
    """
    return _state(
        due=due,
        on=on or timezone.localdate(),
        paused_on=paused_on,
        calendar=None,
    )


def deadline_annotate(
    *,
    rows: Iterable,
    due_attr: str = "due_on",
    paused_attr: str = "clock_paused_on",
    on: datetime.date | None = None,
) -> list:
    """Set ``row.deadline_state`` (a :class:`DeadlineState`) on every row, for list
    pages: one query for the whole list, whatever its length. A row without
    ``paused_attr`` counts as running. Returns the rows as a list."""
    rows = list(rows)
    on = on or timezone.localdate()
    calendar = WorkingCalendar(on, on + _DUE_SOON_HORIZON)
    for row in rows:
        row.deadline_state = _state(
            due=getattr(row, due_attr),
            on=on,
            paused_on=getattr(row, paused_attr, None),
            calendar=calendar,
        )
    return rows


def deadline_due_soon_until(*, on: datetime.date | None = None) -> datetime.date:
    """The last due date that is still "due soon" on ``on`` (default: today): a
    running deadline on or before it and not yet past is due soon, a later one is
    on time. One query (the declared days of the coming month)."""
    on = on or timezone.localdate()
    calendar = WorkingCalendar(on, on + _DUE_SOON_HORIZON)
    day = on
    while day < calendar.last:
        following = day + datetime.timedelta(days=1)
        if (
            _state(due=following, on=on, paused_on=None, calendar=calendar)
            != DeadlineState.DUE_SOON
        ):
            return day
        day = following
    return day
