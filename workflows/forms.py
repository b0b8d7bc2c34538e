"""Forms of the job-position project's task pages, and the year picker of the
payroll card on a unit's page.

They only shape and validate what a person typed; every rule about the dossier is
checked again by the service the page calls (``appraisal.services.projects``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property, partial

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.models import (
    AppraisalReport,
    Attachment,
    ChecklistAnswer,
    ChecklistCriterion,
    JobPositionProject,
    LineAction,
    ProjectLine,
)
from appraisal.selectors.projects import appraiser_list_eligible
from orgchart.models import CatalogueEntry, JobPosition, PositionCategory, Rank, Unit

from . import permissions


class CommentForm(forms.Form):
    """The optional comment of the person completing a task; it goes to the
    dossier's audit trail with their name, the time and their address."""

    comment = forms.CharField(
        label=_("Comment for the record"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; kept in the dossier's history with your name."),
    )


class ProjectStartForm(forms.Form):
    """A new draft: for which unit, what kind of project, its title."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(
        label=_("Kind of project"), choices=JobPositionProject.Kind.choices
    )
    title = forms.CharField(label=_("Title"), max_length=255)
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, widget=forms.Textarea({"rows": 3})
    )
    justification = forms.CharField(
        label=_("Justification"), required=False, widget=forms.Textarea({"rows": 4})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            Unit.objects.active_on(timezone.localdate())
            .filter(permissions.unit_filter(user, permissions.ACT_FOR_UNIT))
            .order_by("path")
        )


class ProjectFieldsForm(forms.Form):
    """The project's own text: title, legal basis and justification. ``version`` is
    the dossier's version the page was built on: a stale page is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    title = forms.CharField(label=_("Title"), max_length=255)
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, widget=forms.Textarea({"rows": 3})
    )
    justification = forms.CharField(
        label=_("Justification"), required=False, widget=forms.Textarea({"rows": 4})
    )


class LazyMapping(Mapping):
    """A mapping read from ``load()`` the first time it is used."""

    def __init__(self, load):
        self._load = load

    @cached_property
    def _data(self) -> Mapping:
        return self._load()

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class CatalogueSelect(forms.Select):
    """The catalogue entry of a line; each option carries the entry's standard
    name, category and usual rank (``data-*``), which the lines table copies into
    the row when the entry is chosen."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-fill": "catalogue", **(attrs or {})}, choices)
        self.option_data: dict[str, dict[str, str]] = {}

    def create_option(self, name, value, label, selected, index, *args, **kwargs):
        option = super().create_option(
            name, value, label, selected, index, *args, **kwargs
        )
        data = self.option_data.get(str(getattr(value, "value", value)))
        if data:
            option["attrs"].update(data)
        return option


class ProjectLineForm(forms.ModelForm):
    """One proposed position; ``key`` keeps the line's identity across edits so the
    appraiser's diff shows it as changed rather than removed and added."""

    key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = ProjectLine
        fields = [
            "action",
            "position",
            "catalogue_entry",
            "name",
            "category",
            "rank",
            "headcount",
            "job_description",
            "competency_framework",
        ]
        widgets = {
            "job_description": forms.Textarea(attrs={"rows": 2}),
            "competency_framework": forms.Textarea(attrs={"rows": 2}),
            "headcount": forms.NumberInput(attrs={"min": 0, "style": "width:5em"}),
            "catalogue_entry": CatalogueSelect,
        }

    def line_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        if self.cleaned_data.get("key"):
            data["key"] = self.cleaned_data["key"]
        if data.get("headcount") is None and data.get("action") == LineAction.END:
            data.pop("headcount")
        return data


class BaseProjectLineFormSet(forms.BaseFormSet):
    """The lines as an editable table: rows are added in the browser (or with the
    blank row), removed with their "remove" box; choices are read once for the
    whole table, not once per row, and only when the table is drawn (a POST that
    succeeds redirects without drawing it)."""

    def __init__(self, *args, unit: Unit, **kwargs):
        self.unit = unit
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self._querysets = {
            "position": JobPosition.objects.active_on(today)
            .filter(unit=unit)
            .order_by("name"),
            "catalogue_entry": CatalogueEntry.objects.select_related("category"),
            "category": PositionCategory.objects.all(),
            "rank": Rank.objects.all(),
        }
        self._choices: dict[str, list] = {}

    def _choices_of(self, name: str) -> list:
        if name not in self._choices:
            field = forms.ModelChoiceField(
                queryset=self._querysets[name], required=False
            )
            self._choices[name] = list(field.choices)
        return self._choices[name]

    @cached_property
    def _catalogue_data(self) -> dict[str, dict[str, str]]:
        return catalogue_fill_data(self._querysets["catalogue_entry"])

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        self._share_choices(form)
        return form

    @property
    def empty_form(self):
        form = super().empty_form
        self._share_choices(form)
        return form

    def _share_choices(self, form):
        for name, queryset in self._querysets.items():
            form.fields[name].queryset = queryset
            form.fields[name].choices = partial(self._choices_of, name)
        form.fields["catalogue_entry"].widget.option_data = LazyMapping(
            lambda: self._catalogue_data
        )

    def line_data(self) -> list[dict]:
        return [
            form.line_data()
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form)
        ]


