"""Issuing document numbers from the numbering registers.

Decree 30/2020/NĐ-CP on clerical work, Art. 15(1) and Appendix III: each issuer
numbers its documents per type from 01 on 1 January to 31 December, written
``<n>/<TYPE>-<ISSUER>`` (``12/TTr-SNV``, ``345/QĐ-UBND``). A number is given once
and never skipped, so two officers issuing at the same moment get two consecutive
numbers.

Receipt numbers of the one-stop reception (Giấy tiếp nhận hồ sơ và hẹn trả kết quả,
form No. 01 of Circular 01/2018/TT-VPCP) use the document type ``TN`` and are
written ``000015/2026/SNV``: six digits, the year and the receiving agency, because
a citizen quotes the receipt later without its date, and the yearly restart would
otherwise make ``15/TN-SNV`` of 2025 and of 2026 look the same.
"""

from __future__ import annotations

import datetime
import random
import re
import time
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from appraisal.models import IssuedNumber, NumberRegister
from appraisal.models.registers import DOCUMENT_FORMAT
from orgchart.transactions import atomic

#: The product's own documents.
RECEIPT = "TN"  # receipt of a dossier at the one-stop reception
SUBMISSION = "TTr"  # Tờ trình, e.g. the appraisal submission …/TTr-SNV
DECISION = "QĐ"  # Quyết định, e.g. the committee's decision …/QĐ-UBND

#: Type codes of Decree 30/2020/NĐ-CP Appendix III (and NĐ, TT of the Law on
#: Promulgation of Legal Documents), plus the product's receipt type.
DOCUMENT_TYPES = (
    "NQ", "QĐ", "CT", "QC", "QyĐ", "TC", "TB", "HD", "CTr", "KH", "PA", "ĐA",
    "BC", "BB", "TTr", "HĐ", "CĐ", "GN", "TTh", "UQ", "GM", "GGT", "NP", "PG",
    "PC", "PB", "NĐ", "TT", RECEIPT,
)  # fmt: skip

#: Formats of a new register by type; the year's first register of an issuer and
#: type copies the format of the previous year's, so an administrator's change
#: carries over.
DEFAULT_FORMATS = {RECEIPT: "{n:06d}/{year}/{issuer}"}

_BY_EXACT = {code.casefold(): code for code in DOCUMENT_TYPES}
_BY_ASCII: dict[str, str] = {}
for _code in DOCUMENT_TYPES:
    # An exact code wins over the ASCII spelling of another one: HD is Hướng dẫn,
    # not Hợp đồng (HĐ).
    _BY_ASCII.setdefault(_code.replace("Đ", "D").casefold(), _code)
_ISSUER_RE = re.compile(r"^[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*$")


def document_type_normalise(doc_type: str) -> str:
    """The official spelling of a type code, from any case and from the ASCII
    spelling without Đ (BRIEF §5.1): ``qd`` → ``QĐ``, ``ND`` → ``NĐ``, ``QyD`` →
    ``QyĐ``, ``ttr`` → ``TTr``. ``DA`` becomes ``ĐA`` (Đề án): the product issues no
    Dự án, whose official code is also DA. ``HD`` stays Hướng dẫn.
    """
    key = unicodedata.normalize("NFC", doc_type.strip()).casefold()
    code = _BY_EXACT.get(key) or _BY_ASCII.get(key.replace("đ", "d"))
    if code is None:
        raise ValidationError(
            _(
                "%(code)s is not a document type code of Decree 30/2020/NĐ-CP; use "
                "one of %(codes)s."
            ),
            code="unknown_document_type",
            params={"code": doc_type, "codes": ", ".join(DOCUMENT_TYPES)},
        )
    return code


def _issuer_normalise(issuer: str) -> str:
    value = unicodedata.normalize("NFC", issuer.strip()).upper()
    if not _ISSUER_RE.match(value):
        raise ValidationError(
            _(
                "%(issuer)s is not an issuer abbreviation; use capital letters and "
                "digits, parts joined by a hyphen, e.g. SNV or SNV-TCBC."
            ),
            code="invalid_issuer",
            params={"issuer": issuer},
        )
    return value


def _format_for(*, issuer: str, doc_type: str, year: int) -> str:
    previous = (
        NumberRegister.objects.filter(issuer=issuer, doc_type=doc_type, year__lt=year)
        .order_by("-year")
        .values_list("format", flat=True)
        .first()
    )
    return previous or DEFAULT_FORMATS.get(doc_type, DOCUMENT_FORMAT)


