"""The built-in Word template (docxtpl: Jinja tags inside a .docx), written with
python-docx so that its layout is reviewable as code. ``official.docx`` beside
this module is its output; an administrator starts from it to make their own
(``manage.py document_templates_build`` writes it again).

Variables: ``doc`` (:class:`~.content.OfficialDocument`) and ``annex_table`` (the
annex as a ready table; empty without an annex)."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT  # noqa: F401 - kept for custom layouts
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

DEFAULT_PATH = Path(__file__).with_name("templates") / "official.docx"
FONT = "Times New Roman"


def _para(cell_or_doc, text: str, *, bold=False, italic=False, center=True, size=13):
    paragraph = cell_or_doc.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold = bold
    run.italic = italic
    run.font.size = Pt(size)
    return paragraph


def build() -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)

    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.paragraphs[0].text = ""
    _para(left, "{{ doc.parent_issuer }}", size=13)
    _para(left, "{{ doc.issuer }}", bold=True, size=13)
    _para(left, "Số: {{ doc.number }}", size=13)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=13)
    _para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=14)
    _para(right, "{{ doc.date_text }}", italic=True, size=14)

    _para(document, "")
    _para(document, "{{ doc.doc_type|upper }}", bold=True, size=14)
    _para(document, "{{ doc.summary }}", bold=True, size=14)
    _para(document, "{%p if doc.bases %}", center=False)
    _para(document, "{{ doc.issuer }}", bold=True, size=14)
    _para(document, "{%p endif %}", center=False)
    _para(document, "{%p for basis in doc.bases %}", center=False)
    _para(document, "{{ basis }}", italic=True, center=False, size=14)
    _para(document, "{%p endfor %}", center=False)
    _para(document, "{%p for text in doc.paragraphs %}", center=False)
    _para(document, "{{ text }}", center=False, size=14)
    _para(document, "{%p endfor %}", center=False)
    _para(document, "{%p if doc.articles %}", center=False)
    _para(document, "QUYẾT ĐỊNH:", bold=True, size=14)
    _para(document, "{%p endif %}", center=False)
    _para(document, "{%p for article in doc.articles %}", center=False)
    _para(
        document,
        "{{ article.heading }} {{ article.text }}",
        center=False,
        size=14,
    )
    _para(document, "{%p endfor %}", center=False)

    footer = document.add_table(rows=1, cols=2)
    left, right = footer.rows[0].cells
    _para(left, "Nơi nhận:", bold=True, italic=True, center=False, size=12)
    _para(left, "{%p for recipient in doc.recipients %}", center=False)
    _para(left, "- {{ recipient }}", center=False, size=11)
    _para(left, "{%p endfor %}", center=False)
    _para(right, "{{ doc.signature.capacity }}", bold=True, size=14)
    _para(right, "{{ doc.signature.title }}", bold=True, size=14)
    _para(right, "")
    _para(right, "")
    _para(right, "{{ doc.signature.name }}", bold=True, size=14)

    _para(document, "{%p if doc.annex %}", center=False)
    document.add_page_break()
    _para(document, "PHỤ LỤC", bold=True, size=14)
    _para(document, "{{ doc.annex.title }}", bold=True, size=14)
    _para(document, "{{ doc.annex.subtitle }}", italic=True, size=13)
    _para(
        document,
        "(Kèm theo {{ doc.doc_type }} số {{ doc.number }})",
        italic=True,
        size=13,
    )
    _para(document, "{{p annex_table }}", center=False)
    _para(document, "{%p endif %}", center=False)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
