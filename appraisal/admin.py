"""Admin of the appraisal app.

Dossiers, their revisions, reports, decisions and the audit trail are legal records
that change only through the services (``appraisal.services.projects``): here they
are read-only. The configurable reference data of the appraisal (manual checklist
criteria, leadership limits, payroll quotas) is edited here.
"""

from django.contrib import admin

from orgchart.admin import SpreadsheetAdmin

from . import (
    admin_documents,  # noqa: F401  (registers the documents admin)
    admin_numbering,  # noqa: F401  (registers the numbering admin)
)
from .models import (
    AuditEntry,
    ChecklistCriterion,
    Consolidation,
    ConsolidationOperation,
    Decision,
    Delegation,
    ExternalDecision,
    JobPositionProject,
    LeadershipLimit,
    ReductionTarget,
    UnitQuota,
)
from .resources import UnitQuotaResource


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewing only: records written by the services, never by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(JobPositionProject)
class JobPositionProjectAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "title",
        "unit",
        "kind",
        "status",
        "receipt_number",
        "due_on",
        "assigned_appraiser",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["title", "receipt_number", "unit__name", "unit__code"]
    list_select_related = ["unit", "assigned_appraiser"]
    date_hierarchy = "created_at"


@admin.register(Consolidation)
class ConsolidationAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "title",
        "unit",
        "scope",
        "status",
        "receipt_number",
        "due_on",
        "assigned_appraiser",
    ]
    list_filter = ["status", "scope"]
    search_fields = ["title", "receipt_number", "unit__name", "unit__code"]
    list_select_related = ["unit", "assigned_appraiser"]
    date_hierarchy = "created_at"


@admin.register(ConsolidationOperation)
class ConsolidationOperationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "consolidation", "kind", "effective_date", "applied_at"]
    list_filter = ["kind"]
    search_fields = ["consolidation__title", "sources__unit__name"]
    list_select_related = ["consolidation"]


@admin.register(ExternalDecision)
class ExternalDecisionAdmin(ReadOnlyAdmin):
    list_display = ["number", "body", "date", "consolidation", "recorded_by"]
    list_filter = ["body"]
    search_fields = ["number", "consolidation__title"]
    list_select_related = ["consolidation", "recorded_by"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "dossier",
        "outcome",
        "date",
        "effective_date",
        "applied_at",
    ]
    list_filter = ["outcome"]
    search_fields = ["number", "dossier__title"]
    list_select_related = ["dossier"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The append-only trail: no add, change or delete, not even for superusers."""

    list_display = [
        "created_at",
        "dossier",
        "actor",
        "on_behalf_of",
        "action",
        "from_status",
        "to_status",
        "ip",
    ]
    list_filter = ["action"]
    search_fields = ["dossier__title", "actor__username", "comment"]
    list_select_related = ["dossier", "actor", "on_behalf_of"]
    date_hierarchy = "created_at"

    def get_actions(self, request):
        return {}


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    """Delegations, as the people gave them on their page; each creation and
    revocation is in the object's history (who, when)."""

    list_display = [
        "delegator",
        "delegate",
        "role",
        "starts_on",
        "ends_on",
        "created_by",
        "created_at",
        "revoked_at",
        "revoked_by",
    ]
    list_filter = ["role"]
    search_fields = ["delegator__username", "delegate__username", "reason"]
    list_select_related = ["delegator", "delegate", "created_by", "revoked_by"]
    date_hierarchy = "starts_on"


@admin.register(ChecklistCriterion)
class ChecklistCriterionAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "legal_basis", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["code", "label"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Answered criteria stay for the record; deactivate them instead.
        return obj is None or not obj.answers.exists()


@admin.register(LeadershipLimit)
class LeadershipLimitAdmin(admin.ModelAdmin):
    list_display = ["unit_kind", "max_headcount", "legal_basis"]


@admin.register(UnitQuota)
class UnitQuotaAdmin(SpreadsheetAdmin):
    """The quotas in force; imported from a spreadsheet when the province starts
    with the system (those a staffing plan allocated are changed only by a new
    plan, see ``appraisal.resources``)."""

    resource_classes = [UnitQuotaResource]
    import_job_kind = "quotas"
    list_display = ["unit", "year", "post_kind", "headcount", "decision_number"]
    list_filter = ["year", "post_kind"]
    search_fields = ["unit__name", "unit__code", "decision_number"]
    raw_id_fields = ["unit"]


@admin.register(ReductionTarget)
class ReductionTargetAdmin(admin.ModelAdmin):
    """The streamlining targets a staffing cycle copies when it opens."""

    list_display = ["post_kind", "percent", "base_year", "valid_from", "valid_to"]
    list_filter = ["post_kind"]