def full_clean_issued(obj, *issued: str, exclude: Iterable[str] = ()) -> None:
    """``obj.full_clean()`` but for the fields named in ``issued``, which hold
    numbers :func:`number_issue` has just given out: the register's row lock
    makes them unique (and the database's unique constraint stays behind it), so
    their uniqueness is not asked of the database a second time (a savepoint and
    a query each)."""
    obj.full_clean(exclude=[*exclude, *issued])


def number_issue(
    *,
    issuer: str,
    doc_type: str,
    year: int | None = None,
    on: datetime.date | None = None,
    subject: str = "",
) -> IssuedNumber:
    """Give the next number of the register of ``issuer``, ``doc_type`` and the year,
    and record it (Decree 30/2020/NĐ-CP Art. 15).

    ``on`` is the issue date (default: today in Asia/Ho_Chi_Minh); the year is taken
    from it, so the first number issued on or after 1 January is 1. ``year``, if
    given, must agree with it: a year's numbers are issued in that year. ``subject``
    says what got the number (shown in the register's book).

    Race-free: the register row is locked until the caller's transaction ends, so
    two concurrent callers get consecutive numbers; a number taken by a transaction
    that rolls back is given again, so the book has no gaps. The first number of a
    year creates the register; two transactions creating it at once both succeed,
    one after the other.
    """
    on = on or timezone.localdate()
    if year is None:
        year = on.year
    if year != on.year:
        raise ValidationError(
            _(
                "A number of %(year)s cannot be issued on %(date)s: numbers run from "
                "1 January to 31 December of their year."
            ),
            code="year_mismatch",
            params={"year": year, "date": date_format(on, "SHORT_DATE_FORMAT")},
        )
    issuer = _issuer_normalise(issuer)
    doc_type = document_type_normalise(doc_type)
    key = {"issuer": issuer, "doc_type": doc_type, "year": year}
    subject = subject[:255]

    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return _issue(key=key, on=on, subject=subject)
    # SQLite locks the whole database, and a connection that finds it locked by
    # another writer may be told so at once instead of waiting (always so for the
    # in-memory database shared between threads). When this call owns the
    # transaction, it can simply run it again until the busy timeout runs out.
    deadline = time.monotonic() + connection.settings_dict.get("OPTIONS", {}).get(
        "timeout", 5
    )
    while True:
        try:
            return _issue(key=key, on=on, subject=subject)
        except OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))  # noqa: S311  not security


def _increment(key: dict) -> NumberRegister | None:
    """Add one to the register ``key`` and return it as written, or None when the
    year's register does not exist yet: one ``UPDATE … RETURNING`` (PostgreSQL,
    SQLite 3.35+), the ORM's UPDATE and a locked read otherwise."""
    if not connection.features.can_return_columns_from_insert:
        if not NumberRegister.objects.filter(**key).update(
            last_number=F("last_number") + 1
        ):
            return None
        return NumberRegister.objects.select_for_update().get(**key)
    table = connection.ops.quote_name(NumberRegister._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + 1 "  # noqa: S608 - names are the model's
            "WHERE issuer = %s AND doc_type = %s AND year = %s "
            "RETURNING id, last_number, format",
            [key["issuer"], key["doc_type"], key["year"]],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    pk, last_number, format_ = row
    return NumberRegister.from_db(
        connection.alias,
        ["id", "issuer", "doc_type", "year", "last_number", "format"],
        [pk, key["issuer"], key["doc_type"], key["year"], last_number, format_],
    )


def _issue(*, key: dict, on: datetime.date, subject: str) -> IssuedNumber:
    with atomic():
        # The UPDATE is the lock. On PostgreSQL it holds the register row until
        # commit, as SELECT … FOR UPDATE would, and increments in the same statement.
        # On SQLite a write as the transaction's first statement waits for the
        # database's write lock (busy timeout), where a read followed by a write
        # would fail at once with "database is locked".
        register = _increment(key)
        if register is None:
            probe = NumberRegister(**key, last_number=1, format=_format_for(**key))
            probe.full_clean(validate_unique=False, validate_constraints=False)
            # Another transaction may create the same register meanwhile: the
            # insert runs in a savepoint, and on the unique-constraint error the
            # row is read again, locked, once that transaction has committed.
            register, created = (
                NumberRegister.objects.select_for_update().get_or_create(
                    **key, defaults={"last_number": 1, "format": probe.format}
                )
            )
            if not created:
                register.last_number = F("last_number") + 1
                register.save(update_fields=["last_number"])
                register.refresh_from_db(fields=["last_number"])

        sequence = register.last_number
        issued = IssuedNumber(
            register=register,
            sequence=sequence,
            text=register.render(sequence),
            issued_on=on,
            subject=subject,
        )
        issued.full_clean(
            exclude=["register"], validate_unique=False, validate_constraints=False
        )
        issued.save()
    return issued
