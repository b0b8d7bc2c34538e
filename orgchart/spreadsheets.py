"""What the columns of an import mean, written once per import; and how every
spreadsheet the application writes is made safe to open (formula injection).

A :class:`Layout` is the list of an import's :class:`Column`: the key the code uses,
the Vietnamese heading written in files and templates, the other headings accepted
(the English ones of earlier files), whether the column must be present, what it
means and which values it takes. The same description serves the three users of
it: the reader (:meth:`Layout.match` turns a file's headings into keys, refusing
unknown or repeated columns by name), the downloadable template (a sample row) and
the template's explanation sheet.

Headings are compared without regard to case, accents, underscores or repeated
spaces: "Mã ngạch", "MA NGACH" and "rank_code" name the same column when both
spellings are declared. The Vietnamese headings are the file format itself, like
codes, so they are not translated with the interface: a file written by a person
who reads English imports in a Vietnamese session and the reverse.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: Longest list of units written in a template's explanation sheet (a national
#: tree has twenty thousand).
MAX_LISTED_VALUES = 300

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fold(value) -> str:
    """A heading or a label as compared: lower case, no accents (đ → d), single
    spaces, underscores as spaces."""
    text = unicodedata.normalize("NFKD", str(value or ""))
    text = text.replace("đ", "d").replace("Đ", "d")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("_", " ").split()).casefold()


@dataclass(frozen=True)
class Column:
    """One column of an import.

    ``allowed`` returns the lines of the "allowed values" cell of the explanation
    sheet (read when the template is built, so reference lists are current);
    ``sample`` is the value of the template's sample row, or a function giving it
    (a code that exists in the database). ``reader`` is what reads the column's
    cells (an import-export widget); when ``allowed`` or ``sample`` is not given,
    the reader's ``allowed_values()`` and ``sample()`` are used.
    """

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: Any = ""
    allowed: Callable[[], Sequence[str]] | None = None
    sample: Any = None
    reader: Any = None

    @property
    def names(self) -> tuple[str, ...]:
        """Every heading accepted for the column."""
        return (self.header, self.key, *self.aliases)

    def sample_value(self):
        sample = self.sample
        if sample is None:
            sample = getattr(self.reader, "sample", "")
        return sample() if callable(sample) else sample

    def allowed_values(self) -> list[str]:
        allowed = self.allowed or getattr(self.reader, "allowed_values", None)
        return [str(value) for value in (allowed() if allowed else ())]


@dataclass
class Layout:
    """The columns of one import, in the order of its template."""

    columns: list[Column]
    _by_folded: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self):
        self.columns = list(self.columns)
        self._by_folded = {}
        for column in self.columns:
            for name in column.names:
                self._by_folded.setdefault(fold(name), column.key)

    @property
    def keys(self) -> list[str]:
        return [column.key for column in self.columns]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def header_of(self, key: str) -> str:
        for column in self.columns:
            if column.key == key:
                return column.header
        return key

    def key_of(self, heading) -> str | None:
        return self._by_folded.get(fold(heading))

    def match(self, headings: Iterable) -> list[str | None]:
        """The key of each heading of a file (``None`` for an empty heading).

        Raises one ``ValidationError`` listing every problem of the headings: an
        empty heading row, columns that appear twice (under one name or two),
        required columns that are missing, and unknown columns, each named as the
        file names it.
        """
        keys: list[str | None] = []
        seen: dict[str, list[str]] = {}
        unknown: list[str] = []
        for heading in headings:
            text = " ".join(str(heading if heading is not None else "").split())
            if not text:
                keys.append(None)
                continue
            key = self.key_of(text)
            keys.append(key)
            if key is None:
                unknown.append(text)
            else:
                seen.setdefault(key, []).append(text)
        expected = ", ".join(self.headers)
        if not seen and not unknown:
            raise ValidationError(
                gettext_lazy(
                    "The file is empty. Its first line must name the columns: "
                    "%(expected)s."
                ),
                code="empty_file",
                params={"expected": expected},
            )
        problems = []
        repeated = [" = ".join(names) for names in seen.values() if len(names) > 1]
        repeated += sorted({name for name in unknown if unknown.count(name) > 1})
        if repeated:
            problems.append(
                ValidationError(
                    gettext_lazy("These columns appear more than once: %(columns)s."),
                    code="repeated_columns",
                    params={"columns": ", ".join(repeated)},
                )
            )
        # Named in both spellings: the person may be editing an English file.
        missing = [
            c.header if c.header == c.key else f"{c.header} ({c.key})"
            for c in self.columns
            if c.required and c.key not in seen
        ]
        if missing:
            problems.append(
                ValidationError(
                    gettext_lazy(
                        "Missing columns: %(columns)s. The first line must name the "
                        "columns: %(expected)s."
                    ),
                    code="missing_columns",
                    params={"columns": ", ".join(missing), "expected": expected},
                )
            )
        if unknown:
            problems.append(
                ValidationError(
                    gettext_lazy(
                        "Unknown columns: %(columns)s. The columns of this file are: "
                        "%(expected)s."
                    ),
                    code="unknown_columns",
                    params={
                        "columns": ", ".join(dict.fromkeys(unknown)),
                        "expected": expected,
                    },
                )
            )
        if problems:
            raise ValidationError(problems)
        return keys


# ----------------------------------------------------------- writing files safely

#: What a spreadsheet program reads as the start of a formula in a text cell
#: (formula or DDE injection: "=HYPERLINK(...)", "@SUM(...)", "+cmd|..."), and
#: the tab and carriage return that shift a CSV cell into another.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A plain number may start with a sign: it is data, not a formula.
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?", re.ASCII)


def looks_like_formula(value) -> bool:
    """A text cell that a spreadsheet program would run or misread."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not PLAIN_NUMBER.fullmatch(value)
    )