def catalogue_fill_data(entries) -> dict[str, dict[str, str]]:
    """For each catalogue entry: its name, category and usual rank (the first rank,
    by code, at the lowest level the entry allows), as ``data-*`` attributes."""
    first_rank: dict[str, int] = {}
    for pk, level in Rank.objects.order_by("code").values_list("pk", "ladder_level"):
        first_rank.setdefault(level, pk)
    return {
        str(entry.pk): {
            "data-name": entry.name,
            "data-category": str(entry.category_id),
            "data-rank": str(first_rank.get(entry.lowest_level, "")),
        }
        for entry in entries
    }


ProjectLineFormSet = forms.formset_factory(
    ProjectLineForm, formset=BaseProjectLineFormSet, extra=1, can_delete=True
)


def line_initial(line: ProjectLine) -> dict:
    return {
        "key": line.key,
        "action": line.action,
        "position": line.position_id,
        "catalogue_entry": line.catalogue_entry_id,
        "name": line.name,
        "category": line.category_id,
        "rank": line.rank_id,
        "headcount": line.headcount,
        "job_description": line.job_description,
        "competency_framework": line.competency_framework,
    }


class LinesImportForm(forms.Form):
    """An Excel (or CSV) file of lines replacing the draft's lines, all or nothing."""

    file = forms.FileField(
        label=_("Excel file of lines"),
        help_text=_(
            "The lines of the file replace the draft's lines if every row is valid; "
            "otherwise nothing changes and each bad row is listed."
        ),
    )


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Document"),
        choices=[(kind.value, kind.label) for kind in Attachment.UPLOAD_KINDS],
    )
    file = forms.FileField(label=_("File"))


