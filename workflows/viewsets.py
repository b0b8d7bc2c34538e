"""The job-position project flow as an application of the Material site, with
every list and page answering exactly a person's scope (STACK.md trap 1).

viewflow's defaults list every process and task of the flow to anyone allowed into
it; here the dashboard and the process list show the dossiers of
``project_list_for_user``, the inbox, queue, archive and task list go through
``workflows.selectors``, the dossier page and the process chart answer 404 outside
the scope, and the bulk assign/unassign and process cancel pages are not offered.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.workflow import STATUS
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.flow.viewset import FlowAppViewset

from . import selectors, views
from .flows import JobPositionProjectFlow


class ProjectChartView(flow_views.FlowChartView):
    """The flow chart, for every signed-in person; a process's own chart only for
    people who may see its dossier (404 for anyone else).

    A page of the app (menu, title, a way back to the dossier or the list) that
    shows the picture; the picture itself is the same address with
    ``?format=svg`` (and ``?format=bpmn`` the BPMN download, as in viewflow)."""

    template_name = "workflows/jobpositionproject/chart.html"
    process = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if "process_pk" in kwargs:
            self.process = self.get_process(request.user, kwargs["process_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_process(self, user, pk: int):
        """The process ``pk`` if ``user`` may see its dossier; 404 otherwise."""
        try:
            return selectors.process_get(user=user, pk=pk)
        except selectors.JobPositionProjectProcess.DoesNotExist as exc:
            raise Http404(_("No such dossier.")) from exc

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") in ("svg", "bpmn"):
            return super().get(request, *args, **kwargs)
        return TemplateResponse(
            request,
            self.template_name,
            {
                "process": self.process,
                "project": self.process.project if self.process else None,
                "flow_class": self.flow_class,
                "view": self,
            },
        )


class TakeThenOpenMixin:
    """After taking a task, straight to its form; otherwise viewflow's way."""

    def get_success_url(self, request):
        activation = getattr(request, "activation", None)
        if (
            activation is not None
            and activation.task.status == STATUS.ASSIGNED
            and activation.task.owner_id == request.user.pk
        ):
            task = activation.task
            return activation.flow_task.reverse(
                "execute", args=[task.process_id, task.pk]
            )
        return super().get_success_url(request)


class JobPositionProjectViewset(TakeThenOpenMixin, FlowAppViewset):
    """Job-position projects in the site menu: dossiers, inbox, queue, archive."""

    icon = "work_outline"

    dashboard_view_class = views.ProjectProcessListView
    process_list_view_class = views.ProjectProcessListView
    process_detail_view_class = views.ProjectDetailView
    task_list_view_class = views.ProjectTaskListView
    inbox_view_class = views.ProjectInboxView
    queue_view_class = views.ProjectQueueView
    archive_view_class = views.ProjectArchiveView
    chart_view_class = ProjectChartView

    process_cancel_path = None
    tasks_assign_path = None
    tasks_unassign_path = None

    def __init__(self, **kwargs):
        super().__init__(JobPositionProjectFlow, **kwargs)

    @property
    def attachment_path(self):
        return path(
            "<int:process_pk>/attachments/<int:attachment_pk>/",
            views.AttachmentDownloadView.as_view(),
            name="attachment",
        )

    @property
    def lines_template_path(self):
        return path(
            "<int:process_pk>/lines-template/",
            views.LinesTemplateDownloadView.as_view(),
            name="lines_template",
        )

    def has_view_permission(self, user, obj=None):
        # Anonymous visitors still reach the views, which send them to log in;
        # every page filters to the person's scope itself.
        return True

    def get_context_data(self, request):
        # viewflow's menu shows ``user_inbox.count`` and ``user_queue.count``:
        # both come from one statement, run only if the menu is drawn.
        return {
            "user_inbox": MenuCount(request, "inbox"),
            "user_queue": MenuCount(request, "queue"),
        }


class MenuCount:
    """What viewflow's flow menu reads of its inbox or queue: ``.count``, taken
    from the request's ``TaskCounts`` when first read; "275+" past the limit
    the counters count to."""

    def __init__(self, request, name: str):
        self._request = request
        self._name = name

    @property
    def count(self) -> int | str:
        counted = views.request_task_counts(self._request).counted(self._name)
        return f"{counted.count}+" if counted.more else counted.count
