"""Reads of the organisational chart and the reference data, through
``orgchart.selectors`` (a unit outside the person's scope answers 404)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from appraisal.selectors.staffing import unit_staffing_get
from orgchart import selectors

from . import serializers
from .base import ApiView

AS_OF = OpenApiParameter(
    "as_of",
    str,
    description=_("The date, YYYY-MM-DD (today when absent)."),
    required=False,
)


class ListView(ApiView, generics.ListAPIView):
    """A paginated list of one selector's rows (:meth:`rows`)."""

    def rows(self):
        raise NotImplementedError

    def get_queryset(self):
        return self.rows()


class UnitListView(ListView):
    serializer_class = serializers.UnitSerializer

    @extend_schema(
        summary=_("Units in force on a date"),
        description=_(
            "The units the person may see, in tree order; `root` gives one unit's "
            "subtree, `search` matches the name, code or official administrative code."
        ),
        parameters=[
            AS_OF,
            OpenApiParameter("root", int, required=False),
            OpenApiParameter("search", str, required=False),
        ],
    )
    def get(self, request):
        return super().get(request)

    def rows(self):
        root_pk = self.query_int("root")
        root = None
        if root_pk is not None:
            root = selectors.unit_get(user=self.request.user, pk=root_pk)
        return selectors.unit_list_chart(
            user=self.request.user,
            as_of=self.query_date(),
            root=root,
            search=self.query_text("search"),
        )


class UnitDetailView(ApiView):
    @extend_schema(summary=_("One unit"), responses=serializers.UnitSerializer)
    def get(self, request, pk: int):
        unit = selectors.unit_get(user=request.user, pk=pk)
        return Response(serializers.UnitSerializer(unit).data)


class EstablishmentView(ApiView):
    @extend_schema(
        summary=_("A unit's establishment and quota on a date"),
        description=_(
            "The job positions in force on the date with totals by category and "
            "rank, and the quota per kind of post of the date's year."
        ),
        parameters=[AS_OF],
        responses=serializers.EstablishmentSerializer,
    )
    def get(self, request, pk: int):
        as_of = self.query_date()
        unit = selectors.unit_get(user=request.user, pk=pk)
        establishment = selectors.unit_get_establishment(unit=unit, as_of=as_of)
        staffing = unit_staffing_get(unit=unit, year=as_of.year)
        data = {
            "unit": unit,
            "as_of": as_of,
            "total_positions": establishment.total_positions,
            "total_headcount": establishment.total_headcount,
            "positions": establishment.positions,
            "by_category": [
                {
                    "code": row["category__code"],
                    "name": row["category__name"],
                    "positions": row["positions"],
                    "headcount": row["headcount"],
                }
                for row in establishment.by_category
            ],
            "by_rank": [
                {
                    "code": row["rank__code"],
                    "name": row["rank__name"],
                    "positions": row["positions"],
                    "headcount": row["headcount"],
                }
                for row in establishment.by_rank
            ],
            "quota_year": as_of.year,
            "quotas": staffing.current.kinds,
        }
        return Response(serializers.EstablishmentSerializer(data).data)


class RankListView(ListView):
    serializer_class = serializers.RankSerializer

    @extend_schema(summary=_("Civil-servant ranks and professional titles"))
    def get(self, request):
        return super().get(request)

    def rows(self):
        return selectors.rank_list()


class SalaryGroupListView(ListView):
    serializer_class = serializers.SalaryGroupSerializer

    @extend_schema(summary=_("Salary groups"))
    def get(self, request):
        return super().get(request)

    def rows(self):
        return selectors.salary_group_list()


class CategoryListView(ListView):
    serializer_class = serializers.CategorySerializer

    @extend_schema(summary=_("Categories of job positions"))
    def get(self, request):
        return super().get(request)

    def rows(self):
        return selectors.category_list()


class CatalogueListView(ListView):
    serializer_class = serializers.CatalogueEntrySerializer

    @extend_schema(
        summary=_("The framework list of job positions"),
        parameters=[OpenApiParameter("search", str, required=False)],
    )
    def get(self, request):
        return super().get(request)

    def rows(self):
        return selectors.catalogue_list(search=self.query_text("search"))
