"""The job-position project dossier (hồ sơ đề án vị trí việc làm) and its appraisal.

A unit drafts a project (lines = proposed positions), its head signs and submits it
with the required documents, the Department of Home Affairs (Sở Nội vụ) receives it,
appraises it against a checklist and reports to the Provincial People's Committee,
whose decision (Quyết định …/QĐ-UBND) changes the unit's establishment
(Decree 62/2020/NĐ-CP Art. 7; Decree 106/2020/NĐ-CP Art. 7).

Status changes happen only in ``appraisal.services.projects``; the records here keep
what the law needs to survive: every submission frozen as a numbered revision, the
remarks, the report, the decision with the lines it approved, and an append-only
audit trail.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orgchart.constraints import CheckConstraint, UniqueConstraint
from orgchart.fields import ForeignKey, OneToOneField
from orgchart.models import Unit

from ..audit_chain import ALL_CHAINED_FIELDS, entry_hash
from .calendar import DossierKind

__all__ = [
    "JOB_POSITION_KINDS",
    "PAYROLL_POST_KINDS",
    "AppraisalReport",
    "Attachment",
    "AuditEntry",
    "ChecklistAnswer",
    "ChecklistCriterion",
    "Decision",
    "DecisionLine",
    "Dossier",
    "JobPositionProject",
    "LeadershipLimit",
    "LineAction",
    "PostKind",
    "ProjectLine",
    "Remark",
    "ReportLine",
    "Revision",
    "UnitQuota",
    "attachment_upload_to",
]


class LineAction(models.TextChoices):
    """What a line does to the establishment."""

    ADD = "add", _("Add a position")
    CHANGE = "change", _("Change a position")
    END = "end", _("End a position")


class Dossier(models.Model):
    """What every dossier (hồ sơ) has, whatever its kind: the unit it concerns, its
    kind, title and legal basis, where it stands, the receipt number and the dates
    that govern its deadline, the appraiser assigned to it and its version. The
    records every dossier carries hang off it: documents, frozen revisions, remarks,
    the appraisal report, the decision and the audit trail (after Open Zaak's
    ``Zaak``; one table, so lists, scoping, numbering and deadlines are written
    once for every kind).

    Each kind adds its own table joined one-to-one on the same primary key
    (multi-table inheritance): ``JobPositionProject`` with its lines, and later the
    staffing plan and the unit consolidation. ``dossier_kind`` says which one, and
    is the kind the processing times are configured for (Decree 61/2018/NĐ-CP Art.
    18: the time limits of each procedure).

    ``due_on`` is the dossier's current deadline: the reception step's while it waits
    at the one-stop desk, then the whole appraisal's, counted in working days from
    receipt of a complete dossier. While the dossier is back with the unit
    (supplement or revision) the clock is stopped (``clock_paused_on``).
    ``version`` grows with every write, so a form built on an older state is refused.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COLLECTING = "collecting", _("Collecting the units' proposals")
        SUBMITTED = "submitted", _("Submitted, awaiting reception")
        SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
        REFUSED = "refused", _("Refused at reception")
        RECEIVED = "received", _("Received, awaiting an appraiser")
        UNDER_APPRAISAL = "under_appraisal", _("Under appraisal")
        REVISION_REQUESTED = "revision_requested", _("Revision requested")
        REPORT_COMPLETED = "report_completed", _("Report awaiting the division head")
        REPORT_REVIEWED = "report_reviewed", _("Report awaiting the director")
        AWAITING_DECISION = "awaiting_decision", _("Submitted to the committee")
        APPROVED = "approved", _("Approved, awaiting application")
        APPLIED = "applied", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REFUSED = "refused", _("Refused at reception")

    #: Statuses in which the unit may edit the dossier (lines, attachments, fields).
    EDITABLE_STATUSES = (
        Status.DRAFT,
        Status.SUPPLEMENT_REQUESTED,
        Status.REVISION_REQUESTED,
    )
    #: Statuses in which nothing will happen any more.
    FINAL_STATUSES = (Status.REFUSED, Status.REJECTED, Status.APPLIED)

    dossier_kind = models.CharField(
        _("kind of dossier"), max_length=32, choices=DossierKind.choices
    )
    unit = ForeignKey(
        "orgchart.Unit",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("unit"),
    )
    title = models.CharField(_("title"), max_length=255)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    justification = models.TextField(_("justification"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
    )
    receipt_number = models.CharField(_("receipt number"), max_length=64, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    clock_paused_on = models.DateField(
        _("clock stopped on"),
        null=True,
        blank=True,
        help_text=_("Set while the dossier is back with the unit."),
    )
    current_revision = models.PositiveIntegerField(
        _("current revision"),
        default=0,
        help_text=_("Number of the last submission; 0 before the first one."),
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    assigned_appraiser = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appraised_dossiers",
        verbose_name=_("assigned appraiser"),
    )
    created_by = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="created_dossiers",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1)
    audit_head = models.CharField(
        _("last audit hash"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_(
            "The chain hash of the dossier's latest audit entry, which the next "
            "entry is chained to."
        ),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [
            models.Index(fields=["unit", "status"], name="dossier_unit_status"),
            models.Index(fields=["assigned_appraiser", "status"], name="dossier_appr"),
            models.Index(fields=["dossier_kind", "status"], name="dossier_kind_status"),
            # A unit's dossiers of some kinds, read without the table (their
            # keys are in the index): the scope of the flows' lists.
            models.Index(
                fields=["unit", "dossier_kind", "id"], name="dossier_unit_kind"
            ),
        ]
        constraints = [
            UniqueConstraint(
                fields=["receipt_number"],
                condition=~Q(receipt_number=""),
                name="dossier_unique_receipt_number",
            ),
            CheckConstraint(
                condition=Q(status="draft", current_revision=0)
                | Q(current_revision__gte=1),
                name="dossier_submitted_has_revision",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def specific(self) -> Dossier:
        """The dossier as its own kind (the ``JobPositionProject``, …), with the
        records only that kind has."""
        if type(self) is not Dossier:
            return self
        if self.dossier_kind in JOB_POSITION_KINDS:
            return self.job_position_project
        if self.dossier_kind == DossierKind.STAFFING_PLAN:
            return self.staffing_plan
        if self.dossier_kind == DossierKind.STAFFING_PROPOSAL:
            return self.staffing_proposal
        if self.dossier_kind == DossierKind.CONSOLIDATION:
            return self.consolidation
        raise LookupError(self.dossier_kind)

    @property
    def is_editable(self) -> bool:
        """Whether the unit may change lines, attachments and fields now."""
        return self.status in self.EDITABLE_STATUSES

    @property
    def is_first_draft(self) -> bool:
        """Never submitted yet (the unit officer's first draft)."""
        return self.status == self.Status.DRAFT

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def clock_stopped(self) -> bool:
        return self.clock_paused_on is not None

    # Routing flags for the flows' gateways (they read properties, never rules),
    # the same for every kind of dossier.
    @property
    def was_accepted(self) -> bool:
        return self.status == self.Status.RECEIVED

    @property
    def was_refused(self) -> bool:
        return self.status == self.Status.REFUSED

    @property
    def needs_supplement(self) -> bool:
        return self.status == self.Status.SUPPLEMENT_REQUESTED

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def needs_revision(self) -> bool:
        return self.status == self.Status.REVISION_REQUESTED

    @property
    def is_under_appraisal(self) -> bool:
        return self.status == self.Status.UNDER_APPRAISAL

    @property
    def report_ready(self) -> bool:
        return self.status == self.Status.REPORT_COMPLETED

    @property
    def report_reviewed(self) -> bool:
        return self.status == self.Status.REPORT_REVIEWED

    @property
    def report_signed(self) -> bool:
        return self.status == self.Status.AWAITING_DECISION

    @property
    def is_approved(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.APPLIED)

    @property
    def is_rejected(self) -> bool:
        return self.status == self.Status.REJECTED


#: The dossier kinds whose own table is ``JobPositionProject``.
JOB_POSITION_KINDS = (
    DossierKind.JOB_POSITION_FIRST,
    DossierKind.JOB_POSITION_ADJUSTMENT,
)


class JobPositionProject(Dossier):
    """A job-position project (đề án vị trí việc làm) of one unit: a first approval
    or an adjustment of its establishment (Decree 62/2020/NĐ-CP Art. 7; Decree
    106/2020/NĐ-CP Art. 7; an adjustment follows the same procedure when the bases of
    Art. 4(1) change). The appraisal takes 40 working days from receipt of a
    complete dossier for a first approval, 25 for an adjustment (Decree
    106/2020/NĐ-CP Art. 7(3)).

    Everything a dossier has lives in ``Dossier`` (same primary key); this table
    adds what only a project has: whether it is a first approval or an adjustment,
    and its lines.
    """

    class Kind(models.TextChoices):
        FIRST = "first", _("First approval")
        ADJUSTMENT = "adjustment", _("Adjustment")

    # The column keeps its name ``id``: the project's rows, lines and the flow's
    # references kept their numbers when the dossier table was introduced.
    dossier_ptr = models.OneToOneField(
        Dossier,
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        db_column="id",
        related_name="job_position_project",
        verbose_name=_("dossier"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job-position project")
        verbose_name_plural = _("job-position projects")
        permissions = [
            (
                "appraise_project",
                _("Appraise the job-position project (the assigned appraiser)"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # The dossier's kind follows the project's (a denormalised key: it selects
        # the time limits and the kind's own table), when it is written …
        self.dossier_kind = self.kind_of_dossier
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "kind" in update_fields:
            kwargs["update_fields"] = {*update_fields, "dossier_kind"}
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None) -> None:
        # … and when it is validated.
        self.dossier_kind = self.kind_of_dossier
        super().clean_fields(exclude)

    @property
    def kind_of_dossier(self) -> str:
        """The kind of dossier the processing times are configured for."""
        return self.dossier_kind_for(self.kind)

    @classmethod
    def dossier_kind_for(cls, kind: str) -> str:
        """The kind of dossier of a project of ``kind`` (first or adjustment)."""
        if kind == cls.Kind.ADJUSTMENT:
            return DossierKind.JOB_POSITION_ADJUSTMENT
        return DossierKind.JOB_POSITION_FIRST


class LineFields(models.Model):
    """The fields of a proposed, reported or approved position line.

    ``add`` proposes a new position; ``change`` replaces ``position`` by a new
    version with these values; ``end`` ends ``position``. A position has a name (its
    own, or the catalogue entry's), a category (Decree 62/2020/NĐ-CP Art. 5), the
    rank it requires, the headcount, its job description and competency framework
    (Law 80/2025/QH15 Art. 23; MoHA dispatch 7583/BNV-TCBC).
    """

    action = models.CharField(_("action"), max_length=8, choices=LineAction.choices)
    position = ForeignKey(
        "orgchart.JobPosition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("existing position"),
    )
    catalogue_entry = ForeignKey(
        "orgchart.CatalogueEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("catalogue entry"),
    )
    name = models.CharField(_("position name"), max_length=255, blank=True)
    category = ForeignKey(
        "orgchart.PositionCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    rank = ForeignKey(
        "orgchart.Rank",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("required rank"),
    )
    headcount = models.PositiveIntegerField(_("headcount"), null=True, blank=True)
    job_description = models.TextField(_("job description"), blank=True)
    competency_framework = models.TextField(_("competency framework"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.catalogue_entry_id:
            return self.catalogue_entry.name
        if self.position_id:
            return self.position.name
        return ""

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if self.action in (LineAction.CHANGE, LineAction.END):
            if not self.position_id:
                errors["position"] = ValidationError(
                    _("Choose the existing position this line changes or ends."),
                    code="position_required",
                )
        elif self.position_id:
            errors["position"] = ValidationError(
                _("A line that adds a position cannot point to an existing one."),
                code="position_not_allowed",
            )
        if self.action in (LineAction.ADD, LineAction.CHANGE):
            if not self.name and not self.catalogue_entry_id:
                errors["name"] = ValidationError(
                    _("Give the position a name or choose a catalogue entry."),
                    code="name_required",
                )
            if not self.category_id:
                errors["category"] = ValidationError(
                    _("Choose the position's category."), code="category_required"
                )
            elif (
                self.catalogue_entry_id
                and self.catalogue_entry.category_id != self.category_id
            ):
                errors["category"] = ValidationError(
                    _(
                        "The category must be that of the catalogue entry "
                        "(%(category)s)."
                    ),
                    code="category_mismatch",
                    params={"category": self.catalogue_entry.category},
                )
            if not self.rank_id:
                errors["rank"] = ValidationError(
                    _("Choose the rank the position requires."), code="rank_required"
                )
            if not self.headcount:
                errors["headcount"] = ValidationError(
                    _("The headcount must be at least 1."), code="headcount_min"
                )
        if errors:
            raise ValidationError(errors)


class ProjectLine(LineFields):
    """A line of the project as the unit currently proposes it. ``key`` identifies
    the line across revisions, so the appraiser sees what changed line by line."""

    project = ForeignKey(
        JobPositionProject,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("project"),
    )
    key = models.UUIDField(_("line identity"), default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["project", "order", "pk"]
        verbose_name = _("project line")
        verbose_name_plural = _("project lines")
        constraints = [
            UniqueConstraint(fields=["project", "key"], name="project_line_unique_key"),
            CheckConstraint(
                condition=Q(action="end") | Q(headcount__gte=1),
                name="project_line_headcount_gte_1",
            ),
        ]


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    """A generated storage name: the project id, a random uuid and the checked
    extension. The uploaded name never becomes part of a path (no traversal, no
    clash); it is kept in ``original_name`` for display only."""
    ext = instance.extension
    # The folder kept its first name when dossiers of other kinds came.
    return f"appraisal/projects/{instance.dossier_id}/{uuid.uuid4().hex}.{ext}"


class Attachment(models.Model):
    """A document of the dossier: the submission (Tờ trình), the project (đề án),
    the decision setting the unit's functions and organisation, or another related
    document (Decree 106/2020/NĐ-CP Art. 7(2); Decree 36/2013/NĐ-CP Art. 11).

    ``submitted_in`` is the revision that first carried the file; until then the
    unit may remove it.
    """

    class Kind(models.TextChoices):
        SUBMISSION_LETTER = "submission_letter", _("Submission letter (Tờ trình)")
        PROJECT_DOCUMENT = "project_document", _("Project document (Đề án)")
        ESTABLISHMENT_DECISION = (
            "establishment_decision",
            _("Decision on the unit's functions and organisation"),
        )
        OTHER = "other", _("Other document")
        OFFICIAL_DOCUMENT = "official_document", _("Generated official document")

    #: What a unit may upload (the official documents are generated).
    UPLOAD_KINDS = (
        Kind.SUBMISSION_LETTER,
        Kind.PROJECT_DOCUMENT,
        Kind.ESTABLISHMENT_DECISION,
        Kind.OTHER,
    )
    #: The documents a dossier must carry to be submitted.
    REQUIRED_KINDS = (
        Kind.SUBMISSION_LETTER,
        Kind.PROJECT_DOCUMENT,
        Kind.ESTABLISHMENT_DECISION,
    )

    dossier = ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("dossier"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    extension = models.CharField(_("extension"), max_length=8)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    submitted_in = models.PositiveIntegerField(
        _("first submitted in revision"), null=True, blank=True
    )
    issue = ForeignKey(
        "appraisal.DocumentIssue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="files",
        verbose_name=_("issued document"),
        help_text=_("Set on the files the application generated."),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        ordering = ["dossier", "kind", "uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    def save(self, *args, **kwargs) -> None:
        # A signed file is the record: it never changes (a revision issues a new
        # version of the document instead).
        if not self._state.adding and self.pk:
            before = Attachment.objects.filter(pk=self.pk).values("signed_at").first()
            if before and before["signed_at"] is not None:
                raise ValidationError(
                    _("A signed document cannot be changed."), code="signed_frozen"
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.signed_at is not None:
            raise ValidationError(
                _("A signed document cannot be changed."), code="signed_frozen"
            )
        return super().delete(*args, **kwargs)


class Revision(models.Model):
    """One submission of the dossier, frozen: the project's fields, its lines (each
    with its ``key``) and its attachments as they were when the unit head signed.
    Revision 1 is the first submission; each supplement or revision round adds one.
    """

    dossier = ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="revisions",
        verbose_name=_("dossier"),
    )
    number = models.PositiveIntegerField(_("number"))
    snapshot = models.JSONField(_("frozen content"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    submitted_by = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )

    class Meta:
        ordering = ["dossier", "number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            UniqueConstraint(
                fields=["dossier", "number"], name="revision_unique_number"
            ),
            CheckConstraint(
                condition=Q(number__gte=1), name="revision_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} #{self.number}"


class Remark(models.Model):
    """A remark of Home Affairs on one line or on the whole dossier (``line`` empty),
    made on a given revision; the unit answers it in the next revision, and the
    appraiser marks it resolved."""

    dossier = ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="remarks",
        verbose_name=_("dossier"),
    )
    revision_number = models.PositiveIntegerField(_("revision"))
    line = ForeignKey(
        ProjectLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remarks",
        verbose_name=_("line"),
    )
    line_key = models.UUIDField(_("line identity"), null=True, blank=True)
    text = models.TextField(_("text"))
    author = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved = models.BooleanField(_("resolved"), default=False)

    class Meta:
        ordering = ["dossier", "created_at", "pk"]
        verbose_name = _("remark")
        verbose_name_plural = _("remarks")

    def __str__(self) -> str:
        return self.text[:60]


class ChecklistCriterion(models.Model):
    """A legal criterion the appraiser answers by hand (pass / fail / remark), e.g.
    "the job descriptions follow the prescribed template". The list is configured in
    the admin; ``active`` criteria must all be answered before the report is
    complete."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    label = models.CharField(_("criterion"), max_length=255)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    internal_note = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("For administrators only; never shown on the users' pages."),
    )

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("checklist criterion")
        verbose_name_plural = _("checklist criteria")

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        """The label in the person's language: the default criteria are worded in
        the catalogue (their English source is stored); a criterion an
        administrator words differently is shown as written."""
        return gettext(self.label)


class LeadershipLimit(models.Model):
    """The most leadership and management posts (head and deputies) one unit of a
    kind may have, checked in the appraisal. The defaults are assumptions drawn from
    the averages the law sets (3 deputy directors per department on average, Decree
    45/2025/NĐ-CP; 2 deputy heads per commune division on average, Government
    Resolution 332/NQ-CP) and are configurable."""

    unit_kind = models.CharField(
        _("unit kind"), max_length=24, choices=Unit.Kind.choices, unique=True
    )
    max_headcount = models.PositiveSmallIntegerField(_("most leadership posts"))
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    internal_note = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("For administrators only; never shown on the users' pages."),
    )

    class Meta:
        ordering = ["unit_kind"]
        verbose_name = _("leadership limit")
        verbose_name_plural = _("leadership limits")

    def __str__(self) -> str:
        return f"{self.unit_kind}: {self.max_headcount}"


class PostKind(models.TextChoices):
    """The three numbers a staffing plan allocates."""

    CIVIL_SERVANT = "civil_servant", _("Civil-servant payroll")
    PUBLIC_EMPLOYEE = "public_employee", _("Public employees paid by the state budget")
    CONTRACT = "contract", _("Contract workers (Decree 111/2022/NĐ-CP)")


#: The kinds of post that hold the job positions of the establishment, and so the
#: payroll a unit's approved headcount is compared with: civil servants and
#: budget-paid public employees. Contract workers under Decree 111/2022/NĐ-CP do
#: support and service work under a contract and hold no job position.
PAYROLL_POST_KINDS = (PostKind.CIVIL_SERVANT, PostKind.PUBLIC_EMPLOYEE)


class UnitQuota(models.Model):
    """A unit's quota for a year and kind of post (biên chế công chức, số lượng
    người làm việc hưởng lương từ ngân sách, hợp đồng theo Nghị định 111/2022), as
    allocated by the committee's decision on the staffing plan (Decree
    62/2020/NĐ-CP Art. 10). The job-position appraisal compares a unit's headcount
    with its payroll quotas of the year; until a row exists it reports the
    headcount without a quota."""

    unit = ForeignKey(
        "orgchart.Unit",
        on_delete=models.PROTECT,
        related_name="quotas",
        verbose_name=_("unit"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    post_kind = models.CharField(
        _("kind of post"),
        max_length=16,
        choices=PostKind,
        default=PostKind.CIVIL_SERVANT,
    )
    headcount = models.PositiveIntegerField(_("payroll quota"))
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    plan = ForeignKey(
        "appraisal.StaffingPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotas",
        verbose_name=_("staffing plan"),
    )

    class Meta:
        ordering = ["unit", "-year", "post_kind"]
        verbose_name = _("payroll quota")
        verbose_name_plural = _("payroll quotas")
        constraints = [
            UniqueConstraint(
                fields=["unit", "year", "post_kind"], name="unit_quota_unique_kind"
            )
        ]

    def __str__(self) -> str:
        kind = self.get_post_kind_display()
        return f"{self.unit} {self.year} {kind}: {self.headcount}"


class AppraisalReport(models.Model):
    """The appraisal report of Home Affairs (báo cáo thẩm định) on the project:
    the checklist answers, the recommendation, the lines as the appraiser proposes
    them and the text; once the director signs it, it goes to the committee with the
    Department's submission numbered ``…/TTr-SNV`` (Decree 62/2020/NĐ-CP Art. 7(2)).
    While ``draft`` it may be saved any number of times.
    """

    class Recommendation(models.TextChoices):
        APPROVE = "approve", _("Approve as proposed")
        APPROVE_WITH_CHANGES = "approve_with_changes", _("Approve with changes")
        REJECT = "reject", _("Do not approve")

    dossier = OneToOneField(
        Dossier,
        on_delete=models.CASCADE,
        related_name="report",
        verbose_name=_("dossier"),
    )
    recommendation = models.CharField(
        _("recommendation"), max_length=24, choices=Recommendation.choices, blank=True
    )
    text = models.TextField(_("report text"), blank=True)
    draft = models.BooleanField(_("draft"), default=True)
    checklist_results = models.JSONField(
        _("computed checks when completed"), default=list, blank=True
    )
    author = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    number = models.CharField(_("submission number"), max_length=64, blank=True)
    signed_by = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("appraisal report")
        verbose_name_plural = _("appraisal reports")

    def __str__(self) -> str:
        return self.number or str(self.dossier)


class ChecklistAnswer(models.Model):
    """The appraiser's answer to one manual criterion in a report."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")
        REMARK = "remark", _("Pass with a remark")

    report = ForeignKey(
        AppraisalReport,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("report"),
    )
    criterion = ForeignKey(
        ChecklistCriterion,
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name=_("criterion"),
    )
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["report", "criterion__order", "criterion__code"]
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [
            UniqueConstraint(
                fields=["report", "criterion"], name="checklist_answer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.get_result_display()}"

    def clean(self) -> None:
        if self.result in (self.Result.FAIL, self.Result.REMARK) and not self.note:
            raise ValidationError(
                {
                    "note": ValidationError(
                        _("Explain a failed criterion or a remark in the note."),
                        code="note_required",
                    )
                }
            )


class ReportLine(LineFields):
    """A line as the appraiser proposes it in the report ("approve with changes").
    ``key`` is that of the unit's line it replaces, or a new one."""

    report = ForeignKey(
        AppraisalReport,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("report"),
    )
    key = models.UUIDField(_("line identity"), default=uuid.uuid4)

    class Meta:
        ordering = ["report", "order", "pk"]
        verbose_name = _("proposed line of the report")
        verbose_name_plural = _("proposed lines of the report")


class Decision(models.Model):
    """The committee's answer on the project: approval by a decision of the Chairman
    of the Provincial People's Committee (Quyết định …/QĐ-UBND, Decree 62/2020/NĐ-CP
    Art. 7(3)), a return to Home Affairs, or a rejection with reasons (Decree
    106/2020/NĐ-CP Art. 7(3)). An approval carries the approved lines and the date
    they take effect; applying it changes the establishment once (``applied_at``).
    """

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned to Home Affairs")
        REJECTED = "rejected", _("Rejected")

    dossier = ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("dossier"),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    number = models.CharField(_("decision number"), max_length=64, blank=True)
    date = models.DateField(_("date"))
    signer = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signer"),
    )
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["dossier", "created_at", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            CheckConstraint(
                condition=~Q(outcome="approved")
                | (Q(effective_date__isnull=False) & ~Q(number="")),
                name="decision_approval_numbered_and_dated",
            ),
            UniqueConstraint(
                fields=["number"],
                condition=~Q(number=""),
                name="decision_unique_number",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.get_outcome_display()


class DecisionLine(LineFields):
    """A line the decision approved. Once applied, ``created_position`` is the
    position it opened (empty for an end line); ``position`` is the one it closed."""

    decision = ForeignKey(
        Decision,
        on_delete=models.PROTECT,
        related_name="lines",
        verbose_name=_("decision"),
    )
    key = models.UUIDField(_("line identity"), default=uuid.uuid4)
    created_position = ForeignKey(
        "orgchart.JobPosition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("position opened"),
    )

    class Meta:
        ordering = ["decision", "order", "pk"]
        verbose_name = _("approved line")
        verbose_name_plural = _("approved lines")


class AuditQuerySet(models.QuerySet):
    """The trail is append-only: bulk updates and deletes are refused too."""

    def update(self, **kwargs):
        raise ValidationError(
            _("The audit trail cannot be changed."), code="audit_append_only"
        )

    def delete(self):
        raise ValidationError(
            _("The audit trail cannot be deleted."), code="audit_append_only"
        )


class AuditEntry(models.Model):
    """One line of the dossier's history: who did what, when, from where, with the
    comment (the processing-control slip of Circular 01/2018/TT-VPCP, form 05, and
    the tracking log, form 06). Append-only: an entry is never edited or deleted
    (refused here, and on PostgreSQL by a trigger), and each entry is chained to
    the one before it by a hash, so a change made in the database is detected."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created the draft")
        UPDATED = "updated", _("Edited the dossier")
        LINES_SAVED = "lines_saved", _("Edited the lines")
        LINES_IMPORTED = "lines_imported", _("Imported the lines")
        ATTACHMENT_ADDED = "attachment_added", _("Attached a document")
        ATTACHMENT_REMOVED = "attachment_removed", _("Removed a document")
        HANDED_OVER = "handed_over", _("Handed over for signature")
        SENT_BACK_TO_OFFICER = (
            "sent_back_to_officer",
            _("Sent back to the unit officer"),
        )
        SUBMITTED = "submitted", _("Signed and submitted")
        ACCEPTED = "accepted", _("Received at the one-stop desk")
        SUPPLEMENT_REQUESTED = "supplement_requested", _("Requested a supplement")
        REFUSED = "refused", _("Refused the dossier")
        APPRAISER_ASSIGNED = "appraiser_assigned", _("Assigned an appraiser")
        REMARK_ADDED = "remark_added", _("Added a remark")
        REMARK_RESOLVED = "remark_resolved", _("Resolved a remark")
        REVISION_REQUESTED = "revision_requested", _("Requested a revision")
        REPORT_SAVED = "report_saved", _("Saved the report draft")
        REPORT_COMPLETED = "report_completed", _("Completed the report")
        REPORT_REVIEWED = "report_reviewed", _("Reviewed the report")
        REPORT_SIGNED = "report_signed", _("Signed the report")
        REPORT_SENT_BACK = "report_sent_back", _("Sent the report back")
        APPROVED = "approved", _("Approved the project")
        RETURNED = "returned", _("Returned the project to Home Affairs")
        REJECTED = "rejected", _("Rejected the project")
        DECISION_APPLIED = "decision_applied", _("Applied the decision")
        CYCLE_OPENED = "cycle_opened", _("Opened the staffing cycle")
        PROPOSAL_SAVED = "proposal_saved", _("Saved the proposal")
        PROPOSAL_ACCEPTED = "proposal_accepted", _("Accepted the unit's proposal")
        COLLECTION_CLOSED = "collection_closed", _("Closed the collection")
        NO_ANSWER = "no_answer", _("Recorded no answer (no change)")
        NUMBER_ADJUSTED = "number_adjusted", _("Adjusted a unit's number")
        RESOLUTION_RECORDED = (
            "resolution_recorded",
            _("Recorded the People's Council resolution"),
        )
        QUOTAS_APPLIED = "quotas_applied", _("Applied the allocated quotas")
        OPERATION_ADDED = "operation_added", _("Added an operation")
        OPERATION_REMOVED = "operation_removed", _("Removed an operation")
        MAPPING_SAVED = "mapping_saved", _("Edited the position mapping")
        MAPPING_IMPORTED = "mapping_imported", _("Imported the position mapping")
        EXTERNAL_DECISION = "external_decision", _("Recorded an external resolution")
        UNITS_REORGANISED = "units_reorganised", _("Reorganised the units")
        DOSSIER_FLAGGED = "dossier_flagged", _("Flagged: its unit was closed")

    class Channel(models.TextChoices):
        WEB = "web", _("on the pages")
        API = "api", _("via API")

    dossier = ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        verbose_name=_("dossier"),
    )
    actor = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Empty when the system acted (e.g. applying a decision)."),
    )
    on_behalf_of = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for"),
        help_text=_(
            "The absent person the actor stood in for (a delegation); empty when "
            "the actor acted in their own name."
        ),
    )
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    from_status = models.CharField(
        _("from status"), max_length=24, choices=Dossier.Status.choices
    )
    to_status = models.CharField(
        _("to status"), max_length=24, choices=Dossier.Status.choices
    )
    revision_number = models.PositiveIntegerField(_("revision"), default=0)
    comment = models.TextField(_("comment"), blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    channel = models.CharField(
        _("channel"),
        max_length=8,
        choices=Channel.choices,
        default=Channel.WEB,
        help_text=_("Whether the person acted on the pages or through the API."),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    chain_hash = models.CharField(
        _("chain hash"),
        max_length=64,
        editable=False,
        help_text=_(
            "SHA-256 of the entry and of the previous entry's hash of the same "
            "dossier: a change made afterwards breaks the chain."
        ),
    )

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["dossier", "created_at", "pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(
                _("The audit trail cannot be changed."), code="audit_append_only"
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(
            _("The audit trail cannot be deleted."), code="audit_append_only"
        )

    @property
    def actor_display(self) -> str:
        """Who acted, in words: "X for Y" when X stood in for the absent Y."""
        if self.actor is None:
            return ""
        actor = self.actor.get_full_name() or self.actor.get_username()
        if self.on_behalf_of_id is None:
            return actor
        absent = self.on_behalf_of
        return _("%(actor)s for %(absent)s") % {
            "actor": actor,
            "absent": absent.get_full_name() or absent.get_username(),
        }

    def seal(self, previous: str) -> None:
        """Chain the entry to ``previous``, the hash of the dossier's entry
        before it (``appraisal.audit_chain``)."""
        self.chain_hash = entry_hash(
            previous, {name: getattr(self, name) for name in ALL_CHAINED_FIELDS}
        )
