"""Steps every kind of dossier takes the same way, declared once for every flow:
who gets a step that only one person may take, and the appraisal report's
review by the head of the organisation and staffing division and signature by
the director (Decree 62/2020/NĐ-CP Art. 7(2): the Department of Home Affairs
appraises and the director signs its submission to the committee)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow import this

from .. import nodes, permissions


def dossier_of(activation):
    """The dossier the activation's process routes, whatever its kind."""
    return activation.process.dossier


def sole_candidate(activation):
    """A step only one person may take goes straight to their inbox; with several
    candidates (or none) it waits in the queue (``None`` leaves it there)."""
    return permissions.sole_candidate(activation.flow_task.name, dossier_of(activation))


def appraisal_steps(
    *, receive_view, assign_view, appraise_view, appraise_annotation, back
):
    """The one-stop desk receives the dossier (accepted: on to the division head;
    a supplement asked: back to ``back``, the proposer's step; refused: the end),
    the division head assigns the appraiser, who appraises it (a revision asked:
    back to ``back``; otherwise on to ``review_report``): the nodes ``receive``,
    ``route_reception``, ``assign_appraiser``, ``appraise`` and ``route_appraisal``,
    in that order. ``appraise_annotation`` is the appraisal step's (title,
    description): what the appraiser checks differs by kind."""
    receive = (
        nodes.View(receive_view)
        .Annotation(
            title=_("Receive the dossier"),
            description=_(
                "The one-stop desk checks the dossier is complete: accept it, ask "
                "for a supplement or refuse it."
            ),
        )
        .Assign(sole_candidate)
        .Next(this.route_reception)
    )
    route_reception = (
        nodes.Switch()
        .Annotation(title=_("Reception result"))
        .Case(
            this.assign_appraiser,
            lambda activation: dossier_of(activation).was_accepted,
        )
        .Case(back, lambda activation: dossier_of(activation).needs_supplement)
        .Default(this.end)
    )
    assign_appraiser = (
        nodes.View(assign_view)
        .Annotation(
            title=_("Assign an appraiser"),
            description=_("The division head chooses who appraises the dossier."),
        )
        .Assign(sole_candidate)
        .Next(this.appraise)
    )
    title, description = appraise_annotation
    appraise = (
        nodes.View(appraise_view)
        .Annotation(title=title, description=description)
        .Assign(lambda activation: dossier_of(activation).assigned_appraiser)
        .Next(this.route_appraisal)
    )
    route_appraisal = (
        nodes.Switch()
        .Annotation(title=_("Revision needed?"))
        .Case(back, lambda activation: dossier_of(activation).needs_revision)
        .Default(this.review_report)
    )
    return receive, route_reception, assign_appraiser, appraise, route_appraisal


def report_steps(*, review_view, sign_view, then):
    """The division head reviews the appraiser's report (passes it on, or back to
    ``appraise``), then the director signs it (on to ``then``, or back to
    ``appraise``): the nodes ``review_report``, ``route_review``, ``sign_report``
    and ``route_signature``, in that order."""
    review_report = (
        nodes.View(review_view)
        .Annotation(
            title=_("Review the appraisal report"),
            description=_(
                "The head of the organisation and staffing division reviews the "
                "appraiser's report and passes it to the director, or sends it back."
            ),
        )
        .Assign(sole_candidate)
        .Next(this.route_review)
    )
    route_review = (
        nodes.Switch()
        .Annotation(title=_("Reviewed?"))
        .Case(
            this.sign_report,
            lambda activation: dossier_of(activation).report_reviewed,
        )
        .Default(this.appraise)
    )
    sign_report = (
        nodes.View(sign_view)
        .Annotation(
            title=_("Sign the appraisal report"),
            description=_(
                "The director signs the report and the submission to the committee, "
                "or sends it back to the appraiser."
            ),
        )
        .Assign(sole_candidate)
        .Next(this.route_signature)
    )
    route_signature = (
        nodes.Switch()
        .Annotation(title=_("Signed?"))
        .Case(then, lambda activation: dossier_of(activation).report_signed)
        .Default(this.appraise)
    )
    return review_report, route_review, sign_report, route_signature
