"""The job-position project's flow: from the unit's draft to the committee's
decision and its application to the establishment."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from appraisal.models import JobPositionProject
from appraisal.services.projects import decision_apply_latest

from .. import nodes, permissions, views
from ..models import JobPositionProjectProcess
from . import steps


def _project(activation):
    return activation.process.project


def _accepted(activation) -> bool:
    return _project(activation).was_accepted


def _revise_owner(activation):
    return permissions.revise_owner(_project(activation))


def _project_unit(process):
    # Called with the proxy process when the task is created and with viewflow's
    # base Process elsewhere (STACK.md trap 4).
    return getattr(process, "coerced", process).project.unit


class JobPositionProjectFlow(flow.Flow):
    """Job-position project

    A unit's job-position project (đề án vị trí việc làm) from the draft to the
    Provincial People's Committee's decision (Decree 62/2020/NĐ-CP Art. 7; Decree
    106/2020/NĐ-CP Art. 7): the unit's personnel officer drafts it, the unit head
    signs and submits it, the one-stop desk of the Department of Home Affairs
    receives it (or asks for a supplement, or refuses it), the division head assigns
    an appraiser, who appraises it (asking the unit for revisions as often as
    needed) and writes the report, the director signs the report (or sends it back)
    and the committee approves, returns or rejects it. An approval is applied to the
    establishment at once: the positions it opens are valid from the decision's
    effective date and those it changes or ends are closed the day before, so the
    establishment "as of" any date is right before and after that date without a
    job waiting for it.
    """

    process_class = JobPositionProjectProcess
    # One person acts on a dossier at a time: every POST locks the process row
    # (SELECT … FOR UPDATE NOWAIT, retried twice, at most ~2.4 s in all: a step
    # takes well under a second, and a person should not wait longer to learn that
    # someone else is on it). A failed lock is answered with a message, not a 500
    # (workflows.task_pages.scoped_task_view). SQLite ignores FOR UPDATE and serialises
    # writers itself.
    lock_impl = lock.SelectForUpdateLock(nowait=True, attempts=3)

    process_title = _("Job-position project")
    process_description = _(
        "From the unit's draft through appraisal by the Department of Home Affairs "
        "to the decision of the Provincial People's Committee."
    )
    process_summary_template = "{{ process.project.title }}"

    start = (
        nodes.Start(views.ProjectStartView.as_view())
        .Annotation(title=_("Draft a new job-position project"))
        .Available(permissions.may_start)
        .Next(this.draft)
    )

    draft = (
        nodes.View(views.ProjectDraftView.as_view())
        .Annotation(
            title=_("Draft the project"),
            description=_("The unit officer prepares the lines and documents."),
        )
        .Permission(permissions.ACT_FOR_UNIT, obj=_project_unit)
        .Assign(lambda activation: _project(activation).created_by)
        .Next(this.submit)
    )

    submit = (
        nodes.View(views.ProjectSubmitView.as_view())
        .Annotation(
            title=_("Sign and submit"),
            description=_(
                "The unit head signs the submission and sends the dossier, or "
                "sends it back to the unit officer with the reason."
            ),
        )
        .Permission(permissions.SIGN_FOR_UNIT, obj=_project_unit)
        .Assign(steps.sole_candidate)
        .Next(this.route_submission)
    )

    # The head either submits (the dossier leaves the unit) or sends it back to
    # the officer with a reason (it stays with the unit, still editable): a first
    # draft goes back to the officer who drafted it, an answer to a supplement or
    # revision request to the unit's officers.
    route_submission = (
        nodes.Switch()
        .Annotation(title=_("Submitted, or sent back to the officer?"))
        .Case(this.appraise, lambda activation: _project(activation).is_under_appraisal)
        .Case(this.draft, lambda activation: _project(activation).is_first_draft)
        .Case(this.revise, lambda activation: _project(activation).is_editable)
        .Default(this.receive)
    )

    # The unit's officer adds what is missing or revises; then the head submits
    # again.
    receive, route_reception, assign_appraiser, appraise, route_appraisal = (
        steps.appraisal_steps(
            receive_view=views.ReceiveView.as_view(),
            assign_view=views.AssignAppraiserView.as_view(),
            appraise_view=views.ProjectAppraiseView.as_view(),
            appraise_annotation=(
                _("Appraise the project"),
                _(
                    "The appraiser checks the project against the checklist, asks "
                    "the unit for revisions or completes the report."
                ),
            ),
            back=this.revise,
        )
    )

    revise = (
        nodes.View(views.ProjectDraftView.as_view())
        .Annotation(
            title=_("Revise the project"),
            description=_(
                "The unit officer corrects the lines and documents as asked (by "
                "the one-stop desk, the appraiser or the unit head), then hands "
                "the dossier to the unit head."
            ),
        )
        .Permission(permissions.ACT_FOR_UNIT, obj=_project_unit)
        .Assign(_revise_owner)
        .Next(this.submit)
    )

    review_report, route_review, sign_report, route_signature = steps.report_steps(
        review_view=views.ReviewReportView.as_view(),
        sign_view=views.SignReportView.as_view(),
        then=this.decide,
    )

    decide = (
        nodes.View(views.DecideView.as_view())
        .Annotation(
            title=_("Decide"),
            description=_(
                "The committee approves the project, returns it to Home Affairs or "
                "rejects it."
            ),
        )
        .Assign(steps.sole_candidate)
        .Next(this.route_decision)
    )

    route_decision = (
        nodes.Switch()
        .Annotation(title=_("Decision"))
        .Case(this.apply_decision, lambda activation: _project(activation).is_approved)
        .Case(this.end, lambda activation: _project(activation).is_rejected)
        .Default(this.appraise)
    )

    apply_decision = (
        nodes.Function(this.apply_approved_decision)
        .Annotation(title=_("Apply the decision to the establishment"))
        .Next(this.end)
    )

    end = nodes.End().Annotation(title=_("Closed"))

    def apply_approved_decision(self, activation):
        decision_apply_latest(project=_project(activation))

    def has_view_permission(self, user, obj=None):
        """Every signed-in person may open the flow's pages (each list shows only
        their scope); a process only if its dossier is in their scope."""
        if not user.is_authenticated or not user.is_active:
            return False
        if obj is None:
            return True
        from ..selectors import process_project_get

        try:
            process_project_get(user=user, process=obj)
        except JobPositionProject.DoesNotExist:
            return False
        return True

    def has_manage_permission(self, user, obj=None):
        """Nobody undoes, cancels or revives a step: numbers and the audit trail
        are final (Decree 30/2020/NĐ-CP Art. 15)."""
        return False
