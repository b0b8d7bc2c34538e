"""Demo dossiers: job-position projects in every state of the procedure, so that each
role of the demo finds work in its inbox (issue 3 §7).

Every project is moved through the real services, as the demo people, so numbers,
due dates, revisions and the audit trail are what the product would have written.
The flow (``workflows``) attaches its processes to them.
"""

from __future__ import annotations

import datetime
import io
import zipfile

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from orgchart.models import CatalogueEntry, JobPosition, PositionCategory, Rank, Unit
from orgchart.permissions import Role
from orgchart.selectors import unit_list_granted

from . import services as svc
from .models import Attachment, ChecklistCriterion, JobPositionProject

Status = JobPositionProject.Status

#: The states the demo shows, in the order of the procedure, with the title of
#: the dossier left there (the titles also make a second run find them again).
DEMO_STATES: list[tuple[str, str]] = [
    (Status.DRAFT, "Đề án vị trí việc làm (dự thảo)"),
    (Status.SUBMITTED, "Đề án điều chỉnh vị trí việc làm, chờ tiếp nhận"),
    (Status.SUPPLEMENT_REQUESTED, "Đề án điều chỉnh vị trí việc làm, cần bổ sung"),
    (Status.RECEIVED, "Đề án điều chỉnh vị trí việc làm, chờ phân công"),
    (Status.UNDER_APPRAISAL, "Đề án điều chỉnh vị trí việc làm, đang thẩm định"),
    (Status.REVISION_REQUESTED, "Đề án điều chỉnh vị trí việc làm, cần chỉnh sửa"),
    (Status.REPORT_COMPLETED, "Đề án điều chỉnh vị trí việc làm, chờ Giám đốc ký"),
    (Status.AWAITING_DECISION, "Đề án điều chỉnh vị trí việc làm, trình UBND tỉnh"),
    (Status.APPLIED, "Đề án điều chỉnh vị trí việc làm, đã phê duyệt"),
]

#: Demo usernames (orgchart.demo.DEMO_USERS) for each role, used when ``users`` is
#: keyed by username rather than by role.
DEMO_USERNAMES = {
    Role.UNIT_OFFICER: "officer",
    Role.UNIT_HEAD: "unithead",
    Role.RECEPTION: "reception",
    Role.APPRAISER: "appraiser",
    Role.DIVISION_HEAD: "divisionhead",
    Role.DIRECTOR: "director",
    Role.COMMITTEE: "committee",
}


def _pdf(title: str, name: str) -> ContentFile:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% "
        + title.encode("utf-8")
        + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return ContentFile(body, name=name)


def _docx(title: str, name: str) -> ContentFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml", f"<w:document><w:t>{title}</w:t></w:document>"
        )
    return ContentFile(buffer.getvalue(), name=name)


def _attach_documents(project: JobPositionProject, officer) -> None:
    for kind, upload in (
        (Attachment.Kind.SUBMISSION_LETTER, _pdf("Tờ trình", "To-trinh.pdf")),
        (
            Attachment.Kind.PROJECT_DOCUMENT,
            _docx(project.title, "De-an-vi-tri-viec-lam.docx"),
        ),
        (
            Attachment.Kind.ESTABLISHMENT_DECISION,
            _pdf("Quyết định", "QD-chuc-nang-nhiem-vu.pdf"),
        ),
    ):
        svc.attachment_add(dossier=project, actor=officer, kind=kind, file=upload)


#: One new position per demo dossier, so that two dossiers of a unit never propose
#: the same name.
NEW_POSITIONS = [
    "Chuyên viên chuyển đổi số",
    "Chuyên viên kiểm soát thủ tục hành chính",
    "Chuyên viên pháp chế",
    "Chuyên viên thi đua, khen thưởng",
    "Chuyên viên hợp tác quốc tế",
    "Chuyên viên quản lý chất lượng",
    "Chuyên viên thống kê",
    "Chuyên viên truyền thông",
    "Chuyên viên an toàn thông tin",
]


def _lines_for(
    unit: Unit, today: datetime.date, *, name: str, change: bool
) -> list[dict]:
    """One new position (the sample "Chuyên viên tổng hợp" entry of the demo
    catalogue, or the common category) and, when ``change`` and the unit has any
    position, a change of its largest one: lines that pass the checks and could
    become positions."""
    rank = Rank.objects.get(code="01.003")
    entry = CatalogueEntry.objects.filter(code="MAU-DC-01").first()
    category = (
        entry.category
        if entry
        else PositionCategory.objects.filter(code="common").first()
        or PositionCategory.objects.first()
    )
    lines: list[dict] = [
        {
            "action": "add",
            "catalogue_entry": entry,
            "category": category,
            "name": name,
            "rank": rank,
            "headcount": 1,
            "job_description": "Tham mưu, thực hiện nhiệm vụ của vị trí.",
            "competency_framework": "Năng lực số: cấp độ 3.",
        }
    ]
    largest = (
        JobPosition.objects.active_on(today)
        .filter(unit=unit, valid_from__lt=today)
        .order_by("-headcount", "pk")
        .first()
    )
    if change and largest is not None:
        lines.append(
            {
                "action": "change",
                "position": largest,
                "headcount": largest.headcount + 1,
            }
        )
    return lines


