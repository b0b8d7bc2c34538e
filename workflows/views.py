"""Pages of the job-position project flow.

A task page validates its form, calls one service of ``appraisal.services.projects``
(which checks the dossier's status and the person's right again), then
``activation.execute()`` and redirects — all in one transaction, so a refused service
call or a failed next step leaves nothing behind. Every task form can be saved as a
draft without completing the task, and its optional comment goes to the audit trail.
Lists and the dossier page read through the selectors, which apply each person's
scope.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.utils import viewprop
from viewflow.workflow import STATUS
from viewflow.workflow.flow import views as flow_views

from appraisal.models import (
    AppraisalReport,
    Attachment,
    ChecklistCriterion,
    JobPositionProject,
    Remark,
)
from appraisal.selectors import projects as project_selectors
from appraisal.selectors.deadlines import deadline_annotate, deadline_state
from appraisal.services import projects as project_services

from . import forms, listing, permissions, selectors
from .services import task_draft_save

TEMPLATE_DIR = "workflows/jobpositionproject"


def client_ip(request) -> str | None:
    """The address the request came from, for the audit trail (the reverse proxy
    sets REMOTE_ADDR; forwarded headers are not trusted)."""
    return request.META.get("REMOTE_ADDR") or None


def _errors(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


def dossier_context(*, project: JobPositionProject, user) -> dict:
    """What the dossier page and the task pages show of a project: a fixed number
    of queries whatever the number of lines, remarks, revisions or audit rows."""
    revisions = list(project_selectors.project_revisions(project=project))
    diff = None
    if len(revisions) >= 2:
        diff = project_selectors.project_diff(
            project=project,
            revision_a=revisions[-2].number,
            revision_b=revisions[-1].number,
        )
    report = (
        AppraisalReport.objects.filter(project=project)
        .select_related("signed_by", "author")
        .prefetch_related("answers__criterion", "lines__rank")
        .first()
    )
    return {
        "project": project,
        "lines": project_selectors.project_lines(project=project),
        "attachments": list(project_selectors.project_attachments(project=project)),
        "remarks": list(project_selectors.project_remarks(project=project)),
        "revisions": revisions,
        "diff": diff,
        "report": report,
        "decision": project_selectors.project_decision_latest(project=project),
        "audit": list(project_selectors.project_audit(project=project)),
        # A closed dossier has no running deadline any more.
        "deadline": None
        if project.is_final
        else deadline_state(due=project.due_on, paused_on=project.clock_paused_on),
    }


# --- start ----------------------------------------------------------------------


class ProjectStartView(LoginRequiredMixin, generic.FormView):
    """A unit officer opens a new draft for one of their units."""

    form_class = forms.ProjectStartForm
    template_name = f"{TEMPLATE_DIR}/start.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        # "Draft a project for this unit" on a unit's page fills the unit in; the
        # form's choices still limit it to the person's own units.
        initial = super().get_initial()
        unit = self.request.GET.get("unit", "")
        if unit.isdigit():
            initial["unit"] = int(unit)
        return initial

    def form_valid(self, form):
        activation = self.request.activation
        try:
            with transaction.atomic():
                project = project_services.project_create(
                    unit=form.cleaned_data["unit"],
                    kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"],
                    legal_basis=form.cleaned_data["legal_basis"],
                    justification=form.cleaned_data["justification"],
                    actor=self.request.user,
                )
                activation.process.artifact = project
                activation.execute()
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The draft “%(title)s” is open; add its lines and documents.")
            % {"title": project.title},
        )
        draft = (
            activation.process.task_set.filter(status=STATUS.ASSIGNED)
            .order_by("-pk")
            .first()
        )
        if draft is not None and draft.owner_id == self.request.user.pk:
            return redirect(
                draft.flow_task.reverse("execute", args=[draft.process_id, draft.pk])
            )
        return redirect(
            activation.flow_class.instance.reverse(
                "process_detail", args=[activation.process.pk]
            )
        )


# --- tasks ----------------------------------------------------------------------


class TaskView(generic.FormView):
    """Base of the task pages (see the module docstring)."""

    #: The message shown once the task is completed.
    success_text = gettext_lazy("Done.")

    @cached_property
    def activation(self):
        return self.request.activation

    @cached_property
    def project(self) -> JobPositionProject:
        return self.activation.process.project

    def get_template_names(self):
        return [f"{TEMPLATE_DIR}/{self.activation.flow_task.name}.html"]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        draft = (self.activation.task.data or {}).get("draft")
        if draft and self.request.method != "POST":
            kwargs["initial"] = {**kwargs.get("initial", {}), **draft}
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(dossier_context(project=self.project, user=self.request.user))
        context.update(
            process=self.activation.process,
            task=self.activation.task,
            flow_task=self.activation.flow_task,
            dossier_url=self.dossier_url,
            draft_saved_at=(self.activation.task.data or {}).get("draft_saved_at"),
        )
        return context

    @property
    def dossier_url(self) -> str:
        return self.activation.flow_class.instance.reverse(
            "process_detail", args=[self.activation.process.pk]
        )

    def post(self, request, *args, **kwargs):
        if "_save_draft" in request.POST:
            return self.save_draft()
        return super().post(request, *args, **kwargs)

    def save_draft(self):
        """Keep the typed values on the task; the task stays open."""
        task_draft_save(
            task=self.activation.task, actor=self.request.user, data=self.request.POST
        )
        messages.info(
            self.request,
            _("Draft saved. The task stays in your inbox until you complete it."),
        )
        return HttpResponseRedirect(self.request.get_full_path())

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.perform(form)
                self.activation.execute()
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, str(self.success_text))
        return HttpResponseRedirect(self.get_success_url())

    def perform(self, form) -> None:
        """Call the one service this task stands for."""
        raise NotImplementedError

    def get_success_url(self):
        return self.dossier_url

    def service_kwargs(self, form) -> dict:
        return {
            "project": self.project,
            "actor": self.request.user,
            "comment": form.cleaned_data.get("comment", ""),
            "ip": client_ip(self.request),
        }


class ProjectDraftView(TaskView):
    """The unit officer's table of lines, documents and text (drafting and
    revising). "Save" keeps the work in the draft dossier itself; "Hand over"
    completes the task and sends the dossier to the unit head."""

    form_class = forms.CommentForm
    success_text = gettext_lazy("The dossier is with the unit head for signature.")

    def get_template_names(self):
        return [f"{TEMPLATE_DIR}/draft.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("fields_form", self.fields_form())
        context.setdefault("line_formset", self.line_formset())
        context.setdefault("import_form", forms.LinesImportForm())
        context.setdefault("attachment_form", forms.AttachmentForm())
        context["open_remarks"] = [r for r in context["remarks"] if not r.resolved]
        return context

    def fields_form(self, data=None):
        project = self.project
        return forms.ProjectFieldsForm(
            data,
            initial={
                "version": project.version,
                "title": project.title,
                "legal_basis": project.legal_basis,
                "justification": project.justification,
            },
        )

    def line_formset(self, data=None):
        initial = None
        if data is None:
            initial = [
                forms.line_initial(line)
                for line in project_selectors.project_lines(project=self.project)
            ]
        return forms.ProjectLineFormSet(
            data, initial=initial, unit=self.project.unit, prefix="lines"
        )

    def post(self, request, *args, **kwargs):
        if "_import" in request.POST:
            return self.import_lines()
        if "_attach" in request.POST:
            return self.attach()
        if "_save_draft" in request.POST or "_complete" in request.POST:
            return self.save(complete="_complete" in request.POST)
        return super().post(request, *args, **kwargs)

    def save(self, *, complete: bool):
        fields_form = self.fields_form(self.request.POST)
        line_formset = self.line_formset(self.request.POST)
        comment_form = forms.CommentForm(self.request.POST)
        if not (
            fields_form.is_valid()
            and line_formset.is_valid()
            and comment_form.is_valid()
        ):
            return self.render_to_response(
                self.get_context_data(
                    form=comment_form,
                    fields_form=fields_form,
                    line_formset=line_formset,
                )
            )
        try:
            with transaction.atomic():
                fields = dict(fields_form.cleaned_data)
                version = fields.pop("version")
                ip = client_ip(self.request)
                project_services.project_update(
                    project=self.project,
                    actor=self.request.user,
                    expected_version=version,
                    ip=ip,
                    **fields,
                )
                project_services.project_lines_save(
                    project=self.project,
                    actor=self.request.user,
                    lines=line_formset.line_data(),
                    ip=ip,
                )
                if complete:
                    self.hand_over(comment_form.cleaned_data["comment"])
                    self.activation.execute()
        except ValidationError as exc:
            for message in _errors(exc):
                comment_form.add_error(None, message)
            return self.render_to_response(
                self.get_context_data(
                    form=comment_form,
                    fields_form=fields_form,
                    line_formset=line_formset,
                )
            )
        if complete:
            messages.success(self.request, str(self.success_text))
            return HttpResponseRedirect(self.dossier_url)
        messages.info(self.request, _("The draft is saved."))
        return HttpResponseRedirect(self.request.get_full_path())

    def hand_over(self, comment: str) -> None:
        project_services.project_handover(
            project=self.project,
            actor=self.request.user,
            comment=comment,
            ip=client_ip(self.request),
        )

    def import_lines(self):
        import_form = forms.LinesImportForm(self.request.POST, self.request.FILES)
        if import_form.is_valid():
            try:
                project_services.project_lines_import(
                    project=self.project,
                    actor=self.request.user,
                    file=import_form.cleaned_data["file"],
                    ip=client_ip(self.request),
                )
            except ValidationError as exc:
                for message in _errors(exc):
                    import_form.add_error("file", message)
            else:
                messages.success(self.request, _("The lines were imported."))
                return HttpResponseRedirect(self.request.get_full_path())
        return self.render_to_response(self.get_context_data(import_form=import_form))

    def attach(self):
        attachment_form = forms.AttachmentForm(self.request.POST, self.request.FILES)
        if attachment_form.is_valid():
            try:
                project_services.attachment_add(
                    project=self.project,
                    actor=self.request.user,
                    kind=attachment_form.cleaned_data["kind"],
                    file=attachment_form.cleaned_data["file"],
                    ip=client_ip(self.request),
                )
            except ValidationError as exc:
                for message in _errors(exc):
                    attachment_form.add_error("file", message)
            else:
                messages.success(self.request, _("The document was attached."))
                return HttpResponseRedirect(self.request.get_full_path())
        return self.render_to_response(
            self.get_context_data(attachment_form=attachment_form)
        )


class ProjectSubmitView(TaskView):
    """The unit head signs and submits the dossier — the first time, with a
    supplement the desk asked for, or with a revision the appraiser asked for.
    Documents can still be attached here while the dossier is with the unit."""

    form_class = forms.CommentForm
    success_text = gettext_lazy("The dossier is submitted to the Department.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("attachment_form", forms.AttachmentForm())
        return context

    def post(self, request, *args, **kwargs):
        if "_attach" in request.POST:
            return ProjectDraftView.attach(self)
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        project_services.project_submit(**self.service_kwargs(form))


class ProjectReceiveView(TaskView):
    """The one-stop desk: accept (receipt number, due date), ask for a supplement
    (the clock stops) or refuse with the reason."""

    form_class = forms.ReceiveForm

    def perform(self, form):
        decision = form.cleaned_data["decision"]
        kwargs = self.service_kwargs(form)
        if decision == form.ACCEPT:
            project_services.project_accept(**kwargs)
            self.success_text = _("The dossier is received.")
            return
        kwargs.pop("comment")
        reason = form.cleaned_data["reason"]
        if form.cleaned_data.get("comment"):
            reason = f"{reason}\n\n{form.cleaned_data['comment']}"
        if decision == form.SUPPLEMENT:
            project_services.project_request_supplement(reason=reason, **kwargs)
            self.success_text = _("The unit is asked for a supplement.")
        else:
            project_services.project_refuse(reason=reason, **kwargs)
            self.success_text = _("The dossier is refused.")


class ProjectAssignAppraiserView(TaskView):
    form_class = forms.AssignAppraiserForm
    success_text = gettext_lazy("The appraiser is assigned.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "project": self.project}

    def perform(self, form):
        project_services.project_assign_appraiser(
            appraiser=form.cleaned_data["appraiser"], **self.service_kwargs(form)
        )


class ProjectAppraiseView(TaskView):
    """The appraiser's desk: the computed checklist, what changed since the last
    revision, remarks per line, the report draft; then either the revision request
    or the completed report."""

    form_class = forms.AppraiseForm

    def get_context_data(self, **kwargs):
        from appraisal.services.checklist import checklist_compute

        context = super().get_context_data(**kwargs)
        context["checks"] = checklist_compute(project=self.project)
        context.setdefault("remark_form", forms.RemarkForm(project=self.project))
        context.setdefault(
            "report_form",
            forms.ReportForm(
                initial=forms.report_initial(context["report"], self.project.version),
                criteria=self.criteria,
            ),
        )
        context.setdefault(
            "proposed_formset", self.proposed_formset(report=context["report"])
        )
        return context

    def proposed_formset(self, data=None, report=None):
        initial = None
        if data is None:
            lines = list(report.lines.all()) if report is not None else []
            if not lines:
                lines = project_selectors.project_lines(project=self.project)
            initial = [forms.line_initial(line) for line in lines]
        return forms.ProjectLineFormSet(
            data, initial=initial, unit=self.project.unit, prefix="proposed"
        )

    @cached_property
    def criteria(self) -> list[ChecklistCriterion]:
        return list(ChecklistCriterion.objects.filter(active=True))

    def post(self, request, *args, **kwargs):
        if "_remark" in request.POST:
            return self.add_remark()
        if "_resolve" in request.POST:
            return self.resolve_remark()
        if "_save_report" in request.POST:
            return self.save_report()
        return super().post(request, *args, **kwargs)

    def add_remark(self):
        remark_form = forms.RemarkForm(self.request.POST, project=self.project)
        if remark_form.is_valid():
            try:
                project_services.remark_add(
                    project=self.project,
                    actor=self.request.user,
                    text=remark_form.cleaned_data["text"],
                    line=remark_form.cleaned_data["line"],
                    ip=client_ip(self.request),
                )
            except ValidationError as exc:
                for message in _errors(exc):
                    remark_form.add_error(None, message)
            else:
                messages.success(self.request, _("The remark is recorded."))
                return HttpResponseRedirect(self.request.get_full_path())
        return self.render_to_response(self.get_context_data(remark_form=remark_form))

    def resolve_remark(self):
        """The unit answered a remark: the appraiser marks it resolved."""
        remark = Remark.objects.filter(
            pk=self.request.POST.get("_resolve") or 0, project=self.project
        ).first()
        if remark is None:
            raise Http404(_("No such remark."))
        try:
            project_services.remark_resolve(
                remark=remark, actor=self.request.user, ip=client_ip(self.request)
            )
        except ValidationError as exc:
            for message in _errors(exc):
                messages.warning(self.request, message)
        else:
            messages.success(self.request, _("The remark is marked as resolved."))
        return HttpResponseRedirect(self.request.get_full_path())

    def save_report(self):
        """Save the report draft; the proposed lines count only for "approve with
        changes" (any other recommendation clears them)."""
        report_form = forms.ReportForm(self.request.POST, criteria=self.criteria)
        proposed = self.proposed_formset(self.request.POST)
        if report_form.is_valid() and proposed.is_valid():
            fields = report_form.report_fields()
            with_changes = fields["recommendation"] == (
                AppraisalReport.Recommendation.APPROVE_WITH_CHANGES
            )
            fields["proposed_lines"] = proposed.line_data() if with_changes else []
            try:
                project_services.report_save(
                    project=self.project,
                    actor=self.request.user,
                    expected_version=report_form.cleaned_data["version"],
                    ip=client_ip(self.request),
                    **fields,
                )
            except ValidationError as exc:
                for message in _errors(exc):
                    report_form.add_error(None, message)
            else:
                messages.info(self.request, _("The report draft is saved."))
                return HttpResponseRedirect(self.request.get_full_path())
        return self.render_to_response(
            self.get_context_data(report_form=report_form, proposed_formset=proposed)
        )

    def perform(self, form):
        kwargs = self.service_kwargs(form)
        if form.cleaned_data["action"] == form.REQUEST_REVISION:
            project_services.project_request_revision(**kwargs)
            self.success_text = _("The dossier is back with the unit for revision.")
        else:
            project_services.report_complete(**kwargs)
            self.success_text = _("The report is with the director.")


