"""Unit consolidations (sắp xếp, tổ chức lại): merging, absorbing, splitting,
dissolving, renaming and establishing units, from the proposal through appraisal
and decision to the day the org chart changes.

A consolidation is a dossier (``Dossier``) carrying one or many operations; a
province-wide commune reform is one dossier decided by one resolution. Each
operation names its source units and its successors (existing units, or new ones
described here until the day they open), and the mapping of every position of its
sources in force on the effective date onto the successors. Administrative units
(communes, wards) need the People's Council's and the National Assembly Standing
Committee's resolutions before they change (Res. 35/2023/UBTVQH15 Art. 8; Law
65/2025/QH15 Art. 10); agencies and public service units only the committee's
decision (Decree 158/2018/NĐ-CP).

Nothing here changes the org chart: ``appraisal.services.consolidation`` applies
the operations on their effective date, once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgchart.constraints import CheckConstraint, UniqueConstraint
from orgchart.fields import ForeignKey
from orgchart.models import Unit

from .dossiers import Dossier

__all__ = [
    "Consolidation",
    "ConsolidationOperation",
    "ExternalDecision",
    "OperationSource",
    "OperationSuccessor",
    "PositionMapping",
]


class Consolidation(Dossier):
    """A consolidation dossier: the units it reorganises, as operations; whether it
    concerns agencies and public service units or administrative units (which
    decides the documents it needs and the external resolutions it waits for);
    whether Home Affairs proposed it (otherwise a unit proposed it for its own
    sub-units)."""

    class Scope(models.TextChoices):
        AGENCIES = "agencies", _("Agencies and public service units")
        ADMINISTRATIVE = "administrative", _("Administrative units")

    dossier_ptr = models.OneToOneField(
        Dossier,
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        related_name="consolidation",
        verbose_name=_("dossier"),
    )
    scope = models.CharField(
        _("scope"), max_length=16, choices=Scope.choices, default=Scope.AGENCIES
    )
    proposed_by_home_affairs = models.BooleanField(
        _("proposed by Home Affairs"), default=False
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("unit consolidation")
        verbose_name_plural = _("unit consolidations")
        permissions = [
            (
                "appraise_consolidation",
                _("Appraise the unit consolidation (the assigned appraiser)"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def requires_external_decisions(self) -> bool:
        """Whether the law requires the People's Council's and the NA Standing
        Committee's resolutions: always for administrative units."""
        return self.scope == self.Scope.ADMINISTRATIVE

    @property
    def required_bodies(self) -> list[str]:
        if not self.requires_external_decisions:
            return []
        return list(ExternalDecision.Body.values)

    @property
    def awaits_external_decisions(self) -> bool:
        """Required and not all recorded yet."""
        if not self.requires_external_decisions:
            return False
        recorded = {decision.body for decision in self.external_decisions.all()}
        return not set(self.required_bodies) <= recorded

    @property
    def next_effective_date(self):
        """The earliest effective date of an operation not applied yet, or None."""
        dates = [
            operation.effective_date
            for operation in self.operations.all()
            if operation.applied_at is None
        ]
        return min(dates, default=None)

    @property
    def is_applied(self) -> bool:
        """Every operation applied (and there is at least one)."""
        operations = list(self.operations.all())
        return bool(operations) and all(op.applied_at for op in operations)