def csv_safe(value):
    """A CSV cell: text that looks like a formula gets an apostrophe in front
    (CSV has no cell types; the import reader takes the apostrophe off again,
    so an exported file imports back unchanged)."""
    return f"'{value}" if looks_like_formula(value) else value


def csv_unescaped(value: str) -> str:
    """A CSV cell as :func:`csv_safe` wrote it, without its apostrophe."""
    if value.startswith("'") and looks_like_formula(value[1:]):
        return value[1:]
    return value


def workbook_bytes(book) -> bytes:
    """The workbook ``book`` as the bytes of an .xlsx file, every text cell that
    looks like a formula stored as text (shown as typed, never computed).

    Every workbook the application writes goes through here (exports, annexes,
    templates), so that no value a person typed becomes a live formula in
    somebody else's Excel."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or looks_like_formula(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


#: How a date cell reads in the project's workbooks.
DATE_NUMBER_FORMAT = "DD/MM/YYYY"
MIDNIGHT = datetime.time(0, 0)


def dates_formatted(content: bytes) -> bytes:
    """The workbook ``content`` with every date cell shown dd/mm/yyyy (openpyxl
    writes dates as yyyy-mm-dd by default)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if not isinstance(cell.value, datetime.date):
                    continue
                # A date reads back as a datetime at midnight.
                value = cell.value
                if isinstance(value, datetime.datetime) and value.time() != MIDNIGHT:
                    cell.number_format = f"{DATE_NUMBER_FORMAT} HH:MM"
                else:
                    cell.number_format = DATE_NUMBER_FORMAT
    return workbook_bytes(book)


def _cell(value):
    """A value openpyxl can write: lazy translations become text."""
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


def template_build(*, layout: Layout, title) -> bytes:
    """An Excel workbook to fill in: the headings and one sample row on the first
    sheet, and on the second ("Guide") every column with whether it is required,
    what it means, its allowed values and the other headings it may have."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    book = Workbook()
    sheet = book.active
    sheet.title = _("Data")[:31]
    sheet.append(layout.headers)
    sheet.append([_cell(column.sample_value()) for column in layout.columns])
    for cell in sheet[1]:
        cell.font = bold
    for index, column in enumerate(layout.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(14, len(column.header) + 4)
    sheet.freeze_panes = "A2"

    guide = book.create_sheet(_("Guide")[:31])
    guide.append([str(title)])
    guide["A1"].font = Font(bold=True, size=13)
    guide.append(
        [
            _(
                "Fill in the first sheet from its second line on (replace the "
                "sample). Codes and labels are both accepted. A file with any bad "
                "line imports nothing."
            )
        ]
    )
    guide.append([])
    guide.append(
        [
            _("Column"),
            _("Required"),
            _("Meaning"),
            _("Allowed values"),
            _("Also accepted as column name"),
        ]
    )
    for cell in guide[4]:
        cell.font = bold
    for column in layout.columns:
        values = column.allowed_values()
        guide.append(
            [
                column.header,
                _("Yes") if column.required else _("No"),
                str(column.help),
                "\n".join(values),
                ", ".join(dict.fromkeys((column.key, *column.aliases))),
            ]
        )
        for cell in guide[guide.max_row]:
            cell.alignment = wrap
    for letter, width in zip("ABCDE", (26, 10, 50, 60, 30), strict=True):
        guide.column_dimensions[letter].width = width
    return workbook_bytes(book)


def template_filename(name: str) -> str:
    """The download name of a template, ASCII so every browser keeps it."""
    return f"{name}-template.xlsx"
