"""The application's front end: viewflow's Material ``Site`` and its applications.

This is the only place (with the flows) that imports viewflow; the org chart's views
themselves are plain Django views in ``orgchart.views``.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site, route

from orgchart import views as orgchart_views
from workflows import (
    consolidation_pages,
    dashboard_views,
    document_views,
    dossier_views,
    notification_views,
    staffing_views,
)
from workflows.consolidation_viewsets import ConsolidationViewset
from workflows.listing import HomeView
from workflows.staffing_viewsets import StaffingPlanViewset, StaffingProposalViewset
from workflows.viewsets import JobPositionProjectViewset


class HomeApplication(Application):
    """ "My work" (Công việc của tôi): each person's tasks, assigned and to take,
    and the buttons to start what they may start. First in the menu, and where
    "/" and the login lead."""

    app_name = "home"
    title = _("My work")
    icon = "assignment_ind"
    menu_template_name = "workflows/home_menu.html"

    index_path = path("", HomeView.as_view(), name="index")

    def has_view_permission(self, user, obj=None):
        # Anonymous visitors still reach the view, which sends them to log in.
        return True


class OrgChartApplication(Application):
    """The organisational chart and its reference data, for every signed-in role
    (each person sees only their scope: the selectors filter per person).

    The routes sit directly on the application so their names are
    ``orgchart:<name>`` (``Unit.get_absolute_url`` reverses ``orgchart:unit_detail``).
    """

    app_name = "orgchart"
    title = _("Organisational chart")
    icon = "account_tree"
    menu_template_name = "orgchart/menu.html"

    index_path = path("", orgchart_views.UnitChartView.as_view(), name="index")
    # The org chart's unit page with the unit's payroll (quota, establishment,
    # reported staff), which only this side of the dependency rule may read.
    unit_detail_path = path(
        "units/<int:pk>/",
        staffing_views.UnitStaffingDetailView.as_view(),
        name="unit_detail",
    )
    unit_export_path = path(
        "units/<int:pk>/establishment.xlsx",
        orgchart_views.UnitEstablishmentExportView.as_view(),
        name="unit_export",
    )
    salary_groups_path = path(
        "salary-groups/",
        orgchart_views.SalaryGroupListView.as_view(),
        name="salary_groups",
    )
    ranks_path = path("ranks/", orgchart_views.RankListView.as_view(), name="ranks")
    establishment_import_path = path(
        "imports/establishment/",
        orgchart_views.EstablishmentImportView.as_view(),
        name="establishment_import",
    )
    import_job_path = path(
        "imports/<int:pk>/",
        orgchart_views.ImportJobView.as_view(),
        name="import_job",
    )
    import_job_progress_path = path(
        "imports/<int:pk>/progress.json",
        orgchart_views.ImportJobProgressView.as_view(),
        name="import_job_progress",
    )
    import_job_retry_path = path(
        "imports/<int:pk>/retry/",
        orgchart_views.ImportJobRetryView.as_view(),
        name="import_job_retry",
    )

    def has_view_permission(self, user, obj=None):
        # Anonymous visitors still reach the views, which send them to log in.
        return True


class StaffingApplication(Application):
    """The annual staffing plans (Kế hoạch biên chế): the list and each plan's
    provincial summary with its Excel annex, and the two flows of a cycle (the
    cycle itself under ``cycle/``, each unit's proposal under ``proposal/``).
    Every person sees only their scope (the selectors filter per person)."""

    app_name = "staffing"
    title = _("Staffing plans")
    icon = "groups"
    menu_template_name = "workflows/staffing/menu.html"

    index_path = path("", staffing_views.StaffingPlanListView.as_view(), name="index")
    summary_path = path(
        "<int:pk>/", staffing_views.StaffingPlanSummaryView.as_view(), name="summary"
    )
    export_path = path(
        "<int:pk>/annex.xlsx",
        staffing_views.StaffingPlanExportView.as_view(),
        name="export",
    )
    cycle_path = route("cycle/", StaffingPlanViewset())
    proposal_path = route("proposal/", StaffingProposalViewset())

    def has_view_permission(self, user, obj=None):
        # Anonymous visitors still reach the views, which send them to log in.
        return True


class ConsolidationApplication(Application):
    """Unit consolidations (Sắp xếp tổ chức, đơn vị hành chính): the list, the
    flow's pages (``flow/``), and each dossier's position-mapping editor, its
    Excel template and its impact statement. Every person sees only their scope
    (the selectors filter per person)."""

    app_name = "consolidations"
    title = _("Unit consolidations")
    icon = "call_merge"
    menu_template_name = "workflows/consolidation/menu.html"

    # The list is the flow's own (its process list, scoped per person).
    index_path = path(
        "",
        RedirectView.as_view(pattern_name="consolidations:consolidation:index"),
        name="index",
    )
    mapping_path = path(
        "<int:process_pk>/mapping/",
        consolidation_pages.MappingView.as_view(),
        name="mapping",
    )
    mapping_template_path = path(
        "<int:process_pk>/mapping.xlsx",
        consolidation_pages.MappingTemplateView.as_view(),
        name="mapping_template",
    )
    impact_path = path(
        "<int:process_pk>/impact/",
        consolidation_pages.ImpactView.as_view(),
        name="impact",
    )
    flow_path = route("flow/", ConsolidationViewset())

    def has_view_permission(self, user, obj=None):
        # Anonymous visitors still reach the views, which send them to log in.
        return True


class DashboardApplication(Application):
    """The dashboard (Bảng điều khiển): the backlog, the deadlines, the on-time
    rates, the time per step and the payroll against quotas, each person's scope
    only (the selectors filter per person)."""

    app_name = "dashboard"
    title = _("Dashboard")
    icon = "insights"
    menu_template_name = "workflows/_single_page_menu.html"

    index_path = path("", dashboard_views.DashboardView.as_view(), name="index")

    def has_view_permission(self, user, obj=None):
        # Anonymous visitors still reach the view, which sends them to log in.
        return True


class NotificationApplication(Application):
    """The person's notifications (Thông báo) and their mail preferences."""

    app_name = "notifications"
    title = _("Notifications")
    icon = "notifications"
    menu_template_name = "workflows/_single_page_menu.html"

    index_path = path(
        "", notification_views.NotificationListView.as_view(), name="index"
    )
    open_path = path(
        "<int:pk>/open/", notification_views.NotificationOpenView.as_view(), name="open"
    )
    read_all_path = path(
        "read/", notification_views.NotificationReadAllView.as_view(), name="read_all"
    )
    preferences_path = path(
        "preferences/",
        notification_views.MailPreferenceView.as_view(),
        name="preferences",
    )

    def has_view_permission(self, user, obj=None):
        # Anonymous visitors still reach the views, which send them to log in.
        return True


class DossierApplication(Application):
    """Every dossier of every kind together (Hồ sơ): the list with kind, status
    and due date, what the person completed, and the audit trail; each person
    sees exactly their scope (the selectors filter per person). The tasks waiting
    for a person, of every kind, are "My work"."""

    app_name = "dossiers"
    title = _("Dossiers")
    icon = "folder_open"
    menu_template_name = "workflows/dossiers/menu.html"

    index_path = path("", dossier_views.DossierListView.as_view(), name="index")
    archive_path = path("done/", dossier_views.ArchiveView.as_view(), name="archive")
    audit_path = path("audit/", dossier_views.AuditListView.as_view(), name="audit")
    document_path = path(
        "documents/<int:pk>/",
        document_views.DocumentDownloadView.as_view(),
        name="document",
    )

    def has_view_permission(self, user, obj=None):
        # Anonymous visitors still reach the views, which send them to log in.
        return True


site = Site(
    title=_("PositionFlow"),
    # The first application is the home page after login ("/" redirects to it):
    # keep "My work" first, then the org chart and the flows.
    viewsets=[
        HomeApplication(),
        DashboardApplication(),
        DossierApplication(),
        OrgChartApplication(),
        JobPositionProjectViewset(),
        StaffingApplication(),
        ConsolidationApplication(),
        NotificationApplication(),
    ],
)

auth_urls = AuthViewset(with_profile_view=False).urls
