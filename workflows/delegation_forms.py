"""The forms of the page "Ủy quyền" (delegations) and of Home Affairs'
reassignment of an absent appraiser's dossiers. They only collect the choice; the
rules are ``appraisal.services.delegations``'s."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.models import Delegation
from appraisal.selectors.delegations import (
    appraiser_list_active,
    delegation_candidates,
)
from orgchart.selectors import user_group_names


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(
        label=_("Colleague who acts for me"),
        queryset=get_user_model().objects.none(),
    )
    role = forms.ChoiceField(label=_("In the role"), choices=())
    starts_on = forms.DateField(label=_("From date"))
    ends_on = forms.DateField(label=_("Until (inclusive)"))
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        held = user_group_names(user=user)
        self.fields["role"].choices = [
            (value, label) for value, label in Delegation.ROLE_CHOICES if value in held
        ]
        self.fields["delegate"].queryset = delegation_candidates(user=user)
        self.fields["delegate"].label_from_instance = _person
        self.fields["starts_on"].initial = timezone.localdate()


class ReassignForm(forms.Form):
    absent = forms.ModelChoiceField(
        label=_("Absent appraiser"), queryset=get_user_model().objects.none()
    )
    appraiser = forms.ModelChoiceField(
        label=_("New appraiser"), queryset=get_user_model().objects.none()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("absent", "appraiser"):
            self.fields[name].queryset = appraiser_list_active()
            self.fields[name].label_from_instance = _person
