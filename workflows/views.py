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
from django.forms import BaseFormSet
from django.forms.utils import ErrorDict
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.utils import viewprop
from viewflow.workflow import STATUS
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.flow.views import actions as task_actions

from appraisal.models import (
    AppraisalReport,
    Attachment,
    ChecklistCriterion,
    Dossier,
    JobPositionProject,
    Remark,
)
from appraisal.selectors import documents as document_selectors
from appraisal.selectors import projects as project_selectors
from appraisal.selectors.deadlines import deadline_annotate, deadline_state
from appraisal.services import attachments as attachment_services
from appraisal.services import dossiers as dossier_services
from appraisal.services import projects as project_services
from appraisal.services.attachments import attachment_add
from appraisal.services.imports import lines_template
from orgchart.spreadsheets import XLSX_CONTENT_TYPE, template_filename
from orgchart.transactions import step

from . import forms, listing, permissions, selectors
from .client_address import client_address
from .import_pages import import_done_redirect, import_from_page
from .pagination import Counted, counting_reach
from .services import task_draft_clear, task_draft_save

TEMPLATE_DIR = "workflows/jobpositionproject"


def client_ip(request) -> str | None:
    """The address the request came from, for the audit trail
    (``workflows.client_address``: ``X-Forwarded-For`` only from a trusted
    proxy)."""
    return client_address(request)


