"""A unit consolidation moved through its real flow for the demo: modelled on
the expansion of Vinh City (Res. 1243/NQ-UBTVQH15 of 2024: Vinh absorbed Cửa Lò
town and four Nghi Lộc communes), played on today's units of the demo province
(Phường Trường Vinh absorbs Phường Cửa Lò and four neighbouring units), proposed
by Home Affairs and left waiting at the appraisal step.

Each step is what its task page does — the one service, then the task's
activation under the flow lock — so the process, tasks, audit trail and numbers
are those a person would have left.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from appraisal.models import Consolidation, ConsolidationOperation
from appraisal.services import consolidation as consolidation_services
from appraisal.services import dossiers as dossier_services
from orgchart.models import Unit

from .demo import DEMO_IP, DemoRequest, task_act
from .flows import ConsolidationFlow
from .models import ConsolidationProcess

TITLE = (
    "Đề án mở rộng Phường Trường Vinh (mô phỏng việc mở rộng thành phố Vinh năm 2024)"
)
LEGAL_BASIS = (
    "Nghị quyết 35/2023/UBTVQH15; Nghị quyết 76/2025/UBTVQH15; Luật Tổ chức "
    "chính quyền địa phương 65/2025/QH15, Điều 10"
)
#: The absorbing ward and the five units it absorbs (official codes).
SUCCESSOR = "16690"  # Phường Trường Vinh
SOURCES = ("16732", "16708", "17920", "16702", "17827")
#: The share of voters in favour (as in the 2025 plan of Nghệ An).
VOTERS_PCT = Decimal("96.10")


def _effective_date() -> datetime.date:
    """The next 1 July at least three months ahead."""
    today = timezone.localdate()
    day = datetime.date(today.year, 7, 1)
    while day < today + datetime.timedelta(days=90):
        day = datetime.date(day.year + 1, 7, 1)
    return day


def _unit(admin_code: str) -> Unit:
    return Unit.objects.get(admin_code=admin_code, valid_to__isnull=True)


def demo_consolidation_seed(*, users: dict) -> ConsolidationProcess | None:
    """The demo consolidation, waiting at the appraisal step; ``None`` when it
    is already there. ``users``: the demo logins by username (``divisionhead``,
    ``director``, ``reception``, ``appraiser``)."""
    if Consolidation.objects.filter(title=TITLE).exists():
        return None
    proposer = users["divisionhead"]
    province = _unit(SUCCESSOR).parent
    node = ConsolidationFlow.start
    with transaction.atomic():
        activation = node.activation_class.create(node, None, None)
        activation.start(DemoRequest(proposer))
        consolidation = consolidation_services.consolidation_create(
            user=proposer,
            unit=province,
            title=TITLE,
            scope=Consolidation.Scope.ADMINISTRATIVE,
            legal_basis=LEGAL_BASIS,
            ip=DEMO_IP,
        )
        activation.process.artifact = consolidation
        activation.execute()
    process = ConsolidationProcess.objects.get(pk=activation.process.pk)
    consolidation_services.operation_add(
        user=proposer,
        consolidation=consolidation,
        kind=ConsolidationOperation.Kind.ABSORB,
        effective_date=_effective_date(),
        source_units=[_unit(code) for code in SOURCES],
        successors=[{"unit": _unit(SUCCESSOR)}],
        voters_in_favour_pct=VOTERS_PCT,
        ip=DEMO_IP,
    )
    consolidation_services.mapping_default(consolidation=consolidation)
    task_act(process, "propose", proposer, lambda dossier: None)
    task_act(
        process,
        "submit_proposal",
        users["director"],
        lambda dossier: dossier_services.dossier_submit(
            dossier=dossier, actor=users["director"], ip=DEMO_IP
        ),
    )
    task_act(
        process,
        "receive",
        users["reception"],
        lambda dossier: dossier_services.dossier_accept(
            dossier=dossier, actor=users["reception"], ip=DEMO_IP
        ),
    )
    task_act(
        process,
        "assign_appraiser",
        proposer,
        lambda dossier: dossier_services.dossier_assign_appraiser(
            dossier=dossier,
            actor=proposer,
            appraiser=users["appraiser"],
            ip=DEMO_IP,
        ),
    )
    return process
