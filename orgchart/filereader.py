"""The one guarded reader of every import (admin imports, a project's lines, and
the imports to come).

A spreadsheet is hostile input: a 1 KiB workbook can declare a sheet of a million
rows by sixteen thousand columns, a highly compressed one can unpack to gigabytes,
and a CSV of two hundred thousand rows keeps a server busy past its timeout. The
reader checks what a file claims before reading it, and stops reading as soon as
a limit is passed, so that the person gets a clear message instead of an error
page and nothing is written:

* the size of the upload (``IMPORT_MAX_BYTES``);
* for a workbook, before any cell is read: the unpacked size of every part of the
  zip container and its compression ratio (``IMPORT_MAX_UNPACKED_BYTES``,
  ``IMPORT_MAX_COMPRESSION_RATIO``), then the dimensions the sheet declares; the
  sheet is then streamed (openpyxl's read-only mode), never loaded whole;
* the number of rows (``IMPORT_MAX_ROWS``, or the import's own smaller limit) and
  of columns (``IMPORT_MAX_COLUMNS``), counted while reading;
* every text cell normalised to NFC and stripped of control characters
  (``orgchart.text.clean_text``).

Headings (unknown, repeated) and cell values (strict numbers) are checked by the
import's :class:`orgchart.spreadsheets.Layout` and cell readers.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .spreadsheets import csv_unescaped
from .text import clean_text

#: Parts of a workbook smaller than this are not checked for their ratio: a
#: small part cannot unpack to much, and styles compress very well.
RATIO_CHECK_FROM = 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not a workbook, not UTF-8 text, too
    big...): a message a person can act on."""

    def __init__(self, message, *, code: str = "bad_file"):
        super().__init__(message)
        self.message = message
        self.code = code


def limits(max_rows: int | None = None, *, background: bool = False) -> dict[str, int]:
    """The limits in force: the settings, and ``max_rows`` when an import keeps
    a smaller one of its own. ``background``: the file is read by a background
    job (``orgchart.import_jobs``), which streams it and may take the larger
    ``IMPORT_JOB_MAX_ROWS`` and ``IMPORT_JOB_MAX_BYTES``."""
    rows = settings.IMPORT_JOB_MAX_ROWS if background else settings.IMPORT_MAX_ROWS
    size = settings.IMPORT_JOB_MAX_BYTES if background else settings.IMPORT_MAX_BYTES
    return {
        "bytes": size,
        "unpacked": settings.IMPORT_MAX_UNPACKED_BYTES,
        "ratio": settings.IMPORT_MAX_COMPRESSION_RATIO,
        "rows": min(rows, max_rows) if max_rows else rows,
        "columns": settings.IMPORT_MAX_COLUMNS,
    }


def too_big_error(limit: int | None = None) -> ImportFileError:
    limit = settings.IMPORT_MAX_BYTES if limit is None else limit
    return ImportFileError(
        _("The file is too big to import; the largest is %(limit)s MB.")
        % {"limit": max(1, limit // 1024 // 1024)},
        code="file_too_big",
    )


def check_size(size: int | None) -> None:
    """Refuse an upload larger than ``IMPORT_MAX_BYTES`` before reading it."""
    if size is not None and size > settings.IMPORT_MAX_BYTES:
        raise too_big_error()


def _too_many_rows(limit: int) -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(limit)s rows below the line of column names; "
            "split it into several files."
        )
        % {"limit": f"{limit:,}".replace(",", ".")},
        code="too_many_rows",
    )


def _too_many_columns(limit: int) -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(limit)s columns; keep only the import's columns.")
        % {"limit": limit},
        code="too_many_columns",
    )


def _clean(value):
    return clean_text(value) if isinstance(value, str) else value


def _bounded(rows: Iterable[Iterable], bounds: dict[str, int]) -> Iterator[list]:
    """The rows, cleaned, one at a time, read no further than one row past the
    limit."""
    count = 0
    for values in rows:
        if count > bounds["rows"]:  # the heading row plus the limit
            raise _too_many_rows(bounds["rows"])
        count += 1
        values = list(values)
        while values and (values[-1] is None or values[-1] == ""):
            values.pop()
        if len(values) > bounds["columns"]:
            raise _too_many_columns(bounds["columns"])
        yield [_clean(value) for value in values]


def _not_a_workbook() -> ImportFileError:
    return ImportFileError(
        _(
            "The file is not an Excel workbook (.xlsx). Save it from Excel as "
            '"Excel Workbook (.xlsx)", or choose the CSV format.'
        )
    )


