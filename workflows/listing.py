"""What every list of dossiers and tasks shares: the search box and the filters
(kept in the address, so they survive a submit, a page change and a reload) and
the "Export to Excel" download of exactly the rows the list shows with the same
filters, every page of them.

The filtering itself is a selector (``workflows.selectors.task_list_filter``,
``process_list_filter``); this module only reads the request and writes the file.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Page
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from appraisal.models import JobPositionProject
from appraisal.selectors.deadlines import DeadlineState
from appraisal.selectors.dossiers import (
    UnitFilter,
    dossier_unit_suggestions,
    unit_filter_resolve,
)
from appraisal.selectors.projects import project_dossiers_for_user
from orgchart.spreadsheets import workbook_bytes

from .pagination import Counted, LookaheadPaginator

#: The query parameter that asks a list for its Excel file instead of the page.
EXPORT_PARAM = "export"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnitFilterInput(forms.TextInput):
    """The unit filter's text box. With ``dossiers`` set (the person's, already
    scoped), it carries a ``<datalist>`` of their units when they are few
    (``appraisal.selectors.dossiers.dossier_unit_suggestions``), read only when
    the page is drawn; a person who sees more units types instead."""

    dossiers = None

    def render(self, name, value, attrs=None, renderer=None):
        units = []
        if self.dossiers is not None:
            units = dossier_unit_suggestions(dossiers=self.dossiers)
        if not units:
            return super().render(name, value, attrs, renderer)
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}-suggestions"
        attrs = {**(attrs or {}), "list": list_id}
        options = format_html_join(
            "",
            '<option value="{}">{}</option>',
            ((unit.code, unit.name) for unit in units),
        )
        return format_html(
            '{}<datalist id="{}">{}</datalist>',
            super().render(name, value, attrs, renderer),
            list_id,
            options,
        )


def unit_filter_field() -> forms.CharField:
    """The unit filter of a list: a unit's code or part of its name, typed
    (``appraisal.selectors.dossiers.unit_filter_resolve``; an id from a link of
    the application is understood too). It never offers every unit: at
    national scale a province-wide role sees the dossiers of some 15,000."""
    return forms.CharField(
        label=_("Unit"),
        required=False,
        max_length=255,
        widget=UnitFilterInput(
            {"placeholder": _("Code or part of the name"), "autocomplete": "off"}
        ),
    )


class UnitFilterMixin:
    """A form with the unit filter (``unit_filter_field``): ``set_unit_scope``
    names the dossiers the person may see; the cleaned value is a
    ``UnitFilter`` (or ``None``), and a unit chosen by its id is named under the
    box so the person sees what is applied."""

    def set_unit_scope(self, dossiers) -> None:
        self._unit_dossiers = dossiers
        self.fields["unit"].widget.dossiers = dossiers

    def clean_unit(self) -> UnitFilter | None:
        choice = unit_filter_resolve(
            dossiers=self._unit_dossiers, value=self.cleaned_data.get("unit") or ""
        )
        if choice is not None and choice.unit is not None:
            applied = _("Showing the unit %(name)s (code %(code)s)") % {
                "name": choice.unit.name,
                "code": choice.unit.code,
            }
            # The bound field copied the field's help text when it was made.
            self.fields["unit"].help_text = self["unit"].help_text = applied
        return choice


class ListFilterForm(UnitFilterMixin, forms.Form):
    """Search words and filters of a list; every field optional. The unit filter
    reaches only the dossiers the person may see, nothing else."""

    search = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            {
                "type": "search",
                "placeholder": _("Title, receipt number or unit"),
            }
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind of dossier"),
        required=False,
        choices=[("", _("All kinds")), *JobPositionProject.Kind.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *JobPositionProject.Status.choices],
    )
    unit = unit_filter_field()
    due_state = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[
            ("", _("Any deadline")),
            (DeadlineState.OVERDUE.value, DeadlineState.OVERDUE.label),
            (DeadlineState.DUE_SOON.value, DeadlineState.DUE_SOON.label),
            (DeadlineState.ON_TIME.value, DeadlineState.ON_TIME.label),
            (DeadlineState.STOPPED.value, DeadlineState.STOPPED.label),
        ],
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        # The dossiers' own rows: the unit filter reads only their units, along
        # the index of units and kinds (``dossier_unit_kind``).
        self.set_unit_scope(project_dossiers_for_user(user=user))

    def filters(self) -> dict:
        """The valid filters of the request (an invalid one is ignored, the form
        shows why)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }


@dataclass(frozen=True)
class ExportColumn:
    """One column of an export: its header and how a row's value is read."""

    header: Any
    value: Callable[[Any], Any]


