"""The staffing summary's chart, drawn on the server as SVG (no script, nothing
loaded from elsewhere): for one kind of post, a pair of horizontal bars per unit,
the number assigned last year and the number as it stands now."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from appraisal.selectors.staffing import SummaryRow

WIDTH = 760
LABEL_WIDTH = 250
NUMBER_WIDTH = 50
BAR_HEIGHT = 12
ROW_HEIGHT = 2 * BAR_HEIGHT + 14
TOP = 62
LABEL_CHARS = 34


def _label(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def staffing_chart_svg(*, title: str, rows: Sequence[SummaryRow]) -> SafeString:
    """An accessible SVG: ``title`` on top, a legend, then per unit (in the order
    of ``rows``) a grey bar for the number assigned and a blue one for the current
    number, each with its figure. Bars are marked ``data-unit`` for the tests."""
    most = max([1, *(max(row.assigned, row.current) for row in rows)])
    scale = (WIDTH - LABEL_WIDTH - NUMBER_WIDTH) / most
    height = TOP + ROW_HEIGHT * max(len(rows), 1) + 8
    assigned_label = _("Assigned last year")
    current_label = _("Current number (proposed, appraised or approved)")
    bars = []
    for index, row in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        for offset, value, css, what in (
            (0, row.assigned, "pf-bars__assigned", assigned_label),
            (BAR_HEIGHT + 2, row.current, "pf-bars__current", current_label),
        ):
            width = round(value * scale, 1)
            bars.append(
                format_html(
                    '<rect class="{}" data-unit="{}" x="{}" y="{}" width="{}" '
                    'height="{}"><title>{}: {} — {}</title></rect>'
                    '<text class="pf-bars__number" x="{}" y="{}">{}</text>',
                    css,
                    row.unit_code,
                    LABEL_WIDTH,
                    y + offset,
                    width,
                    BAR_HEIGHT,
                    row.unit_name,
                    what,
                    value,
                    LABEL_WIDTH + width + 4,
                    y + offset + BAR_HEIGHT - 2,
                    value,
                )
            )
        bars.append(
            format_html(
                '<text class="pf-bars__label" x="{}" y="{}" text-anchor="end">'
                "<title>{}</title>{}</text>",
                LABEL_WIDTH - 8,
                y + BAR_HEIGHT + 5,
                row.unit_name,
                _label(row.unit_name),
            )
        )
    legend = format_html_join(
        "",
        '<rect class="{}" x="{}" y="34" width="12" height="12"></rect>'
        '<text class="pf-bars__legend" x="{}" y="44">{}</text>',
        [
            ("pf-bars__assigned", 0, 18, assigned_label),
            ("pf-bars__current", 250, 268, current_label),
        ],
    )
    return format_html(
        '<svg class="pf-bars" role="img" viewBox="0 0 {} {}" '
        'xmlns="http://www.w3.org/2000/svg" aria-label="{}">'
        "<title>{}</title>"
        '<text class="pf-bars__title" x="0" y="18">{}</text>{}{}</svg>',
        WIDTH,
        height,
        title,
        title,
        title,
        legend,
        SafeString("".join(bars)),
    )