def _check_container(data: bytes, bounds: dict[str, int]) -> None:
    """The zip container of a workbook, from its directory, before unpacking."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as container:
            parts = container.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_a_workbook() from exc
    unpacked = sum(part.file_size for part in parts)
    inflated = any(
        part.file_size >= RATIO_CHECK_FROM
        and part.file_size > bounds["ratio"] * max(part.compress_size, 1)
        for part in parts
    )
    # Python's zip reader stops at the size a part declares, so the declared
    # sizes bound what reading the workbook can unpack.
    if unpacked > bounds["unpacked"] or inflated:
        raise ImportFileError(
            _(
                "The workbook unpacks to far more data than its size suggests "
                "(%(size)s MB); it cannot be imported. Save it again from Excel, "
                "or use the CSV format."
            )
            % {"size": unpacked // 1024 // 1024},
            code="compression_bomb",
        )


def _check_dimensions(sheet, bounds: dict[str, int]) -> None:
    """The size the sheet declares (its ``dimension``), before reading a cell."""
    rows, columns = sheet.max_row, sheet.max_column
    if rows is not None and rows > bounds["rows"] + 1:
        raise ImportFileError(
            _(
                "The sheet declares %(rows)s rows, more than the %(limit)s an import "
                "takes; split it into several files."
            )
            % {"rows": rows, "limit": bounds["rows"]},
            code="too_many_rows",
        )
    if columns is not None and columns > bounds["columns"]:
        raise _too_many_columns(bounds["columns"])


def read_xlsx(data: bytes, *, max_rows: int | None = None) -> list[list]:
    """The cleaned rows of the first sheet of the workbook ``data``."""
    return list(iter_xlsx(data, bounds=limits(max_rows)))


def iter_xlsx(data: bytes, *, bounds: dict[str, int]) -> Iterator[list]:
    """The cleaned rows of the first sheet of the workbook ``data``, streamed one
    at a time (memory does not grow with the sheet), within ``bounds``."""
    import openpyxl

    if len(data) > bounds["bytes"]:
        raise too_big_error(bounds["bytes"])
    _check_container(data, bounds)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise _not_a_workbook() from exc
    try:
        if not book.worksheets:
            return
        sheet = book.worksheets[0]
        _check_dimensions(sheet, bounds)
        # ``max_col`` bounds the padding openpyxl adds to short rows.
        cells = sheet.iter_rows(values_only=True, max_col=bounds["columns"] + 1)
        yield from _bounded(cells, bounds)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        if isinstance(exc, ImportFileError):
            raise
        raise _not_a_workbook() from exc
    finally:
        book.close()


def _decoded(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if b"\x00" in data[:4096]:
        raise ImportFileError(
            _(
                "The file is not a CSV text file. Choose the xlsx format for "
                "an Excel workbook."
            ),
            code="bad_encoding",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                'The file is not UTF-8 text. In Excel, save it as "CSV UTF-8 '
                '(Comma delimited)", or upload the workbook as xlsx.'
            ),
            code="bad_encoding",
        ) from exc


def _csv_rows(text: str) -> Iterator[list[str]]:
    # Excel's choice of separator depends on the regional settings of the
    # machine that saved the file.
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise ImportFileError(
            _("The file could not be read as CSV: %(error)s.") % {"error": exc}
        ) from exc


def read_csv(data: bytes | str, *, max_rows: int | None = None) -> list[list]:
    """The cleaned rows of a CSV file in UTF-8 (with or without the byte-order
    mark Excel writes), separated by commas or semicolons."""
    return list(iter_csv(data, bounds=limits(max_rows)))


def iter_csv(data: bytes | str, *, bounds: dict[str, int]) -> Iterator[list]:
    """The cleaned rows of a CSV file, streamed one at a time, within ``bounds``."""
    if len(data) > bounds["bytes"]:
        raise too_big_error(bounds["bytes"])
    if isinstance(data, bytes):
        if b"\x00" in data[:4096]:
            _decoded(data)  # refused as not a CSV text file
        rows = _streamed_csv_rows(data)
    else:
        rows = _csv_rows(data)
    # The apostrophe our exports put before a formula-looking text comes off.
    return _bounded(([csv_unescaped(v) for v in row] for row in rows), bounds)


def _streamed_csv_rows(data: bytes) -> Iterator[list[str]]:
    """The rows of UTF-8 ``data`` decoded as they are read, so that a large
    file is never held twice (bytes and text) in memory."""
    first_line = data.split(b"\n", 1)[0]
    delimiter = ";" if first_line.count(b";") > first_line.count(b",") else ","
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        yield from csv.reader(text, delimiter=delimiter)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                'The file is not UTF-8 text. In Excel, save it as "CSV UTF-8 '
                '(Comma delimited)", or upload the workbook as xlsx.'
            ),
            code="bad_encoding",
        ) from exc
    except csv.Error as exc:
        raise ImportFileError(
            _("The file could not be read as CSV: %(error)s.") % {"error": exc}
        ) from exc


def iter_rows(data: bytes, *, name: str, bounds: dict[str, int]) -> Iterator[list]:
    """The cleaned rows of an upload by the name's extension: a workbook
    (.xlsx) or a CSV file; ``ImportFileError`` for anything else."""
    name = name.lower()
    if name.endswith(".xlsx"):
        return iter_xlsx(data, bounds=bounds)
    if name.endswith(".csv"):
        return iter_csv(data, bounds=bounds)
    raise ImportFileError(
        _("Import an Excel workbook (.xlsx) or a CSV file (.csv)."),
        code="file_type_not_allowed",
    )


def estimate_rows(data: bytes, *, name: str) -> int:
    """About how many rows the file holds, read cheaply before deciding to run an
    import in the background: the lines of a CSV file, the rows a workbook's
    sheet declares (0 when it cannot tell; the import itself checks the file)."""
    if name.lower().endswith(".csv"):
        return data.count(b"\n")
    try:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        try:
            return book.worksheets[0].max_row or 0 if book.worksheets else 0
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - any unreadable file is read (and refused) later
        return 0
