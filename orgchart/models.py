"""The province's organisational chart and the civil-service reference data.

Everything here is effective-dated: a unit or a job position has a first day
(``valid_from``) and, once it ends, a last day (``valid_to``, inclusive). "The
structure as of date D" is every row whose interval contains D.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .constraints import CheckConstraint, UniqueConstraint
from .fields import ForeignKey


class LadderLevel(models.TextChoices):
    """The general rank ladder of Law 80/2025/QH15 Art. 24, highest first.

    Specialised ranks and professional titles map onto it ("tương đương").
    """

    SENIOR_EXPERT = "senior_expert", _("Senior expert")
    SENIOR_SPECIALIST = "senior_specialist", _("Senior specialist and equivalent")
    PRINCIPAL_SPECIALIST = (
        "principal_specialist",
        _("Principal specialist and equivalent"),
    )
    SPECIALIST = "specialist", _("Specialist and equivalent")
    OFFICER = "officer", _("Officer and equivalent")
    STAFF = "staff", _("Staff")


#: Position of each level on the ladder; 0 is the top.
LADDER_ORDER = {value: index for index, value in enumerate(LadderLevel.values)}


def _in_language(name: str, name_en: str) -> str:
    """The Vietnamese name, or the English one when the person chose English and
    there is one."""
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name


def active_on_condition(date: datetime.date) -> Q:
    """The condition of a row in force on ``date`` (``valid_to`` is the last day,
    inclusive), for filters and for aggregates over several dates in one query."""
    return Q(valid_from__lte=date) & (Q(valid_to__isnull=True) | Q(valid_to__gte=date))


def subtree_condition(paths, prefix: str = "") -> Q:
    """The condition of a row whose unit (reached through ``prefix``, e.g.
    ``"unit__"``) lies in the subtree of one of ``paths``; matches nothing
    without one. Each path is passed to the database as it is (``Value``,
    escaped for ``LIKE`` in the SQL, which PostgreSQL folds into the constant
    prefix its ``unit_path_prefix`` index serves), so a frozen query may send it
    again."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{prefix}path__startswith": Value(path)})
    return condition


class ValidityQuerySet(models.QuerySet):
    def active_on(self, date: datetime.date):
        """Rows in force on ``date`` (``valid_to`` is the last day, inclusive)."""
        return self.filter(active_on_condition(date))


def _validity_errors(valid_from, valid_to) -> dict[str, ValidationError]:
    if valid_from and valid_to and valid_to < valid_from:
        return {
            "valid_to": ValidationError(
                _("The last day of validity cannot be before the first day."),
                code="valid_to_before_valid_from",
            )
        }
    return {}


def _overlaps(qs, valid_from, valid_to):
    """Rows of ``qs`` whose validity interval meets [valid_from, valid_to]."""
    qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        qs = qs.filter(valid_from__lte=valid_to)
    return qs


