"""Task pages of the staffing plan's flows (``workflows.flows.staffing``).

Each page is the shared task page of ``workflows.views.TaskView`` (one form per
page, what was typed kept on a refusal, a stale page or a double click answered
with a message): it validates its form, calls one service of
``appraisal.services.staffing`` (or a shared dossier step), then
``activation.execute()``, in one transaction. What a page shows of its dossier
(the proposal's numbers; the plan's summary, checks and report) comes from the
selectors in a fixed number of queries whatever the number of units.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from appraisal.models import AppraisalReport, StaffingProposalLine
from appraisal.selectors.deadlines import deadline_state
from appraisal.selectors.documents import dossier_documents
from appraisal.selectors.projects import project_audit, project_revisions
from appraisal.selectors.staffing import (
    staffing_adjustment_list,
    staffing_plan_summary,
)
from appraisal.services import dossiers as dossier_services
from appraisal.services import staffing as staffing_services
from orgchart.models import Unit
from orgchart.transactions import step

from . import forms, permissions, staffing_forms, staffing_selectors, views
from .staffing_views import proposal_status_label, summary_context
from .views import TaskView, carries, client_ip, quiet

TEMPLATE_DIR = "workflows/staffing"


def _deadline(dossier, plan):
    """The state of the proposal deadline while it still runs (the collection
    is open), else nothing."""
    if plan.collection_closed_at is not None or dossier.due_on is None:
        return None
    return deadline_state(due=dossier.due_on, paused_on=dossier.clock_paused_on)


def proposal_page_context(*, proposal) -> dict:
    """What a page shows of a unit's proposal: its numbers per kind of post, its
    revisions and history (four queries)."""
    audit = list(project_audit(project=proposal))
    return {
        "dossier": proposal,
        "project": proposal,  # the name the shared task page reads
        "proposal": proposal,
        "status_label": proposal_status_label(proposal.status),
        "plan": proposal.plan,
        "lines": list(proposal.lines.order_by("post_kind")),
        "revisions": list(project_revisions(project=proposal)),
        "audit": audit,
        "deadline": _deadline(proposal, proposal.plan),
        "summary_url": reverse("staffing:summary", args=[proposal.plan_id]),
    }


def plan_page_context(*, plan) -> dict:
    """What a page shows of a cycle: the province's summary with its checks and
    charts, the appraisal report, the latest decision and the history; a fixed
    number of queries whatever the number of units."""
    context = summary_context(staffing_plan_summary(plan=plan))
    context.update(
        dossier=plan,
        project=plan,  # the name the shared task page reads
        report=AppraisalReport.objects.filter(dossier=plan)
        .select_related("signed_by", "author")
        .first(),
        decision=plan.decisions.select_related("signer")
        .order_by("-created_at", "-pk")
        .first(),
        audit=list(project_audit(project=plan)),
        documents=dossier_documents(dossier=plan),
        deadline=_deadline(plan, plan),
        summary_url=reverse("staffing:summary", args=[plan.pk]),
        export_url=reverse("staffing:export", args=[plan.pk]),
    )
    return context


# --- the base of the staffing task pages -------------------------------------------


class StaffingTaskView(TaskView):
    """A task page of a staffing flow: its own template, the dossier's own
    records, and the service's keyword for the dossier (``plan``/``proposal``)."""

    template_name: str = ""
    #: The keyword the services of this page take the dossier under.
    dossier_keyword = "plan"

    def get_template_names(self):
        return [f"{TEMPLATE_DIR}/{self.template_name}"]

    def dossier_context(self) -> dict:
        if self.dossier_keyword == "proposal":
            return proposal_page_context(proposal=self.project)
        return plan_page_context(plan=self.project)

    def staffing_kwargs(self, keyword: str = "") -> dict:
        """The dossier (under ``keyword``, by default the staffing services'),
        the person and their address."""
        return {
            keyword or self.dossier_keyword: self.project,
            "actor": self.request.user,
            "ip": client_ip(self.request),
        }


# --- the cycle ---------------------------------------------------------------------


class StaffingPlanStartView(LoginRequiredMixin, generic.FormView):
    """The division head opens the year's cycle: every participating unit is
    asked for its proposal at once."""

    form_class = staffing_forms.StaffingPlanOpenForm
    template_name = f"{TEMPLATE_DIR}/plan_start.html"

    def form_valid(self, form):
        data = form.cleaned_data
        activation = self.request.activation
        # The provincial People's Committee the units asked belong to.
        first = min(data["units"], key=lambda unit: unit.path)
        province = next(
            (
                unit
                for unit in Unit.objects.filter(
                    kind=Unit.Kind.PROVINCIAL_PC, valid_to__isnull=True
                ).order_by("path")
                if first.path.startswith(unit.path)
            ),
            first,
        )
        try:
            with step():
                plan = staffing_services.staffing_plan_open(
                    actor=self.request.user,
                    province=province,
                    year=data["year"],
                    base_year=data["base_year"],
                    proposal_deadline=data["proposal_deadline"],
                    ceilings=data["ceilings"],
                    units=list(data["units"]),
                    appraiser=data["appraiser"],
                    legal_basis=data["legal_basis"],
                    ip=client_ip(self.request),
                )
                activation.process.artifact = plan
                activation.execute()
        except ValidationError as exc:
            _place_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The staffing plan of %(year)s is open: %(count)s units are asked.")
            % {"year": plan.year, "count": plan.proposals.count()},
        )
        return redirect(
            activation.flow_class.instance.reverse(
                "process_detail", args=[activation.process.pk]
            )
        )


