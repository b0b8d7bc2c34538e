"""The annual staffing plan's flows: the province's cycle, and each unit's
proposal in it.

Decree 62/2020/NĐ-CP Art. 10 and MoHA Dispatch 4966/BNV-TCBC (2023) set the
cycle: the units propose their payroll, the Department of Home Affairs appraises
and aggregates the proposals, the Provincial People's Committee approves the
plan, the Provincial People's Council passes its resolution and the committee
allocates each unit its numbers from 1 January.

viewflow 2.4's open-source ``Split`` creates each branch once and its
Subprocess node is not open source (STACK.md): the cycle therefore starts one
small process per unit (``StaffingProposalFlow``, started from code with
``StartHandle``), so that each unit's proposal has its own tasks, lock and
revision loop, and one unit can be sent back without touching the others. The
cycle does not wait on a join: the division head closes the collection when every
unit has answered or the deadline has passed (a silent unit counts as "no
change"), and the proposals still open then are cancelled with viewflow's own
``Flow.cancel`` so their tasks leave everybody's work lists.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import PROCESS, flow, lock

from appraisal.models import StaffingPlan, StaffingProposal
from appraisal.selectors.staffing import (
    PLAN_RELATED,
    PROPOSAL_RELATED,
    staffing_plan_visible_province_wide,
    staffing_proposal_visible,
)
from appraisal.services.dossiers import dossier_visible_get

from .. import nodes, permissions, staffing_tasks
from ..models import StaffingPlanProcess, StaffingProposalProcess
from . import steps


def _unit(process):
    # The proxy process when the task is created, viewflow's base Process
    # elsewhere (STACK.md trap 4).
    return getattr(process, "coerced", process).dossier.unit


def _draft_owner(activation):
    """The officer who handed the proposal over last time, while they may still
    draft for the unit (a proposal sent back goes back to them); otherwise the
    unit's only officer, or the queue of its officers."""
    proposal = steps.dossier_of(activation)
    last = (
        activation.process.task_set.filter(
            flow_task=StaffingProposalFlow.draft, owner__isnull=False
        )
        .exclude(pk=activation.task.pk)
        .select_related("owner")
        .order_by("-finished", "-pk")
        .first()
    )
    if (
        last is not None
        and last.owner.is_active
        and permissions.holds_unit_permission(
            last.owner, permissions.UNIT_TASKS["draft"], proposal.unit
        )
    ):
        return last.owner
    return permissions.sole_candidate("draft", proposal)


def _in_scope(user, obj, model, visible, attr: str) -> bool:
    """Whether ``user`` may see the dossier of kind ``model`` routed by the process
    ``obj`` (``visible``: its kind's scope, evaluated on the row); the dossier is
    kept on the process for the rest of the request."""
    if not user.is_authenticated or not user.is_active:
        return False
    if obj is None:
        return True
    process = getattr(obj, "coerced", obj)
    related = PROPOSAL_RELATED if model is StaffingProposal else PLAN_RELATED
    dossier = dossier_visible_get(
        model,
        process.artifact_object_id,
        related=related,
        visible=lambda found: visible(user, found),
    )
    if dossier is None:
        return False
    process.__dict__[attr] = dossier
    return True


