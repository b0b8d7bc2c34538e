"""Numbering registers (sổ đăng ký văn bản) and the numbers they issued.

Decree 30/2020/NĐ-CP on clerical work, Art. 15 and Appendix I: every issuing agency
numbers its documents from 01 on 1 January to 31 December, one run per agency and
document type, written ``<n>/<TYPE>-<ISSUER>`` (``12/TTr-SNV``, ``345/QĐ-UBND``).
A number is never reused and never skipped; the register keeps every number it issued.
"""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgchart.constraints import CheckConstraint, UniqueConstraint
from orgchart.fields import ForeignKey

__all__ = ["NUMBER_FORMAT_FIELDS", "IssuedNumber", "NumberRegister"]

#: Placeholders a register's ``format`` may use (``str.format`` syntax, e.g.
#: ``{n:06d}`` for a zero-padded number).
NUMBER_FORMAT_FIELDS = frozenset({"n", "type", "issuer", "year"})

DOCUMENT_FORMAT = "{n}/{type}-{issuer}"


def validate_number_format(value: str) -> None:
    """Accept only ``str.format`` templates over :data:`NUMBER_FORMAT_FIELDS` that
    contain the number: no attribute or index access, nothing else."""
    try:
        fields = [
            (name, spec)
            for _literal, name, spec, _conv in string.Formatter().parse(value)
            if name is not None
        ]
        value.format(n=1, type="QĐ", issuer="UBND", year=2026)
    except (ValueError, KeyError, IndexError, AttributeError) as exc:
        raise ValidationError(
            _("This is not a valid number format: %(error)s"),
            code="invalid_number_format",
            params={"error": exc},
        ) from exc
    names = {name for name, _spec in fields}
    if not names <= NUMBER_FORMAT_FIELDS or "n" not in names:
        raise ValidationError(
            _(
                "A number format must contain {n} and may use only {n}, {type}, "
                "{issuer} and {year}, for example {n}/{type}-{issuer}."
            ),
            code="invalid_number_format",
        )


class NumberRegister(models.Model):
    """One yearly run of numbers of one issuer for one document type, Decree
    30/2020/NĐ-CP Art. 15(1): numbers start at 01 on 1 January and end on 31 December.

    ``last_number`` is the last number issued; the next one is ``last_number + 1``.
    It changes only through :func:`appraisal.services.numbering.number_issue`, which
    locks this row so two people never get the same number.
    """

    issuer = models.CharField(
        _("issuer"),
        max_length=32,
        help_text=_("Abbreviation of the issuing agency, e.g. SNV or UBND."),
    )
    doc_type = models.CharField(
        _("document type"),
        max_length=16,
        help_text=_("Type code of Decree 30/2020/NĐ-CP, e.g. QĐ, TTr, BC."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number issued"), default=0)
    format = models.CharField(
        _("number format"),
        max_length=64,
        default=DOCUMENT_FORMAT,
        validators=[validate_number_format],
        help_text=_(
            "How the number is written, with {n}, {type}, {issuer} and {year}; "
            "e.g. {n}/{type}-{issuer} gives 12/TTr-SNV."
        ),
    )

    class Meta:
        ordering = ["-year", "issuer", "doc_type"]
        verbose_name = _("numbering register")
        verbose_name_plural = _("numbering registers")
        constraints = [
            UniqueConstraint(
                fields=["issuer", "doc_type", "year"],
                name="number_register_unique_issuer_type_year",
            ),
            CheckConstraint(
                condition=Q(year__gte=1900) & Q(year__lte=9999),
                name="number_register_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type}-{self.issuer} {self.year}"

    def render(self, sequence: int) -> str:
        """The number ``sequence`` of this register as it is written on the document."""
        return self.format.format(
            n=sequence, type=self.doc_type, issuer=self.issuer, year=self.year
        )


class IssuedNumber(models.Model):
    """A number a register gave to one document, kept for the register's book
    (Decree 30/2020/NĐ-CP Art. 15, 22: documents are numbered and registered when
    issued). ``subject`` says what got it, e.g. the dossier it belongs to."""

    register = ForeignKey(
        NumberRegister,
        on_delete=models.PROTECT,
        related_name="issued",
        verbose_name=_("register"),
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    text = models.CharField(_("number"), max_length=64)
    issued_on = models.DateField(_("issued on"))
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["register", "sequence"]
        verbose_name = _("issued number")
        verbose_name_plural = _("issued numbers")
        constraints = [
            UniqueConstraint(
                fields=["register", "sequence"],
                name="issued_number_unique_register_sequence",
            ),
            CheckConstraint(
                condition=Q(sequence__gte=1), name="issued_number_sequence_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.text
