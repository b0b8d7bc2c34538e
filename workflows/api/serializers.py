"""What the API shows of each record, and the bodies it accepts (the services
validate them again: these only give the schema and read the JSON)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appraisal.models import (
    Attachment,
    AuditEntry,
    Decision,
    DecisionLine,
    Dossier,
    JobPositionProject,
    LineAction,
    ProjectLine,
    Remark,
    Revision,
    StaffingProposalLine,
)
from appraisal.services.projects import LINE_FIELDS
from orgchart.models import (
    CatalogueEntry,
    JobPosition,
    PositionCategory,
    Rank,
    SalaryGroup,
    Unit,
)

# --- the organisational chart and reference data ------------------------------


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True)
    headcount = serializers.SerializerMethodField(
        help_text=_("The unit's own approved posts on the date asked (in lists).")
    )

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "admin_code",
            "name",
            "short_name",
            "kind",
            "level",
            "parent",
            "depth",
            "valid_from",
            "valid_to",
            "status",
            "headcount",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_headcount(self, unit):
        return getattr(unit, "headcount", None)


class SalaryGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = SalaryGroup
        fields = ["id", "code", "name", "step1", "increment", "steps", "basis"]


class RankSerializer(serializers.ModelSerializer):
    salary_group = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Rank
        fields = ["id", "code", "name", "kind", "salary_group", "ladder_level", "basis"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = PositionCategory
        fields = ["id", "code", "name", "order", "basis", "valid_from", "valid_to"]


class CatalogueEntrySerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CatalogueEntry
        fields = [
            "id",
            "code",
            "name",
            "category",
            "sector",
            "highest_level",
            "lowest_level",
            "basis",
        ]


class ReferencesByCode(serializers.ModelSerializer):
    """A position or a line shows its category, rank and catalogue entry by
    their codes."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    rank = serializers.SlugRelatedField(slug_field="code", read_only=True)
    catalogue_entry = serializers.SlugRelatedField(slug_field="code", read_only=True)


class JobPositionSerializer(ReferencesByCode):
    class Meta:
        model = JobPosition
        fields = [
            "id",
            "name",
            "category",
            "rank",
            "catalogue_entry",
            "headcount",
            "valid_from",
            "valid_to",
            "decision_number",
            "decision_date",
        ]


class TotalSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    positions = serializers.IntegerField()
    headcount = serializers.IntegerField()


class QuotaSerializer(serializers.Serializer):
    post_kind = serializers.CharField()
    quota = serializers.IntegerField(allow_null=True)
    establishment = serializers.IntegerField(allow_null=True)
    actual = serializers.IntegerField(allow_null=True)
    decision_number = serializers.CharField(allow_blank=True)
    legal_basis = serializers.CharField(allow_blank=True)


class EstablishmentSerializer(serializers.Serializer):
    unit = UnitSerializer()
    as_of = serializers.DateField()
    total_positions = serializers.IntegerField()
    total_headcount = serializers.IntegerField()
    positions = JobPositionSerializer(many=True)
    by_category = TotalSerializer(many=True)
    by_rank = TotalSerializer(many=True)
    quota_year = serializers.IntegerField()
    quotas = QuotaSerializer(many=True)


# --- dossiers ------------------------------------------------------------------


class DossierSerializer(serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    kind_label = serializers.CharField(
        source="get_dossier_kind_display", read_only=True
    )

    class Meta:
        model = Dossier
        fields = [
            "id",
            "dossier_kind",
            "kind_label",
            "unit",
            "unit_name",
            "title",
            "status",
            "status_label",
            "receipt_number",
            "submitted_on",
            "received_on",
            "due_on",
            "clock_paused_on",
            "current_revision",
            "outcome",
            "created_at",
            "updated_at",
            "version",
        ]


class ProjectLineSerializer(ReferencesByCode):
    position = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ProjectLine
        fields = ["id", "key", *LINE_FIELDS]


class ProposalLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = StaffingProposalLine
        fields = [
            "post_kind",
            "assigned",
            "actual",
            "proposed",
            "appraised",
            "approved",
            "justification",
        ]


class RevisionSerializer(serializers.ModelSerializer):
    submitted_by = serializers.CharField(source="submitted_by.username", default="")

    class Meta:
        model = Revision
        fields = ["number", "submitted_at", "submitted_by"]


class RemarkSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default="")

    class Meta:
        model = Remark
        fields = [
            "id",
            "revision_number",
            "line_key",
            "text",
            "author",
            "created_at",
            "resolved",
        ]


class AuditSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default="")
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "action",
            "action_label",
            "actor",
            "from_status",
            "to_status",
            "revision_number",
            "comment",
            "channel",
            "created_at",
        ]


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", default="")
    download_url = serializers.SerializerMethodField(
        help_text=_("The file, for the same person (session or key).")
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, attachment):
        return getattr(attachment, "api_url", None)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "kind",
            "original_name",
            "extension",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "submitted_in",
            "download_url",
        ]


class DecisionLineSerializer(ReferencesByCode):
    class Meta:
        model = DecisionLine
        fields = [
            "key",
            "order",
            "action",
            "name",
            "catalogue_entry",
            "category",
            "rank",
            "headcount",
        ]


class DecisionSerializer(serializers.ModelSerializer):
    dossier = serializers.PrimaryKeyRelatedField(read_only=True)
    signer = serializers.CharField(source="signer.username", default="")
    lines = DecisionLineSerializer(many=True, read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "dossier",
            "outcome",
            "number",
            "date",
            "signer",
            "effective_date",
            "reason",
            "applied_at",
            "lines",
        ]


class DossierDetailSerializer(DossierSerializer):
    """A dossier with everything its page shows."""

    legal_basis = serializers.CharField(read_only=True)
    justification = serializers.CharField(read_only=True)
    project_kind = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    proposal_lines = serializers.SerializerMethodField()
    revisions = RevisionSerializer(many=True, source="api_revisions")
    remarks = RemarkSerializer(many=True, source="api_remarks")
    attachments = AttachmentSerializer(many=True, source="api_attachments")
    audit = AuditSerializer(many=True, source="api_audit")
    decisions = DecisionSerializer(many=True, source="api_decisions")

    class Meta(DossierSerializer.Meta):
        fields = [
            *DossierSerializer.Meta.fields,
            "legal_basis",
            "justification",
            "project_kind",
            "lines",
            "proposal_lines",
            "revisions",
            "remarks",
            "attachments",
            "audit",
            "decisions",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_project_kind(self, dossier):
        return dossier.kind if isinstance(dossier, JobPositionProject) else None

    @extend_schema_field(ProjectLineSerializer(many=True))
    def get_lines(self, dossier):
        return ProjectLineSerializer(getattr(dossier, "api_lines", []), many=True).data

    @extend_schema_field(ProposalLineSerializer(many=True))
    def get_proposal_lines(self, dossier):
        return ProposalLineSerializer(
            getattr(dossier, "api_proposal_lines", []), many=True
        ).data


# --- writes --------------------------------------------------------------------


class LineInputSerializer(serializers.Serializer):
    """One line of a project as the unit officer gives it: the reference data by
    id (``/ranks/``, ``/categories/``, ``/catalogue/``); ``position`` is the id of
    an existing job position of the unit that the line changes or ends."""

    action = serializers.ChoiceField(choices=LineAction.choices)
    position = serializers.IntegerField(required=False, allow_null=True)
    catalogue_entry = serializers.IntegerField(required=False, allow_null=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    category = serializers.IntegerField(required=False, allow_null=True)
    rank = serializers.IntegerField(required=False, allow_null=True)
    headcount = serializers.IntegerField(required=False, min_value=0, max_value=10000)
    job_description = serializers.CharField(required=False, allow_blank=True)
    competency_framework = serializers.CharField(required=False, allow_blank=True)
    key = serializers.UUIDField(required=False, allow_null=True)


class ProjectCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=JobPositionProject.Kind.choices)
    title = serializers.CharField(max_length=255)
    legal_basis = serializers.CharField(required=False, allow_blank=True)
    justification = serializers.CharField(required=False, allow_blank=True)


class ProjectEditSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=255)
    kind = serializers.ChoiceField(
        required=False, choices=JobPositionProject.Kind.choices
    )
    legal_basis = serializers.CharField(required=False, allow_blank=True)
    justification = serializers.CharField(required=False, allow_blank=True)
    lines = LineInputSerializer(many=True, required=False)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AttachmentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices)
    file = serializers.FileField()


class ProposalLineInputSerializer(serializers.Serializer):
    post_kind = serializers.CharField()
    actual = serializers.IntegerField(required=False, min_value=0, max_value=1000000)
    proposed = serializers.IntegerField(required=False, min_value=0, max_value=1000000)
    justification = serializers.CharField(required=False, allow_blank=True)


class ProposalSaveSerializer(serializers.Serializer):
    lines = ProposalLineInputSerializer(many=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    hand_over = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Hand the proposal to the unit head once saved."),
    )


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