class StaffingProposalFlow(flow.Flow):
    """Staffing proposal of a unit

    One unit's proposal in a year's cycle (Decree 62/2020/NĐ-CP Art. 10(1): each
    agency drafts its plan): the unit's personnel officer gives, for each kind of
    post, the number assigned, the number employed and the number proposed with
    the justification; the unit head submits it or sends it back to the officer;
    an appraiser of the Department of Home Affairs accepts it into the province's
    summary or asks this unit to revise it (the other units are not touched).
    Started by the cycle's process, one per participating unit.
    """

    process_class = StaffingProposalProcess
    # One person acts on a proposal at a time (see JobPositionProjectFlow): a
    # failed lock is answered with a message by workflows.task_pages.
    lock_impl = lock.SelectForUpdateLock(nowait=True, attempts=3)

    process_title = _("Staffing proposal of a unit")
    process_description = _(
        "A unit's numbers for the year: drafted by its officer, submitted by its "
        "head, accepted or sent back for revision by Home Affairs."
    )
    process_summary_template = "{{ process.proposal.title }}"

    start = (
        nodes.StartHandle(this.start_proposal)
        .Annotation(title=_("The cycle asks the unit"))
        .Next(this.draft)
    )

    draft = (
        nodes.View(staffing_tasks.ProposalDraftView.as_view())
        .Annotation(
            title=_("Prepare the staffing proposal"),
            description=_(
                "The unit officer gives, for each kind of post, the number employed "
                "and the number proposed with the justification, then hands the "
                "proposal to the unit head."
            ),
        )
        .Permission(permissions.ACT_FOR_UNIT, obj=_unit)
        .Assign(_draft_owner)
        .Next(this.submit)
    )

    submit = (
        nodes.View(staffing_tasks.ProposalSubmitView.as_view())
        .Annotation(
            title=_("Submit the staffing proposal"),
            description=_(
                "The unit head submits the proposal to the Department of Home "
                "Affairs, or sends it back to the officer with the reason."
            ),
        )
        .Permission(permissions.SIGN_FOR_UNIT, obj=_unit)
        .Assign(steps.sole_candidate)
        .Next(this.route_submission)
    )

    route_submission = (
        nodes.Switch()
        .Annotation(title=_("Submitted, or sent back to the officer?"))
        .Case(this.review, lambda activation: steps.dossier_of(activation).is_submitted)
        .Default(this.draft)
    )

    review = (
        nodes.View(staffing_tasks.ProposalReviewView.as_view())
        .Annotation(
            title=_("Review the unit's proposal"),
            description=_(
                "An appraiser of the organisation and staffing division accepts the "
                "proposal into the province's summary, or asks the unit to revise "
                "it with the reason."
            ),
        )
        .Assign(steps.sole_candidate)
        .Next(this.route_review)
    )

    route_review = (
        nodes.Switch()
        .Annotation(title=_("Accepted?"))
        .Case(this.end, lambda activation: steps.dossier_of(activation).was_accepted)
        .Default(this.draft)
    )

    end = nodes.End().Annotation(title=_("Taken into the province's plan"))

    def start_proposal(self, activation, proposal: StaffingProposal):
        activation.process.artifact = proposal
        return activation.process

    def has_view_permission(self, user, obj=None):
        """Every signed-in person may open the flow's pages (each list shows only
        their scope); a process only if its proposal is in their scope: Home
        Affairs, the committee and observers see every unit's, unit people their
        own units' (404 for any other)."""
        return _in_scope(
            user, obj, StaffingProposal, staffing_proposal_visible, "proposal"
        )

    def has_manage_permission(self, user, obj=None):
        """Nobody undoes or revives a step by hand; the cycle itself closes the
        proposals still open when the collection closes."""
        return False


