"""The unit consolidation's documents: the proposal's submission, the report and
the submission to the committee signed by the director, and the committee's
decision whose annex lists each operation's units and every position's mapping,
opened back from the Word and PDF files."""

from __future__ import annotations

import pytest

from appraisal.models import AppraisalReport, DocumentIssue, PositionMapping
from appraisal.services import consolidation as cons
from appraisal.services.documents import attachment_signatures
from tests.appraisal.consolidation_fixtures import *  # noqa: F403
from tests.appraisal.consolidation_fixtures import (
    D,
    merge_a_and_b,
    new_unit,
    open_consolidation,
)
from tests.appraisal.consolidation_fixtures import approve as approve_steps
from tests.appraisal.test_documents import _docx_text, _files, _pdf_text, _read

pytestmark = pytest.mark.documents


@pytest.fixture
def approved(people, org, signer_certificate, django_capture_on_commit_callbacks):
    """A merge of A and B and a dissolution of commune X3, approved through the
    real steps, every step's documents generated in-process on commit."""
    signer_certificate(people["director"])
    signer_certificate(people["committee"])
    consolidation = open_consolidation(people, org, title="Sắp xếp Sở A, Sở B")
    merge_a_and_b(people, org, consolidation)
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="split",
        effective_date=D,
        source_units=[org["units"]["x3"]],
        successors=[
            new_unit(
                "Xã Bắc",
                "XB",
                org["units"]["province"],
                kind="commune_pc",
                level="commune",
            ),
            new_unit(
                "Xã Nam",
                "XN",
                org["units"]["province"],
                kind="commune_pc",
                level="commune",
            ),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        return approve_steps(consolidation, people)


def _texts(files) -> tuple[str, str]:
    word = " ".join(_docx_text(_read(files["docx"])).split())
    pdf = " ".join(_pdf_text(_read(files["pdf"])).split())
    return word, pdf


def test_the_approved_consolidation_ends_in_its_four_documents(approved):
    states = dict(
        DocumentIssue.objects.filter(dossier=approved).values_list("document", "state")
    )
    assert states == {
        "unit_submission": "ready",
        "report": "signed",
        "submission": "signed",
        "decision": "signed",
    }


def _annex_rows(consolidation) -> list[str]:
    rows = []
    for operation in consolidation.operations.all():
        rows.extend(source.unit.name for source in operation.sources.all())
        rows.extend(s.display_name for s in operation.successors.all())
    for mapping in PositionMapping.objects.filter(
        operation__consolidation=consolidation
    ).select_related("source_position__unit", "successor"):
        position = mapping.source_position
        rows.append(f"{position.unit.name}: {position.name}")
        if mapping.successor_id:
            rows.append(f"{mapping.successor.display_name}: {mapping.target_name}")
    return rows


def test_the_decision_reads_back_with_its_number_date_units_and_every_mapping_row(
    approved,
):
    decision = approved.decisions.get(outcome="approved")
    _issue, files = _files(approved, "decision")
    mappings = PositionMapping.objects.filter(operation__consolidation=approved)
    assert mappings.count() == 11  # 9 positions of A and B, 2 of commune X3
    expected = [
        decision.number,
        f"ngày {decision.date:%d}",
        f"năm {decision.date.year}",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "TM. ỦY BAN NHÂN DÂN",
        "Sở A và B",
        "Xã Bắc",
        "Xã Nam",
        "Hợp nhất",
        "Chia, tách",
        f"{D:%d/%m/%Y}",
        *_annex_rows(approved),
    ]
    word, pdf = _texts(files)
    for text in expected:
        assert text in word, text
        assert text in pdf, text
    [check] = attachment_signatures(files["pdf"])
    assert check.valid and check.intact


def test_the_director_signs_the_report_with_the_proposal_in_its_annex(approved, people):
    issue, files = _files(approved, "report")
    assert issue.state == "signed" and issue.signer == people["director"]
    word, pdf = _texts(files)
    for text in ["Báo cáo".upper(), "Sở A và B", *_annex_rows(approved)]:
        assert text in word, text
        assert text in pdf, text
    [check] = attachment_signatures(files["pdf"])
    assert check.valid and check.intact
    report = AppraisalReport.objects.get(dossier=approved)
    assert report.number.replace("/TTr-", "/BC-") in pdf
    issue, files = _files(approved, "submission")
    word, pdf = _texts(files)
    assert "/TTr-SNV" in word and "/TTr-SNV" in pdf
    [check] = attachment_signatures(files["pdf"])
    assert check.valid


def test_home_affairs_own_proposal_is_submitted_under_its_name(approved):
    _issue, files = _files(approved, "unit_submission")
    word, pdf = _texts(files)
    for text in ["SỞ NỘI VỤ", "TỜ TRÌNH", "/TTr-SNV", "Sắp xếp Sở A, Sở B"]:
        assert text in word, text
        assert text in pdf, text
