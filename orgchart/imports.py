"""Reading spreadsheets of reference data and of the establishment.

The pieces the import resources (``orgchart.resources``) are built from: the two
file formats people actually send (Excel workbooks and CSV), the cell readers
(widgets) that turn a cell into a value or into a message a person can act on, and
the result that lists every bad row with its line number in the file.

Line numbers are those a person sees in Excel: the header is line 1, the first data
row line 2. Nothing here writes to the database.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from import_export.formats import base_formats
from import_export.formats.base_formats import Format
from import_export.results import Result
from import_export.tmp_storages import CacheStorage
from import_export.widgets import Widget

from .filereader import ImportFileError, read_csv, read_xlsx
from .spreadsheets import MAX_LISTED_VALUES, csv_safe, dates_formatted, fold

__all__ = ["ImportFileError"]

#: Accepted ways of writing a date: ISO, then the Vietnamese day/month/year.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


class CellError(ValueError):
    """A cell that cannot be read: a message a person can act on, with a code.

    Whether the message is shown after the column's name depends on the code (see
    ``COLUMN_CODES``): "is not a date" needs it, "unknown rank code 01.999" does not.
    """

    def __init__(self, message, *, code: str, params=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = params or {}


#: Error codes whose message only makes sense after the column's name: ours, and
#: Django's own field validation messages ("Ensure this value has at most...").
COLUMN_CODES = frozenset(
    {
        "invalid_date",
        "not_a_whole_number",
        "not_a_number",
        "not_yes_no",
        "not_a_choice",
        "unreadable",
        "invalid",
        "invalid_choice",
        "max_length",
        "min_length",
        "max_digits",
        "max_decimal_places",
        "max_whole_digits",
        "min_value",
        "max_value",
    }
)

#: Django's codes for a required field left empty.
EMPTY_CODES = frozenset({"null", "blank"})


# --------------------------------------------------------------------------- files


def _trim(values: list) -> list:
    """Drop empty cells at the end of a row (Excel pads rows to the used range)."""
    values = list(values)
    while values and _is_blank(values[-1]):
        values.pop()
    return values


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _build_dataset(rows: list[list]) -> tablib.Dataset:
    """A dataset from the file's rows, one dataset row per file line below the
    header, blank lines kept so that row *n* stays line *n + 1* of the file."""
    dataset = tablib.Dataset()
    if not rows:
        return dataset
    headers = _trim(rows[0])
    width = len(headers)
    dataset.headers = ["" if h is None else str(h) for h in headers]
    for values in rows[1:]:
        values = list(values)[:width]
        values += [None] * (width - len(values))
        dataset.append(values)
    return dataset


class _ReadFormat(Format):
    """A format read from the uploaded bytes by the guarded reader
    (``orgchart.filereader``); ``max_rows``: an import's own limit, smaller than
    the settings'."""

    def __init__(self, encoding=None, *, max_rows: int | None = None):
        self.encoding = encoding
        self.max_rows = max_rows

    def can_import(self):
        return True


class XLSXFormat(_ReadFormat):
    """An Excel workbook (.xlsx): the first sheet, first line the column names.

    Read with openpyxl directly rather than through tablib so that a file which is
    not a workbook gets a message instead of a traceback, and rows of uneven width
    (hand-edited sheets) are padded instead of rejected.
    """

    def get_title(self):
        return "xlsx"

    def get_extension(self):
        return "xlsx"

    def get_content_type(self):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def create_dataset(self, in_stream) -> tablib.Dataset:
        return _build_dataset(read_xlsx(in_stream, max_rows=self.max_rows))


class CSVFormat(_ReadFormat):
    """A CSV file in UTF-8 (with or without the byte-order mark Excel writes),
    separated by commas or semicolons (Excel's choice depends on the regional
    settings of the machine that saved it)."""

    def get_title(self):
        return "csv"

    def get_extension(self):
        return "csv"

    def get_content_type(self):
        return "text/csv"

    def create_dataset(self, in_stream) -> tablib.Dataset:
        return _build_dataset(read_csv(in_stream, max_rows=self.max_rows))


#: The import formats offered in the admin, in the order of the form's choices.
IMPORT_FORMATS = [CSVFormat, XLSXFormat]


