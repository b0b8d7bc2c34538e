"""Pages of the organisational chart: the chart browser, the unit page with its
establishment, its Excel export, and the salary-group and rank reference pages.

Plain Django views: ``workflows.frontend`` mounts them in the viewflow Material
site. Each one validates its form, asks one selector (which applies the person's
scope) and renders; a unit outside the person's scope answers 404, exactly like a
unit that does not exist.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import (
    content_disposition_header,
    url_has_allowed_host_and_scheme,
)
from django.utils.translation import gettext
from django.views import View
from django.views.generic import TemplateView
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from . import establishment_import, import_jobs, selectors
from .forms import AsOfForm, ChartFilterForm, ImportFileForm
from .models import ImportJob, Unit
from .spreadsheets import workbook_bytes

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnitChartView(LoginRequiredMixin, TemplateView):
    """The organisational chart as of a date, in tree order, one page at a time;
    searchable by name or code and narrowed to the subtree of one unit."""

    template_name = "orgchart/unit_chart.html"
    paginate_by = 100

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ChartFilterForm(self.request.GET)
        user = self.request.user
        root = None
        if form.root_id is not None:
            try:
                root = selectors.unit_get(user=user, pk=form.root_id)
            except Unit.DoesNotExist as exc:
                raise Http404(gettext("No such unit.")) from exc
        units = selectors.unit_list_chart(
            user=user, as_of=form.date, root=root, search=form.search
        )
        page = Paginator(units, self.paginate_by).get_page(self.request.GET.get("page"))
        # Indent from the top of what is shown: the chosen root, else the
        # shallowest unit when everything fits on one page (a unit officer's
        # scope starts below the province), else the province itself.
        rows = list(page.object_list)
        selectors.unit_set_subtree_headcount(units=rows, as_of=form.date)
        if root is not None:
            base_depth = root.depth
        elif rows and not page.has_other_pages():
            base_depth = min(unit.depth for unit in rows)
        else:
            base_depth = 0
        for unit in rows:
            unit.indent = 0 if form.search else unit.depth - base_depth
        context.update(
            form=form,
            as_of=form.date,
            root=root,
            search=form.search,
            page_obj=page,
            units=rows,
        )
        return context


class UnitDetailView(LoginRequiredMixin, TemplateView):
    """One unit as of a date: identity, place in the tree, predecessors and
    successors, approved establishment with totals, roll-up, history."""

    template_name = "orgchart/unit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = AsOfForm(self.request.GET)
        try:
            page = selectors.unit_get_page(
                user=self.request.user, pk=kwargs["pk"], as_of=form.date
            )
        except Unit.DoesNotExist as exc:
            raise Http404(gettext("No such unit.")) from exc
        context.update(
            form=form,
            as_of=form.date,
            page=page,
            unit=page.unit,
            establishment=page.establishment,
        )
        return context


class UnitEstablishmentExportView(LoginRequiredMixin, View):
    """The unit's approved establishment as of a date as an Excel workbook: the
    positions, then the totals by category and by rank."""

    def get(self, request, pk: int):
        form = AsOfForm(request.GET)
        try:
            page = selectors.unit_get_page(user=request.user, pk=pk, as_of=form.date)
        except Unit.DoesNotExist as exc:
            raise Http404(gettext("No such unit.")) from exc
        if form.is_bound and not form.is_valid():
            # Back to the page, which shows what is wrong with the date.
            return redirect(f"{page.unit.get_absolute_url()}?{request.GET.urlencode()}")
        content = _establishment_workbook(page)
        filename = f"establishment-{page.unit.code}-{page.as_of.isoformat()}.xlsx"
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=filename
        )
        return response


class SalaryGroupListView(LoginRequiredMixin, TemplateView):
    """The salary groups with the coefficient of every step."""

    template_name = "orgchart/salary_group_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups = list(selectors.salary_group_list())
        context.update(
            groups=groups,
            step_numbers=range(1, max((g.steps for g in groups), default=0) + 1),
        )
        return context


class RankListView(LoginRequiredMixin, TemplateView):
    """Civil-servant ranks and public employees' professional titles."""

    template_name = "orgchart/rank_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ranks"] = list(selectors.rank_list())
        return context


