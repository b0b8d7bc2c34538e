"""Task pages of the unit consolidation's flow (``workflows.flows.consolidation``).

Each is the shared task page (``workflows.views.TaskView``: one form per page,
what was typed kept on a refusal, a stale page or a double click answered with a
message): it validates its form, calls one service of
``appraisal.services.consolidation`` (or a shared dossier step), then
``activation.execute()``, in one transaction. The shared steps (reception,
assignment, review, signature) are the shared views with the consolidation's
page around them; the appraisal and the decision show the impact statement.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from appraisal.models import AppraisalReport, ConsolidationOperation
from appraisal.services import consolidation as consolidation_services
from appraisal.services import dossiers as dossier_services
from orgchart.transactions import step

from . import consolidation_forms, consolidation_pages, forms, views
from .staffing_forms import PlanReportForm
from .staffing_tasks import _place_errors
from .views import TaskView, carries, client_ip


class ConsolidationTaskView(TaskView):
    """A task page of the consolidation: its own template, the consolidation's
    records (operations, mapping state, impact statement, history)."""

    template_name: str = "step.html"
    #: Whether the page shows the impact statement (appraisal, decision).
    with_impact = False

    def get_template_names(self):
        return [f"{consolidation_pages.TEMPLATE_DIR}/{self.template_name}"]

    def dossier_context(self) -> dict:
        return consolidation_pages.page_context(
            consolidation=self.dossier,
            process=self.activation.process,
            with_impact=self.with_impact,
        )

    def consolidation_kwargs(self) -> dict:
        return {
            "consolidation": self.dossier,
            "user": self.request.user,
        }


# --- the proposal -----------------------------------------------------------------


class ConsolidationStartView(LoginRequiredMixin, generic.FormView):
    """A unit officer (for its own sub-units) or Home Affairs opens a new
    consolidation; the operations come on the next page."""

    form_class = consolidation_forms.ConsolidationStartForm
    template_name = f"{consolidation_pages.TEMPLATE_DIR}/start.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = super().get_initial()
        unit = self.request.GET.get("unit", "")
        if unit.isdigit():
            initial["unit"] = int(unit)
        return initial

    def form_valid(self, form):
        activation = self.request.activation
        data = form.cleaned_data
        try:
            with step():
                consolidation = consolidation_services.consolidation_create(
                    user=self.request.user,
                    unit=data["unit"],
                    title=data["title"],
                    scope=data["scope"],
                    legal_basis=data["legal_basis"],
                    ip=client_ip(self.request),
                )
                activation.process.artifact = consolidation
                activation.execute()
        except ValidationError as exc:
            _place_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The consolidation “%(title)s” is open; add its operations.")
            % {"title": consolidation.title},
        )
        return views.started_redirect(activation, self.request.user)


class ProposeView(ConsolidationTaskView):
    """The proposal editor: the dossier's fields, its operations (add, remove),
    the way to the position mapping; "Hand over" completes the step (to the unit
    head, or for Home Affairs' own proposal straight to the one-stop desk)."""

    form_class = consolidation_forms.ProposeForm
    template_name = "propose.html"

    def page_forms(self, data=None) -> dict:
        consolidation = self.dossier
        return {
            "fields_form": consolidation_forms.ConsolidationFieldsForm(
                data if carries(data, "version", "title") else None,
                initial={
                    "version": consolidation.version,
                    "title": consolidation.title,
                    "scope": consolidation.scope,
                    "legal_basis": consolidation.legal_basis,
                },
            ),
            "operation_form": consolidation_forms.OperationForm(
                data if carries(data, "op-kind") else None, prefix="op"
            ),
        }

    success_text = gettext_lazy("The dossier is handed over for signature.")

    def post(self, request, *args, **kwargs):
        if "_save_fields" in request.POST:
            return self.save_fields()
        if "_add_operation" in request.POST:
            return self.add_operation()
        if "_remove_operation" in request.POST:
            return self.remove_operation(request.POST["_remove_operation"])
        return super().post(request, *args, **kwargs)

    def save_fields(self):
        fields_form = consolidation_forms.ConsolidationFieldsForm(self.request.POST)
        if fields_form.is_valid():
            fields = dict(fields_form.cleaned_data)
            version = fields.pop("version")
            try:
                with step():
                    consolidation_services.consolidation_update(
                        version=version, **self.consolidation_kwargs(), **fields
                    )
            except ValidationError as exc:
                self.keep_page()
                return self.refuse(exc, self.bound_page(fields_form=fields_form))
            self.forget_page()
            messages.info(self.request, _("The dossier is saved."))
            return HttpResponseRedirect(self.request.get_full_path())
        self.keep_page()
        return self.render_to_response(
            self.get_context_data(**self.bound_page(fields_form=fields_form))
        )

    def add_operation(self):
        operation_form = consolidation_forms.OperationForm(
            self.request.POST, prefix="op"
        )
        if operation_form.is_valid():
            data = operation_form.cleaned_data
            try:
                with step():
                    consolidation_services.operation_add(
                        kind=data["kind"],
                        effective_date=data["effective_date"],
                        source_units=list(data["sources"]),
                        successors=operation_form.successors(),
                        voters_in_favour_pct=data["voters_in_favour_pct"],
                        **self.consolidation_kwargs(),
                    )
            except ValidationError as exc:
                self.keep_page()
                _place_errors(operation_form, exc)
            else:
                self.keep_page(drop=("op-",))
                messages.success(self.request, _("The operation is added."))
                return HttpResponseRedirect(self.request.get_full_path())
        else:
            self.keep_page()
        return self.render_to_response(
            self.get_context_data(**self.bound_page(operation_form=operation_form))
        )

    def remove_operation(self, operation_id: str):
        operation = ConsolidationOperation.objects.filter(
            pk=int(operation_id) if operation_id.isdigit() else 0,
            consolidation=self.dossier,
        ).first()
        if operation is None:
            raise Http404(_("No such operation in this dossier."))
        self.keep_page(drop=("op-",))
        try:
            with step():
                consolidation_services.operation_remove(
                    user=self.request.user, operation=operation
                )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(self.request, message)
        else:
            messages.success(self.request, _("The operation is removed."))
        return HttpResponseRedirect(self.request.get_full_path())

    def perform(self, form):
        # The dossier's completeness is checked when it is signed and submitted,
        # as for every kind; here the proposer only hands it over.
        return None


class ConsolidationSubmitView(ConsolidationTaskView):
    """The unit head signs and submits the unit's proposal; the director of
    Home Affairs the Department's own."""

    form_class = forms.CommentForm
    success_text = gettext_lazy("The dossier is submitted to the Department.")

    def perform(self, form):
        dossier_services.dossier_submit(**self.service_kwargs(form))


# --- Home Affairs' shared steps, with the consolidation around them ----------------


class ConsolidationReceiveView(ConsolidationTaskView, views.ReceiveView):
    pass


class ConsolidationAssignAppraiserView(
    ConsolidationTaskView, views.AssignAppraiserView
):
    pass


class ConsolidationReviewReportView(ConsolidationTaskView, views.ReviewReportView):
    with_impact = True


class ConsolidationSignReportView(ConsolidationTaskView, views.SignReportView):
    with_impact = True


class ConsolidationAppraiseView(ConsolidationTaskView):
    """The appraiser's desk: the impact statement and the operations, the
    report; then either the revision request (back to the proposer) or the
    completed report (to the division head)."""

    form_class = forms.AppraiseForm
    template_name = "appraise.html"
    with_impact = True

    def page_forms(self, data=None) -> dict:
        report = AppraisalReport.objects.filter(dossier=self.dossier).first()
        return {
            "report_form": PlanReportForm(
                data if carries(data, "version") else None,
                initial={
                    "version": self.dossier.version,
                    "recommendation": getattr(report, "recommendation", ""),
                    "text": getattr(report, "text", ""),
                },
            )
        }

    def post(self, request, *args, **kwargs):
        if "_save_report" in request.POST:
            return self.save_report()
        return super().post(request, *args, **kwargs)

    def report_fields(self):
        report_form = PlanReportForm(self.request.POST)
        if not report_form.is_valid():
            return report_form, None
        return report_form, dict(report_form.cleaned_data)

    def save_report(self):
        report_form, fields = self.report_fields()
        if fields is None:
            self.keep_page()
            return self.render_to_response(
                self.get_context_data(**self.bound_page(report_form=report_form))
            )
        version = fields.pop("version")
        try:
            dossier_services.report_save(
                dossier=self.dossier,
                actor=self.request.user,
                ip=client_ip(self.request),
                expected_version=version,
                **fields,
            )
        except ValidationError as exc:
            self.keep_page()
            return self.refuse(exc, self.bound_page(report_form=report_form))
        self.forget_page()
        messages.info(self.request, _("The report is saved."))
        return HttpResponseRedirect(self.request.get_full_path())

    def form_valid(self, form):
        if form.cleaned_data["action"] == form.REQUEST_REVISION:
            self.report = None
            return super().form_valid(form)
        report_form, fields = self.report_fields()
        if fields is None:
            self.keep_page()
            return self.render_to_response(
                self.get_context_data(
                    **self.bound_page(form=form, report_form=report_form)
                )
            )
        self.report = fields
        return super().form_valid(form)

    def perform(self, form):
        kwargs = self.service_kwargs(form)
        if self.report is None:
            dossier_services.dossier_request_revision(**kwargs)
            self.success_text = _("The dossier is back with the proposer for revision.")
            return
        fields = dict(self.report)
        version = fields.pop("version")
        # The report as the page holds it is written with its completion: one
        # audit row, as for a project.
        dossier_services.report_complete(**kwargs, expected_version=version, **fields)
        self.success_text = _("The report is with the division head for review.")


class ConsolidationDecideView(ConsolidationTaskView):
    """The committee approves (a numbered decision; the org chart changes on the
    operations' dates), returns or rejects the consolidation."""

    form_class = consolidation_forms.ConsolidationDecideForm
    with_impact = True

    def perform(self, form):
        outcome = form.cleaned_data["outcome"]
        decision = dossier_services.dossier_decide(
            outcome=outcome, **self.service_kwargs(form)
        )
        if outcome == "approved" and decision is not None and decision.number:
            self.success_text = _("Decision %(number)s is recorded.") % {
                "number": decision.number
            }
        else:
            self.success_text = _("The decision is recorded.")


class RecordExternalDecisionView(ConsolidationTaskView):
    """The division head records a resolution the law requires; the task comes
    back until every required one is recorded."""

    form_class = consolidation_forms.ExternalDecisionForm
    template_name = "record_external_decisions.html"
    success_text = gettext_lazy("The resolution is recorded.")

    def perform(self, form):
        consolidation_services.external_decision_record(
            body=form.cleaned_data["body"],
            number=form.cleaned_data["number"],
            date=form.cleaned_data["date"],
            **self.consolidation_kwargs(),
        )


# --- the dossier page ----------------------------------------------------------------


class ConsolidationDetailView(LoginRequiredMixin, generic.TemplateView):
    """A consolidation's page: its operations, mapping state, impact statement,
    decision and external resolutions, its steps with what the person may do
    now, and its history; 404 outside the person's scope."""

    template_name = f"{consolidation_pages.TEMPLATE_DIR}/process.html"
    flow_class = None
    viewset = None

    @cached_property
    def process(self):
        return consolidation_pages.process_or_404(
            user=self.request.user, pk=self.kwargs["process_pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        consolidation = self.process.consolidation
        context.update(
            consolidation_pages.page_context(
                consolidation=consolidation, process=self.process, with_impact=True
            )
        )
        context.update(
            process=self.process,
            tasks=views.process_tasks(
                process=self.process, dossier=consolidation, user=self.request.user
            ),
        )
        return context
