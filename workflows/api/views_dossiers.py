"""Reads of dossiers of every kind and of the committee's decisions, through
``appraisal.selectors`` (another unit's dossier answers 404)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response

from appraisal.models import Dossier, DossierKind, JobPositionProject, StaffingProposal
from appraisal.selectors import dossiers as dossier_selectors
from appraisal.selectors import projects as project_selectors

from ..selectors import process_for_dossier
from . import serializers
from .base import ApiView, etag
from .views_orgchart import ListView


def dossier_detail(*, user, pk: int):
    """The dossier ``pk`` as its own kind with every record its page shows, read
    through the selectors (a fixed number of queries)."""
    dossier = dossier_selectors.dossier_get(user=user, pk=pk)
    dossier.api_revisions = list(project_selectors.project_revisions(project=dossier))
    dossier.api_remarks = list(project_selectors.project_remarks(project=dossier))
    dossier.api_attachments = list(
        project_selectors.project_attachments(project=dossier)
    )
    dossier.api_audit = list(project_selectors.project_audit(project=dossier))
    dossier.api_decisions = list(
        dossier_selectors.decision_list_for_user(user=user).filter(dossier=dossier)
    )
    if isinstance(dossier, JobPositionProject):
        dossier.api_lines = project_selectors.project_lines(project=dossier)
        process = process_for_dossier(dossier=dossier)
        for attachment in dossier.api_attachments:
            attachment.api_url = (
                reverse(
                    "jobpositionproject:attachment", args=[process.pk, attachment.pk]
                )
                if process is not None
                else None
            )
    if isinstance(dossier, StaffingProposal):
        dossier.api_proposal_lines = list(dossier.lines.order_by("post_kind"))
    return dossier


def detail_response(dossier, status=200) -> Response:
    return Response(
        serializers.DossierDetailSerializer(dossier).data,
        status=status,
        headers={"ETag": etag(dossier)},
    )


class DossierListView(ListView):
    serializer_class = serializers.DossierSerializer

    @extend_schema(
        summary=_("Dossiers of every kind"),
        description=_(
            "The dossiers the person may see, newest first, filtered by kind, "
            "status, unit and the dates they were opened."
        ),
        parameters=[
            OpenApiParameter("kind", str, enum=DossierKind.values, required=False),
            OpenApiParameter("status", str, enum=Dossier.Status.values, required=False),
            OpenApiParameter("unit", int, required=False),
            OpenApiParameter("search", str, required=False),
            OpenApiParameter("created_from", str, required=False),
            OpenApiParameter("created_to", str, required=False),
        ],
    )
    def get(self, request):
        return super().get(request)

    def rows(self):
        params = self.request.query_params
        kind = params.get("kind", "")
        status = params.get("status", "")
        return dossier_selectors.dossier_list_filter(
            queryset=dossier_selectors.dossier_list_for_user(user=self.request.user),
            search=self.query_text("search"),
            dossier_kind=kind if kind in DossierKind.values else "",
            status=status if status in Dossier.Status.values else "",
            unit=self.query_int("unit"),
            date_from=self.query_date("created_from")
            if params.get("created_from")
            else None,
            date_to=self.query_date("created_to") if params.get("created_to") else None,
        )


class DossierDetailView(ApiView):
    @extend_schema(
        summary=_(
            "One dossier with its lines, revisions, remarks, documents, audit "
            "trail and decisions"
        ),
        responses={
            200: serializers.DossierDetailSerializer,
            404: OpenApiResponse(serializers.ErrorSerializer),
        },
    )
    def get(self, request, pk: int):
        return detail_response(dossier_detail(user=request.user, pk=pk))


class DecisionListView(ListView):
    serializer_class = serializers.DecisionSerializer

    @extend_schema(
        summary=_("The committee's decisions with their lines"),
        parameters=[OpenApiParameter("dossier", int, required=False)],
    )
    def get(self, request):
        return super().get(request)

    def rows(self):
        rows = dossier_selectors.decision_list_for_user(user=self.request.user)
        dossier = self.query_int("dossier")
        return rows if dossier is None else rows.filter(dossier=dossier)


class DecisionDetailView(ApiView):
    @extend_schema(summary=_("One decision"), responses=serializers.DecisionSerializer)
    def get(self, request, pk: int):
        decision = dossier_selectors.decision_get(user=request.user, pk=pk)
        return Response(serializers.DecisionSerializer(decision).data)
