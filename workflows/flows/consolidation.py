"""The unit consolidation's flow: from the proposal to the org chart changed on
the effective date.

Who proposes. A unit proposes the consolidation of its own sub-units (its
personnel officer drafts, its head signs and submits, as for every dossier a
unit sends). Home Affairs may also propose one of its own motion (a department
merger, the province's commune reform): the Provincial People's Committee
prepares such a project through its Department of Home Affairs (Decree
158/2018/NĐ-CP Art. 6; Res. 35/2023/UBTVQH15 Art. 8(1)), so there is no unit
head whose signature would mean anything. Such a dossier skips the unit head:
an officer of the organisation and staffing division drafts it and the
director of Home Affairs signs the Department's own submission (the same
``submit_proposal`` step, taken by the director). It still goes through the
one-stop desk, which registers it (receipt number, due date) like any other, so
the deadline, the register and the appraisal are the same for both.

After the committee's approval the flow records the external decisions the
law requires (the People's Council's and the National Assembly Standing
Committee's resolutions for administrative units), then waits for the
effective date in a ``Handle`` task: a row in the database that survives any
restart, completed by ``manage.py apply_due_consolidations`` (run daily; the
Celery beat schedule calls the same code). A date already past is applied at
once, in the step that reached it.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from appraisal.services.consolidation import consolidation_apply

from .. import consolidation_selectors, consolidation_tasks, nodes, permissions
from ..models import ConsolidationProcess
from . import steps


def _consolidation(activation):
    return steps.dossier_of(activation)


def _due(activation) -> bool:
    """An operation's effective date has come (a past date applies at once)."""
    due = _consolidation(activation).next_effective_date
    return due is not None and due <= timezone.localdate()


