"""Forms of the unit consolidation's pages. They only shape and validate what a
person typed; every rule about the consolidation (a closed source, a unit in
another consolidation, a clashing code, a cycle in the tree, the number of
sources and successors of each kind, an unmapped position) is checked by the
service the page calls (``appraisal.services.consolidation``)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.models import (
    Consolidation,
    ConsolidationOperation,
    ExternalDecision,
    PositionMapping,
)
from orgchart.models import Unit

from . import permissions
from .forms import CommentForm

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class UnitMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


def units_for_proposer(user):
    """The active units ``user`` may propose a consolidation for: every unit for
    Home Affairs, the units granted to a unit officer otherwise."""
    units = Unit.objects.active_on(timezone.localdate()).order_by("path")
    if permissions.HOME_AFFAIRS_PROPOSERS & permissions.group_names(user):
        return units
    return units.filter(permissions.unit_filter(user, permissions.ACT_FOR_UNIT))


class ConsolidationStartForm(forms.Form):
    """A new consolidation: the unit whose sub-units it reorganises, its title,
    whether it concerns agencies or administrative units, its legal basis."""

    unit = UnitChoice(label=_("Unit"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=255)
    scope = forms.ChoiceField(label=_("Concerns"), choices=Consolidation.Scope.choices)
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for_proposer(user)


class ConsolidationFieldsForm(forms.Form):
    """The dossier's own fields on the proposal page."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=255)
    scope = forms.ChoiceField(label=_("Concerns"), choices=Consolidation.Scope.choices)
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, widget=forms.Textarea({"rows": 3})
    )


class OperationForm(forms.Form):
    """One operation to add: its kind, date, sources and successors (existing
    units, or up to two new units described here)."""

    NEW_SUCCESSORS = 2

    kind = forms.ChoiceField(
        label=_("Operation"), choices=ConsolidationOperation.Kind.choices
    )
    effective_date = forms.DateField(label=_("Effective date"), widget=DATE_WIDGET)
    sources = UnitMultipleChoice(
        label=_("Source units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    existing_successors = UnitMultipleChoice(
        label=_("Existing successor units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    voters_in_favour_pct = forms.DecimalField(
        label=_("Voters in favour, %"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.active_on(timezone.localdate()).order_by("path")
        self.fields["sources"].queryset = units
        self.fields["existing_successors"].queryset = units
        for index in range(1, self.NEW_SUCCESSORS + 1):
            label = _("New unit %(n)s") % {"n": index}
            self.fields[f"new{index}_name"] = forms.CharField(
                label=_("%(unit)s: name") % {"unit": label},
                max_length=255,
                required=False,
            )
            self.fields[f"new{index}_code"] = forms.CharField(
                label=_("%(unit)s: code") % {"unit": label},
                max_length=32,
                required=False,
            )
            self.fields[f"new{index}_kind"] = forms.ChoiceField(
                label=_("%(unit)s: kind") % {"unit": label},
                choices=[("", "—"), *Unit.Kind.choices],
                required=False,
            )
            self.fields[f"new{index}_level"] = forms.ChoiceField(
                label=_("%(unit)s: level") % {"unit": label},
                choices=[("", "—"), *Unit.Level.choices],
                required=False,
            )
            self.fields[f"new{index}_parent"] = UnitChoice(
                label=_("%(unit)s: parent unit") % {"unit": label},
                queryset=units,
                required=False,
            )
            self.fields[f"new{index}_admin_code"] = forms.CharField(
                label=_("%(unit)s: official administrative code") % {"unit": label},
                max_length=16,
                required=False,
            )

    def successors(self) -> list[dict]:
        """The successors as the service takes them."""
        data = self.cleaned_data
        successors = [{"unit": unit} for unit in data.get("existing_successors", [])]
        for index in range(1, self.NEW_SUCCESSORS + 1):
            name = (data.get(f"new{index}_name") or "").strip()
            if not name:
                continue
            successors.append(
                {
                    "name": name,
                    "code": (data.get(f"new{index}_code") or "").strip(),
                    "kind": data.get(f"new{index}_kind") or "",
                    "level": data.get(f"new{index}_level") or "",
                    "parent": data.get(f"new{index}_parent"),
                    "admin_code": (data.get(f"new{index}_admin_code") or "").strip(),
                }
            )
        return successors

    def new_successor_rows(self) -> list[list]:
        """The bound fields of each new unit, one row per unit (for the page)."""
        names = ("name", "code", "kind", "level", "parent", "admin_code")
        return [
            [self[f"new{index}_{name}"] for name in names]
            for index in range(1, self.NEW_SUCCESSORS + 1)
        ]


class MappingRowForm(forms.Form):
    """Where one source position goes."""

    source_position_id = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(
        label=_("Action"), choices=PositionMapping.Action.choices
    )
    successor_id = forms.TypedChoiceField(
        label=_("Successor"), coerce=int, required=False, empty_value=None
    )
    target_name = forms.CharField(
        label=_("Name in the successor"), max_length=255, required=False
    )
    headcount = forms.IntegerField(label=_("Headcount"), min_value=0)

    def __init__(self, *args, successor_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor_id"].choices = [("", "—"), *successor_choices]


class BaseMappingFormSet(forms.BaseFormSet):
    def __init__(self, *args, successor_choices=(), **kwargs):
        self.successor_choices = successor_choices
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {
            **super().get_form_kwargs(index),
            "successor_choices": self.successor_choices,
        }

    def rows(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.cleaned_data]


MappingFormSet = forms.formset_factory(
    MappingRowForm, formset=BaseMappingFormSet, extra=0
)


class MappingImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("The template's columns; every row is checked before saving."),
    )


class ExternalDecisionForm(CommentForm):
    """A resolution the law requires (People's Council, NA Standing Committee)."""

    body = forms.ChoiceField(label=_("Body"), choices=ExternalDecision.Body.choices)
    number = forms.CharField(
        label=_("Resolution number"),
        max_length=64,
        help_text=_("For example 1243/NQ-UBTVQH15."),
    )
    date = forms.DateField(label=_("Date of the resolution"), widget=DATE_WIDGET)
    field_order = ["body", "number", "date", "comment"]


class ConsolidationDecideForm(CommentForm):
    """The committee's decision; the dates are the operations' own."""

    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approved", _("Approve (the decision gets its number now)")),
            ("returned", _("Return to the Department of Home Affairs")),
            ("rejected", _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    field_order = ["outcome", "comment"]

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") in ("returned", "rejected")
            and not (cleaned.get("comment") or "").strip()
        ):
            self.add_error(
                "comment",
                forms.ValidationError(
                    _("Give the reasons for returning or rejecting the dossier."),
                    code="reason_required",
                ),
            )
        return cleaned


class ProposeForm(CommentForm):
    """Completing the proposal step: the comment for the record."""