class SalaryGroup(models.Model):
    """A salary group (loại/nhóm) of the coefficient scale, Decree 204/2004/NĐ-CP.

    Step *n* has the coefficient ``step1 + (n - 1) × increment``; the salary is the
    coefficient times the base salary (lương cơ sở).
    """

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    step1 = models.DecimalField(
        _("coefficient of step 1"), max_digits=5, decimal_places=2
    )
    increment = models.DecimalField(
        _("increment per step"), max_digits=4, decimal_places=2
    )
    steps = models.PositiveSmallIntegerField(_("number of steps"))
    months_per_step = models.PositiveSmallIntegerField(_("months per step"))
    basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    internal_note = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("For administrators only; never shown on the users' pages."),
    )

    class Meta:
        ordering = ["-step1"]
        verbose_name = _("salary group")
        verbose_name_plural = _("salary groups")
        constraints = [
            CheckConstraint(condition=Q(steps__gte=1), name="salary_group_steps_gte_1"),
            CheckConstraint(
                condition=Q(step1__gt=0), name="salary_group_step1_positive"
            ),
            CheckConstraint(
                condition=Q(increment__gte=0),
                name="salary_group_increment_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def display_name(self) -> str:
        return _in_language(self.name, self.name_en)

    def coefficient(self, step: int) -> Decimal:
        if not 1 <= step <= self.steps:
            raise ValueError(step)
        return self.step1 + (step - 1) * self.increment

    @property
    def coefficients(self) -> list[Decimal]:
        return [self.coefficient(step) for step in range(1, self.steps + 1)]


class Rank(models.Model):
    """A civil-servant rank (ngạch, e.g. 01.003 Chuyên viên) or a public employee's
    professional title (chức danh nghề nghiệp, e.g. V.07.03.29).

    Codes are unique by law (Circular 11/2014/TT-BNV for ranks; the sector circulars
    for titles). ``ladder_level`` places it on the general ladder of
    Law 80/2025/QH15 Art. 24.
    """

    class Kind(models.TextChoices):
        CIVIL_SERVANT_RANK = "civil_servant_rank", _("Civil-servant rank")
        PROFESSIONAL_TITLE = "professional_title", _("Professional title")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=150)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    salary_group = ForeignKey(
        SalaryGroup,
        on_delete=models.PROTECT,
        related_name="ranks",
        verbose_name=_("salary group"),
    )
    ladder_level = models.CharField(
        _("ladder level"), max_length=24, choices=LadderLevel.choices
    )
    basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    internal_note = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("For administrators only; never shown on the users' pages."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("rank or professional title")
        verbose_name_plural = _("ranks and professional titles")

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        return _in_language(self.name, self.name_en)


class PositionCategory(models.Model):
    """A job-position category by the nature of the work, Decree 62/2020/NĐ-CP Art. 5:
    leadership/management, specialised professional, common professional,
    support/service. The list keeps its legal basis and validity so a later regime
    (Decree 361/2025) can replace it without rewriting history.
    """

    LEADERSHIP = "leadership"

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=150)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    internal_note = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("For administrators only; never shown on the users' pages."),
    )

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("position category")
        verbose_name_plural = _("position categories")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return _in_language(self.name, self.name_en)


class UnitQuerySet(ValidityQuerySet):
    def subtree_of(self, unit: Unit, *, include_self: bool = True):
        """The unit and everything below it, in one indexed prefix query."""
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)