class ConsolidationFlow(flow.Flow):
    """Unit consolidation

    A consolidation of units (sắp xếp, hợp nhất tổ chức; đơn vị hành chính):
    one or many operations (merge, absorb, split, dissolve, rename, establish),
    each with its sources, successors and effective date, and the mapping of
    every source position to a successor. Decree 158/2018/NĐ-CP (agencies),
    Decree 120/2020/NĐ-CP (public service units), Res. 35/2023/UBTVQH15 and
    Res. 76/2025/UBTVQH15 (administrative units): proposed by a unit for its
    sub-units or by Home Affairs, received at the one-stop desk, appraised with
    its impact statement (revision loop with the proposer), reviewed by the
    division head, signed by the director and decided by the Provincial People's
    Committee; the external resolutions recorded where the law requires them;
    applied to the org chart on the effective date.
    """

    process_class = ConsolidationProcess
    # One person acts on a dossier at a time (see JobPositionProjectFlow).
    lock_impl = lock.SelectForUpdateLock(nowait=True, attempts=3)

    process_title = _("Unit consolidation")
    process_description = _(
        "Merging, absorbing, splitting, dissolving, renaming or establishing units: "
        "from the proposal through appraisal and decision to the org chart changed "
        "on the effective date."
    )
    process_summary_template = "{{ process.consolidation.title }}"

    start = (
        nodes.Start(consolidation_tasks.ConsolidationStartView.as_view())
        .Annotation(title=_("Propose a consolidation"))
        .Available(permissions.may_propose_consolidation)
        .Next(this.propose)
    )

    propose = (
        nodes.View(consolidation_tasks.ProposeView.as_view())
        .Annotation(
            title=_("Prepare the consolidation"),
            description=_(
                "The proposer gives the operations with their sources, successors "
                "and effective dates, and the mapping of every position, then "
                "hands the dossier over for signature."
            ),
        )
        .Assign(lambda a: permissions.proposer_owner(_consolidation(a)))
        .Next(this.submit_proposal)
    )

    submit_proposal = (
        nodes.View(consolidation_tasks.ConsolidationSubmitView.as_view())
        .Annotation(
            title=_("Sign and submit"),
            description=_(
                "The unit head signs the submission and sends the dossier (for "
                "Home Affairs' own proposal, the director of Home Affairs)."
            ),
        )
        .Assign(steps.sole_candidate)
        .Next(this.route_submission)
    )

    route_submission = (
        nodes.Switch()
        .Annotation(title=_("Submitted?"))
        .Case(this.appraise, lambda a: _consolidation(a).is_under_appraisal)
        .Case(this.receive, lambda a: _consolidation(a).is_submitted)
        .Default(this.propose)
    )

    receive, route_reception, assign_appraiser, appraise, route_appraisal = (
        steps.appraisal_steps(
            receive_view=consolidation_tasks.ConsolidationReceiveView.as_view(),
            assign_view=consolidation_tasks.ConsolidationAssignAppraiserView.as_view(),
            appraise_view=consolidation_tasks.ConsolidationAppraiseView.as_view(),
            appraise_annotation=(
                _("Appraise the consolidation"),
                _(
                    "The appraiser checks the operations and the impact statement, "
                    "asks the proposer for revisions or completes the report."
                ),
            ),
            back=this.propose,
        )
    )

    review_report, route_review, sign_report, route_signature = steps.report_steps(
        review_view=consolidation_tasks.ConsolidationReviewReportView.as_view(),
        sign_view=consolidation_tasks.ConsolidationSignReportView.as_view(),
        then=this.decide,
    )

    decide = (
        nodes.View(consolidation_tasks.ConsolidationDecideView.as_view())
        .Annotation(
            title=_("Decide"),
            description=_(
                "The committee approves the consolidation, returns it to Home "
                "Affairs or rejects it."
            ),
        )
        .Assign(steps.sole_candidate)
        .Next(this.route_decision)
    )

    route_decision = (
        nodes.Switch()
        .Annotation(title=_("Decision"))
        .Case(this.route_external, lambda a: _consolidation(a).is_approved)
        .Case(this.end, lambda a: _consolidation(a).is_rejected)
        .Default(this.appraise)
    )

    route_external = (
        nodes.Switch()
        .Annotation(title=_("External decisions still awaited?"))
        .Case(
            this.record_external_decisions,
            lambda a: _consolidation(a).awaits_external_decisions,
        )
        .Default(this.route_date)
    )

    record_external_decisions = (
        nodes.View(consolidation_tasks.RecordExternalDecisionView.as_view())
        .Annotation(
            title=_("Record the external decisions"),
            description=_(
                "The division head records the People's Council's and the National "
                "Assembly Standing Committee's resolutions (body, number, date) "
                "the law requires before the consolidation takes effect."
            ),
        )
        .Assign(steps.sole_candidate)
        .Next(this.route_external)
    )

    route_date = (
        nodes.Switch()
        .Annotation(title=_("Effective date come?"))
        .Case(this.end, lambda a: _consolidation(a).is_applied)
        .Case(this.apply, _due)
        .Default(this.wait_effective_date)
    )

    wait_effective_date = (
        nodes.Handle(this.effective_date_come)
        .Annotation(
            title=_("Wait for the effective date"),
            description=_(
                "The daily job applies the consolidation on its effective date."
            ),
        )
        .Next(this.apply)
    )

    apply = (
        nodes.Function(this.apply_due)
        .Annotation(title=_("Change the org chart"))
        .Next(this.route_date)
    )

    end = nodes.End().Annotation(title=_("Closed"))

    def effective_date_come(self, activation, on=None):
        """The daily job found the effective date come; ``on`` is the day it
        ran for (kept for the next node, which applies what is due that day)."""
        if on is not None:
            activation.process.data = {
                **(activation.process.data or {}),
                "apply_on": on.isoformat(),
            }
            activation.process.save(update_fields=["data"])
        return activation.process

    def apply_due(self, activation):
        """Apply every operation due on the day the job ran for (today when the
        date had already come at the decision)."""
        data = activation.process.data or {}
        on = data.get("apply_on")
        consolidation_apply(
            consolidation=_consolidation(activation),
            on=datetime.date.fromisoformat(on) if on else None,
        )
        if on:
            activation.process.data = {k: v for k, v in data.items() if k != "apply_on"}
            activation.process.save(update_fields=["data"])

    def has_view_permission(self, user, obj=None):
        """Every signed-in person may open the flow's pages (each list shows only
        their scope); a process only if its consolidation is in their scope."""
        return consolidation_selectors.in_scope(user, obj)

    def has_manage_permission(self, user, obj=None):
        """Nobody undoes, cancels or revives a step: numbers and the audit trail
        are final (Decree 30/2020/NĐ-CP Art. 15)."""
        return False
