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


# --- a consolidation in progress: the Vinh expansion ---------------------------------

#: Modelled on the expansion of Vinh (Decision 475/QĐ-TTg; Res. 1243/NQ-UBTVQH15,
#: BRIEF §4.3): the ward that carries Vinh's centre today absorbs the ward of the
#: former Cửa Lò town and four communes of the former Nghi Lộc district. Official
#: codes of the units imported for Nghệ An (``import_admin_units --province 40``).
VINH_EXPANSION_TITLE = (
    "Mở rộng phường Trường Vinh: sáp nhập phường Cửa Lò và các xã Nghi Lộc, "
    "Phúc Lộc, Hải Lộc, Trung Lộc"
)
VINH_EXPANSION_SUCCESSOR = "16690"  # Phường Trường Vinh
VINH_EXPANSION_SOURCES = ("16732", "17827", "17857", "17833", "17866")
#: The establishment a source commune is given when it has none yet (as approved
#: on paper), so the mapping and the impact statement have something to show:
#: ``(name, category code, rank code, headcount)`` for its committee, then for
#: each of its divisions.
DEMO_COMMUNE_POSITIONS = [
    ("Chủ tịch Ủy ban nhân dân", "leadership", "01.002", 1),
    ("Phó Chủ tịch Ủy ban nhân dân", "leadership", "01.002", 2),
]
DEMO_DIVISION_POSITIONS = [
    ("Trưởng phòng", "leadership", "01.002", 1),
    ("Chuyên viên", "specialised", "01.003", 2),
]


def _demo_establishment(commune: Unit, on: datetime.date) -> None:
    from orgchart.services import position_create

    units = list(Unit.objects.active_on(on).subtree_of(commune).order_by("path"))
    if JobPosition.objects.active_on(on).filter(unit__in=units).exists():
        return
    categories = {c.code: c for c in PositionCategory.objects.all()}
    ranks = {r.code: r for r in Rank.objects.filter(code__in=["01.002", "01.003"])}
    for unit in units:
        if unit.kind not in (Unit.Kind.COMMUNE_PC, Unit.Kind.COMMUNE_DIVISION):
            continue
        rows = (
            DEMO_COMMUNE_POSITIONS if unit.pk == commune.pk else DEMO_DIVISION_POSITIONS
        )
        for name, category, rank, headcount in rows:
            position_create(
                unit=unit,
                name=name,
                category=categories[category],
                rank=ranks[rank],
                headcount=headcount,
                valid_from=max(unit.valid_from, datetime.date(2025, 7, 1)),
                decision_number="1234/QĐ-UBND",
                decision_date=datetime.date(2025, 8, 15),
            )


@transaction.atomic
def seed_demo_consolidation(*, users: dict, until: str = Status.DRAFT):
    """The Vinh expansion as a consolidation of administrative units in progress,
    proposed by Home Affairs: one absorption on the first day of the fourth month
    from now, the voters' share of the 2025 consultation (96.1 %), the default
    mapping with the four communes' deputy chairs ended (so the impact statement
    shows a surplus and its date), then moved through the shared steps as the
    demo people up to ``until`` (draft, submitted, received or under appraisal).

    ``users`` maps roles (or the demo usernames) to users, as for
    :func:`demo_projects_seed`. Needs Nghệ An's units (``import_admin_units
    --province 40``). Idempotent: a second call returns the dossier as it is."""
    from .models import Consolidation, PositionMapping
    from .services import consolidation as cons

    existing = Consolidation.objects.filter(title=VINH_EXPANSION_TITLE).first()
    if existing is not None:
        return existing
    people = {role: _user(users, role) for role in DEMO_USERNAMES}
    today = timezone.localdate()
    effective = _first_of_next_month(
        _first_of_next_month(_first_of_next_month(_first_of_next_month(today)))
    )
    units = {
        unit.admin_code: unit
        for unit in Unit.objects.active_on(today).filter(
            admin_code__in=[VINH_EXPANSION_SUCCESSOR, *VINH_EXPANSION_SOURCES]
        )
    }
    successor = units[VINH_EXPANSION_SUCCESSOR]
    sources = [units[code] for code in VINH_EXPANSION_SOURCES]
    for source in sources:
        _demo_establishment(source, today)
    consolidation = cons.consolidation_create(
        user=people[Role.DIVISION_HEAD],
        unit=successor.parent,
        title=VINH_EXPANSION_TITLE,
        scope=Consolidation.Scope.ADMINISTRATIVE,
        legal_basis=(
            "Luật Tổ chức chính quyền địa phương; Nghị quyết 35/2023/UBTVQH15; "
            "Quyết định 475/QĐ-TTg ngày 04/6/2024"
        ),
        justification=(
            "Mở rộng không gian đô thị trung tâm, hợp nhất bộ máy hành chính của "
            "khu vực Cửa Lò và bốn xã ven biển phía bắc."
        ),
    )
    cons.operation_add(
        user=people[Role.DIVISION_HEAD],
        consolidation=consolidation,
        kind="absorb",
        effective_date=effective,
        source_units=sources,
        successors=[{"unit": successor}],
        voters_in_favour_pct="96.10",
        note="Cử tri tán thành 96,1 % (lấy ý kiến tháng 4/2025).",
    )
    cons.mapping_default(consolidation=consolidation)
    deputies = PositionMapping.objects.filter(
        operation__consolidation=consolidation,
        source_position__name="Phó Chủ tịch Ủy ban nhân dân",
    ).exclude(source_position__unit__admin_code="16732")
    cons.mapping_save(
        user=people[Role.DIVISION_HEAD],
        consolidation=consolidation,
        rows=[
            {"source_position_id": m.source_position_id, "action": "end"}
            for m in deputies
        ],
    )
    steps = [
        (
            Status.SUBMITTED,
            lambda: svc.dossier_submit(
                dossier=consolidation, actor=people[Role.DIRECTOR]
            ),
        ),
        (
            Status.RECEIVED,
            lambda: svc.dossier_accept(
                dossier=consolidation, actor=people[Role.RECEPTION]
            ),
        ),
        (
            Status.UNDER_APPRAISAL,
            lambda: svc.dossier_assign_appraiser(
                dossier=consolidation,
                actor=people[Role.DIVISION_HEAD],
                appraiser=people[Role.APPRAISER],
            ),
        ),
    ]
    for status, step in steps:
        if consolidation.status == until:
            break
        step()
        consolidation.refresh_from_db()
        if status == until:
            break
    return consolidation