def xlsx_response(
    *, filename: str, sheet_title: str, columns: list[ExportColumn], rows: Iterable
) -> HttpResponse:
    """An Excel file of ``rows``: a bold header row, then one row per item; dates
    as real dates shown dd/mm/yyyy."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(sheet_title)[:31]
    sheet.append([str(column.header) for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(column.header)) for column in columns]
    for row in rows:
        values = []
        for index, column in enumerate(columns):
            value = column.value(row)
            if isinstance(value, datetime.datetime):
                value = timezone.localtime(value).date()
            elif value is not None and not isinstance(
                value, (datetime.date, int, float)
            ):
                value = str(value)
            values.append(value)
            widths[index] = max(widths[index], min(len(str(value or "")), 60))
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(width, 10) + 2
    sheet.freeze_panes = "A2"
    response = HttpResponse(workbook_bytes(workbook), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class FilteredListMixin:
    """A viewflow list page with the search box, the filters, the "create" buttons
    of what the person may start, and "Export to Excel" (``?export=xlsx`` with the
    same filters: every row of the filtered list, in the page's order).

    ``filter_rows(queryset, user, filters)`` narrows the rows (a selector);
    ``row_project(row)`` is the dossier of a row; ``export_columns()`` the file's
    columns.
    """

    template_name = "workflows/list.html"
    export_filename = "list.xlsx"
    export_sheet_title = _("List")

    def filter_rows(self, queryset, user, filters):
        raise NotImplementedError

    def row_project(self, row):
        raise NotImplementedError

    def export_columns(self) -> list[ExportColumn]:
        raise NotImplementedError

    @property
    def filter_form(self) -> ListFilterForm:
        if not hasattr(self, "_filter_form"):
            self._filter_form = ListFilterForm(
                self.request.GET or None, user=self.request.user
            )
        return self._filter_form

    def get_queryset(self):
        queryset = super().get_queryset()
        return self.filter_rows(queryset, self.request.user, self.filter_form.filters())

    def known_count(self) -> Counted | None:
        """The number of rows when it is known without counting them."""
        return None

    def get_paginator(self, queryset, per_page, *args, **kwargs):
        return LookaheadPaginator(
            queryset,
            per_page,
            *args,
            asked=self.request.GET.get(self.page_kwarg),
            known=self.known_count(),
            **kwargs,
        )

    def get(self, request, *args, **kwargs):
        if request.GET.get(EXPORT_PARAM) == "xlsx":
            from appraisal.selectors.deadlines import deadline_annotate

            rows = list(self.get_queryset())
            deadline_annotate(rows=[self.row_project(row) for row in rows])
            return xlsx_response(
                filename=self.export_filename,
                sheet_title=self.export_sheet_title,
                columns=self.export_columns(),
                rows=rows,
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from .work import start_actions

        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["start_actions"] = start_actions(user=self.request.user)
        return context


@dataclass(frozen=True)
class WorkRow:
    """One line of a person's work, ready for the page and the export."""

    task: Any
    project: Any
    claimable: bool
    dossier_url: str
    action_url: str
    acting_for: Any = None


def work_rows(tasks) -> list[WorkRow]:
    rows = []
    for task in tasks:
        flow_task = task.flow_task
        action = "assign" if task.claimable else "execute"
        rows.append(
            WorkRow(
                task=task,
                project=task.project,
                claimable=task.claimable,
                dossier_url=flow_task.flow_class.instance.reverse(
                    "process_detail", args=[task.process_id]
                ),
                action_url=flow_task.reverse(action, args=[task.process_id, task.pk]),
                acting_for=getattr(task, "acting_for", None),
            )
        )
    return rows


def _deadline_text(project) -> str:
    state = getattr(project, "deadline_state", None)
    return str(state.label) if state else ""


WORK_EXPORT_COLUMNS = [
    ExportColumn(_("Dossier"), lambda row: row.project.title),
    ExportColumn(_("Receipt number"), lambda row: row.project.receipt_number),
    ExportColumn(_("Unit"), lambda row: row.project.unit.name),
    ExportColumn(_("Step"), lambda row: row.task.title),
    ExportColumn(_("Due date"), lambda row: row.project.due_on),
    ExportColumn(_("Deadline"), lambda row: _deadline_text(row.project)),
    ExportColumn(
        _("Assignment"),
        lambda row: _("To take") if row.claimable else _("Assigned to me"),
    ),
]


#: Tasks on one page of "My work".
WORK_PAGE_SIZE = 50


def list_page(request, rows, size: int) -> tuple[Page, str]:
    """The page of ``rows`` the request asks for (``?page=``; the last one past
    the end) and the query string of its other parameters, which the pager's
    links keep (``workflows/dossiers/_pager.html``)."""
    asked = request.GET.get("page")
    page = LookaheadPaginator(rows, size, asked=asked).get_page(asked)
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


class HomeView(LoginRequiredMixin, TemplateView):
    """ "My work": what waits for the person, most urgent first, with the buttons to
    open a task (or take and open it) and to start what they may start. Where
    everyone lands after signing in."""

    template_name = "workflows/home.html"

    def get_filter_form(self) -> ListFilterForm:
        return ListFilterForm(self.request.GET or None, user=self.request.user)

    def get(self, request, *args, **kwargs):
        from .my_work import work_items_for_user, work_tasks_load

        form = self.get_filter_form()
        filters = form.filters()
        items = work_items_for_user(user=request.user, filters=filters)
        if request.GET.get(EXPORT_PARAM) == "xlsx":
            return xlsx_response(
                filename="my-work.xlsx",
                sheet_title=_("My work"),
                columns=WORK_EXPORT_COLUMNS,
                rows=work_rows(work_tasks_load(user=request.user, items=items)),
            )
        # The most urgent first, a page at a time: a person with hundreds of
        # tasks gets a page they can read, and only that page's tasks are read
        # whole (the export holds them all).
        page, query = list_page(request, items, WORK_PAGE_SIZE)
        tasks = work_tasks_load(user=request.user, items=page.object_list)
        assigned = sum(1 for item in items if not item.claimable)
        context = self.get_context_data(
            filter_form=form,
            filtered=bool(filters),
            rows=work_rows(tasks),
            page_obj=page,
            query=query,
            assigned_count=assigned,
            claimable_count=len(items) - assigned,
            **kwargs,
        )
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        from .work import start_actions

        context = super().get_context_data(**kwargs)
        context["start_actions"] = start_actions(user=self.request.user)
        return context
