"""The working calendar and the processing times that deadlines are counted in.

Time limits for handling dossiers run in working days (ngày làm việc): Monday to
Friday, less the public holidays of Labour Code 45/2019/QH14 Art. 112 (New Year,
Lunar New Year, Hung Kings' Day, 30 April, 1 May, National Day) and the days the
Government moves each year (make-up working Saturdays and the days off they buy).
The statutory holidays come from the ``holidays`` package; an administrator records
anything else as a :class:`CalendarDay`.
"""

from __future__ import annotations

import datetime
import functools

import holidays
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from orgchart.constraints import CheckConstraint, UniqueConstraint

__all__ = ["CalendarDay", "DossierKind", "ProcessingStep", "ProcessingTime"]


@functools.lru_cache(maxsize=64)
def statutory_calendar(year: int) -> tuple[frozenset, frozenset]:
    """``(days_off, weekend_working_days)`` of ``year`` from the ``holidays`` package.

    ``days_off`` are the Vietnamese public holidays, Lunar New Year included, and the
    observed and substituted days off (e.g. Friday 2 May 2025); ``weekend_working_days``
    are the Saturdays worked to make up for them (e.g. 26 April 2025). The package is
    pure computation, so the result is cached per year for the life of the process.
    """
    calendar = holidays.country_holidays("VN", years=year)
    days_off = frozenset(calendar.keys())
    make_up = frozenset(
        day for day in getattr(calendar, "weekend_workdays", ()) if day.year == year
    )
    return days_off, make_up


def is_statutory_working_day(day: datetime.date) -> bool:
    """Whether ``day`` is a working day before any administrator's declaration."""
    days_off, make_up = statutory_calendar(day.year)
    if day in make_up:
        return True
    return day.weekday() < 5 and day not in days_off


class DossierKind(models.TextChoices):
    JOB_POSITION_FIRST = "job_position_first", _("Job-position project, first approval")
    JOB_POSITION_ADJUSTMENT = (
        "job_position_adjustment",
        _("Job-position project, adjustment"),
    )
    STAFFING_PLAN = "staffing_plan", _("Staffing plan")
    STAFFING_PROPOSAL = "staffing_proposal", _("Staffing proposal of a unit")
    CONSOLIDATION = "consolidation", _("Unit consolidation")


class ProcessingStep(models.TextChoices):
    """The steps of a dossier's flow that carry a time limit; ``total`` is the whole
    appraisal, counted from receipt of a complete dossier."""

    RECEIVE = "receive", _("Reception")
    ASSIGN_APPRAISER = "assign_appraiser", _("Assign an appraiser")
    APPRAISE = "appraise", _("Appraisal")
    REVIEW_REPORT = "review_report", _("Review of the appraisal report")
    SIGN_REPORT = "sign_report", _("Sign the appraisal report")
    DECIDE = "decide", _("Decision of the committee")
    TOTAL = "total", _("Whole appraisal")


class CalendarDay(models.Model):
    """A day an administrator declares different from the statutory calendar: an
    extra day off, or a make-up working day on a weekend, as the Prime Minister's or
    the Ministry of Home Affairs' annual notice on holiday swaps provides (Labour Code
    45/2019/QH14 Art. 112(3)), or a day the province closes its offices.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Extra day off")
        WORKING_DAY = "working_day", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=255,
        blank=True,
        help_text=_("The notice that declares the day, e.g. Notice 6150/TB-BNV."),
    )

    class Meta:
        ordering = ["-date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return (
            f"{date_format(self.date, 'SHORT_DATE_FORMAT')} {self.get_kind_display()}"
        )

    def clean(self) -> None:
        super().clean()
        if self.date is None:
            return
        statutory = is_statutory_working_day(self.date)
        if self.kind == self.Kind.WORKING_DAY and statutory:
            raise ValidationError(
                {
                    "kind": ValidationError(
                        _(
                            "%(date)s is already a working day; a make-up working "
                            "day must fall on a weekend or a holiday."
                        ),
                        code="already_working_day",
                        params={"date": date_format(self.date, "SHORT_DATE_FORMAT")},
                    )
                }
            )
        if self.kind == self.Kind.DAY_OFF and not statutory:
            raise ValidationError(
                {
                    "kind": ValidationError(
                        _(
                            "%(date)s is already a day off (weekend or public "
                            "holiday); declare only days that would otherwise be "
                            "worked."
                        ),
                        code="already_day_off",
                        params={"date": date_format(self.date, "SHORT_DATE_FORMAT")},
                    )
                }
            )


class ProcessingTime(models.Model):
    """How many working days a step of a dossier may take, with its legal basis, in
    force from ``valid_from`` until the next row for the same kind and step.

    Decree 106/2020/NĐ-CP Art. 7(3) gives the whole appraisal of a job-position
    project: 40 days for a first approval, 25 for an adjustment, from receipt of a
    complete dossier. The split per step is the province's internal process (Nghệ An
    Decision 3027/QĐ-UBND of 11 Nov 2024); until its tables are entered, the defaults
    are assumptions and say so in ``legal_basis``.
    """

    dossier_kind = models.CharField(
        _("dossier kind"), max_length=32, choices=DossierKind.choices
    )
    step = models.CharField(_("step"), max_length=32, choices=ProcessingStep.choices)
    working_days = models.PositiveSmallIntegerField(_("working days"))
    legal_basis = models.CharField(_("legal basis"), max_length=255)
    valid_from = models.DateField(_("valid from"))
    internal_note = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("For administrators only; never shown on the users' pages."),
    )

    class Meta:
        ordering = ["dossier_kind", "step", "-valid_from"]
        verbose_name = _("processing time")
        verbose_name_plural = _("processing times")
        constraints = [
            UniqueConstraint(
                fields=["dossier_kind", "step", "valid_from"],
                name="processing_time_unique_kind_step_from",
            ),
            CheckConstraint(
                condition=Q(working_days__gte=1),
                name="processing_time_working_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_dossier_kind_display()} · {self.get_step_display()}"
