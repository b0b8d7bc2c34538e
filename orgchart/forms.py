"""Forms of the organisational-chart pages: the "as of date" picker and the
search and subtree filters of the chart browser."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: ISO first (what the browser's date picker sends), then the way dates are
#: written in Vietnamese administrative documents.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]


def today() -> datetime.date:
    """Today in the province (``TIME_ZONE`` is Asia/Ho_Chi_Minh)."""
    return timezone.localdate()


class AsOfForm(forms.Form):
    """The date the chart and the establishment are shown as of (default: today)."""

    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": _("Enter a valid date, for example 2026-01-31 or 31/01/2026.")
        },
    )

    def __init__(self, data=None, **kwargs):
        # Bound to the query string only when it carries one of our fields, so
        # that a first visit shows today without an error.
        if data is not None and not any(name in data for name in self.base_fields):
            data = None
        super().__init__(data, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("as_of", today())

    def clean_as_of(self) -> datetime.date:
        return self.cleaned_data.get("as_of") or today()

    def value(self, name: str, default=None):
        """The cleaned value of one field, or ``default`` when it is empty or not
        valid: a bad date does not throw away a good search, and vice versa."""
        if not self.is_bound:
            return default
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    @property
    def date(self) -> datetime.date:
        """The chosen date, or today when there is none or it is not valid (the
        page then shows today's chart with the error above it)."""
        return self.value("as_of") or today()


class ChartFilterForm(AsOfForm):
    """Filters of the chart browser: a date, a name or code, a subtree."""

    q = forms.CharField(
        label=_("Name or code"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    root = forms.IntegerField(
        label=_("Sub-tree of unit"),
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
    )

    @property
    def search(self) -> str:
        return self.value("q", "")

    @property
    def root_id(self) -> int | None:
        return self.value("root")


class ImportFileForm(forms.Form):
    """The spreadsheet of an import (xlsx or csv)."""

    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
