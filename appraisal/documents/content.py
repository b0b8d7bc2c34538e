"""The content of an official document in the layout of Decree 30/2020/NĐ-CP
Appendix I, independent of its format: the issuing body under its parent, the
national title and motto (written by the templates), number and symbol, place and
date, the document type and summary, the "Căn cứ …" basis clauses, the body
(paragraphs or articles), "Nơi nhận", the signature block (TM./KT./Q. as the case
is) and an annex table. The Word and HTML templates both render this."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

__all__ = ["Annex", "Article", "OfficialDocument", "Signature", "date_line"]


@dataclass(frozen=True)
class Article:
    heading: str
    text: str


@dataclass(frozen=True)
class Signature:
    """The signature block: ``capacity`` is "TM. ỦY BAN NHÂN DÂN" (on behalf of a
    collective body), "KT. GIÁM ĐỐC" (signing for the head) or empty when the
    head signs; ``title`` the signer's office; ``name`` the person."""

    capacity: str
    title: str
    name: str


@dataclass(frozen=True)
class Annex:
    title: str
    subtitle: str
    columns: list[str]
    rows: list[list[str]]
    totals: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OfficialDocument:
    parent_issuer: str
    issuer: str
    number: str
    place: str
    date: datetime.date
    doc_type: str
    summary: str
    bases: list[str]
    paragraphs: list[str]
    articles: list[Article]
    recipients: list[str]
    signature: Signature
    annex: Annex | None = None

    @property
    def date_text(self) -> str:
        return date_line(self.place, self.date)

    @property
    def signer_capacity(self) -> str:
        return self.signature.capacity


def date_line(place: str, date: datetime.date) -> str:
    """ "Nghệ An, ngày 03 tháng 12 năm 2026" (days and months below 10 written
    with a leading zero for 1-2, Decree 30/2020/NĐ-CP Appendix I, II.5)."""
    day = f"{date.day:02d}"
    month = f"{date.month:02d}" if date.month < 3 else str(date.month)
    return f"{place}, ngày {day} tháng {month} năm {date.year}"