def _place_errors(form, exc: ValidationError) -> None:
    """A service's refusal on the form's field of the same name, else on top."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            field = key if key in form.fields else None
            for error in errors:
                form.add_error(field, error)
        return
    for message in exc.messages:
        form.add_error(None, message)


class CloseCollectionView(StaffingTaskView):
    """The division head closes the collection: at once when every unit has
    answered, otherwise once the deadline has passed (the service refuses
    before)."""

    form_class = staffing_forms.ConfirmForm
    template_name = "close_collection.html"

    def perform(self, form):
        # The proposals' processes first, their dossiers second (the order of
        # every proposal step): see StaffingPlanFlow.open_proposals.
        self.activation.flow_class.instance.open_proposals(self.activation.process)
        plan = staffing_services.collection_close(**self.staffing_kwargs())
        summary = staffing_plan_summary(plan=plan)
        self.success_text = _(
            "The collection is closed: %(answered)s of %(total)s units answered."
        ) % {"answered": summary.answered, "total": summary.units}


class PlanAppraiseView(StaffingTaskView):
    """The appraiser's desk: the live summary with a change form for each unit and
    kind of post (the number seen, the new number, the reason), the checks, and
    the report; completing saves the report as the page holds it and hands it to
    the division head."""

    form_class = forms.CommentForm
    template_name = "plan_appraise.html"

    @cached_property
    def summary(self):
        return staffing_plan_summary(plan=self.project)

    def page_forms(self, data=None) -> dict:
        report = AppraisalReport.objects.filter(dossier=self.project).first()
        return {
            "report_form": staffing_forms.PlanReportForm(
                data if carries(data, "version") else None,
                initial={
                    "version": self.project.version,
                    "recommendation": getattr(report, "recommendation", ""),
                    "text": getattr(report, "text", ""),
                },
            )
        }

    def adjust_forms(self, data=None) -> dict[int, staffing_forms.AdjustForm]:
        return {
            row.line_id: staffing_forms.AdjustForm(
                data if carries(data, f"adjust-{row.line_id}-to_number") else None,
                prefix=f"adjust-{row.line_id}",
                initial={"expected": row.current},
            )
            for row in self.summary.rows
        }

    def get_context_data(self, **kwargs):
        adjusting = kwargs.pop("adjust_forms", None)
        context = super().get_context_data(**kwargs)
        if adjusting is None:
            adjusting = {
                line_id: quiet(form) if form.is_bound else form
                for line_id, form in self.adjust_forms(self.kept).items()
            }
        party = [
            path
            for perm in permissions.UNIT_PERMISSIONS
            for path in permissions.granted_unit_paths(self.request.user, perm)
        ]
        adjustments = staffing_adjustment_list(plan=self.project)
        context["adjust_rows"] = [
            {
                "row": row,
                "kind_label": kind_label,
                "status_label": status_label,
                "form": adjusting.get(row.line_id),
                "adjustments": adjustments.get(row.line_id, []),
                # Separation of duties: nobody adjusts a unit they act for.
                "may_adjust": not any(row.unit_path.startswith(p) for p in party),
            }
            for row, kind_label, status_label in context["rows"]
        ]
        return context

    def post(self, request, *args, **kwargs):
        if "_adjust" in request.POST:
            return self.adjust(request.POST["_adjust"])
        if "_save_report" in request.POST:
            return self.save_report()
        return super().post(request, *args, **kwargs)

    def adjust(self, line_id: str):
        """Change one number with its reason; a refusal (a stale number, a bad
        number, no reason) shows the page as typed with the error on that row."""
        prefix = f"adjust-{line_id}-"
        self.keep_page(drop=(prefix,))
        line = (
            StaffingProposalLine.objects.filter(
                pk=int(line_id) if line_id.isdigit() else 0,
                proposal__plan=self.project,
            )
            .select_related("proposal__unit")
            .first()
        )
        if line is None:
            raise Http404(_("No such number in this plan."))
        forms_ = {
            lid: quiet(form)
            for lid, form in self.adjust_forms(self.request.POST).items()
        }
        form = staffing_forms.AdjustForm(self.request.POST, prefix=prefix[:-1])
        forms_[line.pk] = form
        if form.is_valid():
            try:
                staffing_services.number_adjust(
                    line=line,
                    actor=self.request.user,
                    to_number=form.cleaned_data["to_number"],
                    reason=form.cleaned_data["reason"],
                    expected=form.cleaned_data["expected"],
                    ip=client_ip(self.request),
                )
            except ValidationError as exc:
                _place_errors(form, exc)
            else:
                messages.success(
                    self.request,
                    _("%(unit)s · %(kind)s: the number is now %(number)s.")
                    % {
                        "unit": line.proposal.unit.name,
                        "kind": line.get_post_kind_display(),
                        "number": form.cleaned_data["to_number"],
                    },
                )
                return HttpResponseRedirect(self.request.get_full_path())
        return self.render_to_response(
            self.get_context_data(adjust_forms=forms_, **self.bound_page())
        )

    def report_fields(self):
        """The report as the page holds it, or the form with its errors."""
        report_form = staffing_forms.PlanReportForm(self.request.POST)
        if not report_form.is_valid():
            return report_form, None
        fields = dict(report_form.cleaned_data)
        return report_form, fields

    def save_report(self):
        report_form, fields = self.report_fields()
        if fields is not None:
            version = fields.pop("version")
            try:
                dossier_services.report_save(
                    **self.staffing_kwargs("dossier"),
                    expected_version=version,
                    **fields,
                )
            except ValidationError as exc:
                self.keep_page()
                return self.refuse(exc, self.bound_page(report_form=report_form))
            self.forget_page()
            messages.info(self.request, _("The report is saved."))
            return HttpResponseRedirect(self.request.get_full_path())
        self.keep_page()
        return self.render_to_response(
            self.get_context_data(**self.bound_page(report_form=report_form))
        )

    def form_valid(self, form):
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
        fields = dict(self.report)
        version = fields.pop("version")
        dossier_services.report_save(
            **self.staffing_kwargs("dossier"), expected_version=version, **fields
        )
        dossier_services.report_complete(**self.service_kwargs(form))
        self.success_text = _("The report is with the division head for review.")


class PlanAssignAppraiserView(StaffingTaskView, views.AssignAppraiserView):
    """The division head confirms the appraiser who led the cycle since it was
    opened, or gives the appraisal to another one."""

    template_name = "plan_step.html"

    def get_initial(self):
        return {"appraiser": self.project.assigned_appraiser_id}

    def perform(self, form):
        if form.cleaned_data["appraiser"].pk == self.project.assigned_appraiser_id:
            # Nothing changes: the appraiser of the cycle goes on with it.
            self.success_text = _("The appraiser of the cycle goes on with it.")
            return
        super().perform(form)


class PlanReviewReportView(StaffingTaskView, views.ReviewReportView):
    template_name = "plan_step.html"


class PlanSignReportView(StaffingTaskView, views.SignReportView):
    template_name = "plan_step.html"


class PlanDecideView(StaffingTaskView):
    """The committee approves the plan (refused above a ceiling), returns it or
    rejects it; the allocation's numbered decision comes after the People's
    Council's resolution."""

    form_class = staffing_forms.PlanDecideForm
    template_name = "plan_step.html"

    def perform(self, form):
        outcome = form.cleaned_data["outcome"]
        dossier_services.dossier_decide(outcome=outcome, **self.service_kwargs(form))
        self.success_text = {
            "approved": _("The plan is approved."),
            "returned": _("The plan is returned to Home Affairs."),
            "rejected": _("The plan is rejected."),
        }[outcome]


