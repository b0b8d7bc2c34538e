"""Rendering an official document to Word (docxtpl) and to PDF (an HTML template
printed by WeasyPrint), from the built-in templates or an administrator's
template for the issuer. Both are rendered whole in memory: a failure leaves no
file."""

from __future__ import annotations

import io
from functools import lru_cache

from django.template import engines
from django.template.loader import render_to_string

from .content import OfficialDocument
from .word_template import DEFAULT_PATH

__all__ = ["render_docx", "render_html", "render_pdf"]


@lru_cache(maxsize=8)
def _builtin_word(name: str) -> bytes:
    return (DEFAULT_PATH.parent / name).read_bytes()


def _annex_table(template, doc: OfficialDocument):
    from docx.shared import Pt

    if doc.annex is None:
        return ""
    subdoc = template.new_subdoc()
    annex = doc.annex
    rows = annex.rows + ([annex.totals] if annex.totals else [])
    table = subdoc.add_table(rows=1 + len(rows), cols=len(annex.columns))
    table.style = "Table Grid"
    # Writing the cells' XML through python-docx's cell API is the slow part of a
    # 500-row annex; setting each cell's first paragraph text is the cheapest.
    for column, title in enumerate(annex.columns):
        run = table.cell(0, column).paragraphs[0].add_run(title)
        run.bold = True
        run.font.size = Pt(12)
    for row_index, row in enumerate(rows, start=1):
        cells = table.rows[row_index].cells
        for column, value in enumerate(row):
            cells[column].paragraphs[0].text = value
    return subdoc


def render_docx(doc: OfficialDocument, template: bytes | None = None) -> bytes:
    """The document as a Word file, from ``template`` (docxtpl) or the built-in
    one."""
    from docxtpl import DocxTemplate

    word = DocxTemplate(io.BytesIO(template or _builtin_word("official.docx")))
    word.render({"doc": doc, "annex_table": _annex_table(word, doc)})
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def render_html(
    doc: OfficialDocument,
    template: str | None = None,
    name: str = "documents/official.html",
) -> str:
    context = {"doc": doc}
    if template:
        return engines["django"].from_string(template).render(context)
    return render_to_string(name, context)


def render_pdf(
    doc: OfficialDocument,
    template: str | None = None,
    name: str = "documents/official.html",
) -> bytes:
    """The document as a PDF (fonts embedded), from the HTML ``template`` or the
    built-in one."""
    from weasyprint import HTML

    return HTML(string=render_html(doc, template, name)).write_pdf()