class StaffingPlanFlow(flow.Flow):
    """Staffing plan

    A year's staffing cycle of the province (kế hoạch biên chế; Decree
    62/2020/NĐ-CP Art. 10; Dispatch 4966/BNV-TCBC of 2023): the head of the
    organisation and staffing division opens it with the province's ceilings, the
    base year and its reduction targets (Conclusion 40-KL/TW), the deadline and
    the participating units, each of which is asked for its proposal at once;
    when every unit has answered, or once the deadline has passed, the division
    head closes the collection (silence counts as "no change"); the appraiser
    adjusts the numbers with a reason per change and writes the report; the
    division head reviews it, the director signs it, and the committee approves
    the plan (never above a ceiling), returns it or rejects it; the People's
    Council's resolution is recorded and the committee's allocation decision
    gives every unit its quota for each kind of post from 1 January.
    """

    process_class = StaffingPlanProcess
    lock_impl = lock.SelectForUpdateLock(nowait=True, attempts=3)

    process_title = _("Staffing plan")
    process_description = _(
        "The province's annual staffing cycle: the units' proposals, the appraisal "
        "by Home Affairs, the committee's approval, the People's Council's "
        "resolution and the allocation to every unit."
    )
    process_summary_template = "{{ process.plan.title }}"

    start = (
        nodes.Start(staffing_tasks.StaffingPlanStartView.as_view())
        .Annotation(title=_("Open the year's staffing cycle"))
        .Available(permissions.may_open_staffing_plan)
        .Next(this.ask_units)
    )

    ask_units = (
        nodes.Function(this.start_proposals)
        .Annotation(title=_("Ask every participating unit for its proposal"))
        .Next(this.close_collection)
    )

    close_collection = (
        nodes.View(staffing_tasks.CloseCollectionView.as_view())
        .Annotation(
            title=_("Close the collection of proposals"),
            description=_(
                "When every unit has answered, or once the deadline has passed, the "
                "division head closes the collection; a unit that did not answer "
                "keeps its numbers (no change)."
            ),
        )
        .Assign(steps.sole_candidate)
        .Next(this.close_open_proposals)
    )

    close_open_proposals = (
        nodes.Function(this.cancel_open_proposals)
        .Annotation(title=_("Close the proposals still open"))
        .Next(this.assign_appraiser)
    )

    assign_appraiser = (
        nodes.View(staffing_tasks.PlanAssignAppraiserView.as_view())
        .Annotation(
            title=_("Assign an appraiser"),
            description=_("The division head chooses who appraises the plan."),
        )
        .Assign(steps.sole_candidate)
        .Next(this.appraise)
    )

    appraise = (
        nodes.View(staffing_tasks.PlanAppraiseView.as_view())
        .Annotation(
            title=_("Appraise the staffing plan"),
            description=_(
                "The appraiser checks the province's totals and each unit's "
                "numbers, adjusts them with a reason for each change and completes "
                "the report."
            ),
        )
        .Assign(lambda activation: steps.dossier_of(activation).assigned_appraiser)
        .Next(this.review_report)
    )

    review_report, route_review, sign_report, route_signature = steps.report_steps(
        review_view=staffing_tasks.PlanReviewReportView.as_view(),
        sign_view=staffing_tasks.PlanSignReportView.as_view(),
        then=this.decide,
    )

    decide = (
        nodes.View(staffing_tasks.PlanDecideView.as_view())
        .Annotation(
            title=_("Decide"),
            description=_(
                "The committee approves the plan (never above a ceiling), returns it "
                "to Home Affairs or rejects it."
            ),
        )
        .Assign(steps.sole_candidate)
        .Next(this.route_decision)
    )

    route_decision = (
        nodes.Switch()
        .Annotation(title=_("Decision"))
        .Case(
            this.record_resolution,
            lambda activation: steps.dossier_of(activation).is_approved,
        )
        .Case(this.end, lambda activation: steps.dossier_of(activation).is_rejected)
        .Default(this.appraise)
    )

    record_resolution = (
        nodes.View(staffing_tasks.RecordResolutionView.as_view())
        .Annotation(
            title=_("Record the People's Council resolution"),
            description=_(
                "The division head records the number and date of the Provincial "
                "People's Council's resolution on the payroll."
            ),
        )
        .Assign(steps.sole_candidate)
        .Next(this.allocate)
    )

    allocate = (
        nodes.View(staffing_tasks.AllocateView.as_view())
        .Annotation(
            title=_("Allocate the quotas"),
            description=_(
                "The committee's allocation decision gives every unit its quota for "
                "each kind of post from 1 January."
            ),
        )
        .Assign(steps.sole_candidate)
        .Next(this.end)
    )

    end = nodes.End().Annotation(title=_("Closed"))

    def start_proposals(self, activation):
        """One proposal process per participating unit, in tree order, each
        linked to this step (``parent_task``)."""
        proposals = StaffingProposal.objects.filter(
            plan=steps.dossier_of(activation)
        ).select_related("unit", "plan", "created_by", "assigned_appraiser")
        for proposal in proposals.order_by("unit__path"):
            StaffingProposalFlow.start.run(
                proposal=proposal, _parent_task=activation.task
            )

    def open_proposals(self, cycle) -> list[StaffingProposalProcess]:
        """The proposal processes ``cycle`` started that are still open, locked
        for the rest of the transaction.

        Taken by the closing step before the collection's service locks the
        proposals themselves: every step of a proposal locks its process first
        and its dossier second, so the closing waits for a unit head who is
        submitting at that moment instead of meeting them in a deadlock. Holding
        the rows also lets ``Flow.cancel`` take its own lock on them inside this
        transaction (viewflow's NOWAIT lock cannot recover from a refusal once
        nested: the transaction would be lost)."""
        return list(
            StaffingProposalProcess.objects.select_for_update(of=("self",))
            .filter(
                flow_class=StaffingProposalFlow,
                parent_task__process=cycle,
                status=PROCESS.NEW,
            )
            .order_by("pk")
        )

    def cancel_open_proposals(self, activation):
        """The proposals still open when the collection closed (a unit that did
        not answer, or one submitted and accepted as it stood) are closed by the
        collection itself (``collection_close`` recorded why on each): their
        processes are cancelled, so their tasks leave everybody's lists."""
        for process in self.open_proposals(activation.process):
            StaffingProposalFlow.instance.cancel(process)

    def has_view_permission(self, user, obj=None):
        """Every signed-in person may open the flow's pages (each list shows only
        their scope); the cycle's own pages only Home Affairs, the committee and
        observers (unit people follow their own proposals; 404 for them)."""
        return _in_scope(
            user, obj, StaffingPlan, staffing_plan_visible_province_wide, "plan"
        )

    def has_manage_permission(self, user, obj=None):
        """Nobody undoes, cancels or revives a step by hand: numbers and the audit
        trail are final (Decree 30/2020/NĐ-CP Art. 15)."""
        return False
