"""Pages of the annual staffing plan (kế hoạch biên chế): the list of plans, a
plan's live provincial summary with its chart and checks, the summary as an
Excel workbook in the layout of a People's Council annex, and the unit page with
the unit's payroll for a year.

Plain Django views, read-only: each asks one selector, which applies the person's
scope (``appraisal.selectors.staffing``); a plan outside it answers 404, like a plan
that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from appraisal.models import PostKind, StaffingCeiling, StaffingPlan
from appraisal.selectors.staffing import (
    StaffingSummary,
    SummaryRow,
    staffing_plan_list_for_user,
    staffing_plan_summary_for_user,
    unit_staffing_get,
)
from appraisal.services.staffing import staffing_plan_checks
from orgchart import views as orgchart_views
from orgchart.spreadsheets import workbook_bytes
from workflows.forms import UnitPayrollYearForm
from workflows.staffing_chart import staffing_chart_svg

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_LABELS = dict(StaffingPlan.Status.choices)
#: Where a unit's proposal stands, in the words of a staffing cycle (the shared
#: dossier statuses speak of a dossier's reception and appraiser).
PROPOSAL_STATUS_LABELS = {
    StaffingPlan.Status.DRAFT: gettext_lazy("Being prepared by the unit"),
    StaffingPlan.Status.SUBMITTED: gettext_lazy("Submitted, awaiting review"),
    StaffingPlan.Status.REVISION_REQUESTED: gettext_lazy("Sent back for revision"),
    StaffingPlan.Status.RECEIVED: gettext_lazy("Accepted into the summary"),
}


def proposal_status_label(status: str) -> str:
    """A proposal's status in the words of the cycle."""
    return str(PROPOSAL_STATUS_LABELS.get(status) or STATUS_LABELS.get(status, status))


KIND_LABELS = dict(PostKind.choices)


@dataclass
class KindTotals:
    """The province's figures for one kind of post against its ceiling."""

    kind: str
    label: str
    ceiling: StaffingCeiling | None
    figures: dict[str, int]

    @property
    def room(self) -> int | None:
        if self.ceiling is None:
            return None
        return self.ceiling.allocatable - self.figures.get("current", 0)


def _summary_or_404(request, pk: int) -> StaffingSummary:
    try:
        return staffing_plan_summary_for_user(user=request.user, pk=pk)
    except StaffingPlan.DoesNotExist as exc:
        raise Http404(gettext("No such staffing plan.")) from exc


def _kinds(summary: StaffingSummary) -> list[str]:
    """The kinds of post of the plan, in the order of ``PostKind``."""
    present = set(summary.ceilings) | {row.post_kind for row in summary.rows}
    return [kind for kind in PostKind.values if kind in present]


class UnitStaffingDetailView(orgchart_views.UnitDetailView):
    """The unit page of the org chart with a "Biên chế" card: for the year chosen
    (``?year=``, default this year) the unit's quota per kind of post with the
    allocation decision, its approved establishment on 1 January and the staff it
    reported actually employed, side by side, and the years before (issue 7 §5).

    Why a subclass mounted in ``workflows.frontend`` rather than a block computed
    in the org chart: quotas and proposals live in ``appraisal``, which the org
    chart may not import (orgchart ← appraisal ← workflows). The org chart's view
    keeps its job (the scope check: a unit outside the person's scope is a 404
    before anything of the payroll is read) and its template offers an empty
    ``unit_cards`` block; this view adds one selector call
    (``appraisal.selectors.staffing.unit_staffing_get``, four queries, only this
    unit's rows) and fills the block. A template tag could have done the reading
    too, but it would hide queries in the template and leave the year's
    validation to it; here the form validates the year and a bad one falls back
    to this year with a message."""

    template_name = "workflows/staffing/unit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = UnitPayrollYearForm(self.request.GET)
        context.update(
            payroll_form=form,
            payroll=unit_staffing_get(unit=context["unit"], year=form.chosen_year),
        )
        if context["unit"].valid_to is not None:
            # A closed unit says what it became, when and by which decision.
            from appraisal.selectors.consolidation import unit_history

            context["history"] = unit_history(context["unit"])
        return context


class StaffingPlanListView(LoginRequiredMixin, TemplateView):
    """The staffing plans the person may see: year, status, deadline and how many
    of the units (theirs, for a unit officer or head) have answered."""

    template_name = "workflows/staffing/plan_list.html"

    def get_context_data(self, **kwargs):
        from .staffing_selectors import plan_processes_for_user
        from .work import start_actions

        context = super().get_context_data(**kwargs)
        plans = list(staffing_plan_list_for_user(user=self.request.user))
        cycles, own = plan_processes_for_user(plans=plans, user=self.request.user)
        for plan in plans:
            cycle = cycles.get(plan.pk)
            plan.cycle_url = (
                reverse("staffing:staffingplan:process_detail", args=[cycle.pk])
                if cycle
                else ""
            )
            plan.own_proposals = [
                (
                    process.proposal.unit.name,
                    reverse(
                        "staffing:staffingproposal:process_detail", args=[process.pk]
                    ),
                )
                for process in own.get(plan.pk, [])
            ]
        context["plans"] = plans
        context["start_actions"] = [
            action
            for action in start_actions(user=self.request.user)
            if "/staffing/" in action.url
        ]
        return context


