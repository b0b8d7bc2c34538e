"""Document numbers: Decree 30/2020/NĐ-CP formats, the yearly restart, one run per
issuer and type, and no duplicate or missing number under concurrent use."""

import datetime
import threading

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

import appraisal.admin_numbering  # noqa: F401  (registers the admin pages)
from appraisal.models import IssuedNumber, NumberRegister
from appraisal.services.numbering import (
    DECISION,
    RECEIPT,
    SUBMISSION,
    document_type_normalise,
    number_issue,
)

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 2)


def texts(*, issuer, doc_type, on=MARCH, count=1):
    return [
        number_issue(issuer=issuer, doc_type=doc_type, on=on).text for _ in range(count)
    ]


def test_decisions_are_numbered_n_slash_qd_dash_issuer():
    assert texts(issuer="UBND", doc_type=DECISION, count=3) == [
        "1/QĐ-UBND",
        "2/QĐ-UBND",
        "3/QĐ-UBND",
    ]


def test_submissions_of_home_affairs_are_numbered_n_slash_ttr_dash_snv():
    issued = number_issue(
        issuer="SNV", doc_type=SUBMISSION, on=MARCH, subject="Đề án VTVL Sở A"
    )
    assert issued.text == "1/TTr-SNV"
    assert issued.sequence == 1
    assert issued.issued_on == MARCH
    assert issued.subject == "Đề án VTVL Sở A"
    assert issued.register.year == 2026


def test_receipts_carry_six_digits_and_the_year():
    assert texts(issuer="SNV", doc_type=RECEIPT, count=2) == [
        "000001/2026/SNV",
        "000002/2026/SNV",
    ]


def test_numbers_restart_at_one_on_the_first_of_january():
    new_years_eve = datetime.date(2025, 12, 31)
    assert texts(issuer="UBND", doc_type="QĐ", on=new_years_eve, count=2) == [
        "1/QĐ-UBND",
        "2/QĐ-UBND",
    ]
    assert texts(issuer="UBND", doc_type="QĐ", on=datetime.date(2026, 1, 1)) == [
        "1/QĐ-UBND"
    ]
    assert texts(issuer="UBND", doc_type="QĐ", on=new_years_eve) == ["3/QĐ-UBND"]


def test_each_issuer_and_document_type_counts_on_its_own():
    texts(issuer="UBND", doc_type="QĐ", count=5)
    assert texts(issuer="SNV", doc_type="QĐ") == ["1/QĐ-SNV"]
    assert texts(issuer="SNV", doc_type="TTr") == ["1/TTr-SNV"]
    assert texts(issuer="UBND", doc_type="TTr") == ["1/TTr-UBND"]
    assert texts(issuer="UBND", doc_type="QĐ") == ["6/QĐ-UBND"]


def test_ascii_spellings_of_type_codes_use_the_official_register():
    assert texts(issuer="UBND", doc_type="QD") == ["1/QĐ-UBND"]
    assert texts(issuer="ubnd", doc_type="qđ") == ["2/QĐ-UBND"]
    assert texts(issuer="UBND", doc_type="QĐ") == ["3/QĐ-UBND"]
    assert NumberRegister.objects.count() == 1


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("QD", "QĐ"),
        ("ND", "NĐ"),
        ("DA", "ĐA"),
        ("QyD", "QyĐ"),
        ("qyd", "QyĐ"),
        ("ttr", "TTr"),
        ("HD", "HD"),  # Hướng dẫn, not Hợp đồng (HĐ)
        ("HĐ", "HĐ"),
        ("CD", "CĐ"),
        (" NQ ", "NQ"),
    ],
)
def test_type_codes_are_normalised_to_decree_30_spelling(typed, official):
    assert document_type_normalise(typed) == official


@pytest.mark.parametrize("typed", ["XYZ", ""])
def test_unknown_type_code_is_refused_with_the_list_of_codes(typed):
    with pytest.raises(ValidationError) as error:
        number_issue(issuer="SNV", doc_type=typed, on=MARCH)
    assert error.value.code == "unknown_document_type"
    assert "TTr" in error.value.messages[0]
    assert not NumberRegister.objects.exists()


def test_issuer_with_a_slash_is_refused():
    with pytest.raises(ValidationError) as error:
        number_issue(issuer="SNV/TCBC", doc_type="QĐ", on=MARCH)
    assert error.value.code == "invalid_issuer"


def test_a_number_of_another_year_is_refused():
    with pytest.raises(ValidationError) as error:
        number_issue(issuer="UBND", doc_type="QĐ", year=2025, on=MARCH)
    assert error.value.code == "year_mismatch"
    assert not IssuedNumber.objects.exists()


def test_year_is_taken_from_the_issue_date():
    issued = number_issue(
        issuer="UBND", doc_type="QĐ", year=2026, on=datetime.date(2026, 12, 31)
    )
    assert issued.register.year == 2026
    assert issued.text == "1/QĐ-UBND"


