"""Bar charts drawn on the server as SVG (no script, nothing loaded from
elsewhere), readable in the interface's language and beside the table that holds
the same figures: per row (a unit, a month, a step…) one horizontal bar for each
series, with its figure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 760
LABEL_WIDTH = 250
NUMBER_WIDTH = 50
BAR_HEIGHT = 12
BAR_GAP = 2
ROW_GAP = 14
TOP = 62
LABEL_CHARS = 34


@dataclass(frozen=True)
class Series:
    """One kind of bar: its legend and its CSS class (``pf-bars__…``)."""

    label: str
    css: str


@dataclass(frozen=True)
class BarRow:
    """One row of the chart: a key for the tests, its label, one value per
    series (``None`` draws no bar)."""

    key: str
    label: str
    values: Sequence[float | int | None]


def _label(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def bar_chart_svg(
    *,
    title: str,
    series: Sequence[Series],
    rows: Sequence[BarRow],
    key_attr: str = "data-key",
) -> SafeString:
    """An accessible SVG: ``title`` on top, a legend, then per row (in the order
    of ``rows``) one bar per series with its figure. Bars carry ``key_attr`` with
    the row's key."""
    values = [value for row in rows for value in row.values if value is not None]
    most = max([1, *values])
    scale = (WIDTH - LABEL_WIDTH - NUMBER_WIDTH) / most
    row_height = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + ROW_GAP
    height = TOP + row_height * max(len(rows), 1) + 8
    bars = []
    for index, row in enumerate(rows):
        y = TOP + index * row_height
        for number, (one, value) in enumerate(zip(series, row.values, strict=True)):
            if value is None:
                continue
            offset = number * (BAR_HEIGHT + BAR_GAP)
            width = round(value * scale, 1)
            bars.append(
                format_html(
                    '<rect class="{}" {}="{}" x="{}" y="{}" width="{}" '
                    'height="{}"><title>{}: {} — {}</title></rect>'
                    '<text class="pf-bars__number" x="{}" y="{}">{}</text>',
                    one.css,
                    key_attr,
                    row.key,
                    LABEL_WIDTH,
                    y + offset,
                    width,
                    BAR_HEIGHT,
                    row.label,
                    one.label,
                    _number(value),
                    LABEL_WIDTH + width + 4,
                    y + offset + BAR_HEIGHT - 2,
                    _number(value),
                )
            )
        bars.append(
            format_html(
                '<text class="pf-bars__label" x="{}" y="{}" text-anchor="end">'
                "<title>{}</title>{}</text>",
                LABEL_WIDTH - 8,
                y + (row_height - ROW_GAP) // 2 + 5,
                row.label,
                _label(row.label),
            )
        )
    step = WIDTH // max(len(series), 1)
    legend = format_html_join(
        "",
        '<rect class="{}" x="{}" y="34" width="12" height="12"></rect>'
        '<text class="pf-bars__legend" x="{}" y="44">{}</text>',
        [
            (one.css, number * step, number * step + 18, one.label)
            for number, one in enumerate(series)
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
