"""The dossiers of every kind together (Hồ sơ): the list of every dossier a person
may see with its kind, status and due date; the audit trail across them; and the
tasks the person has completed, whatever the flow. Each row leads to the dossier's
own page (its process, or the kind's page when it has no process of its own).

The rows come from ``appraisal.selectors.dossiers`` (the scope of each kind joined
once); this module reads the request, pages the rows and writes the Excel file of
exactly the filtered rows.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from viewflow.workflow.models import Process, Task

from appraisal.models import AuditEntry, Dossier, DossierKind
from appraisal.selectors.deadlines import deadline_annotate
from appraisal.selectors.dossiers import (
    audit_list_filter,
    audit_list_for_user,
    dossier_list_filter,
    dossier_list_for_user,
)

from .listing import (
    EXPORT_PARAM,
    ExportColumn,
    ListFilterForm,
    UnitFilterMixin,
    list_page,
    xlsx_response,
)

PAGE_SIZE = 50

#: The page of a dossier that has no process of its own, per kind.
KIND_PAGES = {
    DossierKind.STAFFING_PLAN: lambda dossier: reverse(
        "staffing:summary", args=[dossier.pk]
    ),
    DossierKind.STAFFING_PROPOSAL: lambda dossier: reverse(
        "staffing:summary", args=[dossier.staffing_proposal.plan_id]
    ),
}


def dossier_links(dossiers: list[Dossier]) -> dict[int, str]:
    """The page of each dossier: its process's page when a flow routes it,
    otherwise its kind's page. One query whatever the number of dossiers."""
    processes = (
        Process.objects.filter(artifact_object_id__in=[d.pk for d in dossiers])
        .order_by("-created")
        .values_list("artifact_object_id", "pk", "flow_class")
    )
    links: dict[int, str] = {}
    for dossier_pk, process_pk, flow_class in processes:
        if dossier_pk not in links and flow_class is not None:
            links[dossier_pk] = flow_class.instance.reverse(
                "process_detail", args=[process_pk]
            )
    for dossier in dossiers:
        if dossier.pk not in links and dossier.dossier_kind in KIND_PAGES:
            links[dossier.pk] = KIND_PAGES[dossier.dossier_kind](dossier)
    return links


class DossierFilterForm(ListFilterForm):
    """The filters of the list of every kind: the kind of dossier instead of the
    project's own kind; the unit filter over the dossiers of every kind the
    person may see."""

    kind = None
    dossier_kind = forms.ChoiceField(
        label=_("Kind of dossier"),
        required=False,
        choices=[("", _("All kinds")), *DossierKind.choices],
    )
    field_order = ["search", "dossier_kind", "status", "unit", "due_state"]

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.set_unit_scope(dossier_list_for_user(user=user))


