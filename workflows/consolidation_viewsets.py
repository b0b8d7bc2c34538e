"""The unit consolidation's flow as an application of the site
(``workflows.frontend.ConsolidationApplication``): the list of consolidations,
the flow's pages under ``flow/`` (dossier page, task pages, chart), the mapping
editor, its Excel template and the impact statement; each answering exactly a
person's scope.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from . import consolidation_selectors, consolidation_tasks
from .flows import ConsolidationFlow
from .staffing_selectors import process_get
from .staffing_viewsets import _ProcessListView, _StaffingFlowViewset, _TaskListView
from .viewsets import ProjectChartView


class ConsolidationProcessListView(_ProcessListView):
    scope = consolidation_selectors.CONSOLIDATION
    title = _("Unit consolidations")
    export_filename = "consolidations.xlsx"


class ConsolidationTaskListView(_TaskListView):
    scope = consolidation_selectors.CONSOLIDATION
    export_filename = "consolidation-tasks.xlsx"


class ConsolidationChartView(ProjectChartView):
    """The flow chart; a dossier's own chart only for people who may see it."""

    template_name = "workflows/consolidation/chart.html"

    def get_process(self, user, pk: int):
        try:
            return process_get(
                scope=consolidation_selectors.CONSOLIDATION, user=user, pk=pk
            )
        except consolidation_selectors.ConsolidationProcess.DoesNotExist as exc:
            raise Http404(_("No such dossier.")) from exc


class ConsolidationViewset(_StaffingFlowViewset):
    """The consolidations' flow: list, dossier pages and steps."""

    dashboard_view_class = ConsolidationProcessListView
    process_list_view_class = ConsolidationProcessListView
    process_detail_view_class = consolidation_tasks.ConsolidationDetailView
    task_list_view_class = ConsolidationTaskListView
    chart_view_class = ConsolidationChartView

    def __init__(self, **kwargs):
        super().__init__(ConsolidationFlow, **kwargs)