class SafeCSV(base_formats.CSV):
    """CSV exports: a text that looks like a formula gets an apostrophe in front
    (``orgchart.spreadsheets.csv_safe``)."""

    def export_data(self, dataset, **kwargs):
        safe = tablib.Dataset(headers=[csv_safe(h) for h in dataset.headers or []])
        for row in dataset:
            safe.append([csv_safe(value) for value in row])
        return super().export_data(safe, **kwargs)


class SafeXLSX(base_formats.XLSX):
    """Excel exports: formula-looking text stored as text, and real date cells
    that read dd/mm/yyyy (``orgchart.spreadsheets``)."""

    def export_data(self, dataset, **kwargs):
        return dates_formatted(super().export_data(dataset, **kwargs))


#: The export formats of the admin.
EXPORT_FORMATS = [SafeCSV, SafeXLSX]


class UploadCache(CacheStorage):
    """The uploaded file between the preview and the confirmation.

    Kept in the shared cache (Redis in production) rather than in a temporary
    folder, so that the confirmation may be served by any application process on
    any host; the preview and the confirmation are two requests.
    """

    CACHE_LIFETIME = 3600

    def read(self):
        data = super().read()
        if data is None:
            raise ImportFileError(
                _(
                    "The uploaded file is no longer available (it is kept for one "
                    "hour). Upload it again."
                )
            )
        return data


# ------------------------------------------------------------------------- widgets


def text_value(value) -> str:
    """A cell as text: Excel turns "130" into the number 130, and dates into
    datetimes; codes and names are text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value) -> datetime.date | None:
    """A date from a cell, or ``None`` if empty; ``ValueError`` if not a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = text_value(value)
    if not text:
        return None
    if isinstance(value, (int, float, Decimal)):
        raise ValueError(text)
    # "2025-07-01 00:00:00" as written by some tools that export CSV.
    text = re.sub(r"^(\d{4}-\d{2}-\d{2})[ T]00:00(:00)?$", r"\1", text)
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()  # noqa: DTZ007
        except ValueError:
            continue
    raise ValueError(text)


class TextWidget(Widget):
    """Text, stripped of the spaces around it; ``required``: an empty cell is an
    error with ``required_message`` (rules of the import, not of the model)."""

    def __init__(self, *, required_message=None):
        super().__init__(coerce_to_string=True)
        self.required_message = required_message

    def clean(self, value, row=None, **kwargs):
        text = text_value(value)
        if not text and self.required_message is not None:
            raise CellError(self.required_message, code="required")
        return text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class DateWidget(Widget):
    """A date written 2025-07-01 or 01/07/2025, or an Excel date cell."""

    def clean(self, value, row=None, **kwargs):
        try:
            return parse_date(value)
        except ValueError:
            raise CellError(
                _(
                    '"%(value)s" is not a valid date; write it as 2025-07-01 or '
                    "01/07/2025."
                ),
                code="invalid_date",
                params={"value": text_value(value)},
            ) from None

    def allowed_values(self) -> list[str]:
        return [str(_("a date: 2025-07-01 or 01/07/2025"))]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if kwargs.get("force_native_type"):
            return value
        return value.strftime("%d/%m/%Y")


#: Numbers as a file may write them: ASCII digits only. Python's ``int()`` and
#: ``str.isdigit()`` also take other scripts' digits and superscripts ("²").
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+", re.ASCII)
DECIMAL_NUMBER = re.compile(r"[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)", re.ASCII)


def _not_a_number(text: str, message, code: str) -> CellError:
    if not text.isascii():
        message = _(
            '"%(value)s" is not a number written with the digits 0 to 9 '
            "(it holds other characters, such as superscripts)."
        )
    return CellError(message, code=code, params={"value": text})


def parse_whole_number(value) -> int | None:
    """A whole number from a cell (3, "3", 3.0 from Excel), ``None`` if empty;
    ``CellError`` for anything else, other digits than 0-9 included."""
    text = text_value(value)
    if not text:
        return None
    if WHOLE_NUMBER.fullmatch(text):
        return int(text)
    raise _not_a_number(
        text, _('"%(value)s" is not a whole number.'), "not_a_whole_number"
    )


class WholeNumberWidget(Widget):
    """A whole number (3, "3", 3.0 from Excel)."""

    def clean(self, value, row=None, **kwargs):
        return parse_whole_number(value)

    def allowed_values(self) -> list[str]:
        return [str(_("a whole number"))]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class HeadcountWidget(WholeNumberWidget):
    """The approved headcount of a position: a whole number of at least 1."""

    def allowed_values(self) -> list[str]:
        return [str(_("a whole number of at least 1"))]

    def sample(self):
        return 1

    def clean(self, value, row=None, **kwargs):
        message = _(
            "the approved headcount must be a whole number of at least 1, "
            'not "%(value)s".'
        )
        try:
            number = super().clean(value, row, **kwargs)
        except CellError:
            number = 0
        if number is None:
            return None
        if number < 1:
            raise CellError(
                message,
                code="headcount_min",
                params={"value": text_value(value)},
            )
        return number


