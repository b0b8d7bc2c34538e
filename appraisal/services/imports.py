"""Reading a project's lines from an Excel (.xlsx) or CSV file.

The first row holds the column headings, in any order; headings are matched without
regard to case, spaces or accents, and the Vietnamese headings below work as well.
Empty rows are skipped. Every later row is one line:

=====================  =========================  =====================================
Heading                Vietnamese heading         Content
=====================  =========================  =====================================
action                 thao tac                   ``add``, ``change`` or ``end``
                                                  (also ``them``, ``sua``, ``thoi``)
position_id            ma vi tri hien co          id of the existing position (change,
                                                  end); shown on the unit's
                                                  establishment page
catalogue_code         ma danh muc                code of the catalogue entry (optional)
name                   ten vi tri                 position name (optional with a
                                                  catalogue entry)
category_code          nhom                       ``leadership``, ``specialised``,
                                                  ``common``, ``support``
rank_code              ma ngach                   e.g. ``01.003`` or ``V.07.03.29``
headcount              so luong                   whole number ≥ 1 (add, change)
job_description        mo ta cong viec            text
competency_framework   khung nang luc             text
=====================  =========================  =====================================

Codes are looked up in the reference data in one query per table. Reading never
writes: :func:`appraisal.services.projects.project_lines_import` validates the whole
file and writes all the lines or none, reporting every bad row as "Line N: reason"
with N the row number in the spreadsheet (the heading row is 1).
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orgchart.models import CatalogueEntry, PositionCategory, Rank

#: Largest import file and number of rows; a project has tens of lines, not
#: thousands.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 2000

_HEADINGS = {
    "action": ("action", "thao tac"),
    "position_id": ("position_id", "position", "ma vi tri hien co"),
    "catalogue_code": ("catalogue_code", "catalogue", "ma danh muc"),
    "name": ("name", "ten vi tri"),
    "category_code": ("category_code", "category", "nhom"),
    "rank_code": ("rank_code", "rank", "ma ngach"),
    "headcount": ("headcount", "so luong"),
    "job_description": ("job_description", "mo ta cong viec"),
    "competency_framework": ("competency_framework", "khung nang luc"),
}
_ACTIONS = {
    "add": "add",
    "them": "add",
    "change": "change",
    "sua": "change",
    "dieu chinh": "change",
    "end": "end",
    "thoi": "end",
    "bai bo": "end",
}


def _fold(value) -> str:
    """Lower case, no accents (đ → d), single spaces, underscores as spaces."""
    text = unicodedata.normalize("NFKD", str(value or "")).replace("đ", "d")
    text = text.replace("Đ", "d")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("_", " ").split()).casefold()


_HEADING_BY_FOLDED = {
    _fold(alias): column for column, aliases in _HEADINGS.items() for alias in aliases
}


def _line_error(row: int, reason) -> tuple[int, ValidationError]:
    return (
        row,
        ValidationError(
            _("Line %(line)s: %(reason)s"),
            code="invalid_line",
            params={"line": row, "reason": reason},
        ),
    )


def _rows_xlsx(data: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValidationError(
            _("The file is not a readable Excel workbook (.xlsx)."), code="bad_file"
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(row)
            if len(rows) > MAX_IMPORT_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def _rows_csv(data: bytes) -> list[tuple]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("Save the CSV file as UTF-8 and import it again."), code="bad_encoding"
        ) from exc
    dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        pass
    return [tuple(row) for row in csv.reader(io.StringIO(text), dialect)]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def lines_read(
    *, file
) -> tuple[list[tuple[int, dict]], list[tuple[int, ValidationError]]]:
    """The rows of ``file`` as ``(row number, line dict)`` ready for
    :func:`appraisal.services.projects.lines_build`, and the errors of the rows
    whose codes do not resolve. Raises ``ValidationError`` for a file that cannot
    be read at all (type, size, encoding, headings)."""
    name = (getattr(file, "name", "") or "").lower()
    size = getattr(file, "size", None)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise ValidationError(
            _("The file is too big to import; the largest is %(limit)s MB."),
            code="file_too_big",
            params={"limit": MAX_IMPORT_BYTES // 1024 // 1024},
        )
    file.seek(0)
    data = file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(
            _("The file is too big to import; the largest is %(limit)s MB."),
            code="file_too_big",
            params={"limit": MAX_IMPORT_BYTES // 1024 // 1024},
        )
    if name.endswith(".xlsx") and data.startswith(b"PK\x03\x04"):
        rows = _rows_xlsx(data)
    elif name.endswith(".csv"):
        rows = _rows_csv(data)
    else:
        raise ValidationError(
            _("Import an Excel workbook (.xlsx) or a CSV file (.csv)."),
            code="file_type_not_allowed",
        )
    if not rows:
        raise ValidationError(
            _("The file is empty: put the headings in the first row."),
            code="empty_file",
        )
    if len(rows) > MAX_IMPORT_ROWS + 1:
        raise ValidationError(
            _("The file has more than %(limit)s rows."),
            code="too_many_rows",
            params={"limit": MAX_IMPORT_ROWS},
        )
    headings = [_HEADING_BY_FOLDED.get(_fold(cell)) for cell in rows[0]]
    unknown = [
        _cell(cell)
        for cell, column in zip(rows[0], headings, strict=False)
        if column is None and _cell(cell)
    ]
    if unknown or "action" not in headings:
        raise ValidationError(
            _(
                "Unknown or missing headings (%(unknown)s). The first row must name "
                "the columns: %(columns)s."
            ),
            code="bad_headings",
            params={
                "unknown": ", ".join(unknown) or "action",
                "columns": ", ".join(_HEADINGS),
            },
        )

    records = []
    for row_number, row in enumerate(rows[1:], start=2):
        cells = [_cell(value) for value in row]
        if not any(cells):
            continue
        record = {
            column: value
            for column, value in zip(headings, cells, strict=False)
            if column is not None
        }
        records.append((row_number, record))

    def codes(column: str) -> set[str]:
        return {record[column] for _n, record in records if record.get(column)}

    ranks = {r.code: r for r in Rank.objects.filter(code__in=codes("rank_code"))}
    categories = {
        c.code: c
        for c in PositionCategory.objects.filter(code__in=codes("category_code"))
    }
    entries = {
        e.code: e
        for e in CatalogueEntry.objects.filter(
            code__in=codes("catalogue_code")
        ).select_related("category")
    }

    items, errors = [], []
    for row_number, record in records:
        bad = False
        action = _ACTIONS.get(_fold(record.get("action")))
        if action is None:
            errors.append(
                _line_error(
                    row_number,
                    _("the action must be add, change or end, not “%(action)s”.")
                    % {"action": record.get("action", "")},
                )
            )
            bad = True
        item: dict = {
            "action": action,
            "name": record.get("name", ""),
            "job_description": record.get("job_description", ""),
            "competency_framework": record.get("competency_framework", ""),
            "order": row_number,
        }
        position_id = record.get("position_id", "")
        if position_id:
            if not position_id.isdigit():
                errors.append(
                    _line_error(
                        row_number,
                        _("the position id must be a number, not “%(value)s”.")
                        % {"value": position_id},
                    )
                )
                bad = True
            item["position"] = position_id
        for column, field, table, message in (
            ("rank_code", "rank", ranks, _("unknown rank code “%(code)s”.")),
            (
                "category_code",
                "category",
                categories,
                _("unknown category code “%(code)s”."),
            ),
            (
                "catalogue_code",
                "catalogue_entry",
                entries,
                _("unknown catalogue code “%(code)s”."),
            ),
        ):
            code = record.get(column, "")
            if not code:
                continue
            if code not in table:
                errors.append(_line_error(row_number, message % {"code": code}))
                bad = True
            else:
                item[field] = table[code]
        headcount = record.get("headcount", "")
        if headcount:
            if not headcount.isdigit() or int(headcount) < 1:
                errors.append(
                    _line_error(
                        row_number,
                        _(
                            "the headcount must be a whole number of at least 1, "
                            "not “%(value)s”."
                        )
                        % {"value": headcount},
                    )
                )
                bad = True
            else:
                item["headcount"] = int(headcount)
        if not bad:
            items.append((row_number, item))
    return items, errors
