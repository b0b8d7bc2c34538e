"""Plain Django forms of the dossier that any page can use (the flow's task pages
have their own in ``workflows.forms``). They shape what a person typed; the
services check every rule again.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Attachment, ChecklistAnswer, ChecklistCriterion
from .services.attachments import ATTACHMENT_TYPES, attachment_check


class AttachmentForm(forms.Form):
    """A document for the dossier; type, size and content are checked on the
    form already, so the person sees the problem next to the field."""

    kind = forms.ChoiceField(
        label=_("Kind of document"), choices=Attachment.Kind.choices
    )
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Allowed types: %(types)s.") % {
            "types": ", ".join(ATTACHMENT_TYPES)
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            attachment_check(upload)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return upload


class LinesImportForm(forms.Form):
    """An Excel workbook or a CSV file of lines (columns: see
    ``appraisal.services.imports``)."""

    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "At most %(mb)s MB; the first row names the columns."
        ) % {"mb": settings.IMPORT_MAX_BYTES // 1024 // 1024}


class ChecklistAnswersForm(forms.Form):
    """One result and one note per active manual criterion. ``answers()`` gives
    the mapping :func:`appraisal.services.projects.report_save` takes."""

    def __init__(self, *args, report=None, **kwargs):
        self.criteria = list(ChecklistCriterion.objects.filter(active=True))
        existing = {}
        if report is not None and report.pk:
            existing = {a.criterion_id: a for a in report.answers.all()}
        initial = kwargs.setdefault("initial", {})
        for criterion in self.criteria:
            answer = existing.get(criterion.pk)
            if answer is not None:
                initial.setdefault(f"result_{criterion.code}", answer.result)
                initial.setdefault(f"note_{criterion.code}", answer.note)
        super().__init__(*args, **kwargs)
        for criterion in self.criteria:
            self.fields[f"result_{criterion.code}"] = forms.ChoiceField(
                label=criterion.display_label,
                choices=[("", _("Not answered yet")), *ChecklistAnswer.Result.choices],
                required=False,
                help_text=criterion.legal_basis,
            )
            self.fields[f"note_{criterion.code}"] = forms.CharField(
                label=_("Note"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def answers(self) -> dict[str, dict[str, str]]:
        return {
            criterion.code: {
                "result": self.cleaned_data.get(f"result_{criterion.code}", ""),
                "note": self.cleaned_data.get(f"note_{criterion.code}", ""),
            }
            for criterion in self.criteria
        }