class RecordResolutionView(StaffingTaskView):
    """The division head records the People's Council resolution."""

    form_class = staffing_forms.ResolutionForm
    template_name = "plan_step.html"
    success_text = gettext_lazy("The People's Council resolution is recorded.")

    def perform(self, form):
        staffing_services.resolution_record(
            number=form.cleaned_data["number"],
            date=form.cleaned_data["date"],
            **self.staffing_kwargs(),
        )


class AllocateView(StaffingTaskView):
    """The committee's allocation decision gives every unit its quotas."""

    form_class = staffing_forms.ConfirmForm
    template_name = "plan_step.html"

    def perform(self, form):
        decision = staffing_services.allocation_apply(**self.staffing_kwargs())
        self.success_text = _(
            "Decision %(number)s gives every unit its quota from %(date)s."
        ) % {
            "number": decision.number,
            "date": date_format(decision.effective_date, "d/m/Y"),
        }


# --- a unit's proposal -------------------------------------------------------------


class ProposalDraftView(StaffingTaskView):
    """The unit officer's numbers for each kind of post. "Save" keeps them in the
    proposal; "Hand to the unit head" saves them and completes the task."""

    form_class = staffing_forms.ConfirmForm
    template_name = "proposal_draft.html"
    dossier_keyword = "proposal"
    success_text = gettext_lazy("The proposal is with the unit head.")

    @cached_property
    def lines(self):
        return list(self.project.lines.order_by("post_kind"))

    def lines_form(self, data=None):
        return staffing_forms.ProposalLinesForm(
            data,
            lines=self.lines,
            initial=staffing_forms.ProposalLinesForm.initial_for(
                self.lines, self.project.version
            ),
        )

    def page_forms(self, data=None) -> dict:
        return {
            "lines_form": self.lines_form(data if carries(data, "version") else None)
        }

    def post(self, request, *args, **kwargs):
        if "_save_draft" in request.POST or "_complete" in request.POST:
            return self.save(complete="_complete" in request.POST)
        return super().post(request, *args, **kwargs)

    def save(self, *, complete: bool):
        lines_form = self.lines_form(self.request.POST)
        page = self.bound_page(lines_form=lines_form)
        if not lines_form.is_valid():
            self.keep_page()
            return self.render_to_response(self.get_context_data(**page))
        try:
            with step():
                staffing_services.proposal_save(
                    lines=lines_form.line_data(),
                    expected_version=lines_form.cleaned_data["version"],
                    **self.staffing_kwargs(),
                )
                if complete:
                    self.activation.execute()
        except ValidationError as exc:
            self.keep_page()
            return self.refuse(exc, page, target="lines_form")
        if complete:
            messages.success(self.request, str(self.success_text))
            return HttpResponseRedirect(self.dossier_url)
        self.forget_page()
        messages.info(self.request, _("The proposal is saved."))
        return HttpResponseRedirect(self.request.get_full_path())