class ProjectSignReportView(TaskView):
    form_class = forms.SignReportForm

    def perform(self, form):
        kwargs = self.service_kwargs(form)
        if form.cleaned_data["action"] == form.SIGN:
            project_services.report_sign(**kwargs)
            self.success_text = _("The report is signed and sent to the committee.")
        else:
            project_services.report_send_back(**kwargs)
            self.success_text = _("The report is back with the appraiser.")


class ProjectDecideView(TaskView):
    form_class = forms.DecideForm

    def perform(self, form):
        decision = project_services.project_decide(
            outcome=form.cleaned_data["outcome"],
            effective_date=form.cleaned_data["effective_date"],
            **self.service_kwargs(form),
        )
        if decision.number:
            self.success_text = _("Decision %(number)s is recorded.") % {
                "number": decision.number
            }
        else:
            self.success_text = _("The decision is recorded.")


# --- the dossier page, files and lists -------------------------------------------


class ProjectDetailView(LoginRequiredMixin, generic.TemplateView):
    """The dossier: its lines, documents, revisions with what changed, remarks, the
    checklist, the report, the decision, the tasks with their due dates and the
    audit trail. A dossier outside the person's scope answers 404."""

    template_name = f"{TEMPLATE_DIR}/dossier.html"
    flow_class = None
    viewset = None

    @cached_property
    def process(self):
        try:
            return selectors.process_get(
                user=self.request.user, pk=self.kwargs["process_pk"]
            )
        except selectors.JobPositionProjectProcess.DoesNotExist as exc:
            raise Http404(_("No such dossier.")) from exc

    def get_context_data(self, **kwargs):
        process = self.process
        project = process.project
        user = self.request.user
        tasks = list(selectors.task_list_for_process(process=process))
        for task in tasks:
            task.can_assign_now = (
                task.status == STATUS.NEW
                and task.flow_task_type == "HUMAN"
                and permissions.may_take(user, task.flow_task.name, project)
            )
            task.can_execute_now = (
                task.status == STATUS.ASSIGNED
                and task.owner_id == user.pk
                and permissions.may_take(user, task.flow_task.name, project)
            )
        context = super().get_context_data(**kwargs)
        context.update(dossier_context(project=project, user=user))
        context.update(process=process, tasks=tasks, flow_class=self.flow_class)
        if project.current_revision and not permissions.acts_for_unit(
            user, project.unit
        ):
            from appraisal.services.checklist import checklist_compute

            context["checks"] = checklist_compute(project=project)
        return context


