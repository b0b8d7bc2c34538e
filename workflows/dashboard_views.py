"""The dashboard (Bảng điều khiển): one page for every role, each seeing their own
scope (``appraisal.selectors.dashboard``): Home Affairs and the committee the whole
province, a unit its own dossiers, quota and establishment, an appraiser the
dossiers assigned to them. Each table is drawn beside its chart and exports to
Excel with the same columns, so the screen and the file agree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from appraisal.models import DossierKind
from appraisal.selectors.dashboard import (
    Dashboard,
    DashboardFilters,
    dashboard_for_user,
)
from appraisal.selectors.dossiers import dossier_list_for_user

from .charts import BarRow, Series, bar_chart_svg
from .listing import (
    EXPORT_PARAM,
    ExportColumn,
    UnitFilterMixin,
    unit_filter_field,
    xlsx_response,
)

#: The query parameter naming the table to export.
TABLE_PARAM = "table"


class DashboardFilterForm(UnitFilterMixin, forms.Form):
    """The period (this year up to today unless chosen), a unit and a kind of
    dossier; the unit filter reaches only the dossiers the person may see."""

    date_from = forms.DateField(label=_("From date"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    unit = unit_filter_field()
    kind = forms.ChoiceField(
        label=_("Kind of dossier"),
        required=False,
        choices=[("", _("All kinds")), *DossierKind.choices],
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.set_unit_scope(dossier_list_for_user(user=user))

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            self.add_error(
                "date_to", _("The end of the period cannot be before its start.")
            )
        return cleaned

    def dashboard_filters(self) -> DashboardFilters:
        """The filters asked for; a field with an error keeps its default."""
        default = DashboardFilters.this_year()
        if not self.is_bound or not self.is_valid():
            data = self.cleaned_data if self.is_bound else {}
            data = {k: v for k, v in data.items() if k not in self.errors}
        else:
            data = self.cleaned_data
        return DashboardFilters(
            date_from=data.get("date_from") or default.date_from,
            date_to=data.get("date_to") or default.date_to,
            unit=data["unit"].units() if data.get("unit") else None,
            dossier_kind=data.get("kind") or "",
        )


def _percent(value) -> Any:
    return "—" if value is None else value


@dataclass(frozen=True)
class Table:
    """One table of the dashboard: its name (in the export's address), title,
    columns (the page's and the file's), rows, and optionally its chart."""

    name: str
    title: Any
    columns: Callable[[Dashboard], list[ExportColumn]]
    rows: Callable[[Dashboard], list]
    chart: Callable[[Dashboard, list], Any] | None = None


def _rate_columns(first_header) -> Callable[[Dashboard], list[ExportColumn]]:
    def columns(_dashboard: Dashboard) -> list[ExportColumn]:
        return [
            ExportColumn(first_header, lambda rate: rate.label),
            ExportColumn(_("Processed"), lambda rate: rate.processed),
            ExportColumn(_("On time"), lambda rate: rate.on_time),
            ExportColumn(_("Late"), lambda rate: rate.late),
            ExportColumn(_("On-time rate, %"), lambda rate: _percent(rate.percent)),
        ]

    return columns


def _rate_chart(title) -> Callable[[Dashboard, list], Any]:
    def chart(_dashboard: Dashboard, rows: list) -> Any:
        return bar_chart_svg(
            title=str(title),
            series=[
                Series(str(_("On time")), "pf-bars__current"),
                Series(str(_("Late")), "pf-bars__late"),
            ],
            rows=[BarRow(r.key, str(r.label), [r.on_time, r.late]) for r in rows],
        )

    return chart


def _backlog_columns(dashboard: Dashboard) -> list[ExportColumn]:
    return [
        ExportColumn(_("Step"), lambda row: row.label),
        *(
            ExportColumn(label, lambda row, kind=kind: row.counts.get(kind, 0))
            for kind, label in dashboard.kinds
        ),
        ExportColumn(_("Total"), lambda row: row.total),
    ]


def _deadline_columns(_dashboard: Dashboard) -> list[ExportColumn]:
    return [
        ExportColumn(_("Dossier"), lambda d: d.title),
        ExportColumn(_("Kind of dossier"), lambda d: d.get_dossier_kind_display()),
        ExportColumn(_("Unit"), lambda d: d.unit.name),
        ExportColumn(_("Status"), lambda d: d.get_status_display()),
        ExportColumn(
            _("Appraiser"),
            lambda d: (
                d.assigned_appraiser.get_full_name() or d.assigned_appraiser.username
                if d.assigned_appraiser
                else ""
            ),
        ),
        ExportColumn(_("Due date"), lambda d: d.due_on),
    ]


def _step_time_columns(_dashboard: Dashboard) -> list[ExportColumn]:
    return [
        ExportColumn(_("Step"), lambda t: t.label),
        ExportColumn(_("Steps completed"), lambda t: t.count),
        ExportColumn(_("Median, working days"), lambda t: t.median),
        ExportColumn(_("90th percentile, working days"), lambda t: t.p90),
    ]


def _headcount_columns(first_header, with_ceiling: bool):
    def columns(_dashboard: Dashboard) -> list[ExportColumn]:
        result = [ExportColumn(first_header, lambda row: row.label)]
        if with_ceiling:
            result.append(ExportColumn(_("Ceiling"), lambda row: row.ceiling))
        result.append(ExportColumn(_("Payroll quota"), lambda row: row.quota))
        if not with_ceiling:
            result.append(
                ExportColumn(_("Approved establishment"), lambda row: row.establishment)
            )
        result += [
            ExportColumn(_("Staff employed (reported)"), lambda row: row.employed),
            ExportColumn(_("Quota less staff"), lambda row: row.quota_left),
        ]
        return result

    return columns


def _headcount_chart(_dashboard: Dashboard, rows: list) -> Any:
    return bar_chart_svg(
        title=str(_("Payroll quota and staff per unit")),
        series=[
            Series(str(_("Payroll quota")), "pf-bars__assigned"),
            Series(str(_("Approved establishment")), "pf-bars__establishment"),
            Series(str(_("Staff employed (reported)")), "pf-bars__current"),
        ],
        rows=[
            BarRow(r.key, r.label, [r.quota, r.establishment, r.employed]) for r in rows
        ],
    )


def _step_time_chart(_dashboard: Dashboard, rows: list) -> Any:
    return bar_chart_svg(
        title=str(_("Working days per step")),
        series=[
            Series(str(_("Median")), "pf-bars__current"),
            Series(str(_("90th percentile")), "pf-bars__assigned"),
        ],
        rows=[BarRow(t.step, t.label, [t.median, t.p90]) for t in rows],
    )


TABLES = [
    Table(
        "backlog",
        _("Backlog by step and kind"),
        _backlog_columns,
        lambda d: d.backlog,
    ),
    Table("overdue", _("Overdue"), _deadline_columns, lambda d: d.overdue),
    Table("due_soon", _("Due soon"), _deadline_columns, lambda d: d.due_soon),
    Table(
        "rate_month",
        _("On-time rate per month"),
        _rate_columns(_("Month")),
        lambda d: d.rate_by_month,
        _rate_chart(_("Dossiers completed per month")),
    ),
    Table(
        "rate_quarter",
        _("On-time rate per quarter"),
        _rate_columns(_("Quarter")),
        lambda d: d.rate_by_quarter,
        _rate_chart(_("Dossiers completed per quarter")),
    ),
    Table(
        "rate_unit",
        _("On-time rate per unit"),
        _rate_columns(_("Unit")),
        lambda d: d.rate_by_unit,
        _rate_chart(_("Dossiers completed per unit")),
    ),
    Table(
        "rate_step",
        _("On-time rate per step"),
        _rate_columns(_("Step")),
        lambda d: d.rate_by_step,
        _rate_chart(_("Steps completed per step")),
    ),
    Table(
        "step_times",
        _("Time per step"),
        _step_time_columns,
        lambda d: d.step_times,
        _step_time_chart,
    ),
    Table(
        "headcount_units",
        _("Payroll per unit"),
        _headcount_columns(_("Unit"), with_ceiling=False),
        lambda d: d.headcount_units,
        _headcount_chart,
    ),
    Table(
        "headcount_province",
        _("Payroll of the province"),
        _headcount_columns(_("Kind of post"), with_ceiling=True),
        lambda d: d.headcount_province,
    ),
]
TABLES_BY_NAME = {table.name: table for table in TABLES}


def _cell(value) -> Any:
    return "—" if value is None else value


class DashboardView(LoginRequiredMixin, TemplateView):
    """The dashboard page, and ``?export=xlsx&table=<name>`` for one table's
    Excel file with the same filters."""

    template_name = "workflows/dashboard/index.html"

    def get(self, request, *args, **kwargs):
        form = DashboardFilterForm(request.GET or None, user=request.user)
        dashboard = dashboard_for_user(
            user=request.user, filters=form.dashboard_filters()
        )
        if request.GET.get(EXPORT_PARAM) == "xlsx":
            table = TABLES_BY_NAME.get(request.GET.get(TABLE_PARAM, ""))
            if table is None:
                raise Http404
            return xlsx_response(
                filename=f"{table.name}.xlsx",
                sheet_title=table.title,
                columns=table.columns(dashboard),
                rows=table.rows(dashboard),
            )
        query = request.GET.copy()
        query.pop(EXPORT_PARAM, None)
        query.pop(TABLE_PARAM, None)
        tables = []
        for table in TABLES:
            rows = table.rows(dashboard)
            columns = table.columns(dashboard)
            export = query.copy()
            export[EXPORT_PARAM] = "xlsx"
            export[TABLE_PARAM] = table.name
            tables.append(
                {
                    "name": table.name,
                    "title": table.title,
                    "headers": [column.header for column in columns],
                    # Each cell with its column's name: at phone width the
                    # table stacks and each value shows it (data-label).
                    "rows": [
                        [(c.header, _cell(c.value(row))) for c in columns]
                        for row in rows
                    ],
                    "chart": table.chart(dashboard, rows)
                    if table.chart and rows
                    else None,
                    "export_url": f"?{export.urlencode()}",
                }
            )
        context = self.get_context_data(
            filter_form=form, dashboard=dashboard, tables=tables, **kwargs
        )
        return self.render_to_response(context)
