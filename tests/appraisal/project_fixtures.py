"""Fixtures shared by the dossier tests (imported by each ``test_project_*`` module,
``test_checklist``, ``test_attachments`` and ``test_apply_decision``).

Everything is set up through the factories and the real services.
"""

from __future__ import annotations

import pytest

from appraisal import services as svc
from appraisal.models import Attachment, JobPositionProject
from orgchart.permissions import Role
from tests.factories import (
    docx_upload,
    pdf_upload,
)

Status = JobPositionProject.Status


@pytest.fixture(autouse=True)
def english():
    """Messages in the source language, whatever LANGUAGE_CODE says."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Eleven people per test: hash their passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files go to a throwaway directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def units(two_units):
    return two_units


@pytest.fixture
def people(make_user, units):
    """One person per role; the unit people act for department A (and its
    division), ``officer_b`` for department B."""
    return {
        "officer": make_user(Role.UNIT_OFFICER, units=[units["a"]], username="officer"),
        "head": make_user(Role.UNIT_HEAD, units=[units["a"]], username="head"),
        "officer_b": make_user(
            Role.UNIT_OFFICER, units=[units["b"]], username="officer_b"
        ),
        "head_b": make_user(Role.UNIT_HEAD, units=[units["b"]], username="head_b"),
        "reception": make_user(Role.RECEPTION, username="reception"),
        "division_head": make_user(Role.DIVISION_HEAD, username="division_head"),
        "appraiser": make_user(Role.APPRAISER, username="appraiser"),
        "appraiser2": make_user(Role.APPRAISER, username="appraiser2"),
        "director": make_user(Role.DIRECTOR, username="director"),
        "committee": make_user(Role.COMMITTEE, username="committee"),
        "observer": make_user(Role.OBSERVER, username="observer"),
    }


def add_required_attachments(project, actor) -> None:
    svc.attachment_add(
        dossier=project,
        actor=actor,
        kind=Attachment.Kind.SUBMISSION_LETTER,
        file=pdf_upload("to-trinh.pdf"),
    )
    svc.attachment_add(
        dossier=project,
        actor=actor,
        kind=Attachment.Kind.PROJECT_DOCUMENT,
        file=docx_upload("de-an.docx"),
    )
    svc.attachment_add(
        dossier=project,
        actor=actor,
        kind=Attachment.Kind.ESTABLISHMENT_DECISION,
        file=pdf_upload("qd-thanh-lap.pdf"),
    )


def standard_lines(ref, positions) -> list[dict]:
    """Add one position, change the first existing one, end the second."""
    return [
        {
            "action": "add",
            "catalogue_entry": ref["entry"],
            "rank": ref["specialist"],
            "headcount": 2,
            "job_description": "Tham mưu tổ chức bộ máy",
        },
        {
            "action": "change",
            "position": positions[0],
            "name": "Chuyên viên văn thư, lưu trữ",
            "headcount": 3,
        },
        {"action": "end", "position": positions[1]},
    ]


@pytest.fixture
def draft(people, units, ref, positions):
    """A draft of department A, ready to submit: three lines, the documents."""
    project = svc.project_create(
        unit=units["a"],
        kind=JobPositionProject.Kind.ADJUSTMENT,
        title="Đề án điều chỉnh vị trí việc làm Sở A",
        actor=people["officer"],
        legal_basis="Nghị định 62/2020/NĐ-CP",
    )
    svc.project_lines_save(
        project=project, actor=people["officer"], lines=standard_lines(ref, positions)
    )
    add_required_attachments(project, people["officer"])
    return project


def answer_all_criteria(project, appraiser) -> None:
    from appraisal.models import ChecklistCriterion

    svc.report_save(
        dossier=project,
        actor=appraiser,
        answers={
            c.code: "pass" for c in ChecklistCriterion.objects.filter(active=True)
        },
    )


def write_report(project, people, recommendation: str = "approve") -> None:
    """The assigned appraiser answers every criterion, recommends and completes."""
    appraiser = people["appraiser"]
    answer_all_criteria(project, appraiser)
    svc.report_save(
        dossier=project,
        actor=appraiser,
        recommendation=recommendation,
        text="Hồ sơ đủ điều kiện",
    )
    if recommendation == "approve_with_changes":
        proposed = [
            {
                "key": line.key,
                "action": line.action,
                "position": line.position,
                "catalogue_entry": line.catalogue_entry,
                "name": line.name,
                "category": line.category,
                "rank": line.rank,
                "headcount": None if line.action == "end" else line.headcount + 1,
            }
            for line in project.lines.all()
        ]
        svc.report_save(dossier=project, actor=appraiser, proposed_lines=proposed)
    svc.report_complete(dossier=project, actor=appraiser)


def advance(project, people, to: str, *, recommendation: str = "approve"):
    """Drive ``project`` through the real services until it reaches ``to``."""
    for _step in range(12):
        if project.status == to:
            return project
        status = project.status
        if status in JobPositionProject.EDITABLE_STATUSES:
            svc.dossier_submit(dossier=project, actor=people["head"])
        elif status == Status.SUBMITTED:
            svc.dossier_accept(dossier=project, actor=people["reception"])
        elif status == Status.RECEIVED:
            svc.dossier_assign_appraiser(
                dossier=project,
                actor=people["division_head"],
                appraiser=people["appraiser"],
            )
        elif status == Status.UNDER_APPRAISAL:
            write_report(project, people, recommendation)
        elif status == Status.REPORT_COMPLETED:
            svc.report_review(dossier=project, actor=people["division_head"])
        elif status == Status.REPORT_REVIEWED:
            svc.report_sign(dossier=project, actor=people["director"])
        elif status == Status.AWAITING_DECISION:
            svc.dossier_decide(
                dossier=project, actor=people["committee"], outcome="approved"
            )
        elif status == Status.APPROVED:
            svc.decision_apply(decision=project.decisions.get(outcome="approved"))
            project.refresh_from_db()
        else:
            break
    raise AssertionError(f"cannot advance from {project.status} to {to}")


__all__ = [
    "add_required_attachments",
    "advance",
    "answer_all_criteria",
    "write_report",
    "draft",
    "english",
    "fast_passwords",
    "media",
    "people",
    "standard_lines",
    "units",
]
