"""Demo dossiers in every state of the job-position project flow, so that each
demo login finds work in its inbox or queue (issue 3 §7).

Each dossier is moved through the real flow — the same services the task pages
call, then the task's activation under the flow lock — exactly as far as its state
needs: a draft with the officer, one waiting for the unit head's signature, one at
the one-stop desk, one for the division head, one under appraisal, one back with the
unit for revision, one for the director, one for the committee and one approved and
applied to the establishment.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from appraisal import services as project_services
from appraisal.models import Attachment, ChecklistCriterion, JobPositionProject
from orgchart.models import PositionCategory, Rank, Unit

from .flows import JobPositionProjectFlow
from .models import JobPositionProjectProcess

#: The states a demo dossier is left in, in the order of the flow.
DEMO_STATES = (
    "draft",
    "submit",
    "receive",
    "assign_appraiser",
    "appraise",
    "revise",
    "review_report",
    "sign_report",
    "decide",
    "applied",
)

#: How each demo dossier's title says where it stands (data, in Vietnamese).
DEMO_TITLES = {
    "draft": "bản nháp",
    "submit": "chờ thủ trưởng ký",
    "receive": "chờ tiếp nhận",
    "assign_appraiser": "chờ phân công thẩm định",
    "appraise": "đang thẩm định",
    "revise": "chờ đơn vị chỉnh sửa",
    "review_report": "chờ Trưởng phòng TCBC duyệt báo cáo",
    "sign_report": "chờ Giám đốc Sở ký",
    "decide": "chờ UBND tỉnh quyết định",
    "applied": "đã phê duyệt",
}

_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DEMO_IP = "127.0.0.1"


@dataclass
class DemoRequest:
    """What an activation reads of a request: the person acting."""

    user: object


def _start(*, officer, unit: Unit, title: str) -> JobPositionProjectProcess:
    node = JobPositionProjectFlow.start
    with transaction.atomic():
        activation = node.activation_class.create(node, None, None)
        activation.start(DemoRequest(officer))
        project = project_services.project_create(
            unit=unit,
            kind=JobPositionProject.Kind.ADJUSTMENT,
            title=title,
            legal_basis="Nghị định 62/2020/NĐ-CP; Nghị định 106/2020/NĐ-CP",
            justification="Điều chỉnh theo chức năng, nhiệm vụ mới",
            actor=officer,
            ip=DEMO_IP,
        )
        activation.process.artifact = project
        activation.execute()
    return JobPositionProjectProcess.objects.get(pk=activation.process.pk)


def task_act(process, node_name: str, user, perform) -> None:
    """Take (if nobody holds it) and complete the open task ``node_name`` of the
    process (of any flow) as ``user``, after ``perform(dossier)`` called its
    service."""
    task = Task.objects.get(
        process_id=process.pk,
        flow_task=getattr(process.flow_class, node_name),
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    )
    with task.activation() as activation:
        if activation.task.status == STATUS.NEW:
            activation.assign(user)
        activation.start(DemoRequest(user))
        perform(activation.process.project)
        activation.execute()


def _lines(unit: Unit) -> list[dict]:
    category = PositionCategory.objects.get(code="specialised")
    rank = Rank.objects.get(code="01.003")
    return [
        {
            "action": "add",
            "name": "Chuyên viên quản lý công tác bổ trợ tư pháp",
            "category": category,
            "rank": rank,
            "headcount": 2,
            "job_description": "Tham mưu quản lý luật sư, công chứng, giám định.",
            "competency_framework": "Năng lực chuyên môn về bổ trợ tư pháp.",
        },
        {
            "action": "add",
            "name": "Chuyên viên theo dõi thi hành pháp luật",
            "category": category,
            "rank": rank,
            "headcount": 1,
            "job_description": "Theo dõi tình hình thi hành pháp luật.",
        },
    ]


def _draft(process, officer) -> None:
    def perform(project):
        for kind, name in (
            (Attachment.Kind.SUBMISSION_LETTER, "To-trinh.pdf"),
            (Attachment.Kind.PROJECT_DOCUMENT, "De-an-VTVL.pdf"),
            (Attachment.Kind.ESTABLISHMENT_DECISION, "QD-chuc-nang.pdf"),
        ):
            project_services.attachment_add(
                dossier=project,
                actor=officer,
                kind=kind,
                file=ContentFile(_PDF, name=name),
                ip=DEMO_IP,
            )
        project_services.project_lines_save(
            project=project, actor=officer, lines=_lines(project.unit), ip=DEMO_IP
        )
        project_services.project_handover(
            project=project,
            actor=officer,
            comment="Kính trình Giám đốc Sở ký",
            ip=DEMO_IP,
        )

    task_act(process, "draft", officer, perform)


def _report(project, appraiser) -> None:
    project_services.report_save(
        dossier=project,
        actor=appraiser,
        recommendation="approve",
        text="Đề án đáp ứng các tiêu chí thẩm định; đề nghị phê duyệt.",
        answers={
            code: "pass"
            for code in ChecklistCriterion.objects.filter(active=True).values_list(
                "code", flat=True
            )
        },
        ip=DEMO_IP,
    )
    project_services.report_complete(
        dossier=project, actor=appraiser, comment="Hoàn thành thẩm định", ip=DEMO_IP
    )


def demo_project_walk(*, state: str, unit: Unit, users: dict, title: str):
    """One dossier of ``unit`` moved through the flow up to ``state`` (one of
    :data:`DEMO_STATES`); ``users`` maps officer, unithead, reception, divisionhead,
    appraiser, director and committee to the demo people."""
    stop = DEMO_STATES.index(state)
    process = _start(officer=users["officer"], unit=unit, title=title)
    steps = [
        lambda: _draft(process, users["officer"]),
        lambda: task_act(
            process,
            "submit",
            users["unithead"],
            lambda p: project_services.dossier_submit(
                dossier=p, actor=users["unithead"], comment="Đề nghị thẩm định"
            ),
        ),
        lambda: task_act(
            process,
            "receive",
            users["reception"],
            lambda p: project_services.dossier_accept(
                dossier=p, actor=users["reception"], comment="Hồ sơ đầy đủ"
            ),
        ),
        lambda: task_act(
            process,
            "assign_appraiser",
            users["divisionhead"],
            lambda p: project_services.dossier_assign_appraiser(
                dossier=p, actor=users["divisionhead"], appraiser=users["appraiser"]
            ),
        ),
        lambda: task_act(
            process,
            "appraise",
            users["appraiser"],
            lambda p: project_services.dossier_request_revision(
                dossier=p,
                actor=users["appraiser"],
                comment="Đề nghị bổ sung khung năng lực cho vị trí thứ hai.",
            ),
        ),
    ]
    # draft -> submit -> receive -> assign_appraiser -> appraise; "revise" is the
    # appraiser's revision request; later states finish the report without one.
    plan = {
        "draft": 0,
        "submit": 1,
        "receive": 2,
        "assign_appraiser": 3,
        "appraise": 4,
        "revise": 5,
    }
    done = min(plan.get(state, 4), len(steps))
    for step in steps[:done]:
        step()
    if stop <= DEMO_STATES.index("revise"):
        return process
    task_act(
        process,
        "appraise",
        users["appraiser"],
        lambda p: _report(p, users["appraiser"]),
    )
    if state == "review_report":
        return process
    task_act(
        process,
        "review_report",
        users["divisionhead"],
        lambda p: project_services.report_review(
            dossier=p, actor=users["divisionhead"], comment="Đủ căn cứ trình Giám đốc"
        ),
    )
    if state == "sign_report":
        return process
    task_act(
        process,
        "sign_report",
        users["director"],
        lambda p: project_services.report_sign(dossier=p, actor=users["director"]),
    )
    if state == "decide":
        return process
    effective = timezone.localdate() + datetime.timedelta(days=30)
    task_act(
        process,
        "decide",
        users["committee"],
        lambda p: project_services.dossier_decide(
            dossier=p,
            actor=users["committee"],
            outcome="approved",
            effective_date=effective,
        ),
    )
    return process


def demo_processes_seed(*, unit: Unit, users: dict) -> list[JobPositionProjectProcess]:
    """A dossier of ``unit`` in each of :data:`DEMO_STATES` (idempotent: a state
    whose demo dossier exists is left alone)."""
    processes = []
    for state in DEMO_STATES:
        name = unit.short_name or unit.name
        title = f"Đề án vị trí việc làm {name} ({DEMO_TITLES[state]})"
        existing = JobPositionProject.objects.filter(unit=unit, title=title).first()
        if existing is not None:
            continue
        processes.append(
            demo_project_walk(state=state, unit=unit, users=users, title=title)
        )
    return processes


def demo_logins_get(*, usernames, unit_code: str) -> tuple[dict, Unit]:
    """The demo logins of ``seed_demo`` a seeding command needs, by username, and
    the open unit ``unit_code``; ``CommandError`` naming what is missing."""
    from django.contrib.auth import get_user_model
    from django.core.management.base import CommandError
    from django.utils.translation import gettext as _

    users = {
        user.username: user
        for user in get_user_model().objects.filter(username__in=usernames)
    }
    missing = sorted(set(usernames) - set(users))
    if missing:
        raise CommandError(
            _("Run seed_demo first; missing demo logins: %(names)s.")
            % {"names": ", ".join(missing)}
        )
    unit = Unit.objects.filter(code=unit_code, valid_to__isnull=True).first()
    if unit is None:
        raise CommandError(_("No open unit with code %(code)s.") % {"code": unit_code})
    return users, unit