def _errors(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


def dossier_context(*, dossier: JobPositionProject, user) -> dict:
    """What the dossier page and the task pages show of a project: a fixed number
    of queries whatever the number of lines, remarks, revisions or audit rows."""
    project = dossier
    revisions = list(project_selectors.project_revisions(project=project))
    diff = None
    if len(revisions) >= 2:
        diff = project_selectors.project_diff(
            project=project,
            revision_a=revisions[-2].number,
            revision_b=revisions[-1].number,
        )
    report = (
        AppraisalReport.objects.filter(dossier=project)
        .select_related("signed_by", "author")
        .prefetch_related("answers__criterion", "lines__rank")
        .first()
    )
    return {
        "project": project,
        "lines": project_selectors.project_lines(project=project),
        "attachments": list(project_selectors.project_attachments(project=project)),
        "documents": document_selectors.dossier_documents(dossier=project),
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
            with step():
                project = project_services.project_create(
                    unit=form.cleaned_data["unit"],
                    kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"],
                    legal_basis=form.cleaned_data["legal_basis"],
                    justification=form.cleaned_data["justification"],
                    actor=self.request.user,
                    ip=client_ip(self.request),
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
        return started_redirect(activation, self.request.user)


def started_redirect(activation, user):
    """Where a person who has just started a dossier goes: on to its first task
    when the start gave it to them (the start's activation keeps the tasks it
    created: no lookup), otherwise to the dossier."""
    task = next(
        (
            task
            for task in activation.created_tasks
            if task.status == STATUS.ASSIGNED and task.owner_id == user.pk
        ),
        None,
    )
    if task is not None:
        return redirect(
            task.flow_task.reverse("execute", args=[task.process_id, task.pk])
        )
    return redirect(
        activation.flow_class.instance.reverse(
            "process_detail", args=[activation.process.pk]
        )
    )


# --- tasks ----------------------------------------------------------------------


class _TaskNamedMessageMixin:
    """viewflow's take/release messages name the task by its database id ("task
    #75"), which means nothing to a person: name the step and the dossier."""

    task_message = ""

    def get_success_message(self, cleaned_data):
        task = self.request.activation.task
        return format_html(
            str(self.task_message),
            task=task.flow_task.task_title,
            dossier=self.request.activation.process.coerced.project.title,
        )


class ProjectTaskAssignView(_TaskNamedMessageMixin, task_actions.AssignTaskView):
    task_message = gettext_lazy("You have taken the task “{task}” of “{dossier}”.")


class ProjectTaskUnassignView(_TaskNamedMessageMixin, task_actions.UnassignTaskView):
    task_message = gettext_lazy(
        "The task “{task}” of “{dossier}” is back in the queue."
    )


def quiet(form):
    """``form`` (or a formset) bound to what was typed but not validated: it shows
    the values as typed without "this field is required" on the fields the action
    did not concern."""
    if isinstance(form, BaseFormSet):
        form._errors = []
        form._non_form_errors = form.error_class()
        for each in form.forms:
            quiet(each)
        return form
    form._errors = ErrorDict()
    form.cleaned_data = {}
    return form


def carries(data, *names: str) -> bool:
    """Whether submitted ``data`` holds a part of the page (a form's fields)."""
    return data is not None and all(name in data for name in names)


class TaskView(generic.FormView):
    """Base of the task pages (see the module docstring).

    Forms never lose what a person typed:

    - every button of a task page posts the whole page (one ``<form>``); the task
      form is ``form`` and the page's other parts are named forms given by
      :meth:`page_forms` (the report, the lines, a remark, an upload…);
    - before an action other than completing, the page keeps what it holds on the
      task (:meth:`keep_page`, a task draft: no audit row, no change to the
      dossier), so a reload or the page after the action shows it again;
    - a refused action re-renders every part as typed, the service's errors
      beside the fields they concern (:meth:`refuse`).
    """

    #: The message shown once the task is completed.
    success_text = gettext_lazy("Done.")
    #: Service error keys shown on another field name of the page's forms.
    error_fields: dict[str, str] = {}

    @cached_property
    def activation(self):
        return self.request.activation

    @cached_property
    def dossier(self) -> Dossier:
        """The dossier the task's process routes, as its own kind."""
        return self.activation.process.dossier

    @property
    def project(self) -> JobPositionProject:
        """The dossier, in the job-position project's own task views."""
        return self.dossier

    def get_template_names(self):
        """The kind's own page of the task, else the page every kind shares."""
        name = self.activation.flow_task.name
        kind = type(self.dossier)._meta.model_name
        return [f"workflows/{kind}/{name}.html", f"workflows/dossier/{name}.html"]

    # --- what the page holds -----------------------------------------------------

    @cached_property
    def kept(self) -> QueryDict | None:
        """What the page held when it was last kept on the task, as submitted data
        (the dossier's current version, so an action taken meanwhile by the same
        person does not make the kept values stale)."""
        draft = (self.activation.task.data or {}).get("draft")
        if not draft:
            return None
        data = QueryDict(mutable=True)
        for key, value in draft.items():
            data.setlist(key, value if isinstance(value, list) else [value])
        if "version" in data:
            data["version"] = str(self.project.version)
        return data

    def page_forms(self, data=None) -> dict:
        """The page's parts other than the task form, bound to ``data`` when given
        (``None``: built from the dossier)."""
        return {}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.kept and self.request.method != "POST":
            kwargs["initial"] = {
                **kwargs.get("initial", {}),
                **(self.activation.task.data or {}).get("draft", {}),
            }
        return kwargs

    def get_context_data(self, **kwargs):
        parts = self.page_forms(self.kept)
        for name, part in parts.items():
            if name not in kwargs:
                kwargs[name] = quiet(part) if part.is_bound else part
        context = super().get_context_data(**kwargs)
        context.update(self.dossier_context())
        context.update(
            process=self.activation.process,
            task=self.activation.task,
            flow_task=self.activation.flow_task,
            dossier_url=self.dossier_url,
            draft_saved_at=(self.activation.task.data or {}).get("draft_saved_at"),
            return_reason=project_selectors.project_return_reason(
                audit=context["audit"]
            ),
        )
        return context

    def dossier_context(self) -> dict:
        """What the page shows of its dossier (its kind's records; ``audit``, the
        history oldest first, always)."""
        return dossier_context(dossier=self.dossier, user=self.request.user)

    @property
    def dossier_url(self) -> str:
        return self.activation.flow_class.instance.reverse(
            "process_detail", args=[self.activation.process.pk]
        )

    def keep_page(self, *, drop=()) -> None:
        """Keep what the page holds on the task before acting (``drop``: fields
        the action consumes, or prefixes ending in "-" of whole parts)."""
        data = self.request.POST.copy()
        for key in list(data):
            if key in drop or any(
                key.startswith(prefix) for prefix in drop if prefix.endswith("-")
            ):
                del data[key]
        try:
            task_draft_save(
                task=self.activation.task, actor=self.request.user, data=data
            )
        except ValidationError:
            pass  # not this person's open task: the action itself will refuse

    def forget_page(self) -> None:
        """The dossier now holds what the page held: drop the kept copy."""
        task_draft_clear(task=self.activation.task, actor=self.request.user)

    def bound_page(self, **validated) -> dict:
        """Every part of the page bound to the POST; parts not in ``validated``
        show their values without errors."""
        forms_ = {
            name: quiet(form)
            for name, form in self.page_forms(self.request.POST).items()
        }
        forms_.update(validated)
        if "form" not in forms_:
            forms_["form"] = quiet(self.get_form_class()(**self._form_kwargs_post()))
        return forms_

    def _form_kwargs_post(self) -> dict:
        kwargs = self.get_form_kwargs()
        kwargs["data"] = self.request.POST
        kwargs["files"] = self.request.FILES
        return kwargs

    def refuse(self, exc: ValidationError, forms_: dict, *, target: str = "form"):
        """Re-render the page as typed with ``exc``'s errors: each keyed error on
        the field of that name in whichever part has it, the rest on ``target``."""
        placed = forms_.get(target) or forms_["form"]
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                field = self.error_fields.get(key, key)
                owner = next(
                    (
                        form
                        for form in forms_.values()
                        if not isinstance(form, BaseFormSet)
                        and field in getattr(form, "fields", {})
                    ),
                    None,
                )
                for error in errors:
                    self.place_error(owner, field, error, placed)
        else:
            for message in _errors(exc):
                placed.add_error(None, message)
        return self.render_to_response(self.get_context_data(**forms_))

    def place_error(self, owner, field: str, error: ValidationError, fallback):
        if owner is None:
            fallback.add_error(None, error)
        else:
            owner.add_error(field, error)

    # --- actions -----------------------------------------------------------------

    def post(self, request, *args, **kwargs):
        if "_save_draft" in request.POST:
            return self.save_draft()
        return super().post(request, *args, **kwargs)

    def save_draft(self):
        """Keep the typed values on the task; the task stays open."""
        self.keep_page()
        messages.info(
            self.request,
            _("Draft saved. The task stays in your inbox until you complete it."),
        )
        return HttpResponseRedirect(self.request.get_full_path())

    def form_invalid(self, form):
        self.keep_page()
        return self.render_to_response(
            self.get_context_data(**self.bound_page(form=form))
        )

    def form_valid(self, form):
        try:
            with step():
                self.perform(form)
                self.activation.execute()
        except ValidationError as exc:
            self.keep_page()
            return self.refuse(exc, self.bound_page(form=form))
        messages.success(self.request, str(self.success_text))
        return HttpResponseRedirect(self.get_success_url())

    def perform(self, form) -> None:
        """Call the one service this task stands for."""
        raise NotImplementedError

    def get_success_url(self):
        return self.dossier_url

    def service_kwargs(self, form) -> dict:
        return {
            "dossier": self.dossier,
            "actor": self.request.user,
            "comment": form.cleaned_data.get("comment", ""),
            "ip": client_ip(self.request),
        }


class AttachMixin:
    """A document attached from a task page of the unit; the rest of the page is
    kept first, so nothing typed is lost by attaching."""

    def attach(self):
        self.keep_page(drop=("kind", "file"))
        attachment_form = forms.AttachmentForm(self.request.POST, self.request.FILES)
        if attachment_form.is_valid():
            try:
                with step():
                    attachment_add(
                        dossier=self.project,
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
            self.get_context_data(**self.bound_page(attachment_form=attachment_form))
        )


class ProjectDraftView(AttachMixin, TaskView):
    """The unit officer's table of lines, documents and text (drafting and
    revising). "Save" keeps the work in the draft dossier itself; "Hand over"
    completes the task and sends the dossier to the unit head."""

    form_class = forms.CommentForm
    success_text = gettext_lazy("The dossier is with the unit head for signature.")

    def get_template_names(self):
        return [f"{TEMPLATE_DIR}/draft.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["open_remarks"] = [r for r in context["remarks"] if not r.resolved]
        return context

    def page_forms(self, data=None) -> dict:
        parts = {
            "fields_form": self.fields_form(
                data if carries(data, "version", "title") else None
            ),
            "line_formset": self.line_formset(
                data if carries(data, "lines-TOTAL_FORMS") else None
            ),
            "import_form": forms.LinesImportForm(),
            "attachment_form": forms.AttachmentForm(),
        }
        return parts

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
        """Save the page in the dossier ("Save", one audit row), or hand it over
        with what it holds ("Hand over", one audit row); a refusal writes nothing
        and shows the page as typed."""
        fields_form = self.fields_form(self.request.POST)
        line_formset = self.line_formset(self.request.POST)
        comment_form = forms.CommentForm(self.request.POST)
        page = self.bound_page(
            form=comment_form, fields_form=fields_form, line_formset=line_formset
        )
        if not (
            fields_form.is_valid()
            and line_formset.is_valid()
            and comment_form.is_valid()
        ):
            self.keep_page()
            return self.render_to_response(self.get_context_data(**page))
        fields = dict(fields_form.cleaned_data)
        version = fields.pop("version")
        edits = {
            "project": self.project,
            "actor": self.request.user,
            "expected_version": version,
            "fields": fields,
            "lines": line_formset.line_data(),
            "ip": client_ip(self.request),
        }
        try:
            with step():
                if complete:
                    project_services.project_handover(
                        comment=comment_form.cleaned_data["comment"], **edits
                    )
                    self.activation.execute()
                else:
                    project_services.project_draft_save(**edits)
        except ValidationError as exc:
            self.keep_page()
            return self.refuse(exc, page)
        if complete:
            messages.success(self.request, str(self.success_text))
            return HttpResponseRedirect(self.dossier_url)
        self.forget_page()
        messages.info(self.request, _("The draft is saved."))
        return HttpResponseRedirect(self.request.get_full_path())

    def import_lines(self):
        # The imported file replaces the lines: keep the rest of the page only.
        self.keep_page(drop=("file", "lines-"))
        import_form = forms.LinesImportForm(self.request.POST, self.request.FILES)
        if import_form.is_valid():
            job = import_from_page(
                self.request,
                kind="project_lines",
                dossier=self.project,
                form=import_form,
            )
            if job is not None:
                return import_done_redirect(
                    self.request, job, _("The lines were imported.")
                )
        return self.render_to_response(
            self.get_context_data(**self.bound_page(import_form=import_form))
        )


class ProjectSubmitView(AttachMixin, TaskView):
    """The unit head signs and submits the dossier — the first time, with a
    supplement the desk asked for, or with a revision the appraiser asked for —
    or sends it back to the unit officer with the reason. Documents can still be
    attached here while the dossier is with the unit."""

    form_class = forms.SubmitForm
    success_text = gettext_lazy("The dossier is submitted to the Department.")

    def page_forms(self, data=None) -> dict:
        return {"attachment_form": forms.AttachmentForm()}

    def post(self, request, *args, **kwargs):
        if "_attach" in request.POST:
            return self.attach()
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        kwargs = self.service_kwargs(form)
        if form.cleaned_data["action"] == form.SEND_BACK:
            kwargs.pop("comment")
            project_services.project_send_back_to_officer(
                project=kwargs.pop("dossier"),
                reason=form.cleaned_data["reason"],
                **kwargs,
            )
            self.success_text = _("The dossier is back with the unit officer.")
            return
        dossier_services.dossier_submit(**kwargs)


class ReceiveView(TaskView):
    """The one-stop desk: accept (receipt number, due date), ask for a supplement
    (the clock stops) or refuse with the reason."""

    form_class = forms.ReceiveForm

    def perform(self, form):
        decision = form.cleaned_data["decision"]
        kwargs = self.service_kwargs(form)
        if decision == form.ACCEPT:
            dossier_services.dossier_accept(**kwargs)
            self.success_text = _("The dossier is received.")
            return
        kwargs.pop("comment")
        reason = form.cleaned_data["reason"]
        if form.cleaned_data.get("comment"):
            reason = f"{reason}\n\n{form.cleaned_data['comment']}"
        if decision == form.SUPPLEMENT:
            dossier_services.dossier_request_supplement(reason=reason, **kwargs)
            self.success_text = _("The unit is asked for a supplement.")
        else:
            dossier_services.dossier_refuse(reason=reason, **kwargs)
            self.success_text = _("The dossier is refused.")


class AssignAppraiserView(TaskView):
    form_class = forms.AssignAppraiserForm
    success_text = gettext_lazy("The appraiser is assigned.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "project": self.dossier}

    def perform(self, form):
        dossier_services.dossier_assign_appraiser(
            appraiser=form.cleaned_data["appraiser"], **self.service_kwargs(form)
        )


class ProjectAppraiseView(TaskView):
    """The appraiser's desk: the computed checklist, what changed since the last
    revision, remarks per line, the report; then either the revision request or
    the completed report. The report, the proposed lines, a new remark and the
    next step are one form: completing posts the report as typed and completes it
    in one action; a refusal shows it again with the error beside each field."""

    form_class = forms.AppraiseForm
    #: Fields of the page that are the remark's, not the report's.
    REMARK_FIELDS = ("remark-",)

    def get_context_data(self, **kwargs):
        from appraisal.services.checklist import checklist_compute

        context = super().get_context_data(**kwargs)
        context["checks"] = checklist_compute(project=self.project)
        return context

    def page_forms(self, data=None) -> dict:
        report = (
            AppraisalReport.objects.filter(dossier=self.project)
            .prefetch_related("answers__criterion", "lines")
            .first()
        )
        return {
            "report_form": forms.ReportForm(
                data if carries(data, "version") else None,
                initial=forms.report_initial(report, self.project.version),
                criteria=self.criteria,
            ),
            "proposed_formset": self.proposed_formset(
                data if carries(data, "proposed-TOTAL_FORMS") else None, report=report
            ),
            "remark_form": forms.RemarkForm(
                data if carries(data, "remark-text") else None,
                project=self.project,
                prefix="remark",
            ),
        }

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

    def report_part(self):
        """The report as the page holds it: ``(report_form, proposed, fields)``;
        ``fields`` is ``None`` when the POST carries no report or it is invalid
        (then the forms hold the errors)."""
        data = self.request.POST
        if not carries(data, "version"):
            return None, None, {}
        report_form = forms.ReportForm(data, criteria=self.criteria)
        proposed = self.proposed_formset(
            data if carries(data, "proposed-TOTAL_FORMS") else None
        )
        if not (
            report_form.is_valid() and (not proposed.is_bound or proposed.is_valid())
        ):
            return report_form, proposed, None
        fields = report_form.report_fields()
        with_changes = fields["recommendation"] == (
            AppraisalReport.Recommendation.APPROVE_WITH_CHANGES
        )
        # The proposed lines count only for "approve with changes".
        fields["proposed_lines"] = (
            proposed.line_data() if with_changes and proposed.is_bound else []
        )
        fields["expected_version"] = report_form.cleaned_data["version"]
        return report_form, proposed, fields

    def _validated(self, report_form, proposed, **others) -> dict:
        validated = dict(others)
        if report_form is not None:
            validated["report_form"] = report_form
        if proposed is not None and proposed.is_bound:
            validated["proposed_formset"] = proposed
        return validated

    def save_report_first(self) -> None:
        """Before a remark, keep the report the page holds in the dossier if it
        is valid (no audit row when it did not change)."""
        _form, _proposed, fields = self.report_part()
        if not fields:
            return
        try:
            dossier_services.report_save(
                dossier=self.project,
                actor=self.request.user,
                ip=client_ip(self.request),
                **fields,
            )
        except ValidationError:
            return  # kept on the task (keep_page) and shown again; not lost
        self.project.refresh_from_db()

    def add_remark(self):
        self.keep_page(drop=self.REMARK_FIELDS)
        remark_form = forms.RemarkForm(
            self.request.POST, project=self.project, prefix="remark"
        )
        if remark_form.is_valid():
            self.save_report_first()
            try:
                dossier_services.remark_add(
                    dossier=self.project,
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
        return self.render_to_response(
            self.get_context_data(**self.bound_page(remark_form=remark_form))
        )

    def resolve_remark(self):
        """The unit answered a remark: the appraiser marks it resolved."""
        remark = Remark.objects.filter(
            pk=self.request.POST.get("_resolve") or 0, dossier=self.project
        ).first()
        if remark is None:
            raise Http404(_("No such remark."))
        self.keep_page(drop=("_resolve",))
        try:
            dossier_services.remark_resolve(
                remark=remark, actor=self.request.user, ip=client_ip(self.request)
            )
        except ValidationError as exc:
            for message in _errors(exc):
                messages.warning(self.request, message)
        else:
            messages.success(self.request, _("The remark is marked as resolved."))
        return HttpResponseRedirect(self.request.get_full_path())

    def save_report(self):
        """Save the report draft in the dossier (one audit row if it changed)."""
        report_form, proposed, fields = self.report_part()
        if report_form is None:
            return HttpResponseRedirect(self.request.get_full_path())
        validated = self._validated(report_form, proposed)
        if fields is None:
            self.keep_page()
            return self.render_to_response(
                self.get_context_data(**self.bound_page(**validated))
            )
        try:
            with step():
                dossier_services.report_save(
                    dossier=self.project,
                    actor=self.request.user,
                    ip=client_ip(self.request),
                    **fields,
                )
        except ValidationError as exc:
            self.keep_page()
            return self.refuse(exc, self.bound_page(**validated), target="report_form")
        self.forget_page()
        messages.info(self.request, _("The report draft is saved."))
        return HttpResponseRedirect(self.request.get_full_path())

    def form_valid(self, form):
        report_form, proposed, fields = self.report_part()
        validated = self._validated(report_form, proposed, form=form)
        if report_form is not None and fields is None:
            self.keep_page()
            return self.render_to_response(
                self.get_context_data(**self.bound_page(**validated))
            )
        kwargs = self.service_kwargs(form)
        revision = form.cleaned_data["action"] == form.REQUEST_REVISION
        try:
            with step():
                if revision:
                    if fields:
                        # The report stays a draft while the unit revises.
                        dossier_services.report_save(
                            dossier=self.project,
                            actor=self.request.user,
                            ip=kwargs["ip"],
                            **fields,
                        )
                    dossier_services.dossier_request_revision(**kwargs)
                else:
                    dossier_services.report_complete(**kwargs, **(fields or {}))
                self.activation.execute()
        except ValidationError as exc:
            self.keep_page()
            return self.refuse_report(exc, self.bound_page(**validated))
        if revision:
            messages.success(
                self.request, _("The dossier is back with the unit for revision.")
            )
        else:
            messages.success(
                self.request, _("The report is with the division head for review.")
            )
        return HttpResponseRedirect(self.get_success_url())

    def refuse_report(self, exc: ValidationError, forms_: dict):
        """A refused completion: each unanswered criterion gets its error beside
        its own answer, the missing proposed lines above their table."""
        report_form = forms_["report_form"]
        if hasattr(exc, "error_dict") and "answers" in exc.error_dict:
            errors = exc.error_dict.pop("answers")
            for error in errors:
                report_form.add_error(None, error)
                codes = (error.params or {}).get("codes") or []
                for code in codes:
                    field = f"answer_{code}"
                    if field in report_form.fields:
                        report_form.add_error(
                            field,
                            ValidationError(
                                _("Answer this criterion to complete the report."),
                                code="unanswered_criteria",
                            ),
                        )
            if not exc.error_dict:
                return self.render_to_response(self.get_context_data(**forms_))
        if hasattr(exc, "error_dict") and "proposed_lines" in exc.error_dict:
            for error in exc.error_dict.pop("proposed_lines"):
                report_form.add_error(None, error)
            if not exc.error_dict:
                return self.render_to_response(self.get_context_data(**forms_))
        return self.refuse(exc, forms_)


class ReviewReportView(TaskView):
    """The division head passes the report to the director or sends it back."""

    form_class = forms.ReviewReportForm

    def perform(self, form):
        kwargs = self.service_kwargs(form)
        if form.cleaned_data["action"] == form.SIGN:
            dossier_services.report_review(**kwargs)
            self.success_text = _("The report is with the director for signature.")
        else:
            dossier_services.report_send_back(**kwargs)
            self.success_text = _("The report is back with the appraiser.")


class SignReportView(TaskView):
    form_class = forms.SignReportForm

    def perform(self, form):
        kwargs = self.service_kwargs(form)
        if form.cleaned_data["action"] == form.SIGN:
            dossier_services.report_sign(**kwargs)
            self.success_text = _("The report is signed and sent to the committee.")
        else:
            dossier_services.report_send_back(**kwargs)
            self.success_text = _("The report is back with the appraiser.")


class DecideView(TaskView):
    form_class = forms.DecideForm

    def perform(self, form):
        decision = dossier_services.dossier_decide(
            outcome=form.cleaned_data["outcome"],
            effective_date=form.cleaned_data["effective_date"],
            **self.service_kwargs(form),
        )
        if decision is not None and decision.number:
            self.success_text = _("Decision %(number)s is recorded.") % {
                "number": decision.number
            }
        else:
            self.success_text = _("The decision is recorded.")


# --- the dossier page, files and lists -------------------------------------------


def process_tasks(*, process, dossier, user) -> list:
    """Every task of ``process``, in order, each with what ``user`` may do on it
    now: take it (``can_assign_now``) or open it (``can_execute_now``), for a
    dossier's page of any kind."""
    tasks = list(selectors.task_list_for_process(process=process))
    for task in tasks:
        may = task.flow_task_type == "HUMAN" and permissions.may_take(
            user, task.flow_task.name, dossier
        )
        task.can_assign_now = may and task.status == STATUS.NEW
        task.can_execute_now = (
            may
            and task.status == STATUS.ASSIGNED
            and permissions.may_act(user, task.flow_task.name, dossier, task.owner_id)
        )
    return tasks


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
        tasks = process_tasks(process=process, dossier=project, user=user)
        context = super().get_context_data(**kwargs)
        context.update(dossier_context(dossier=project, user=user))
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
        if attachment.dossier_id != process.artifact_object_id:
            raise Http404(_("No such document."))
        back = process.flow_class.instance.reverse("process_detail", args=[process.pk])
        return attachment_response(request, attachment, back_url=back)


def attachment_response(request, attachment: Attachment, *, back_url: str):
    """A stored document streamed as a download under its original name, once its
    content is checked against the SHA-256 recorded when it was stored; a changed
    or lost file is refused with the reason and the person sent back to
    ``back_url``."""
    try:
        stored = attachment_services.attachment_open(attachment=attachment)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return HttpResponseRedirect(back_url)
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    # RFC 6266/5987: an ASCII fallback and the exact UTF-8 name, both quoted so
    # quotes, semicolons or line breaks in the name cannot break the header.
    fallback = attachment.original_name.encode("ascii", "ignore").decode() or "document"
    fallback = "".join(c for c in fallback if c.isprintable() and c not in '"\\')
    response["Content-Disposition"] = (
        "attachment; filename=\"{}\"; filename*=UTF-8''{}".format(
            fallback, quote(attachment.original_name, safe="")
        )
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class LinesTemplateDownloadView(LoginRequiredMixin, generic.View):
    """The Excel template of the line import of a dossier, for the people who may
    see that dossier (404 for anyone else)."""

    flow_class = None
    viewset = None

    def get(self, request, process_pk: int):
        try:
            selectors.process_get(user=request.user, pk=process_pk)
        except selectors.JobPositionProjectProcess.DoesNotExist as exc:
            raise Http404(_("No such dossier.")) from exc
        response = HttpResponse(lines_template(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="{}"'.format(
            template_filename("project-lines")
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


def request_task_counts(request) -> selectors.TaskCounts:
    """The person's ``selectors.TaskCounts``, read from the database once per
    request however often it is asked (the menu's counters and the inbox's or
    queue's pager)."""
    if not hasattr(request, "_task_counts"):
        request._task_counts = selectors.task_counts_for_user(user=request.user)
    return request._task_counts


class _CountedByMenu:
    """A task list whose unfiltered length is the menu's counter: the pager takes
    it from there instead of counting the same rows again."""

    counted_as = ""

    def known_count(self) -> Counted | None:
        if self.filter_form.filters():
            return None
        counted = request_task_counts(self.request).counted(self.counted_as)
        asked = self.request.GET.get(self.page_kwarg)
        if counted.more and counted.count < counting_reach(asked, self.paginate_by):
            # The menu counted as far as the first page looks ahead; the pager
            # of a later page counts on from there.
            return None
        return counted


class ProjectInboxView(
    _CountedByMenu, _ProjectListColumns, flow_views.FlowInboxListView
):
    columns = ("task_link", "dossier", "unit", "due", "created")
    filterset_class = None
    export_filename = "inbox.xlsx"
    counted_as = "inbox"
    export_sheet_title = gettext_lazy("Inbox")

    @viewprop
    def queryset(self):
        return selectors.task_list_inbox(user=self.request.user)


class ProjectQueueView(
    _CountedByMenu, _ProjectListColumns, flow_views.FlowQueueListView
):
    columns = ("task_link", "dossier", "unit", "due", "created")
    filterset_class = None
    export_filename = "queue.xlsx"
    counted_as = "queue"
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