class ConsolidationOperation(models.Model):
    """One change of the org chart: ``sources`` become ``successors`` on
    ``effective_date``.

    - merge: two or more sources become one new unit;
    - absorb: one or more sources join one existing unit, which stays;
    - split: one source becomes two or more successors;
    - dissolve: one or more sources close without a successor;
    - rename: one source becomes one new unit (new name, code);
    - establish: no source, one or more new units.
    """

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merge")
        ABSORB = "absorb", _("Absorb")
        SPLIT = "split", _("Split")
        DISSOLVE = "dissolve", _("Dissolve")
        RENAME = "rename", _("Rename")
        ESTABLISH = "establish", _("Establish")

    consolidation = ForeignKey(
        Consolidation,
        on_delete=models.CASCADE,
        related_name="operations",
        verbose_name=_("consolidation"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    effective_date = models.DateField(_("effective date"))
    order = models.PositiveIntegerField(_("order"), default=0)
    voters_in_favour_pct = models.DecimalField(
        _("voters in favour, %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Administrative units: the share of voters in favour."),
    )
    note = models.TextField(_("note"), blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["consolidation", "effective_date", "order", "pk"]
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        indexes = [
            models.Index(fields=["effective_date", "applied_at"], name="consol_op_due")
        ]
        constraints = [
            CheckConstraint(
                condition=Q(voters_in_favour_pct__isnull=True)
                | (Q(voters_in_favour_pct__gte=0) & Q(voters_in_favour_pct__lte=100)),
                name="consol_op_voters_pct_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.effective_date:%d/%m/%Y})"

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None


class OperationSource(models.Model):
    """A unit an operation closes (or, for absorb, one that joins the successor)."""

    operation = ForeignKey(
        ConsolidationOperation,
        on_delete=models.CASCADE,
        related_name="sources",
        verbose_name=_("operation"),
    )
    unit = ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="consolidation_sources",
        verbose_name=_("unit"),
    )

    class Meta:
        ordering = ["operation", "unit__path"]
        verbose_name = _("source unit")
        verbose_name_plural = _("source units")
        constraints = [
            UniqueConstraint(fields=["operation", "unit"], name="consol_source_unique")
        ]

    def __str__(self) -> str:
        return str(self.unit)


class OperationSuccessor(models.Model):
    """What an operation leads to: an existing unit (``unit``), or a new one
    described by its name, code, kind, level, parent (an existing unit, or a new
    unit of the same operation: ``parent_successor``) and official code until the
    effective date opens it (``created_unit``)."""

    operation = ForeignKey(
        ConsolidationOperation,
        on_delete=models.CASCADE,
        related_name="successors",
        verbose_name=_("operation"),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    unit = ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consolidation_successions",
        verbose_name=_("existing unit"),
    )
    name = models.CharField(_("name"), max_length=255, blank=True)
    code = models.CharField(_("code"), max_length=32, blank=True)
    kind = models.CharField(
        _("kind"), max_length=24, choices=Unit.Kind.choices, blank=True
    )
    level = models.CharField(
        _("level"), max_length=16, choices=Unit.Level.choices, blank=True
    )
    parent = ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("parent unit"),
    )
    parent_successor = ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sub_successors",
        verbose_name=_("parent among the new units"),
        help_text=_(
            "A sub-unit of a new unit of the same operation (e.g. a division of a "
            "new commune): it opens under that unit."
        ),
    )
    admin_code = models.CharField(
        _("official administrative code"), max_length=16, blank=True
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    area_km2 = models.DecimalField(
        _("natural area, km²"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    created_unit = ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit opened"),
    )

    class Meta:
        ordering = ["operation", "order", "pk"]
        verbose_name = _("successor unit")
        verbose_name_plural = _("successor units")
        constraints = [
            CheckConstraint(
                condition=Q(unit__isnull=False) | (~Q(name="") & ~Q(code="")),
                name="consol_successor_existing_or_described",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_new(self) -> bool:
        return self.unit_id is None

    @property
    def display_name(self) -> str:
        if self.unit_id is not None:
            return self.unit.name
        return self.name

    @property
    def resulting_unit_id(self) -> int | None:
        """The unit positions go to: the existing one, or the one opened."""
        return self.unit_id or self.created_unit_id


class PositionMapping(models.Model):
    """Where one position of a source unit goes: kept in a successor (under
    ``target_name``), merged into a successor's position of that name, or ended;
    with the head-count it carries."""

    class Action(models.TextChoices):
        KEEP = "keep", _("Keep in the successor")
        MERGE_INTO = "merge_into", _("Merge into a successor's position")
        END = "end", _("End")

    operation = ForeignKey(
        ConsolidationOperation,
        on_delete=models.CASCADE,
        related_name="mappings",
        verbose_name=_("operation"),
    )
    source_position = ForeignKey(
        "orgchart.JobPosition",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source position"),
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    successor = ForeignKey(
        OperationSuccessor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mappings",
        verbose_name=_("successor"),
    )
    target_name = models.CharField(_("name in the successor"), max_length=255)
    headcount = models.PositiveIntegerField(_("headcount"), default=0)
    resulting_position = ForeignKey(
        "orgchart.JobPosition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("position in the successor"),
    )

    class Meta:
        ordering = ["operation", "source_position__unit__path", "source_position"]
        verbose_name = _("position mapping")
        verbose_name_plural = _("position mappings")
        constraints = [
            UniqueConstraint(
                fields=["operation", "source_position"], name="consol_mapping_unique"
            ),
            CheckConstraint(
                condition=Q(action="end") | Q(successor__isnull=False),
                name="consol_mapping_successor_unless_end",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.source_position} → {self.target_name or self.get_action_display()}"
        )


class ExternalDecision(models.Model):
    """A resolution the law requires before administrative units change: the
    People's Council's (approving the policy) and the National Assembly Standing
    Committee's (deciding it)."""

    class Body(models.TextChoices):
        PEOPLES_COUNCIL = "peoples_council", _("Provincial People's Council")
        NA_STANDING_COMMITTEE = (
            "na_standing_committee",
            _("National Assembly Standing Committee"),
        )

    consolidation = ForeignKey(
        Consolidation,
        on_delete=models.CASCADE,
        related_name="external_decisions",
        verbose_name=_("consolidation"),
    )
    body = models.CharField(_("body"), max_length=24, choices=Body.choices)
    number = models.CharField(_("resolution number"), max_length=64)
    date = models.DateField(_("date"))
    recorded_by = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["consolidation", "date", "pk"]
        verbose_name = _("external decision")
        verbose_name_plural = _("external decisions")
        constraints = [
            UniqueConstraint(
                fields=["consolidation", "body"], name="consol_external_one_per_body"
            ),
            CheckConstraint(condition=~Q(number=""), name="consol_external_numbered"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_body_display()})"
