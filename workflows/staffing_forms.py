"""Forms of the staffing plan's task pages. They check what a person typed (whole
numbers, required reasons); the rules themselves are the services' of
``appraisal.services.staffing``, whose refusals are shown beside these fields."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.models import (
    AppraisalReport,
    PostKind,
    ReductionTarget,
    StaffingProposalLine,
)
from appraisal.services.staffing import ABSURD_NUMBER
from orgchart.models import Unit
from orgchart.permissions import Role
from orgchart.selectors import person_name

from .forms import CommentForm

KIND_LABELS = dict(PostKind.choices)

#: The kinds of unit asked for a proposal unless Home Affairs chooses otherwise:
#: every agency, public service unit and commune (Dispatch 4966/BNV-TCBC: the
#: agencies and the public service units propose; communes since the two-tier
#: government of 1 July 2025).
DEFAULT_PARTICIPANTS = (
    Unit.Kind.DEPARTMENT,
    Unit.Kind.PUBLIC_SERVICE_UNIT,
    Unit.Kind.COMMUNE_PC,
)
#: The kinds of unit that may take part (a commune's divisions and its service
#: centre are within the commune's own numbers).
PARTICIPANT_KINDS = (*DEFAULT_PARTICIPANTS, Unit.Kind.DIVISION)

FIGURES = ("ceiling", "reserve", "base_year_count")


def _number(label, *, required=False):
    return forms.IntegerField(
        label=label, required=required, min_value=0, max_value=ABSURD_NUMBER
    )


class UnitChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class StaffingPlanOpenForm(forms.Form):
    """The year's cycle as Home Affairs opens it: the year and base year, the
    deadline, the appraiser who leads it, the province's figures for each kind of
    post (a kind left without a ceiling is not part of the plan) and the units
    asked."""

    year = forms.IntegerField(label=_("Year of the plan"), min_value=2000)
    base_year = forms.IntegerField(
        label=_("Base year of the reduction targets"), min_value=2000
    )
    proposal_deadline = forms.DateField(
        label=_("Proposal deadline"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    appraiser = forms.ModelChoiceField(
        label=_("Appraiser who leads the cycle"),
        queryset=get_user_model().objects.none(),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("Decree 62/2020/NĐ-CP, Art. 10; Official Dispatch 4966/BNV-TCBC"),
    )
    units = UnitChoices(
        label=_("Units asked for a proposal"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Every agency, public service unit and commune is asked unless you "
            "untick it."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        first_day = datetime.date(today.year + 1, 1, 1)
        # The target in force on 1 January of next year, or else the latest one
        # (the next period's targets are often issued late: Home Affairs carries
        # the last one forward or types another).
        targets = {
            target.post_kind: target
            for target in ReductionTarget.objects.filter(
                valid_from__lte=first_day
            ).order_by("valid_from", "pk")
        }
        self.targets = targets
        self.kinds = []
        for kind, label in PostKind.choices:
            target = targets.get(kind)
            names = {figure: f"{figure}_{kind}" for figure in FIGURES}
            names["reduction"] = f"reduction_{kind}"
            self.fields[names["ceiling"]] = _number(_("Ceiling"))
            self.fields[names["reserve"]] = _number(_("Reserve"))
            self.fields[names["base_year_count"]] = _number(_("Count in the base year"))
            self.fields[names["reduction"]] = forms.DecimalField(
                label=_("Reduction target, %"),
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                initial=target.percent if target else None,
                help_text=target.legal_basis if target else "",
            )
            self.kinds.append({"kind": kind, "label": label, "names": names})
        self.fields["year"].initial = today.year + 1
        if targets:
            self.fields["base_year"].initial = min(
                target.base_year for target in targets.values()
            )
        self.fields["proposal_deadline"].initial = today + datetime.timedelta(days=30)
        appraisers = (
            get_user_model()
            .objects.filter(is_active=True, groups__name=Role.APPRAISER)
            .order_by("last_name", "first_name", "username")
            .distinct()
        )
        self.fields["appraiser"].queryset = appraisers
        self.fields["appraiser"].label_from_instance = person_name
        units = (
            Unit.objects.active_on(today)
            .filter(kind__in=PARTICIPANT_KINDS)
            .order_by("path")
        )
        self.fields["units"].queryset = units
        self.fields["units"].initial = [
            unit.pk for unit in units if unit.kind in DEFAULT_PARTICIPANTS
        ]

    def kind_rows(self):
        """Per kind of post: its label and its bound fields, for the table."""
        return [
            {
                "kind": row["kind"],
                "label": row["label"],
                "fields": [self[name] for name in row["names"].values()],
            }
            for row in self.kinds
        ]

    def clean(self):
        cleaned = super().clean()
        ceilings = {}
        for row in self.kinds:
            names = row["names"]
            if cleaned.get(names["ceiling"]) is None:
                continue
            figures = {figure: cleaned.get(names[figure]) or 0 for figure in FIGURES}
            percent = cleaned.get(names["reduction"])
            if percent is not None:
                figures["reduction_percent"] = percent
                target = self.targets.get(row["kind"])
                if target is not None and target.percent == percent:
                    figures["reduction_basis"] = target.legal_basis
            ceilings[row["kind"]] = figures
        if not ceilings and not self.errors:
            raise forms.ValidationError(
                _("Give the ceiling of at least one kind of post."), code="ceilings"
            )
        cleaned["ceilings"] = ceilings
        return cleaned


class ProposalLinesForm(forms.Form):
    """A unit's numbers for each kind of post of the plan: the number actually
    employed, the number proposed and the justification (the number assigned
    this year is shown, not typed)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, lines: list[StaffingProposalLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            kind = line.post_kind
            self.fields[f"{kind}-actual"] = _number(_("Employed"), required=True)
            self.fields[f"{kind}-proposed"] = _number(_("Proposed"), required=True)
            self.fields[f"{kind}-justification"] = forms.CharField(
                label=_("Justification"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @staticmethod
    def initial_for(lines, version: int) -> dict:
        initial = {"version": version}
        for line in lines:
            initial[f"{line.post_kind}-actual"] = line.actual
            initial[f"{line.post_kind}-proposed"] = line.proposed
            initial[f"{line.post_kind}-justification"] = line.justification
        return initial

    def rows(self):
        return [
            {
                "line": line,
                "label": KIND_LABELS.get(line.post_kind, line.post_kind),
                "actual": self[f"{line.post_kind}-actual"],
                "proposed": self[f"{line.post_kind}-proposed"],
                "justification": self[f"{line.post_kind}-justification"],
            }
            for line in self.lines
        ]

    def line_data(self) -> dict[str, dict]:
        data = self.cleaned_data
        return {
            line.post_kind: {
                "actual": data[f"{line.post_kind}-actual"],
                "proposed": data[f"{line.post_kind}-proposed"],
                "justification": data[f"{line.post_kind}-justification"],
            }
            for line in self.lines
        }


def _require_reason(form, cleaned: dict, *, needed: bool, field: str, message):
    """Put ``message`` on ``field`` when the chosen action needs a reason and
    none is given."""
    if needed and not (cleaned.get(field) or "").strip():
        form.add_error(field, forms.ValidationError(message, code="reason_required"))


class ProposalReviewForm(forms.Form):
    """The appraiser's answer to a unit's proposal."""

    ACCEPT, REVISE = "accept", "request_revision"

    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ACCEPT, _("Accept the proposal into the province's summary")),
            (REVISE, _("Ask the unit to revise its proposal")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("What the unit must revise"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        _require_reason(
            self,
            cleaned,
            needed=cleaned.get("action") == self.REVISE,
            field="reason",
            message=_("Say what the unit must revise."),
        )
        return cleaned


class ConfirmForm(forms.Form):
    """A step with nothing to type: the button is the decision."""


class AdjustForm(forms.Form):
    """The appraiser's change of one unit's number for one kind of post, with the
    number they saw (``expected``: a change made meanwhile by someone else is
    refused) and the reason."""

    expected = forms.IntegerField(widget=forms.HiddenInput)
    to_number = forms.IntegerField(
        label=_("New number"),
        min_value=0,
        max_value=ABSURD_NUMBER,
        widget=forms.NumberInput(attrs={"aria-label": _("New number")}),
    )
    reason = forms.CharField(label=_("Reason of the change"), max_length=2000)


class PlanReportForm(forms.Form):
    """The appraisal report of the staffing plan: the recommendation and the text
    (the checks are computed and shown beside it)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    recommendation = forms.ChoiceField(
        label=_("Recommendation"),
        choices=[("", "---------"), *AppraisalReport.Recommendation.choices],
        required=False,
    )
    text = forms.CharField(
        label=_("Report"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )


class ResolutionForm(forms.Form):
    """The Provincial People's Council's resolution on the payroll."""

    number = forms.CharField(
        label=_("Resolution number"),
        max_length=64,
        help_text=_("For example 25/NQ-HĐND."),
    )
    date = forms.DateField(
        label=_("Date of the resolution"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class PlanDecideForm(CommentForm):
    """The committee's decision on the plan. An approval is refused while a
    province total is above its ceiling (the service says which); the allocation
    takes effect on 1 January of the plan's year."""

    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approved", _("Approve the staffing plan")),
            ("returned", _("Return to the Department of Home Affairs")),
            ("rejected", _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    field_order = ["outcome", "comment"]

    def clean(self):
        cleaned = super().clean()
        _require_reason(
            self,
            cleaned,
            needed=cleaned.get("outcome") in ("returned", "rejected"),
            field="comment",
            message=_("Give the reason for returning or rejecting the plan."),
        )
        return cleaned
