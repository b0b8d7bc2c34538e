"""The staffing plan's two flows as parts of the "Staffing plans" application
(``workflows.frontend.StaffingApplication``): the cycle under ``/staffing/cycle/``
and the units' proposals under ``/staffing/proposal/``, each with its dossier
list, task list, dossier pages and task pages, every one answering exactly a
person's scope. Everyone's work of both flows is on "My work" (the home page);
the bulk and cancel pages of viewflow are not offered.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from viewflow.utils import viewprop
from viewflow.workflow.flow.viewset import FlowViewset

from . import staffing_selectors, staffing_tasks
from .flows import StaffingPlanFlow, StaffingProposalFlow
from .views import ProjectProcessListView, ProjectTaskListView
from .viewsets import ProjectChartView, TakeThenOpenMixin


class _ProcessListView(ProjectProcessListView):
    """The staffing dossiers the person may see, with status and due date."""

    scope = None

    def get_queryset(self):
        return self.filter_rows(
            staffing_selectors.process_list_for_user(
                scope=self.scope, user=self.request.user
            ),
            self.request.user,
            self.filter_form.filters(),
        )

    def filter_rows(self, queryset, user, filters):
        return staffing_selectors.process_list_filter(
            scope=self.scope, queryset=queryset, user=user, filters=filters
        )

    @viewprop
    def queryset(self):
        return staffing_selectors.process_list_for_user(
            scope=self.scope, user=self.request.user
        )


class _TaskListView(ProjectTaskListView):
    """Every task of the staffing dossiers the person may see."""

    scope = None

    def filter_rows(self, queryset, user, filters):
        return staffing_selectors.task_list_filter(
            scope=self.scope, queryset=queryset, user=user, filters=filters
        )

    @viewprop
    def queryset(self):
        return staffing_selectors.task_list_all_for_user(
            scope=self.scope, user=self.request.user
        )


class PlanProcessListView(_ProcessListView):
    scope = staffing_selectors.PLAN
    title = _("Staffing cycles")
    export_filename = "staffing-cycles.xlsx"


class PlanTaskListView(_TaskListView):
    scope = staffing_selectors.PLAN
    export_filename = "staffing-cycle-tasks.xlsx"


class ProposalProcessListView(_ProcessListView):
    scope = staffing_selectors.PROPOSAL
    title = _("Staffing proposals of the units")
    export_filename = "staffing-proposals.xlsx"


class ProposalTaskListView(_TaskListView):
    scope = staffing_selectors.PROPOSAL
    export_filename = "staffing-proposal-tasks.xlsx"


class _ChartView(ProjectChartView):
    """The flow chart of a staffing flow; a dossier's own chart only for people
    who may see it (404 for anyone else)."""

    template_name = "workflows/staffing/chart.html"
    scope = None

    def get_process(self, user, pk: int):
        try:
            return staffing_selectors.process_get(scope=self.scope, user=user, pk=pk)
        except self.scope.process_class.DoesNotExist as exc:
            raise Http404(_("No such dossier.")) from exc


class PlanChartView(_ChartView):
    scope = staffing_selectors.PLAN


class ProposalChartView(_ChartView):
    scope = staffing_selectors.PROPOSAL


class _StaffingFlowViewset(TakeThenOpenMixin, FlowViewset):
    process_cancel_path = None

    def has_view_permission(self, user, obj=None):
        # Anonymous visitors still reach the views, which send them to log in;
        # every page filters to the person's scope itself.
        return True


class StaffingPlanViewset(_StaffingFlowViewset):
    """The year's cycles: their list, pages and steps."""

    dashboard_view_class = PlanProcessListView
    process_list_view_class = PlanProcessListView
    process_detail_view_class = staffing_tasks.StaffingPlanDetailView
    task_list_view_class = PlanTaskListView
    chart_view_class = PlanChartView

    def __init__(self, **kwargs):
        super().__init__(StaffingPlanFlow, **kwargs)


class StaffingProposalViewset(_StaffingFlowViewset):
    """The units' proposals: their list, pages and steps."""

    dashboard_view_class = ProposalProcessListView
    process_list_view_class = ProposalProcessListView
    process_detail_view_class = staffing_tasks.StaffingProposalDetailView
    task_list_view_class = ProposalTaskListView
    chart_view_class = ProposalChartView

    def __init__(self, **kwargs):
        super().__init__(StaffingProposalFlow, **kwargs)
