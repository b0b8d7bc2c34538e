"""The annual staffing plan (kế hoạch biên chế) and its unit proposals.

Each year the Department of Home Affairs opens a cycle with the province's ceilings
for the three kinds of post; every participating unit proposes its numbers; Home
Affairs aggregates and appraises them, the director signs, the committee approves,
the Provincial People's Council passes its resolution and the committee's
allocation decision gives every unit its quota from 1 January (Decree 62/2020/NĐ-CP
Art. 10; MoHA Official Dispatch 4966/BNV-TCBC of 2023; Quy định 70-QĐ/TW).

The cycle and each unit's proposal are dossiers (``Dossier``): the cycle carries the
appraisal report, the signature and the decisions; a proposal carries the unit's
revisions, remarks and audit trail, and is scoped to its unit like any dossier.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgchart.constraints import CheckConstraint, UniqueConstraint
from orgchart.fields import ForeignKey

from .dossiers import Dossier, PostKind

__all__ = [
    "ReductionTarget",
    "StaffingAdjustment",
    "StaffingCeiling",
    "StaffingPlan",
    "StaffingProposal",
    "StaffingProposalLine",
]


class ReductionTarget(models.Model):
    """The streamlining target for one kind of post against a base year, with its
    legal basis and validity (Conclusion 40-KL/TW of 18 July 2022: at least 5 % of
    civil servants and 10 % of budget-paid public employees over 2022–2026 against
    2021). A cycle copies the target in force when it opens."""

    post_kind = models.CharField(_("kind of post"), max_length=16, choices=PostKind)
    percent = models.DecimalField(_("reduction, %"), max_digits=5, decimal_places=2)
    base_year = models.PositiveSmallIntegerField(_("base year"))
    legal_basis = models.CharField(_("legal basis"), max_length=255)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ["post_kind", "-valid_from"]
        verbose_name = _("reduction target")
        verbose_name_plural = _("reduction targets")
        constraints = [
            CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100),
                name="reduction_target_percent_range",
            ),
            CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="reduction_target_validity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_post_kind_display()} −{self.percent} % ({self.legal_basis})"


class StaffingPlan(Dossier):
    """A year's staffing cycle of the province: opened by Home Affairs with the
    ceilings, the base year, the proposal deadline and the participating units;
    closed by the committee's allocation decision, effective 1 January of ``year``
    (Decree 62/2020/NĐ-CP Art. 10). ``council_resolution_*`` record the Provincial
    People's Council's resolution that assigns the payroll (Law on Local Government
    Organisation; Dispatch 4966/BNV-TCBC step 4)."""

    dossier_ptr = models.OneToOneField(
        Dossier,
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        related_name="staffing_plan",
        verbose_name=_("dossier"),
    )
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    base_year = models.PositiveSmallIntegerField(_("base year"))
    proposal_deadline = models.DateField(_("proposal deadline"))
    collection_closed_at = models.DateTimeField(
        _("collection closed at"), null=True, blank=True
    )
    council_resolution_number = models.CharField(
        _("People's Council resolution number"), max_length=64, blank=True
    )
    council_resolution_date = models.DateField(
        _("People's Council resolution date"), null=True, blank=True
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("staffing plan")
        verbose_name_plural = _("staffing plans")
        permissions = [
            (
                "appraise_staffing_plan",
                _("Appraise the staffing plan (the assigned appraiser)"),
            ),
        ]
        constraints = [
            CheckConstraint(
                condition=Q(base_year__lt=models.F("year")),
                name="staffing_plan_base_year_before",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class StaffingCeiling(models.Model):
    """The province's ceiling for one kind of post in a cycle, the reserve it keeps
    back (dự phòng), the province's count in the base year and the reduction target
    copied from ``ReductionTarget`` when the cycle opened."""

    plan = ForeignKey(
        StaffingPlan,
        on_delete=models.CASCADE,
        related_name="ceilings",
        verbose_name=_("staffing plan"),
    )
    post_kind = models.CharField(_("kind of post"), max_length=16, choices=PostKind)
    ceiling = models.PositiveIntegerField(_("ceiling"))
    reserve = models.PositiveIntegerField(_("reserve"), default=0)
    base_year_count = models.PositiveIntegerField(_("count in the base year"))
    reduction_percent = models.DecimalField(
        _("reduction target, %"), max_digits=5, decimal_places=2, default=0
    )
    reduction_basis = models.CharField(
        _("legal basis of the target"), max_length=255, blank=True
    )

    class Meta:
        ordering = ["plan", "post_kind"]
        verbose_name = _("ceiling")
        verbose_name_plural = _("ceilings")
        constraints = [
            UniqueConstraint(
                fields=["plan", "post_kind"], name="staffing_ceiling_unique"
            ),
            CheckConstraint(
                condition=Q(reserve__lte=models.F("ceiling")),
                name="staffing_ceiling_reserve_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_post_kind_display()}: {self.ceiling}"

    @property
    def allocatable(self) -> int:
        """What may be given to the units: the ceiling less the reserve."""
        return self.ceiling - self.reserve


class StaffingProposal(Dossier):
    """One unit's proposal in a cycle (its own dossier: the unit drafts and its
    head submits it; Home Affairs may send it back for revision without touching
    the other units). ``no_answer`` records that the unit did not answer before
    collection closed: its numbers are taken as "no change"."""

    dossier_ptr = models.OneToOneField(
        Dossier,
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        related_name="staffing_proposal",
        verbose_name=_("dossier"),
    )
    plan = ForeignKey(
        StaffingPlan,
        on_delete=models.CASCADE,
        related_name="proposals",
        verbose_name=_("staffing plan"),
    )
    no_answer = models.BooleanField(_("no answer (no change)"), default=False)

    class Meta:
        ordering = ["plan", "unit__path"]
        verbose_name = _("staffing proposal")
        verbose_name_plural = _("staffing proposals")

    def __str__(self) -> str:
        return self.title


class StaffingProposalLine(models.Model):
    """A unit's numbers for one kind of post: assigned this year, actually
    employed, proposed, as appraised by Home Affairs and as approved."""

    proposal = ForeignKey(
        StaffingProposal,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("proposal"),
    )
    post_kind = models.CharField(_("kind of post"), max_length=16, choices=PostKind)
    assigned = models.PositiveIntegerField(_("assigned this year"), default=0)
    actual = models.PositiveIntegerField(_("actually employed"), default=0)
    proposed = models.PositiveIntegerField(_("proposed"), default=0)
    appraised = models.PositiveIntegerField(_("appraised"), null=True, blank=True)
    approved = models.PositiveIntegerField(_("approved"), null=True, blank=True)
    justification = models.TextField(_("justification"), blank=True)

    class Meta:
        ordering = ["proposal", "post_kind"]
        verbose_name = _("proposal line")
        verbose_name_plural = _("proposal lines")
        constraints = [
            UniqueConstraint(
                fields=["proposal", "post_kind"], name="staffing_line_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.get_post_kind_display()}"

    @property
    def current(self) -> int:
        """The number as it stands: approved, else appraised, else proposed."""
        for value in (self.approved, self.appraised):
            if value is not None:
                return value
        return self.proposed


class StaffingAdjustment(models.Model):
    """An appraiser's change of one unit's number, with the reason; append-only
    (the appraisal report cites them)."""

    line = ForeignKey(
        StaffingProposalLine,
        on_delete=models.CASCADE,
        related_name="adjustments",
        verbose_name=_("proposal line"),
    )
    from_number = models.PositiveIntegerField(_("from"))
    to_number = models.PositiveIntegerField(_("to"))
    reason = models.TextField(_("reason"))
    author = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["line", "created_at", "pk"]
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")

    def __str__(self) -> str:
        return f"{self.line}: {self.from_number} → {self.to_number}"