def summary_context(summary: StaffingSummary) -> dict:
    """What a page shows of a plan's summary: the table per unit with the labels
    of its kinds and states, the province's totals against the ceilings and the
    computed checks (for readers who see the whole province), and a chart per
    kind of post. A fixed number of queries whatever the number of units."""
    kinds = _kinds(summary)
    charts = []
    for kind in kinds:
        rows = [row for row in summary.rows if row.post_kind == kind]
        if not rows:
            continue
        title = gettext("%(kind)s: assigned last year and current number") % {
            "kind": KIND_LABELS[kind]
        }
        charts.append(
            {
                "kind": kind,
                "label": KIND_LABELS[kind],
                "svg": staffing_chart_svg(title=title, rows=rows),
            }
        )
    return {
        "plan": summary.plan,
        "summary": summary,
        "rows": [
            (
                row,
                KIND_LABELS.get(row.post_kind, row.post_kind),
                proposal_status_label(row.proposal_status),
            )
            for row in summary.rows
        ],
        "totals": [
            KindTotals(
                kind=kind,
                label=KIND_LABELS[kind],
                ceiling=summary.ceilings.get(kind),
                figures=summary.totals.get(kind, {}),
            )
            for kind in kinds
        ]
        if summary.province_wide
        else [],
        "checks": staffing_plan_checks(plan=summary.plan)
        if summary.province_wide
        else [],
        "charts": charts,
        "status_label": STATUS_LABELS.get(summary.plan.status, summary.plan.status),
    }


class StaffingPlanSummaryView(LoginRequiredMixin, TemplateView):
    """A plan's summary: ceilings, the province's totals, a chart per kind of post
    with the table per unit below it, and the computed checks."""

    template_name = "workflows/staffing/plan_summary.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(summary_context(_summary_or_404(self.request, kwargs["pk"])))
        return context


class StaffingPlanExportView(LoginRequiredMixin, View):
    """The summary as the People's Council's annex: one sheet per kind of post."""

    def get(self, request, pk: int):
        summary = _summary_or_404(request, pk)
        content = staffing_annex_workbook(summary)
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"staffing-plan-{summary.plan.year}.xlsx"
        )
        return response


_FORMULA_START = ("=", "+", "-", "@")


def _put(sheet, row: int, column: int, value):
    """Write ``value``; a text that a spreadsheet would read as a formula is
    stored as plain text (no formula injection through a unit's name)."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _annex_row(number: int, row: SummaryRow) -> list:
    return [
        number,
        row.unit_name,
        row.assigned,
        row.actual,
        row.proposed,
        row.appraised,
        row.approved,
        row.current - row.assigned,
    ]


def staffing_annex_workbook(summary: StaffingSummary) -> bytes:
    """The annex: the province, the annex's title and the resolution (once
    recorded), the header row, one row per unit and, for the whole province, a
    bold total row. Numbers are stored as numbers."""
    plan = summary.plan
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for kind in _kinds(summary) or [PostKind.CIVIL_SERVANT]:
        label = KIND_LABELS[kind]
        sheet = workbook.create_sheet(title=label[:31].replace("/", "-"))
        _put(sheet, 1, 1, plan.unit.name.upper()).font = bold
        title = gettext("Annex — %(kind)s of %(year)s") % {
            "kind": label,
            "year": plan.year,
        }
        _put(sheet, 2, 1, title).font = Font(bold=True, size=14)
        if plan.council_resolution_number:
            basis = gettext(
                "(Attached to Resolution No. %(number)s of %(date)s of the "
                "Provincial People's Council)"
            ) % {
                "number": plan.council_resolution_number,
                "date": date_format(plan.council_resolution_date, "d/m/Y")
                if plan.council_resolution_date
                else "…",
            }
        else:
            basis = gettext("(Draft: the People's Council resolution is not recorded)")
        _put(sheet, 3, 1, basis).font = Font(italic=True)
        headers = [
            gettext("No."),
            gettext("Agency, unit"),
            gettext("Assigned last year"),
            gettext("Employed"),
            gettext("Proposed"),
            gettext("Appraised"),
            gettext("Assigned for %(year)s") % {"year": plan.year},
            gettext("Increase / decrease"),
        ]
        header_row = 5
        for column, text in enumerate(headers, start=1):
            cell = _put(sheet, header_row, column, text)
            cell.font = bold
            cell.border = border
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        current = header_row
        rows = [row for row in summary.rows if row.post_kind == kind]
        for number, row in enumerate(rows, start=1):
            current += 1
            for column, value in enumerate(_annex_row(number, row), start=1):
                _put(sheet, current, column, value).border = border
        if summary.province_wide:
            current += 1
            figures = summary.totals.get(kind, {})
            total = [
                "",
                gettext("Total"),
                figures.get("assigned", 0),
                figures.get("actual", 0),
                figures.get("proposed", 0),
                figures.get("appraised", 0),
                figures.get("approved", 0),
                figures.get("current", 0) - figures.get("assigned", 0),
            ]
            for column, value in enumerate(total, start=1):
                cell = _put(sheet, current, column, value)
                cell.font = bold
                cell.border = border
        for column, width in enumerate((6, 44, 14, 10, 10, 10, 14, 12), start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    return workbook_bytes(workbook)