def _user(users: dict, role: str):
    user = users.get(role) or users.get(DEMO_USERNAMES[role])
    if user is None:
        raise KeyError(role)
    return user


def _advance(project: JobPositionProject, people: dict, target: str) -> None:
    """Move ``project`` through the services until it reaches ``target``."""
    appraiser = people[Role.APPRAISER]
    for _step in range(12):
        status = project.status
        if status == target:
            return
        if status == Status.DRAFT:
            svc.dossier_submit(
                dossier=project, actor=people[Role.UNIT_HEAD], comment="Kính trình"
            )
        elif status == Status.SUBMITTED and target == Status.SUPPLEMENT_REQUESTED:
            svc.dossier_request_supplement(
                dossier=project,
                actor=people[Role.RECEPTION],
                reason="Bổ sung bản mô tả công việc của các vị trí mới.",
            )
        elif status == Status.SUBMITTED:
            svc.dossier_accept(dossier=project, actor=people[Role.RECEPTION])
        elif status == Status.RECEIVED:
            svc.dossier_assign_appraiser(
                dossier=project, actor=people[Role.DIVISION_HEAD], appraiser=appraiser
            )
        elif status == Status.UNDER_APPRAISAL and target in (
            Status.UNDER_APPRAISAL,
            Status.REVISION_REQUESTED,
        ):
            line = project.lines.order_by("order", "pk").first()
            svc.remark_add(
                dossier=project,
                actor=appraiser,
                line=line,
                text="Làm rõ khối lượng công việc của vị trí này.",
            )
            if target == Status.UNDER_APPRAISAL:
                return
            svc.dossier_request_revision(dossier=project, actor=appraiser)
        elif status == Status.UNDER_APPRAISAL:
            svc.report_save(
                dossier=project,
                actor=appraiser,
                recommendation="approve",
                text="Đề án đủ điều kiện trình UBND tỉnh phê duyệt.",
                answers={
                    code: "pass"
                    for code in ChecklistCriterion.objects.filter(
                        active=True
                    ).values_list("code", flat=True)
                },
            )
            svc.report_complete(dossier=project, actor=appraiser)
        elif status == Status.REPORT_COMPLETED:
            svc.report_review(dossier=project, actor=people[Role.DIVISION_HEAD])
        elif status == Status.REPORT_REVIEWED:
            svc.report_sign(dossier=project, actor=people[Role.DIRECTOR])
        elif status == Status.AWAITING_DECISION:
            decision = svc.dossier_decide(
                dossier=project,
                actor=people[Role.COMMITTEE],
                outcome="approved",
                effective_date=_first_of_next_month(timezone.localdate()),
                comment="Phê duyệt",
            )
            svc.decision_apply(decision=decision)
            project.refresh_from_db()
        else:
            break
    if project.status != target:
        raise RuntimeError(f"demo dossier stuck at {project.status}")


def _first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


@transaction.atomic
def demo_projects_seed(*, users: dict) -> list[JobPositionProject]:
    """Job-position projects of the demo unit officer's units, one in each state of
    :data:`DEMO_STATES`, driven through the services as the demo people.

    ``users`` maps each role (``orgchart.permissions.Role`` values) — or the demo
    usernames of ``orgchart.demo.DEMO_USERS`` — to its user: unit officer, unit
    head, reception, appraiser, division head, director, committee. The projects
    go to the units granted to the unit officer (its department first, then its
    divisions, in turn). Idempotent: a dossier whose demo title already exists for
    that unit is returned as it is. Returns the dossiers in procedure order.
    """
    people = {role: _user(users, role) for role in DEMO_USERNAMES}
    officer = people[Role.UNIT_OFFICER]
    today = timezone.localdate()
    roots = list(unit_list_granted(user=officer))
    if not roots:
        raise ValueError("the demo unit officer has no unit")
    units = [
        unit
        for root in roots
        for unit in Unit.objects.active_on(today).subtree_of(root).order_by("path")
    ]
    projects = []
    for index, (target, title) in enumerate(DEMO_STATES):
        unit = units[index % len(units)]
        existing = JobPositionProject.objects.filter(unit=unit, title=title).first()
        if existing is not None:
            projects.append(existing)
            continue
        project = svc.project_create(
            unit=unit,
            kind=JobPositionProject.Kind.ADJUSTMENT,
            title=title,
            actor=officer,
            legal_basis=(
                "Nghị định 62/2020/NĐ-CP; Nghị định 361/2025/NĐ-CP; Thông tư "
                "12/2022/TT-BNV"
            ),
            justification=(
                "Bổ sung vị trí chuyển đổi số và điều chỉnh số lượng người làm việc "
                "theo khối lượng công việc tăng."
            ),
        )
        svc.project_lines_save(
            project=project,
            actor=officer,
            # The applied dossier only adds: the others may still change the
            # unit's positions when a demo user takes them to a decision.
            lines=_lines_for(
                unit,
                today,
                name=NEW_POSITIONS[index % len(NEW_POSITIONS)],
                change=target != Status.APPLIED,
            ),
        )
        _attach_documents(project, officer)
        _advance(project, people, target)
        projects.append(project)
    return projects