class ProposalSubmitView(StaffingTaskView):
    """The unit head submits the proposal (a numbered revision is frozen) or
    sends it back to the officer with the reason."""

    form_class = forms.SubmitForm
    template_name = "proposal_submit.html"
    dossier_keyword = "proposal"
    success_text = gettext_lazy("The proposal is submitted to the Department.")

    def perform(self, form):
        if form.cleaned_data["action"] == form.SEND_BACK:
            staffing_services.proposal_send_back_to_officer(
                reason=form.cleaned_data["reason"], **self.staffing_kwargs()
            )
            self.success_text = _("The proposal is back with the unit officer.")
            return
        staffing_services.proposal_submit(
            comment=form.cleaned_data.get("comment", ""), **self.staffing_kwargs()
        )


class ProposalReviewView(StaffingTaskView):
    """An appraiser accepts the unit's proposal or asks the unit to revise it."""

    form_class = staffing_forms.ProposalReviewForm
    template_name = "proposal_review.html"
    dossier_keyword = "proposal"

    def perform(self, form):
        if form.cleaned_data["action"] == form.ACCEPT:
            staffing_services.proposal_accept(**self.staffing_kwargs())
            self.success_text = _("The proposal is accepted into the summary.")
            return
        staffing_services.proposal_request_revision(
            reason=form.cleaned_data["reason"], **self.staffing_kwargs()
        )
        self.success_text = _("The unit is asked to revise its proposal.")


# --- the dossier pages ---------------------------------------------------------------


class _ProcessDetailView(LoginRequiredMixin, generic.TemplateView):
    """A staffing dossier's page: its facts, its steps with what the person may
    do now, and its records; 404 outside the person's scope."""

    flow_class = None
    viewset = None
    scope = None

    @cached_property
    def process(self):
        try:
            return staffing_selectors.process_get(
                scope=self.scope, user=self.request.user, pk=self.kwargs["process_pk"]
            )
        except self.scope.process_class.DoesNotExist as exc:
            raise Http404(_("No such dossier.")) from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        dossier = self.process.dossier
        context.update(self.dossier_context(dossier))
        context.update(
            process=self.process,
            tasks=views.process_tasks(
                process=self.process, dossier=dossier, user=self.request.user
            ),
        )
        return context


class StaffingPlanDetailView(_ProcessDetailView):
    template_name = f"{TEMPLATE_DIR}/plan_process.html"
    scope = staffing_selectors.PLAN

    def dossier_context(self, plan) -> dict:
        context = plan_page_context(plan=plan)
        processes = staffing_selectors.proposal_processes_of_plan(
            plan=plan, user=self.request.user
        )
        for process in processes:
            process.proposal_status_label = proposal_status_label(
                process.proposal.status
            )
        context["proposal_processes"] = processes
        return context


class StaffingProposalDetailView(_ProcessDetailView):
    template_name = f"{TEMPLATE_DIR}/proposal_process.html"
    scope = staffing_selectors.PROPOSAL

    def dossier_context(self, proposal) -> dict:
        return proposal_page_context(proposal=proposal)