class DecimalWidget(Widget):
    """A decimal number; a decimal comma (2,34) is read as a point."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return Decimal(value)
        text = text_value(value)
        if not text:
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        if not DECIMAL_NUMBER.fullmatch(text):
            raise _not_a_number(
                text_value(value), _('"%(value)s" is not a number.'), "not_a_number"
            )
        return Decimal(text)

    def allowed_values(self) -> list[str]:
        return [str(_("a number, e.g. 2.34"))]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class BooleanWidget(Widget):
    """Yes or no: 1/0, true/false, yes/no, có/không, x for yes; empty is no."""

    TRUE = {"1", "true", "yes", "x", "có", "co"}
    FALSE = {"", "0", "false", "no", "không", "khong"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = text_value(value).lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise CellError(
            _('"%(value)s" is not yes or no; write 1 or 0.'),
            code="not_yes_no",
            params={"value": text_value(value)},
        )

    def allowed_values(self) -> list[str]:
        return [str(_("1 (yes) or 0 (no); empty is no"))]

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return bool(value)
        return "1" if value else "0"


class ChoiceWidget(Widget):
    """One of a model field's choices, written as its code (``department``) or as
    its label in Vietnamese or English, with or without accents (``Sở``...), or one
    of the ``aliases`` of a code; exported as the code, which does not change with
    the language."""

    def __init__(self, choices, *, default=None, aliases=None):
        super().__init__(coerce_to_string=True)
        self.choices = list(choices)
        self.default = default
        self.aliases = aliases or {}
        self._accepted = None

    def accepted(self) -> dict[str, str]:
        """Every accepted spelling, folded, with the code it means."""
        if self._accepted is None:
            accepted: dict[str, str] = {}
            for language in ("vi", "en"):
                with translation.override(language):
                    for code, label in self.choices:
                        accepted.setdefault(fold(code), code)
                        accepted.setdefault(fold(label), code)
            for code, words in self.aliases.items():
                for word in words:
                    accepted.setdefault(fold(word), code)
            self._accepted = accepted
        return self._accepted

    def clean(self, value, row=None, **kwargs):
        text = text_value(value)
        if not text:
            return self.default
        code = self.accepted().get(fold(text))
        if code is not None:
            return code
        raise CellError(
            _('"%(value)s" is not one of: %(choices)s.'),
            code="not_a_choice",
            params={
                "value": text,
                "choices": ", ".join(code for code, _label in self.choices),
            },
        )

    def render(self, value, obj=None, **kwargs):
        return value or ""

    def allowed_values(self) -> list[str]:
        return [f"{label} ({code})" for code, label in self.choices]

    def sample(self):
        return str(self.choices[0][1]) if self.choices else ""


class CodeWidget(Widget):
    """A reference to another record by its code (``01.003`` for a rank) or by its
    name (``Chuyên viên``, compared without regard to case or accents, when only one
    record has it), with ``unknown_message`` (taking ``%(code)s``) when no record
    matches.

    Codes are looked up once per import: the reference tables are small and a file
    of the establishment may have thousands of rows.
    """

    def __init__(
        self, model, *, unknown_message, field: str = "code", name_field="name"
    ):
        super().__init__(coerce_to_string=True)
        self.model = model
        self.field = field
        self.name_field = name_field
        self.unknown_message = unknown_message
        self._cache = None
        self._names = None

    def reset(self) -> None:
        """Forget the codes read so far (called at the start of every import)."""
        self._cache = None
        self._names = None

    def queryset(self):
        """The records a cell may name, in the order the template lists them."""
        return self.model.objects.order_by(self.field)

    def records(self) -> list:
        return list(self.queryset())

    def lookup(self, code: str, row):
        if self._cache is None:
            records = self.records()
            self._cache = {getattr(obj, self.field): obj for obj in records}
            self._names = {}
            if self.name_field:
                for obj in records:
                    key = fold(getattr(obj, self.name_field))
                    # A name that two records share designates neither.
                    self._names[key] = None if key in self._names else obj
        found = self._cache.get(code)
        if found is None and self._names:
            found = self._names.get(fold(code))
        return found

    def clean(self, value, row=None, **kwargs):
        code = text_value(value)
        if not code:
            return None
        obj = self.lookup(code, row)
        if obj is None:
            raise CellError(
                self.unknown_message,
                code="unknown_code",
                params={"code": code},
            )
        return obj

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else getattr(value, self.field)

    def allowed_values(self) -> list[str]:
        """The records there are now, as "code: name"."""
        if not self.name_field:
            return [getattr(obj, self.field) for obj in self.queryset()]
        return [
            f"{getattr(obj, self.field)}: {getattr(obj, self.name_field)}"
            for obj in self.queryset()
        ]

    def sample(self):
        first = self.queryset().first()
        return "" if first is None else getattr(first, self.field)


class UnitCodeWidget(CodeWidget):
    """A unit by its code. A code can come back after its unit closed, so the unit
    meant is the one in force on the row's ``valid_from`` (else the open one).

    ``cached``: remember the units of each code for the whole import (a file of
    positions); not for a file of units, whose rows open parents of later rows.
    """

    def __init__(self, model, *, unknown_message, cached: bool = False):
        # By code only: a unit's name repeats across its history.
        super().__init__(model, unknown_message=unknown_message, name_field=None)
        self.cached = cached

    def queryset(self):
        """The open units, in tree order (the template lists what a row may name
        today; a closed unit's code is still read)."""
        return self.model.objects.filter(valid_to__isnull=True).order_by("path")

    def allowed_values(self) -> list[str]:
        """The open units, the first ``MAX_LISTED_VALUES`` of a national tree."""
        units = self.queryset()
        values = [f"{u.code}: {u.name}" for u in units[:MAX_LISTED_VALUES]]
        if len(values) == MAX_LISTED_VALUES:
            more = units.count() - MAX_LISTED_VALUES
            if more > 0:
                values.append(str(_("… and %(count)s more") % {"count": more}))
        return values

    def units(self, code: str) -> list:
        if not self.cached:
            return list(self.model.objects.filter(code=code).order_by("-valid_from"))
        if self._cache is None:
            self._cache = {}
        if code not in self._cache:
            self._cache[code] = list(
                self.model.objects.filter(code=code).order_by("-valid_from")
            )
        return self._cache[code]

    def lookup(self, code: str, row):
        units = self.units(code)
        if not units:
            return None
        try:
            day = parse_date((row or {}).get("valid_from"))
        except ValueError:
            day = None
        if day is not None:
            for unit in units:
                if unit.is_active_on(day):
                    return unit
        for unit in units:
            if unit.valid_to is None:
                return unit
        return units[0]


# -------------------------------------------------------------------------- result


def line_of(row_number: int) -> int:
    """The file line of data row ``row_number`` (1-based): the header is line 1."""
    return row_number + 1


def _messages(error) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(message) for message in error.messages]
    return [str(error)]