class AttachmentDownloadView(LoginRequiredMixin, generic.View):
    """A document of a dossier, streamed to people who may see that dossier only
    (404 for anyone else), as an attachment under its original name."""

    flow_class = None
    viewset = None

    def get(self, request, process_pk: int, attachment_pk: int):
        try:
            process = selectors.process_get(user=request.user, pk=process_pk)
            attachment = project_selectors.attachment_get(
                user=request.user, pk=attachment_pk
            )
        except (
            selectors.JobPositionProjectProcess.DoesNotExist,
            Attachment.DoesNotExist,
        ) as exc:
            raise Http404(_("No such document.")) from exc
        if attachment.project_id != process.artifact_object_id:
            raise Http404(_("No such document."))
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type or "application/octet-stream",
        )
        # RFC 6266/5987: an ASCII fallback and the exact UTF-8 name, both quoted so
        # quotes, semicolons or line breaks in the name cannot break the header.
        fallback = (
            attachment.original_name.encode("ascii", "ignore").decode() or "document"
        )
        fallback = "".join(c for c in fallback if c.isprintable() and c not in '"\\')
        response["Content-Disposition"] = (
            "attachment; filename=\"{}\"; filename*=UTF-8''{}".format(
                fallback, quote(attachment.original_name, safe="")
            )
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class _ProjectListColumns(listing.FilteredListMixin):
    """Columns shared by the task lists: the dossier, its unit, the step, the due
    date with its state; the search box, filters and Excel export of every list."""

    def filter_rows(self, queryset, user, filters):
        return selectors.task_list_filter(queryset=queryset, user=user, filters=filters)

    def row_project(self, task):
        return task.process.coerced.project

    def export_columns(self):
        return _task_export_columns(finished="finished" in self.columns)

    def task_link(self, task):
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        return _link(url, task.title)

    task_link.short_description = gettext_lazy("Task")

    def dossier(self, task):
        project = task.process.coerced.project
        url = task.flow_task.flow_class.instance.reverse(
            "process_detail", args=[task.process_id]
        )
        return _link(url, project.title)

    dossier.short_description = gettext_lazy("Dossier")

    def unit(self, task):
        return task.process.coerced.project.unit

    unit.short_description = gettext_lazy("Unit")

    def due(self, task):
        project = task.process.coerced.project
        return _due_cell(project)

    due.short_description = gettext_lazy("Due")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj") or context.get("object_list") or []
        deadline_annotate(rows=[task.process.coerced.project for task in page])
        return context


def _deadline_label(project) -> str:
    if project.is_final:
        return ""
    state = getattr(project, "deadline_state", None)
    return str(state.label) if state else ""


def _task_export_columns(*, finished: bool) -> list[listing.ExportColumn]:
    def project(task):
        return task.process.coerced.project

    columns = [
        listing.ExportColumn(gettext_lazy("Task"), lambda task: task.title),
        listing.ExportColumn(gettext_lazy("Dossier"), lambda t: project(t).title),
        listing.ExportColumn(
            gettext_lazy("Receipt number"), lambda t: project(t).receipt_number
        ),
        listing.ExportColumn(gettext_lazy("Unit"), lambda t: project(t).unit.name),
        listing.ExportColumn(
            gettext_lazy("Status"), lambda t: project(t).get_status_display()
        ),
        listing.ExportColumn(gettext_lazy("Due date"), lambda t: project(t).due_on),
        listing.ExportColumn(
            gettext_lazy("Deadline"), lambda t: _deadline_label(project(t))
        ),
    ]
    if finished:
        columns.append(
            listing.ExportColumn(gettext_lazy("Finished"), lambda t: t.finished)
        )
    else:
        columns.append(
            listing.ExportColumn(gettext_lazy("Created"), lambda t: t.created)
        )
    return columns


def _link(url: str, text) -> str:
    from django.utils.html import format_html

    return format_html('<a href="{}">{}</a>', url, text)


def _due_cell(project) -> str:
    from django.utils.formats import date_format
    from django.utils.html import format_html

    if project.is_final:
        return date_format(project.due_on, "d/m/Y") if project.due_on else ""
    state = getattr(project, "deadline_state", None) or deadline_state(
        due=project.due_on, paused_on=project.clock_paused_on
    )
    if project.due_on is None:
        return format_html(
            '<span class="pf-deadline pf-deadline--{}">{}</span>', state, state.label
        )
    return format_html(
        '<span class="pf-deadline pf-deadline--{}">{} · {}</span>',
        state,
        date_format(project.due_on, "d/m/Y"),
        state.label,
    )


class ProjectInboxView(_ProjectListColumns, flow_views.FlowInboxListView):
    columns = ("task_link", "dossier", "unit", "due", "created")
    filterset_class = None
    export_filename = "inbox.xlsx"
    export_sheet_title = gettext_lazy("Inbox")

    @viewprop
    def queryset(self):
        return selectors.task_list_inbox(user=self.request.user)


class ProjectQueueView(_ProjectListColumns, flow_views.FlowQueueListView):
    columns = ("task_link", "dossier", "unit", "due", "created")
    filterset_class = None
    export_filename = "queue.xlsx"
    export_sheet_title = gettext_lazy("Queue")

    @viewprop
    def queryset(self):
        return selectors.task_list_queue(user=self.request.user)


class ProjectArchiveView(_ProjectListColumns, flow_views.FlowArchiveListView):
    columns = ("task_link", "dossier", "unit", "finished")
    filterset_class = None
    export_filename = "archive.xlsx"
    export_sheet_title = gettext_lazy("Archive")

    @viewprop
    def queryset(self):
        return selectors.task_list_archive(user=self.request.user)


class ProjectTaskListView(_ProjectListColumns, flow_views.DashboardTaskListView):
    columns = ("task_link", "dossier", "unit", "owner", "status", "created")
    filterset_class = None
    export_filename = "tasks.xlsx"
    export_sheet_title = gettext_lazy("Tasks")

    @viewprop
    def queryset(self):
        return selectors.task_list_all_for_user(user=self.request.user)


class ProjectProcessListView(
    listing.FilteredListMixin, flow_views.DashboardProcessListView
):
    """The dossiers the person may see, with status and due date."""

    columns = ("dossier", "unit", "status_label", "receipt", "due", "created")
    filterset_class = None
    title = gettext_lazy("Job-position projects")
    export_filename = "dossiers.xlsx"
    export_sheet_title = gettext_lazy("Dossiers")

    def get_queryset(self):
        return self.filter_rows(
            selectors.process_list_for_user(user=self.request.user),
            self.request.user,
            self.filter_form.filters(),
        )

    def filter_rows(self, queryset, user, filters):
        return selectors.process_list_filter(
            queryset=queryset, user=user, filters=filters
        )

    def row_project(self, process):
        return process.project

    def export_columns(self):
        columns = listing.ExportColumn
        return [
            columns(gettext_lazy("Dossier"), lambda p: p.project.title),
            columns(
                gettext_lazy("Kind of dossier"), lambda p: p.project.get_kind_display()
            ),
            columns(gettext_lazy("Unit"), lambda p: p.project.unit.name),
            columns(gettext_lazy("Status"), lambda p: p.project.get_status_display()),
            columns(gettext_lazy("Receipt number"), lambda p: p.project.receipt_number),
            columns(gettext_lazy("Due date"), lambda p: p.project.due_on),
            columns(gettext_lazy("Deadline"), lambda p: _deadline_label(p.project)),
            columns(gettext_lazy("Created"), lambda p: p.created),
        ]

    @viewprop
    def queryset(self):
        return selectors.process_list_for_user(user=self.request.user)

    def dossier(self, process):
        url = self.flow_class.instance.reverse("process_detail", args=[process.pk])
        return _link(url, process.project.title)

    dossier.short_description = gettext_lazy("Dossier")

    def unit(self, process):
        return process.project.unit

    unit.short_description = gettext_lazy("Unit")

    def status_label(self, process):
        return process.project.get_status_display()

    status_label.short_description = gettext_lazy("Status")

    def receipt(self, process):
        return process.project.receipt_number

    receipt.short_description = gettext_lazy("Receipt number")

    def due(self, process):
        return _due_cell(process.project)

    due.short_description = gettext_lazy("Due")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj") or context.get("object_list") or []
        deadline_annotate(rows=[process.project for process in page])
        return context