class SubmitForm(CommentForm):
    """The unit head signs and submits, or sends the dossier back to the unit
    officer with what to correct (nothing chosen: submit, as before)."""

    SUBMIT, SEND_BACK = "submit", "send_back"

    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (SUBMIT, _("Sign and submit the dossier to the Department")),
            (SEND_BACK, _("Send the dossier back to the unit officer")),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial=SUBMIT,
    )
    reason = forms.CharField(
        label=_("What the officer must correct"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field_order = ["action", "reason", "comment"]

    def clean(self):
        cleaned = super().clean()
        cleaned["action"] = cleaned.get("action") or self.SUBMIT
        if (
            cleaned["action"] == self.SEND_BACK
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error(
                "reason",
                forms.ValidationError(
                    _("Say what the officer must correct."), code="reason_required"
                ),
            )
        return cleaned


class ReceiveForm(CommentForm):
    """The one-stop desk's answer (Decree 61/2018/NĐ-CP Art. 19: a complete dossier
    is received with a receipt; an incomplete one is returned with what is missing;
    one outside the procedure is refused with the reason)."""

    ACCEPT, SUPPLEMENT, REFUSE = "accept", "supplement", "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ACCEPT, _("Accept: issue the receipt and start the clock")),
            (SUPPLEMENT, _("Request a supplement from the unit (the clock stops)")),
            (REFUSE, _("Refuse the dossier")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("What is missing, or why the dossier is refused"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field_order = ["decision", "reason", "comment"]

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("decision") in (self.SUPPLEMENT, self.REFUSE)
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error(
                "reason",
                forms.ValidationError(
                    _("Say what the unit must supply, or why the dossier is refused."),
                    code="reason_required",
                ),
            )
        return cleaned


class AssignAppraiserForm(CommentForm):
    """The division head's choice of appraiser; people who draft or sign for the
    dossier's unit are not offered (separation of duties)."""

    appraiser = forms.ModelChoiceField(
        label=_("Appraiser"), queryset=get_user_model().objects.none()
    )
    field_order = ["appraiser", "comment"]

    def __init__(self, *args, project: JobPositionProject, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appraiser"].queryset = appraiser_list_eligible(
            project=project
        ).order_by("last_name", "first_name", "username")
        self.fields["appraiser"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )


class RemarkForm(forms.Form):
    """A remark of the appraiser on one line or on the whole project."""

    line = forms.ModelChoiceField(
        label=_("Line"),
        queryset=ProjectLine.objects.none(),
        required=False,
        empty_label=_("The whole project"),
    )
    # Not required by the field: the remark is part of the appraiser's one page
    # form, and only the "add the remark" button needs it.
    text = forms.CharField(
        label=_("Remark"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, project: JobPositionProject, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = project.lines.order_by("order", "pk")

    def clean_text(self):
        text = (self.cleaned_data.get("text") or "").strip()
        if not text:
            raise forms.ValidationError(
                _("Write the remark before adding it."), code="required"
            )
        return text


class AppraiseForm(CommentForm):
    """What the appraiser does with the dossier now."""

    REQUEST_REVISION, COMPLETE = "request_revision", "complete"

    action = forms.ChoiceField(
        label=_("Next step"),
        choices=[
            (COMPLETE, _("Complete the report and send it to the division head")),
            (REQUEST_REVISION, _("Send the dossier back to the unit for revision")),
        ],
        widget=forms.RadioSelect,
    )
    field_order = ["action", "comment"]


class ReportForm(forms.Form):
    """The appraisal report's draft: recommendation, text and the answer to every
    active manual criterion (saved as often as needed; all must be answered before
    the report is complete)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    recommendation = forms.ChoiceField(
        label=_("Recommendation"),
        choices=[("", "---------"), *AppraisalReport.Recommendation.choices],
        required=False,
    )
    text = forms.CharField(
        label=_("Report"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args, criteria: list[ChecklistCriterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"answer_{criterion.code}"] = forms.ChoiceField(
                label=criterion.display_label,
                choices=[("", "---------"), *ChecklistAnswer.Result.choices],
                required=False,
                help_text=criterion.legal_basis,
            )
            self.fields[f"note_{criterion.code}"] = forms.CharField(
                label=_("Note"), required=False
            )

    def report_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "recommendation": data["recommendation"],
            "text": data["text"],
            # The criteria as read for the form: the service takes them as read.
            "answers": [
                {
                    "criterion": criterion,
                    "result": data[f"answer_{criterion.code}"],
                    "note": data[f"note_{criterion.code}"],
                }
                for criterion in self.criteria
            ],
        }


def report_initial(report: AppraisalReport | None, version: int) -> dict:
    initial = {"version": version}
    if report is None:
        return initial
    initial.update(recommendation=report.recommendation, text=report.text)
    for answer in report.answers.all():
        initial[f"answer_{answer.criterion.code}"] = answer.result
        initial[f"note_{answer.criterion.code}"] = answer.note
    return initial


class SignReportForm(CommentForm):
    SIGN, SEND_BACK = "sign", "send_back"

    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (SIGN, _("Sign the report and the submission to the committee")),
            (SEND_BACK, _("Send the report back to the appraiser")),
        ],
        widget=forms.RadioSelect,
    )
    field_order = ["action", "comment"]

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("action") == self.SEND_BACK
            and not (cleaned.get("comment") or "").strip()
        ):
            self.add_error(
                "comment",
                forms.ValidationError(
                    _("Say what the appraiser must change."), code="comment_required"
                ),
            )
        return cleaned


class ReviewReportForm(SignReportForm):
    """The division head's review of the appraiser's report."""

    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (SignReportForm.SIGN, _("Pass the report to the director for signature")),
            (SignReportForm.SEND_BACK, _("Send the report back to the appraiser")),
        ],
        widget=forms.RadioSelect,
    )


class DecideForm(CommentForm):
    """The committee's decision (Decree 62/2020/NĐ-CP Art. 7(3))."""

    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approved", _("Approve (the decision gets its number now)")),
            ("returned", _("Return to the Department of Home Affairs")),
            ("rejected", _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    effective_date = forms.DateField(
        label=_("Effective date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the approved positions take effect."),
    )
    field_order = ["outcome", "effective_date", "comment"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == "approved" and not cleaned.get("effective_date"):
            self.add_error(
                "effective_date",
                forms.ValidationError(
                    _("An approval needs the date it takes effect."),
                    code="effective_date_required",
                ),
            )
        if (
            cleaned.get("outcome") in ("returned", "rejected")
            and not (cleaned.get("comment") or "").strip()
        ):
            self.add_error(
                "comment",
                forms.ValidationError(
                    _("Give the reason for returning or rejecting the project."),
                    code="reason_required",
                ),
            )
        return cleaned


class UnitPayrollYearForm(forms.Form):
    """The year of the payroll card (biên chế) on a unit's page; this year when the
    query string has none. A year that is not one (a word, 0, 99999) is reported
    above the card, which then shows this year: never an error page."""

    FIRST_YEAR = 1990
    LAST_YEAR = 2100

    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            key: _("Enter a year such as 2027; this year is shown instead.")
            for key in ("invalid", "min_value", "max_value")
        },
    )

    def __init__(self, data=None, **kwargs):
        # Bound only when the query string carries a year, so that the unit page
        # opened without one shows this year without an error.
        if data is not None and "year" not in data:
            data = None
        super().__init__(data, **kwargs)

    @property
    def chosen_year(self) -> int:
        """The year asked for, or this year when none or a bad one was given."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("year"):
            return self.cleaned_data["year"]
        return timezone.localdate().year
