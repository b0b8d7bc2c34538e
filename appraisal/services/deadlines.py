"""Deadlines in working days.

Counting follows the Civil Code 91/2015/QH13: a period in days starts on the day after
the event (Art. 147(1)), e.g. the day after a complete dossier is received, and a
period that would end on a day off ends on the next working day (Art. 148(5)).
Working days are Monday to Friday less the public holidays of Labour Code
45/2019/QH14 Art. 112 (from the ``holidays`` package, Lunar New Year and the
substituted days included), with the make-up Saturdays worked instead, and with the
days an administrator declares (:class:`appraisal.models.CalendarDay`).

Time limits per dossier kind and step are :class:`appraisal.models.ProcessingTime`
rows; the whole appraisal of a job-position project is 40 days for a first approval
and 25 for an adjustment (Decree 106/2020/NĐ-CP Art. 7(3)). While the unit completes
its dossier (supplement, form No. 02 of Circular 01/2018/TT-VPCP) or revises its
project (revision), the clock stops: the time limits run from receipt of a complete
dossier, so the unit's time is not Home Affairs' time.

Every function reads the declared days of the range it needs in one query; the
statutory calendar is computed once per year and process.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from appraisal.models import CalendarDay, ProcessingTime
from appraisal.models.calendar import is_statutory_working_day
from orgchart.frozen_queries import FrozenQuery

ONE_DAY = datetime.timedelta(days=1)

#: The days an administrator declared in ``first`` … ``last``, and the
#: processing time of a step in force on a day: read whenever a deadline is set
#: (a submission, a reception), compiled once.
_DECLARED_DAYS = FrozenQuery(
    lambda first, last: CalendarDay.objects.filter(
        date__gte=first, date__lte=last
    ).only("date", "kind")
)
_PROCESSING_TIME = FrozenQuery(
    lambda dossier_kind, step, on: (
        ProcessingTime.objects.filter(
            dossier_kind=dossier_kind, step=step, valid_from__lte=on
        )
        .order_by("-valid_from")
        .only("working_days")[:1]
    )
)


class WorkingCalendar:
    """The working days of ``first`` … ``last`` (inclusive): the statutory calendar
    with the administrator's declared days of that range, read in one query."""

    def __init__(self, first: datetime.date, last: datetime.date) -> None:
        self.first = first
        self.last = last
        self._ordinals: dict[datetime.date, int] | None = None
        self.declared: dict[datetime.date, str] = {
            day.date: day.kind for day in _DECLARED_DAYS(first=first, last=last)
        }

    def ordinals(self) -> dict[datetime.date, int]:
        """Each day of the range with the number of working days from ``first``
        up to and including it, computed once."""
        if self._ordinals is None:
            self._ordinals, total, day = {}, 0, self.first
            while day <= self.last:
                total += self.is_working_day(day)
                self._ordinals[day] = total
                day += ONE_DAY
        return self._ordinals

    def covers(self, day: datetime.date) -> bool:
        return self.first <= day <= self.last

    def is_working_day(self, day: datetime.date) -> bool:
        kind = self.declared.get(day)
        if kind == CalendarDay.Kind.WORKING_DAY:
            return True
        if kind == CalendarDay.Kind.DAY_OFF:
            return False
        return is_statutory_working_day(day)

    def count(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end``: a difference
        of two ordinals when both days are in the calendar's range (counting many
        periods costs one pass over the range, not one per period)."""
        if self.first <= start <= self.last and self.first <= end <= self.last:
            ordinals = self.ordinals()
            return max(ordinals[end] - ordinals[start], 0)
        total = 0
        day = start + ONE_DAY
        while day <= end:
            total += self.is_working_day(day)
            day += ONE_DAY
        return total


def _window(days: int) -> datetime.timedelta:
    # Enough calendar days for ``days`` working days in nearly every case (two days
    # in seven are weekends, Tết takes up to nine in a row); the loop in
    # working_days_add reads a further window in the rare other case.
    return datetime.timedelta(days=days * 7 // 5 + 21)


def working_days_add(*, start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start``; ``start`` itself does not
    count (Civil Code Art. 147(1)), and the result is always a working day. With
    ``days=0`` it is ``start``."""
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        return start
    calendar = WorkingCalendar(start + ONE_DAY, start + _window(days))
    day, left = start, days
    while left:
        day += ONE_DAY
        if not calendar.covers(day):
            calendar = WorkingCalendar(day, day + _window(left))
        left -= calendar.is_working_day(day)
    return day


def working_days_between(*, start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end``, so that
    ``working_days_between(start=s, end=working_days_add(start=s, days=n)) == n``.
    Negative when ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(start=end, end=start)
    if end == start:
        return 0
    return WorkingCalendar(start + ONE_DAY, end).count(start, end)


def processing_days(
    *, dossier_kind: str, step: str, on: datetime.date | None = None
) -> int:
    """The working days allowed for ``step`` of a dossier of ``dossier_kind``, by the
    processing time in force on ``on`` (default: today); ``step="total"`` is the
    whole appraisal (Decree 106/2020/NĐ-CP Art. 7(3))."""
    on = on or timezone.localdate()
    # Choices are passed as their values (a frozen query takes plain texts).
    found = _PROCESSING_TIME(dossier_kind=str(dossier_kind), step=str(step), on=on)
    if not found:
        raise ValidationError(
            _(
                "No processing time is set for step %(step)s of %(kind)s dossiers on "
                "%(date)s; an administrator must add one under Processing times."
            ),
            code="no_processing_time",
            params={
                "step": step,
                "kind": dossier_kind,
                "date": date_format(on, "SHORT_DATE_FORMAT"),
            },
        )
    return found[0].working_days


def due_date_for(
    *, dossier_kind: str, step: str, start: datetime.date
) -> datetime.date:
    """The last day for ``step`` of a dossier of ``dossier_kind`` that starts on
    ``start`` (e.g. the day a complete dossier is received), with the processing
    time in force on that day."""
    days = processing_days(dossier_kind=dossier_kind, step=step, on=start)
    return working_days_add(start=start, days=days)


def due_date_resume(
    *, due: datetime.date, paused_on: datetime.date, resumed_on: datetime.date
) -> datetime.date:
    """The due date once the clock restarts: ``due`` pushed by the working days the
    clock stood still, those after ``paused_on`` (the day the supplement or the
    revision was requested, which counts as used) up to and including
    ``resumed_on`` (the day the completed dossier came back; counting restarts the
    day after it)."""
    if resumed_on < paused_on:
        raise ValidationError(
            _("The clock cannot restart (%(resumed)s) before it stopped (%(paused)s)."),
            code="resumed_before_paused",
            params={
                "resumed": date_format(resumed_on, "SHORT_DATE_FORMAT"),
                "paused": date_format(paused_on, "SHORT_DATE_FORMAT"),
            },
        )
    stopped = working_days_between(start=paused_on, end=resumed_on)
    return working_days_add(start=due, days=stopped)


def is_overdue(*, due: datetime.date | None, on: datetime.date | None = None) -> bool:
    """Whether the last day ``due`` has passed on ``on`` (default: today). The due
    day itself is still on time; no due date is never overdue."""
    if due is None:
        return False
    return (on or timezone.localdate()) > due
