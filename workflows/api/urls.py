"""``/api/v1/`` (the API, its schema and documentation) and the page of a
person's API keys."""

from __future__ import annotations

from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import key_views, views_dossiers, views_orgchart, views_writes


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema, readable without signing in (it holds no data)."""

    authentication_classes = []
    permission_classes = []


class DocsView(SpectacularSwaggerView):
    authentication_classes = []
    permission_classes = []


class IdConverter:
    """A record's id: at most 18 digits, so an absurd number is a 404, not a
    database overflow."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")

v1 = [
    path("schema/", SchemaView.as_view(), name="api_schema"),
    path("docs/", DocsView.as_view(url_name="api_schema"), name="api_docs"),
    path("units/", views_orgchart.UnitListView.as_view(), name="api_units"),
    path("units/<id:pk>/", views_orgchart.UnitDetailView.as_view(), name="api_unit"),
    path(
        "units/<id:pk>/establishment/",
        views_orgchart.EstablishmentView.as_view(),
        name="api_unit_establishment",
    ),
    path("ranks/", views_orgchart.RankListView.as_view(), name="api_ranks"),
    path(
        "salary-groups/",
        views_orgchart.SalaryGroupListView.as_view(),
        name="api_salary_groups",
    ),
    path(
        "categories/", views_orgchart.CategoryListView.as_view(), name="api_categories"
    ),
    path(
        "catalogue/", views_orgchart.CatalogueListView.as_view(), name="api_catalogue"
    ),
    path("dossiers/", views_dossiers.DossierListView.as_view(), name="api_dossiers"),
    path(
        "dossiers/<id:pk>/",
        views_dossiers.DossierDetailView.as_view(),
        name="api_dossier",
    ),
    path("decisions/", views_dossiers.DecisionListView.as_view(), name="api_decisions"),
    path(
        "decisions/<id:pk>/",
        views_dossiers.DecisionDetailView.as_view(),
        name="api_decision",
    ),
    path("projects/", views_writes.ProjectCreateView.as_view(), name="api_projects"),
    path(
        "projects/<id:pk>/", views_writes.ProjectEditView.as_view(), name="api_project"
    ),
    path(
        "projects/<id:pk>/attachments/",
        views_writes.ProjectAttachView.as_view(),
        name="api_project_attach",
    ),
    path(
        "projects/<id:pk>/hand-over/",
        views_writes.ProjectHandOverView.as_view(),
        name="api_project_hand_over",
    ),
    path(
        "projects/<id:pk>/submit/",
        views_writes.ProjectSubmitView.as_view(),
        name="api_project_submit",
    ),
    path(
        "staffing-proposals/<id:pk>/",
        views_writes.ProposalSaveView.as_view(),
        name="api_proposal",
    ),
    path(
        "staffing-proposals/<id:pk>/submit/",
        views_writes.ProposalSubmitView.as_view(),
        name="api_proposal_submit",
    ),
]

keys = [
    path("", key_views.ApiKeysView.as_view(), name="api_keys"),
    path(
        "<id:pk>/revoke/", key_views.ApiKeyRevokeView.as_view(), name="api_key_revoke"
    ),
]
