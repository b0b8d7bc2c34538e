"""The staffing summary's chart (``workflows.charts``): for one kind of post, a pair
of horizontal bars per unit, the number assigned last year and the number as it
stands now."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from appraisal.selectors.staffing import SummaryRow

from .charts import BarRow, Series, bar_chart_svg


def staffing_chart_svg(*, title: str, rows: Sequence[SummaryRow]) -> SafeString:
    """A grey bar for the number assigned and a blue one for the current number,
    per unit in the order of ``rows``; bars are marked ``data-unit``."""
    return bar_chart_svg(
        title=title,
        series=[
            Series(_("Assigned last year"), "pf-bars__assigned"),
            Series(
                _("Current number (proposed, appraised or approved)"),
                "pf-bars__current",
            ),
        ],
        rows=[
            BarRow(row.unit_code, row.unit_name, [row.assigned, row.current])
            for row in rows
        ],
        key_attr="data-unit",
    )