class ImportResult(Result):
    """The result of an import, able to list every problem as one sentence each,
    in the order of the file."""

    def error_messages(self) -> list[str]:
        """Every problem: file-level first, then each bad row by line number."""
        messages = [
            text for error in self.base_errors for text in _messages(error.error)
        ]
        by_line: list[tuple[int, str]] = []
        for row in self.invalid_rows:
            for field_messages in row.error_dict.values():
                by_line.extend((line_of(row.number), text) for text in field_messages)
        for row in self.error_rows:
            for error in row.errors:
                by_line.append(
                    (
                        line_of(row.number),
                        str(
                            _("Line %(line)s: the row could not be saved (%(error)s).")
                            % {"line": line_of(row.number), "error": error.error}
                        ),
                    )
                )
        by_line.sort(key=lambda item: item[0])
        return messages + [text for _line, text in by_line]

    @property
    def bad_lines(self) -> list[int]:
        """The file lines that have a problem."""
        lines = {line_of(row.number) for row in self.invalid_rows}
        lines |= {line_of(row.number) for row in self.error_rows}
        return sorted(lines)


def field_errors(error: ValidationError) -> dict[str, list[ValidationError]]:
    """The single errors of ``error`` by field (``__all__`` for the others)."""
    if hasattr(error, "error_dict"):
        return {
            field: [single for item in items for single in item.error_list]
            for field, items in error.error_dict.items()
        }
    return {NON_FIELD_ERRORS: list(error.error_list)}