class AuditFilterForm(UnitFilterMixin, forms.Form):
    search = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            {"type": "search", "placeholder": _("Dossier, comment or login")}
        ),
    )
    dossier_kind = DossierFilterForm.base_fields["dossier_kind"]
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditEntry.Action.choices],
    )
    unit = ListFilterForm.base_fields["unit"]
    date_from = forms.DateField(
        label=_("From date"),
        required=False,
        widget=forms.DateInput({"placeholder": _("dd/mm/yyyy")}),
    )
    date_to = forms.DateField(
        label=_("To date"),
        required=False,
        widget=forms.DateInput({"placeholder": _("dd/mm/yyyy")}),
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.set_unit_scope(dossier_list_for_user(user=user))

    filters = ListFilterForm.filters


class _PagedListView(LoginRequiredMixin, TemplateView):
    """A filtered, paged list with its Excel export (``?export=xlsx``: every
    filtered row, in the page's order)."""

    form_class: type
    export_filename = "list.xlsx"
    export_sheet_title = _("List")

    def rows(self, filters: dict) -> list:
        raise NotImplementedError

    def export_columns(self) -> list[ExportColumn]:
        raise NotImplementedError

    def decorate(self, rows: list) -> list:
        """What the page and the file show beside each row (a fixed number of
        queries for the page)."""
        return rows

    def get(self, request, *args, **kwargs):
        form = self.form_class(request.GET or None, user=request.user)
        filters = form.filters()
        queryset = self.rows(filters)
        if request.GET.get(EXPORT_PARAM) == "xlsx":
            return xlsx_response(
                filename=self.export_filename,
                sheet_title=self.export_sheet_title,
                columns=self.export_columns(),
                rows=self.decorate(list(queryset)),
            )
        page, query = list_page(request, queryset, PAGE_SIZE)
        context = self.get_context_data(
            filter_form=form,
            page_obj=page,
            rows=self.decorate(list(page.object_list)),
            query=query,
            **kwargs,
        )
        return self.render_to_response(context)


def _deadline(row) -> str:
    state = getattr(row, "deadline_state", None)
    return "" if row.is_final or state is None else str(state.label)


class DossierListView(_PagedListView):
    """Every dossier the person may see, whatever its kind, newest first: kind,
    title, unit, status, receipt number, due date and the state of the deadline."""

    extra_context = {"list_title": _("All dossiers")}

    template_name = "workflows/dossiers/list.html"
    form_class = DossierFilterForm
    export_filename = "dossiers.xlsx"
    export_sheet_title = _("Dossiers")

    def rows(self, filters):
        return dossier_list_filter(
            queryset=dossier_list_for_user(user=self.request.user).select_related(
                "staffing_proposal"
            ),
            **{
                name: filters.get(name) or ""
                for name in ("search", "dossier_kind", "status", "unit", "due_state")
            },
        )

    def decorate(self, rows):
        deadline_annotate(rows=rows)
        links = dossier_links(rows)
        for row in rows:
            row.page_url = links.get(row.pk, "")
        return rows

    def export_columns(self):
        return [
            ExportColumn(_("Kind of dossier"), lambda d: d.get_dossier_kind_display()),
            ExportColumn(_("Dossier"), lambda d: d.title),
            ExportColumn(_("Unit"), lambda d: d.unit.name),
            ExportColumn(_("Status"), lambda d: d.get_status_display()),
            ExportColumn(_("Receipt number"), lambda d: d.receipt_number),
            ExportColumn(_("Due date"), lambda d: d.due_on),
            ExportColumn(_("Deadline"), _deadline),
        ]


class AuditListView(_PagedListView):
    """The audit trail of every dossier the person may see, newest first: when,
    who, what, on which dossier (with its kind), from which status to which, and
    the comment."""

    extra_context = {"list_title": _("Audit trail")}

    template_name = "workflows/dossiers/audit.html"
    form_class = AuditFilterForm
    export_filename = "audit.xlsx"
    export_sheet_title = _("Audit trail")

    def rows(self, filters):
        return audit_list_filter(
            queryset=audit_list_for_user(user=self.request.user), **filters
        )

    def decorate(self, rows):
        links = dossier_links(
            list({entry.dossier_id: entry.dossier for entry in rows}.values())
        )
        for entry in rows:
            entry.page_url = links.get(entry.dossier_id, "")
        return rows

    def export_columns(self):
        return [
            ExportColumn(_("At"), lambda e: e.created_at),
            ExportColumn(_("Person"), lambda e: e.actor_display),
            ExportColumn(_("Action"), lambda e: e.get_action_display()),
            ExportColumn(
                _("Kind of dossier"), lambda e: e.dossier.get_dossier_kind_display()
            ),
            ExportColumn(_("Dossier"), lambda e: e.dossier.title),
            ExportColumn(_("Unit"), lambda e: e.dossier.unit.name),
            ExportColumn(_("Status before"), lambda e: e.get_from_status_display()),
            ExportColumn(_("Status after"), lambda e: e.get_to_status_display()),
            ExportColumn(_("Comment"), lambda e: e.comment),
        ]


class ArchiveView(_PagedListView):
    """The tasks the person has completed, of every kind of dossier, newest
    first."""

    extra_context = {"list_title": _("Done by me")}

    template_name = "workflows/dossiers/archive.html"
    form_class = DossierFilterForm
    export_filename = "done.xlsx"
    export_sheet_title = _("Done")

    def rows(self, filters):
        visible = dossier_list_filter(
            queryset=dossier_list_for_user(user=self.request.user),
            **{
                name: filters.get(name) or ""
                for name in ("search", "dossier_kind", "status", "unit", "due_state")
            },
        )
        return (
            Task.objects.filter(
                owner=self.request.user,
                finished__isnull=False,
                flow_task_type="HUMAN",
                process__artifact_object_id__in=visible.order_by().values("pk"),
            )
            .select_related("process")
            .order_by("-finished", "-pk")
        )

    def decorate(self, rows):
        dossiers = Dossier.objects.select_related("unit", "staffing_proposal").in_bulk(
            [task.process.artifact_object_id for task in rows]
        )
        links = dossier_links(list(dossiers.values()))
        for task in rows:
            task.dossier = dossiers.get(task.process.artifact_object_id)
            task.page_url = links.get(task.process.artifact_object_id, "")
        return rows

    def export_columns(self):
        return [
            ExportColumn(_("Completed"), lambda t: t.finished),
            ExportColumn(_("Step"), lambda t: t.flow_task.task_title),
            ExportColumn(
                _("Kind of dossier"), lambda t: t.dossier.get_dossier_kind_display()
            ),
            ExportColumn(_("Dossier"), lambda t: t.dossier.title),
            ExportColumn(_("Unit"), lambda t: t.dossier.unit.name),
        ]
