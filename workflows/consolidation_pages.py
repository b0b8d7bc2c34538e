"""Pages of a unit consolidation outside its task pages: the position-mapping
editor (with its Excel template and import), the impact statement, and what
every consolidation page shows of its dossier. Each answers 404 outside the
person's scope; the mapping is editable only by the dossier's proposer while
the dossier is with them (the service checks it again).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import generic

from appraisal.models import AppraisalReport, PositionMapping, PostKind
from appraisal.selectors.deadlines import deadline_state
from appraisal.selectors.projects import project_audit, project_remarks
from appraisal.services import consolidation as consolidation_services
from appraisal.services.dossiers import dossier_locks_in_action
from orgchart.selectors import person_rights_in_action
from orgchart.spreadsheets import XLSX_CONTENT_TYPE, template_filename
from orgchart.transactions import step

from . import consolidation_forms, consolidation_selectors, permissions
from .import_pages import import_done_redirect, import_from_page
from .task_pages import process_read_in_action, replay_refused

TEMPLATE_DIR = "workflows/consolidation"


def process_or_404(*, user, pk: int):
    """The consolidation process ``pk`` if ``user`` may see its dossier."""
    from .staffing_selectors import process_get

    try:
        return process_get(
            scope=consolidation_selectors.CONSOLIDATION, user=user, pk=pk
        )
    except consolidation_selectors.ConsolidationProcess.DoesNotExist as exc:
        raise Http404(_("No such dossier.")) from exc


def locked_process_or_404(*, user, pk: int):
    """The consolidation process ``pk`` if ``user`` may see its dossier, read
    inside an action (``dossier_locks_in_action``): its dossier under the lock
    the services take, kept on the process."""
    scope = consolidation_selectors.CONSOLIDATION
    process = process_read_in_action(scope.flow_class, pk)
    if process is None or not consolidation_selectors.in_scope(user, process):
        raise Http404(_("No such dossier."))
    return process


def operations_of(consolidation) -> list:
    """The operations with their sources and successors (three queries)."""
    return list(
        consolidation.operations.prefetch_related(
            "sources__unit", "successors__unit", "successors__created_unit"
        ).order_by("effective_date", "order", "pk")
    )


def page_context(*, consolidation, process, with_impact: bool = False) -> dict:
    """What every page of a consolidation shows of it: its operations, whether
    every position is mapped, the external resolutions, the report, the decision,
    the history; the impact statement when ``with_impact``."""
    unmapped = consolidation_services.mapping_unmapped(consolidation=consolidation)
    context = {
        "dossier": consolidation,
        "project": consolidation,  # the name the shared task page reads
        "consolidation": consolidation,
        "operations": operations_of(consolidation),
        "unmapped": unmapped,
        "external_decisions": list(
            consolidation.external_decisions.select_related("recorded_by")
        ),
        "report": AppraisalReport.objects.filter(dossier=consolidation)
        .select_related("signed_by", "author")
        .first(),
        "decision": consolidation.decisions.select_related("signer")
        .order_by("-created_at", "-pk")
        .first(),
        "remarks": list(project_remarks(project=consolidation)),
        "audit": list(project_audit(project=consolidation)),
        "deadline": None
        if consolidation.is_final
        else deadline_state(
            due=consolidation.due_on, paused_on=consolidation.clock_paused_on
        ),
        "process_pk": process.pk,
    }
    if with_impact:
        context["impact"] = impact_for_page(consolidation)
    return context


def impact_for_page(consolidation):
    """The impact statement, each row with its quotas moved in words."""
    labels = dict(PostKind.choices)
    impact = consolidation_services.impact_compute(consolidation=consolidation)
    for row in impact.rows:
        row.quota_items = [
            f"{labels.get(kind, kind)} {year}: {count}"
            for (year, kind), count in sorted(row.quotas_moved.items())
        ]
    return impact


class _ConsolidationPage(LoginRequiredMixin, generic.TemplateView):
    @cached_property
    def process(self):
        return process_or_404(user=self.request.user, pk=self.kwargs["process_pk"])

    @cached_property
    def consolidation(self):
        return self.process.consolidation

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page_context(
                consolidation=self.consolidation,
                process=self.process,
                with_impact=self.with_impact,
            )
        )
        context["process"] = self.process
        context["dossier_url"] = self.dossier_url
        return context

    with_impact = False

    @property
    def dossier_url(self) -> str:
        return self.process.flow_class.instance.reverse(
            "process_detail", args=[self.process.pk]
        )


class ImpactView(_ConsolidationPage):
    """The impact statement: per unit before and after, positions ended, surplus
    staff with the date it must be absorbed by, leaders above the limits with
    the end of their allowance protection, quotas moved, and for administrative
    units population, area and the voters' share."""

    template_name = f"{TEMPLATE_DIR}/impact.html"
    with_impact = True


