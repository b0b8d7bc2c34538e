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
