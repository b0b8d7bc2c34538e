"""Hostile spreadsheets, built by the tests themselves (nothing is downloaded).

Each builder takes the rows a legitimate file would hold (the headings and a
sample row) and turns them into one kind of attack or careless file: a workbook
declaring an enormous sheet, a zip bomb, a CSV far over the row limit, numbers
written with superscript digits, a column given twice, text in decomposed
Unicode (NFD).
"""

from __future__ import annotations

import csv as csv_module
import io
import re
import unicodedata
import zipfile

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv_module.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _rewritten(data: bytes, change) -> bytes:
    """The workbook ``data`` with its first sheet's XML passed through
    ``change`` (every other part copied as it is)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == SHEET:
                content = change(content)
            target.writestr(info.filename, content, zipfile.ZIP_DEFLATED, 9)
    return buffer.getvalue()


def huge_dimension_xlsx(rows: list[list]) -> bytes:
    """A small workbook whose sheet declares 1,048,576 rows by 16,384 columns
    (and holds a cell in the last one): a reader that trusts the declaration or
    pads rows to it runs out of memory."""

    def change(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml)
        last = (
            b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>'
            b"</c></row></sheetData>"
        )
        return xml.replace(b"</sheetData>", last)

    return _rewritten(xlsx(rows), change)


def zip_bomb_xlsx(rows: list[list], *, padding: int = 40 * 1024 * 1024) -> bytes:
    """A workbook whose sheet unpacks to ``padding`` bytes of blanks more
    (XML allows them between elements): about a thousand to one."""

    def change(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b"</sheetData>" + b" " * padding)

    return _rewritten(xlsx(rows), change)


def many_rows_csv(rows: list[list], count: int = 60_000) -> bytes:
    """The headings and the sample row repeated ``count`` times."""
    headings, sample = rows[0], rows[1]
    return csv([headings, *([sample] * count)])


def superscript(number) -> str:
    """``number`` with a superscript two after it: "2²" (``int()`` of which
    raises, while ``"2²".isdigit()`` is true)."""
    return f"{number}\u00b2"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def with_repeated_column(rows: list[list], index: int = 1) -> list[list]:
    """The rows with the column at ``index`` given twice."""
    return [[*row, row[index]] for row in rows]