def mapping_rows(consolidation) -> list[dict]:
    """Every position to map of the operations not applied yet, with its
    mapping: the one saved, or the default proposal (not saved until the
    proposer saves the table); the saved mappings once everything is applied.
    One row per position, in tree order."""
    operations, positions = consolidation_services.operations_pending(
        consolidation=consolidation
    )
    if operations:
        mappings = list(
            consolidation_services.proposed_mapping(
                consolidation, operations, positions
            ).values()
        )
    else:
        mappings = list(
            PositionMapping.objects.filter(
                operation__consolidation=consolidation
            ).select_related("source_position__unit", "source_position__rank")
        )
    mappings.sort(
        key=lambda m: (m.source_position.unit.path, m.source_position.name, m.pk or 0)
    )
    return [
        {
            "position": mapping.source_position,
            "action_label": mapping.get_action_display(),
            "successor_name": mapping.successor.display_name
            if mapping.successor_id
            else "",
            "initial": {
                "source_position_id": mapping.source_position_id,
                "action": mapping.action,
                "successor_id": mapping.successor_id,
                "target_name": mapping.target_name,
                "headcount": mapping.headcount,
            },
        }
        for mapping in mappings
    ]


class MappingView(_ConsolidationPage):
    """The position-mapping editor: a table of every source position (action,
    successor, name in the successor, headcount), pre-filled by the default
    mapping, saved as a whole; the Excel template and its import."""

    template_name = f"{TEMPLATE_DIR}/mapping.html"

    @cached_property
    def may_edit(self) -> bool:
        return self.consolidation.is_editable and permissions.may_propose_for(
            self.request.user, self.consolidation
        )

    def successor_choices(self) -> list[tuple[int, str]]:
        from appraisal.models import OperationSuccessor

        operations, _positions = consolidation_services.operations_pending(
            consolidation=self.consolidation
        )
        if operations:
            # The rows are those of the operations not applied yet.
            successors = [s for op in operations for s in op.successors.all()]
        else:
            successors = OperationSuccessor.objects.filter(
                operation__consolidation=self.consolidation
            ).select_related("unit")
        return [(successor.pk, successor.display_name) for successor in successors]

    def formset(self, data=None, rows=None):
        rows = rows if rows is not None else mapping_rows(self.consolidation)
        return consolidation_forms.MappingFormSet(
            data,
            initial=[row["initial"] for row in rows],
            successor_choices=self.successor_choices(),
            prefix="map",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = mapping_rows(self.consolidation)
        formset = kwargs.get("formset") or self.formset(rows=rows)
        context.update(
            may_edit=self.may_edit,
            formset=formset,
            rows=list(zip(rows, formset.forms, strict=False)),
            import_form=kwargs.get("import_form")
            or consolidation_forms.MappingImportForm(),
        )
        return context

    def post(self, request, *args, **kwargs):
        if "_import" in request.POST:
            if not self.may_edit:
                raise Http404(_("The mapping cannot be changed now."))
            return self.import_file()
        return replay_refused(request, lambda: self.save(request))

    def save(self, request):
        """Save the table as a task page's POST is run: one transaction, the
        person's rights read once, the dossier read under the lock the service
        takes, with its operations and positions, for the page and the service
        alike; a refusal rolls it back and the table is shown again as typed."""
        with (
            transaction.atomic(),
            person_rights_in_action(request.user),
            dossier_locks_in_action(),
        ):
            for name in ("process", "consolidation", "may_edit"):
                self.__dict__.pop(name, None)  # a replay reads them afresh
            self.__dict__["process"] = locked_process_or_404(
                user=request.user, pk=self.kwargs["process_pk"]
            )
            if not self.may_edit:
                raise Http404(_("The mapping cannot be changed now."))
            formset = self.formset(request.POST)
            if formset.is_valid():
                try:
                    with step():
                        consolidation_services.mapping_save(
                            user=request.user,
                            consolidation=self.consolidation,
                            rows=formset.rows(),
                        )
                except ValidationError as exc:
                    for message in exc.messages:
                        formset._non_form_errors = formset.error_class(
                            [*formset.non_form_errors(), message]
                        )
                else:
                    messages.success(request, _("The mapping is saved."))
                    return HttpResponseRedirect(request.get_full_path())
            return self.render_to_response(self.get_context_data(formset=formset))

    def import_file(self):
        import_form = consolidation_forms.MappingImportForm(
            self.request.POST, self.request.FILES
        )
        if import_form.is_valid():
            job = import_from_page(
                self.request,
                kind="consolidation_mapping",
                dossier=self.consolidation,
                form=import_form,
            )
            if job is not None:
                return import_done_redirect(
                    self.request,
                    job,
                    _("%(count)s rows of the mapping were imported.")
                    % {"count": job.rows_written},
                )
        return self.render_to_response(self.get_context_data(import_form=import_form))


class MappingTemplateView(_ConsolidationPage):
    """The Excel template of the mapping, filled with every source position."""

    def get(self, request, *args, **kwargs):
        content = consolidation_services.mapping_template(
            consolidation=self.consolidation
        )
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="{}"'.format(
            template_filename("consolidation-mapping")
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
