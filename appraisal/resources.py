"""Import and export of the payroll quotas in force (biên chế, số người làm việc,
hợp đồng theo Nghị định 111/2022) as the province decided them before its
staffing plans were run here: one row per unit, year and kind of post.

The rules of every org-chart import hold (``orgchart.resources``): all or
nothing, every bad row named, the columns checked first, an exported file
imports back unchanged. Besides: a unit, year and kind given twice in the file
is refused, and a quota the committee allocated through a staffing plan of
this system is never changed by a spreadsheet (a new plan changes it).
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgchart.imports import (
    CellError,
    ChoiceWidget,
    UnitCodeWidget,
    WholeNumberWidget,
)
from orgchart.models import Unit
from orgchart.resources import ReferenceResource, _column

from .models import PostKind, UnitQuota


def _this_year() -> str:
    return str(timezone.localdate().year)


class UnitQuotaResource(ReferenceResource):
    """The payroll quotas of units (Decree 62/2020/NĐ-CP Art. 10), by unit code,
    year and kind of post."""

    unit_code = _column(
        "unit_code",
        "unit",
        UnitCodeWidget(
            Unit, unknown_message=_("unknown unit code %(code)s."), cached=True
        ),
        header="Mã đơn vị",
    )
    year = _column("year", widget=WholeNumberWidget(), header="Năm", sample=_this_year)
    post_kind = _column(
        "post_kind",
        widget=ChoiceWidget(PostKind.choices, default=PostKind.CIVIL_SERVANT),
        header="Loại biên chế",
    )
    headcount = _column(
        "headcount", widget=WholeNumberWidget(), header="Số được giao", sample="25"
    )
    decision_number = _column(
        "decision_number", header="Số quyết định", sample="120/QĐ-UBND"
    )
    legal_basis = _column("legal_basis", header="Căn cứ")

    required_columns = ("unit_code", "year", "headcount")

    class Meta(ReferenceResource.Meta):
        model = UnitQuota
        name = _("Payroll quotas")
        import_id_fields = ["unit_code", "year", "post_kind"]
        fields = (
            "unit_code", "year", "post_kind", "headcount", "decision_number",
            "legal_basis",
        )  # fmt: skip
        import_order = export_order = fields

    def get_queryset(self):
        return UnitQuota.objects.select_related("unit")

    def get_instance(self, instance_loader, row):
        """The quota of the row's unit, year and kind, if there is one (a cell
        that cannot be read is reported by ``import_instance``)."""
        try:
            unit = self.fields["unit_code"].widget.clean(row.get("unit_code"), row)
            year = WholeNumberWidget().clean(row.get("year"))
            kind = self.fields["post_kind"].widget.clean(row.get("post_kind"), row)
        except (CellError, ValueError):
            return None
        if unit is None or year is None:
            return None
        return (
            self.get_queryset()
            .filter(unit=unit, year=year, post_kind=kind or PostKind.CIVIL_SERVANT)
            .first()
        )

    def check_row(self, instance, row, line, errors):
        """The same unit, year and kind twice in the file; a quota allocated by a
        staffing plan's decision, which only a new plan changes."""
        if {"unit", "year", "post_kind"} & set(errors):
            return {}
        key = (instance.unit_id, instance.year, instance.post_kind)
        first = self._seen.setdefault(key, line)
        if first != line:
            return {
                NON_FIELD_ERRORS: ValidationError(
                    _(
                        "the same unit, year and kind of post appear more than once "
                        "in the file (also on line %(line)s)."
                    ),
                    code="duplicate_in_file",
                    params={"line": first},
                )
            }
        if instance.pk and instance.plan_id:
            stored = UnitQuota.objects.get(pk=instance.pk)
            if (stored.headcount, stored.decision_number, stored.legal_basis) != (
                instance.headcount,
                instance.decision_number,
                instance.legal_basis,
            ):
                return {
                    NON_FIELD_ERRORS: ValidationError(
                        _(
                            "this quota was allocated by the decision on staffing "
                            "plan %(plan)s; only a new staffing plan changes it."
                        ),
                        code="allocated_by_plan",
                        params={"plan": stored.plan},
                    )
                }
        return {}