def test_number_of_a_rolled_back_document_is_given_again():
    with pytest.raises(RuntimeError), transaction.atomic():
        number_issue(issuer="UBND", doc_type="QĐ", on=MARCH)
        raise RuntimeError("the decision was not saved")
    assert texts(issuer="UBND", doc_type="QĐ") == ["1/QĐ-UBND"]
    assert list(IssuedNumber.objects.values_list("sequence", flat=True)) == [1]


def test_next_years_register_keeps_the_format_an_administrator_set():
    number_issue(issuer="UBND", doc_type="QĐ", on=datetime.date(2025, 5, 5))
    NumberRegister.objects.filter(year=2025).update(format="{n}/{year}/{type}-{issuer}")
    assert texts(issuer="UBND", doc_type="QĐ") == ["1/2026/QĐ-UBND"]


@pytest.mark.parametrize(
    "bad_format", ["{n.__class__}", "{type}-{issuer}", "{n}/{secret}", "{n"]
)
def test_a_register_format_must_hold_the_number_and_nothing_else(bad_format):
    register = NumberRegister(
        issuer="UBND", doc_type="QĐ", year=2026, format=bad_format
    )
    with pytest.raises(ValidationError) as error:
        register.full_clean()
    assert "format" in error.value.message_dict


def test_issuing_takes_a_constant_number_of_queries(django_assert_max_num_queries):
    number_issue(issuer="UBND", doc_type="QĐ", on=MARCH)
    # Savepoint, UPDATE (the lock), SELECT, INSERT, release.
    with django_assert_max_num_queries(5):
        number_issue(issuer="UBND", doc_type="QĐ", on=MARCH)


# Concurrency: real threads, each with its own database connection. On PostgreSQL
# the register row lock orders them; SQLite serialises writers and the busy timeout
# makes each wait its turn.

THREADS = 8


def _issue_concurrently(*, issuer: str, doc_type: str, threads: int) -> list:
    barrier = threading.Barrier(threads)
    results: list = []
    errors: list = []
    lock = threading.Lock()

    def work():
        try:
            barrier.wait(timeout=30)
            issued = number_issue(issuer=issuer, doc_type=doc_type, on=MARCH)
            with lock:
                results.append(issued.sequence)
        except Exception as exc:  # noqa: BLE001  reported by the assertion below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_numbers_of_a_new_register_are_one_to_n():
    sequences = _issue_concurrently(issuer="UBND", doc_type="QĐ", threads=THREADS)

    assert sorted(sequences) == list(range(1, THREADS + 1))
    assert NumberRegister.objects.get().last_number == THREADS
    assert sorted(IssuedNumber.objects.values_list("text", flat=True)) == sorted(
        f"{n}/QĐ-UBND" for n in range(1, THREADS + 1)
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_numbers_of_an_existing_register_have_no_gap_or_duplicate():
    number_issue(issuer="SNV", doc_type="TTr", on=MARCH)

    sequences = _issue_concurrently(issuer="SNV", doc_type="TTr", threads=THREADS)

    assert sorted(sequences) == list(range(2, THREADS + 2))
    assert list(
        IssuedNumber.objects.order_by("sequence").values_list("sequence", flat=True)
    ) == list(range(1, THREADS + 2))


# Admin: the counters are the register's book and cannot be edited by hand.


def test_admin_shows_the_register_counter_read_only(admin_client):
    issued = number_issue(issuer="UBND", doc_type="QĐ", on=MARCH)
    register = issued.register
    url = reverse("admin:appraisal_numberregister_change", args=[register.pk])

    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="last_number"' not in page.content

    admin_client.post(url, {"format": "{n}/{type}-{issuer}", "last_number": 99})
    register.refresh_from_db()
    assert register.last_number == 1
    assert (
        admin_client.get(reverse("admin:appraisal_numberregister_add")).status_code
        == 403
    )


def test_admin_lists_issued_numbers_but_cannot_add_or_delete_them(admin_client):
    number_issue(issuer="UBND", doc_type="QĐ", on=MARCH, subject="Đề án Sở A")
    issued = number_issue(issuer="UBND", doc_type="QĐ", on=MARCH)

    listing = admin_client.get(reverse("admin:appraisal_issuednumber_changelist"))
    assert listing.status_code == 200
    assert "Đề án Sở A" in listing.content.decode()
    assert (
        admin_client.get(reverse("admin:appraisal_issuednumber_add")).status_code == 403
    )
    admin_client.post(
        reverse("admin:appraisal_issuednumber_delete", args=[issued.pk]),
        {"post": "yes"},
    )
    assert IssuedNumber.objects.filter(pk=issued.pk).exists()
    assert IssuedNumber in admin_site._registry