def _establishment_workbook(page: selectors.UnitPage) -> bytes:
    establishment = page.establishment
    unit = page.unit
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Establishment")[:31]
    bold = Font(bold=True)

    sheet.append([gettext("Approved establishment of %(unit)s") % {"unit": unit.name}])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([gettext("Unit code"), unit.code])
    sheet.append([gettext("As of"), page.as_of])
    sheet["B3"].number_format = "DD/MM/YYYY"
    sheet.append([])

    headers = [
        gettext("No."),
        gettext("Position"),
        gettext("Category"),
        gettext("Rank code"),
        gettext("Rank"),
        gettext("Headcount"),
        gettext("Decision number"),
        gettext("Decision date"),
        gettext("Valid from"),
        gettext("Valid to"),
    ]
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for number, position in enumerate(establishment.positions, start=1):
        sheet.append(
            [
                number,
                position.name,
                position.category.name,
                position.rank.code,
                position.rank.name,
                position.headcount,
                position.decision_number,
                position.decision_date,
                position.valid_from,
                position.valid_to,
            ]
        )
        for column in (8, 9, 10):
            sheet.cell(row=sheet.max_row, column=column).number_format = "DD/MM/YYYY"
    sheet.append(
        [
            "",
            gettext("Total"),
            "",
            "",
            "",
            establishment.total_headcount,
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = bold

    for title, rows, code_key, name_key in (
        (
            gettext("Totals by category"),
            establishment.by_category,
            "category__code",
            "category__name",
        ),
        (gettext("Totals by rank"), establishment.by_rank, "rank__code", "rank__name"),
    ):
        sheet.append([])
        sheet.append([title])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.append(
            [
                "",
                gettext("Name"),
                gettext("Code"),
                gettext("Positions"),
                "",
                gettext("Headcount"),
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for row in rows:
            sheet.append(
                [
                    "",
                    row[name_key],
                    row[code_key],
                    row["positions"],
                    "",
                    row["headcount"],
                ]
            )

    for index, width in enumerate((6, 45, 30, 12, 30, 12, 18, 14, 14, 14), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    return workbook_bytes(workbook)


class EstablishmentImportView(LoginRequiredMixin, TemplateView):
    """The administrators' import of the approved establishment (job positions
    from decisions): a file of more than ``IMPORT_BACKGROUND_ROWS`` rows runs in
    the background, and either way the person lands on the job's page."""

    template_name = "orgchart/establishment_import.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not establishment_import.may_submit(
            request.user, None, None
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportFileForm())
        context["threshold"] = settings.IMPORT_BACKGROUND_ROWS
        context["jobs"] = selectors.import_job_list_visible(
            user=self.request.user
        ).filter(kind="establishment")[:10]
        return context

    def post(self, request, *args, **kwargs):
        form = ImportFileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = import_jobs.import_job_submit(
                    kind="establishment",
                    user=request.user,
                    file=form.cleaned_data["file"],
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                return redirect(job.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))


class ImportJobView(LoginRequiredMixin, TemplateView):
    """One import job: its progress while it runs (the page reloads itself every
    two seconds, no script), then what was written or every bad row. Visible to
    its submitter, the people of its unit and administrators; 404 for anyone
    else."""

    template_name = "orgchart/import_job.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = _visible_job(self.request.user, kwargs["pk"])
        state = selectors.import_job_state(job=job)
        context.update(
            job=job,
            state=state,
            errors=job.errors[:ERRORS_SHOWN],
            more_errors=max(0, job.error_count - ERRORS_SHOWN),
            return_url=job.return_url
            if url_has_allowed_host_and_scheme(job.return_url, allowed_hosts=None)
            else "",
            may_retry=state.status == ImportJob.Status.FAILED
            and (
                job.user_id == self.request.user.pk
                or selectors.user_is_import_admin(user=self.request.user)
            ),
        )
        return context


class ImportJobProgressView(LoginRequiredMixin, View):
    """The job's state and counters as JSON, for a page or a script that
    follows it."""

    def get(self, request, pk: int):
        job = _visible_job(request.user, pk)
        return JsonResponse(selectors.import_job_state(job=job).as_dict())


class ImportJobRetryView(LoginRequiredMixin, View):
    """Run a failed job again, from its stored file."""

    def post(self, request, pk: int):
        job = _visible_job(request.user, pk)
        try:
            import_jobs.import_job_retry(job=job, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(job.get_absolute_url())


#: Bad rows listed on the job's page (the count says how many there are).
ERRORS_SHOWN = 500


def _visible_job(user, pk: int) -> ImportJob:
    try:
        return selectors.import_job_get(user=user, pk=pk)
    except ImportJob.DoesNotExist as exc:
        raise Http404(gettext("No such import.")) from exc
