"""The staffing plan's documents: the report and the submission signed by the
director, and the committee's allocation decision with each unit's quotas,
opened back from the Word and PDF files."""

from __future__ import annotations

import pytest
from django.utils import timezone

from appraisal.models import DocumentIssue
from appraisal.services import dossiers
from appraisal.services import staffing as svc
from appraisal.services.documents import attachment_signatures
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.test_documents import _docx_text, _pdf_text, _read
from tests.appraisal.test_staffing_services import (  # noqa: F401
    YEAR,
    _closed,
    _to_the_committee,
    plan,
)

pytestmark = pytest.mark.documents


def test_the_allocation_decision_lists_every_units_quota_and_is_signed(
    plan,  # noqa: F811
    people,
    units,
    positions,
    signer_certificate,
    django_capture_on_commit_callbacks,
):
    signer_certificate(people["director"])
    signer_certificate(people["committee"])
    _closed(plan, people, units, a=19, b=39)
    with django_capture_on_commit_callbacks(execute=True):
        _to_the_committee(plan, people)
    dossiers.dossier_decide(dossier=plan, actor=people["committee"], outcome="approved")
    svc.resolution_record(
        plan=plan,
        actor=people["division_head"],
        number="25/NQ-HĐND",
        date=timezone.localdate(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        decision = svc.allocation_apply(plan=plan, actor=people["committee"])

    states = dict(
        DocumentIssue.objects.filter(dossier=plan).values_list("document", "state")
    )
    assert states == {"report": "signed", "submission": "signed", "decision": "signed"}
    issue = DocumentIssue.objects.get(dossier=plan, document="decision")
    files = {f.extension: f for f in issue.files.all()}
    expected = [
        decision.number,
        "25/NQ-HĐND",
        f"năm {YEAR}",
        units["a"].name,
        units["b"].name,
        "19",
        "39",
        "TM. ỦY BAN NHÂN DÂN",
    ]
    word = _docx_text(_read(files["docx"]))
    pdf = " ".join(_pdf_text(_read(files["pdf"])).split())
    for text in expected:
        assert text in word, text
        assert text in pdf, text
    [check] = attachment_signatures(files["pdf"])
    assert check.valid
