"""Official documents per second: a committee decision with a 500-row annex,
rendered to Word (docxtpl) and to PDF (WeasyPrint from the HTML template), and the
PDF signed (pyHanko, PAdES), against bare baselines measured in the same run:

- Word: python-docx writing the same paragraphs and a 500-row table directly;
- PDF: WeasyPrint printing a bare HTML page with the same table, no styles;
- signing: the signature alone, as a ratio to the PDF it signs.

Each figure is the median of ``--repeat`` runs after one warm-up; peak memory is
the Python heap's peak (tracemalloc) of one run of each, measured apart from the
timing, and the process's peak resident size at the end.

    python bench/documents.py [--rows 500] [--repeat 5]

Needs no database: the content is the sample decision every template is checked
against, with ``--rows`` annex rows.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def bare_docx(doc) -> bytes:
    from docx import Document

    document = Document()
    for text in (doc.issuer, doc.number, doc.date_text, doc.doc_type, doc.summary):
        document.add_paragraph(text)
    for article in doc.articles:
        document.add_paragraph(f"{article.heading} {article.text}")
    rows = doc.annex.rows
    table = document.add_table(rows=1 + len(rows), cols=len(doc.annex.columns))
    for column, title in enumerate(doc.annex.columns):
        table.cell(0, column).text = title
    for index, row in enumerate(rows, start=1):
        cells = table.rows[index].cells
        for column, value in enumerate(row):
            cells[column].paragraphs[0].text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def bare_pdf(doc) -> bytes:
    from html import escape

    from weasyprint import HTML

    head = "".join(f"<th>{escape(c)}</th>" for c in doc.annex.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>"
        for row in doc.annex.rows
    )
    html = (
        f"<p>{escape(doc.issuer)}</p><p>{escape(doc.number)}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
    return HTML(string=html).write_pdf()


def timed(function, repeat: int) -> float:
    function()  # warm-up: imports, fonts, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup_django()

    from cryptography.hazmat.primitives import serialization

    from appraisal.documents.render import render_docx, render_pdf
    from appraisal.documents.samples import sample_document
    from appraisal.documents.signing import (
        demo_authority_create,
        demo_signer_create,
        pdf_sign,
        pkcs12_load,
    )

    doc = sample_document(rows=args.rows)
    authority = demo_authority_create("Bench CA")
    root = authority[1].public_bytes(serialization.Encoding.PEM)
    loaded = pkcs12_load(
        demo_signer_create(authority, "Bench", "pw"), "pw", trust_roots_pem=[root]
    )
    pdf = render_pdf(doc)

    cases = [
        ("Word, bare python-docx", lambda: bare_docx(doc)),
        ("Word, docxtpl template", lambda: render_docx(doc)),
        ("PDF, bare WeasyPrint", lambda: bare_pdf(doc)),
        ("PDF, official template", lambda: render_pdf(doc)),
        (
            "PDF signed (render + sign)",
            lambda: pdf_sign(render_pdf(doc), loaded, field="S", reason="bench"),
        ),
        ("signature only", lambda: pdf_sign(pdf, loaded, field="S", reason="bench")),
    ]
    results = {}
    for name, function in cases:
        results[name] = (timed(function, args.repeat), peak(function))

    base_word = results["Word, bare python-docx"][0]
    base_pdf = results["PDF, bare WeasyPrint"][0]
    print(
        f"Decision with a {args.rows}-row annex; median of {args.repeat} runs "
        f"({os.cpu_count()} CPUs)."
    )
    print(f"{'':30} {'docs/s':>8} {'s/doc':>8} {'ratio':>10} {'peak MiB':>9}")
    for name, (seconds, heap) in results.items():
        base = base_word if name.startswith("Word") else base_pdf
        ratio = f"{seconds / base:.2f}x {'docx' if base is base_word else 'pdf'}"
        print(
            f"{name:30} {1 / seconds:8.2f} {seconds:8.3f} {ratio:>10} "
            f"{heap / 2**20:9.1f}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident size of the process: {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