class Unit(models.Model):
    """An organisational unit (cơ quan, đơn vị): the Provincial People's Committee, a
    department (sở), a division (phòng), a commune or ward People's Committee and its
    divisions, a public service unit.

    The tree is a materialised path (``path`` = ``/1/7/42/``, the ids from the root):
    a subtree as of any date is one prefix query. A unit keeps its parent for its
    whole life; moving a unit is a reorganisation, which closes it and opens a
    successor (Decree 158/2018/NĐ-CP; Res. 76/2025/UBTVQH15 for communes), so paths
    never need rewriting for history to stay true.
    """

    class Kind(models.TextChoices):
        PROVINCIAL_PC = "provincial_pc", _("Provincial People's Committee")
        DEPARTMENT = "department", _("Department (specialised agency)")
        DIVISION = "division", _("Division of a department")
        COMMUNE_PC = "commune_pc", _("Commune or ward People's Committee")
        COMMUNE_DIVISION = "commune_division", _("Division of a commune")
        SERVICE_CENTRE = "service_centre", _("Public Administration Service Centre")
        PUBLIC_SERVICE_UNIT = "public_service_unit", _("Public service unit")
        OTHER = "other", _("Other")

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province level")
        COMMUNE = "commune", _("Commune level")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        MERGED = "merged", _("Merged")
        DISSOLVED = "dissolved", _("Dissolved")
        SPLIT = "split", _("Split")
        RENAMED = "renamed", _("Renamed")

    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    path = models.CharField(_("tree path"), max_length=255, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    admin_code = models.CharField(
        _("official administrative code"),
        max_length=16,
        blank=True,
        help_text=_("The statistics code of an administrative unit, where it has one."),
    )
    population = models.PositiveIntegerField(
        _("population"),
        null=True,
        blank=True,
        help_text=_("Administrative units: the population the standards count."),
    )
    area_km2 = models.DecimalField(
        _("natural area, km²"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Administrative units: the natural area in square kilometres."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successor units"),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        indexes = [
            # Subtree queries are `path LIKE '/1/7/%'`: on PostgreSQL a btree serves
            # prefix LIKE only with the pattern operator class (any collation).
            models.Index(
                fields=["path"],
                name="unit_path_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["valid_from", "valid_to"], name="unit_validity"),
        ]
        permissions = [
            ("act_for_unit", _("Act for the unit: draft its dossiers")),
            ("sign_for_unit", _("Sign and submit the unit's dossiers")),
            ("view_all_units", _("See every unit of the province")),
        ]
        constraints = [
            CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="unit_valid_to_after_valid_from",
            ),
            CheckConstraint(condition=~Q(parent=F("pk")), name="unit_not_own_parent"),
            CheckConstraint(
                condition=Q(status="active") | Q(valid_to__isnull=False),
                name="unit_closed_has_valid_to",
            ),
            # One open unit per code; overlaps of closed intervals are checked in
            # clean() (an exclusion constraint would tie us to PostgreSQL).
            UniqueConstraint(
                fields=["code"],
                condition=Q(valid_to__isnull=True),
                name="unit_one_open_per_code",
            ),
            UniqueConstraint(
                fields=["admin_code"],
                condition=Q(valid_to__isnull=True) & ~Q(admin_code=""),
                name="unit_one_open_per_admin_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgchart:unit_detail", args=[self.pk])

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]

    def is_active_on(self, date: datetime.date) -> bool:
        return self.valid_from <= date and (
            self.valid_to is None or self.valid_to >= date
        )

    def clean(self) -> None:
        errors = _validity_errors(self.valid_from, self.valid_to)
        if self.parent_id is not None:
            if self.pk is not None and (
                self.parent_id == self.pk or f"/{self.pk}/" in (self.parent.path or "")
            ):
                errors["parent"] = ValidationError(
                    _("A unit cannot be placed under itself or one of its sub-units."),
                    code="cycle",
                )
            elif self.valid_from and not _interval_within(self, self.parent):
                errors.setdefault(
                    "valid_from",
                    ValidationError(
                        _("A unit cannot exist outside its parent unit's validity."),
                        code="outside_parent_validity",
                    ),
                )
        if self.code and self.valid_from and "valid_to" not in errors:
            clash = _overlaps(
                Unit.objects.filter(code=self.code).exclude(pk=self.pk),
                self.valid_from,
                self.valid_to,
            )
            if clash.exists():
                errors["code"] = ValidationError(
                    _("Another unit already uses code %(code)s during this period."),
                    code="duplicate_code",
                    params={"code": self.code},
                )
        if errors:
            raise ValidationError(errors)


class CatalogueEntry(models.Model):
    """A standard position of the framework list (danh mục vị trí việc làm khung):
    its name, category, sector, the rank range it allows and the unit kinds it applies
    to (Decree 62/2020/NĐ-CP Art. 5; Decree 361/2025/NĐ-CP appendices).
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("standard name"), max_length=255)
    category = ForeignKey(
        PositionCategory,
        on_delete=models.PROTECT,
        related_name="catalogue_entries",
        verbose_name=_("category"),
    )
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    highest_level = models.CharField(
        _("highest rank level allowed"), max_length=24, choices=LadderLevel.choices
    )
    lowest_level = models.CharField(
        _("lowest rank level allowed"), max_length=24, choices=LadderLevel.choices
    )
    unit_kinds = models.CharField(
        _("unit kinds"),
        max_length=255,
        blank=True,
        help_text=_("Comma-separated unit kinds it applies to; empty for every kind."),
    )
    basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    is_sample = models.BooleanField(
        _("sample entry"),
        default=False,
        help_text=_("Demonstration data, not taken from an official list."),
    )
    internal_note = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("For administrators only; never shown on the users' pages."),
    )

    class Meta:
        ordering = ["category__order", "code"]
        verbose_name = _("position catalogue entry")
        verbose_name_plural = _("position catalogue")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def unit_kind_list(self) -> list[str]:
        return [kind.strip() for kind in self.unit_kinds.split(",") if kind.strip()]

    def allows_rank(self, rank: Rank) -> bool:
        order = LADDER_ORDER[rank.ladder_level]
        return (
            LADDER_ORDER[self.highest_level] <= order <= LADDER_ORDER[self.lowest_level]
        )

    def allows_unit_kind(self, kind: str) -> bool:
        kinds = self.unit_kind_list
        return not kinds or kind in kinds

    def clean(self) -> None:
        errors = {}
        if (
            self.highest_level in LADDER_ORDER
            and self.lowest_level in LADDER_ORDER
            and LADDER_ORDER[self.highest_level] > LADDER_ORDER[self.lowest_level]
        ):
            errors["lowest_level"] = ValidationError(
                _("The lowest level allowed is above the highest level allowed."),
                code="rank_range_inverted",
            )
        unknown = [k for k in self.unit_kind_list if k not in Unit.Kind.values]
        if unknown:
            errors["unit_kinds"] = ValidationError(
                _("Unknown unit kind: %(kinds)s."),
                code="unknown_unit_kind",
                params={"kinds": ", ".join(unknown)},
            )
        if errors:
            raise ValidationError(errors)


class JobPositionQuerySet(ValidityQuerySet):
    def for_units(self, units):
        return self.filter(unit__in=units)


class JobPosition(models.Model):
    """A job position of a unit's approved establishment (vị trí việc làm được phê
    duyệt): name, category, the rank it requires, the approved headcount, its job
    description and competency framework, valid between two dates, and the decision
    that set it (Decree 62/2020/NĐ-CP Art. 7; Decree 106/2020/NĐ-CP Art. 7).

    Only an applied decision changes the establishment: positions are closed and
    opened, never edited in place, so the establishment as of any past date stays
    reproducible.
    """

    unit = ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="positions", verbose_name=_("unit")
    )
    catalogue_entry = ForeignKey(
        CatalogueEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions",
        verbose_name=_("catalogue entry"),
    )
    name = models.CharField(_("position name"), max_length=255)
    category = ForeignKey(
        PositionCategory,
        on_delete=models.PROTECT,
        related_name="positions",
        verbose_name=_("category"),
    )
    rank = ForeignKey(
        Rank,
        on_delete=models.PROTECT,
        related_name="positions",
        verbose_name=_("required rank"),
    )
    headcount = models.PositiveIntegerField(_("approved headcount"))
    job_description = models.TextField(_("job description"), blank=True)
    competency_framework = models.TextField(_("competency framework"), blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    decision_number = models.CharField(
        _("decision number"),
        max_length=64,
        blank=True,
        help_text=_("The decision that set this position, e.g. 345/QĐ-UBND."),
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    ended_by_decision_number = models.CharField(
        _("ended by decision number"),
        max_length=64,
        blank=True,
        help_text=_("The decision that ended or replaced this position."),
    )
    ended_by_decision_date = models.DateField(
        _("ended by decision of"), null=True, blank=True
    )

    objects = JobPositionQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "category__order", "name"]
        verbose_name = _("job position")
        verbose_name_plural = _("job positions")
        indexes = [
            models.Index(fields=["unit", "valid_from"], name="position_unit_from")
        ]
        constraints = [
            CheckConstraint(
                condition=Q(headcount__gte=1), name="position_headcount_gte_1"
            ),
            CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="position_valid_to_after_valid_from",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = _validity_errors(self.valid_from, self.valid_to)
        if self.headcount is not None and self.headcount < 1:
            errors["headcount"] = ValidationError(
                _("The approved headcount must be at least 1."), code="headcount_min"
            )
        entry = self.catalogue_entry if self.catalogue_entry_id else None
        if entry is not None:
            if self.category_id and self.category_id != entry.category_id:
                errors["category"] = ValidationError(
                    _("The category must be the catalogue entry's (%(category)s)."),
                    code="category_mismatch",
                    params={"category": entry.category},
                )
            if self.rank_id and not entry.allows_rank(self.rank):
                errors["rank"] = ValidationError(
                    _("Rank %(rank)s is not allowed for catalogue entry %(entry)s."),
                    code="rank_not_allowed",
                    params={"rank": self.rank.code, "entry": entry.code},
                )
            if self.unit_id and not entry.allows_unit_kind(self.unit.kind):
                errors["catalogue_entry"] = ValidationError(
                    _("Catalogue entry %(entry)s does not apply to this kind of unit."),
                    code="unit_kind_not_allowed",
                    params={"entry": entry.code},
                )
        if not self.name and entry is None:
            errors["name"] = ValidationError(
                _("Give the position a name or choose a catalogue entry."),
                code="name_required",
            )
        if (
            self.unit_id
            and self.valid_from
            and "valid_to" not in errors
            and not _interval_within(self, self.unit)
        ):
            errors["valid_from"] = ValidationError(
                _("The position must lie within the validity of its unit."),
                code="outside_unit_validity",
            )
        if errors:
            raise ValidationError(errors)


def _interval_within(inner, outer) -> bool:
    if inner.valid_from < outer.valid_from:
        return False
    if outer.valid_to is None:
        return True
    return inner.valid_to is not None and inner.valid_to <= outer.valid_to


class ImportJob(models.Model):
    """One import of a spreadsheet (reference data, units, the establishment, a
    dossier's lines, a consolidation's mapping...) run as a job: who uploaded which
    file for what, its state, how far it got (rows read, validated, written) and
    its outcome: the rows written, or every bad row with its line, column and
    reason. All or nothing: a failed job has written nothing.

    Kept in orgchart, beside the guarded reader and the import formats every
    import reads through; the appraisal app registers its own kinds of import
    with the runner (``orgchart.import_jobs``), so the dependency rule holds.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("import job", "Waiting to start")
        RUNNING = "running", pgettext_lazy("import job", "Running")
        SUCCEEDED = "succeeded", pgettext_lazy("import job", "Done")
        FAILED = "failed", pgettext_lazy("import job", "Failed")

    kind = models.CharField(_("kind of import"), max_length=64)
    user = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_jobs",
        verbose_name=_("submitted by"),
    )
    unit = ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name=_("unit"),
        help_text=_("The unit whose data the file changes (empty: the province)."),
    )
    target_id = models.PositiveBigIntegerField(
        _("target"),
        null=True,
        blank=True,
        help_text=_("The record the import writes into (a dossier), by kind."),
    )
    ip = models.GenericIPAddressField(
        _("IP address"),
        null=True,
        blank=True,
        help_text=_("The submitter's address, written into the audit trail."),
    )
    return_url = models.CharField(
        _("page of origin"),
        max_length=500,
        blank=True,
        help_text=_("Where the import was started (a dossier's page), linked back."),
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    language = models.CharField(_("language"), max_length=16, default="vi")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    background = models.BooleanField(_("in the background"), default=False)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_validated = models.PositiveIntegerField(_("rows validated"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(
        _("rows (estimate)"), default=0, help_text=_("Estimated from the file.")
    )
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("number of errors"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="import_job_user"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}: {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("orgchart:import_job", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
