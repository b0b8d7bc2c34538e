"""A unit consolidation moved through its real flow for the demo: the Vinh
expansion of ``appraisal.demo.seed_demo_consolidation`` (Res. 1243/NQ-UBTVQH15
of 2024: Vinh absorbed Cửa Lò town and four Nghi Lộc communes, played on today's
units of the demo province), proposed by Home Affairs and left waiting at the
appraisal step.

Each step is what its task page does — the one service, then the task's
activation under the flow lock — so the process, tasks, audit trail and numbers
are those a person would have left.
"""

from __future__ import annotations

from django.db import transaction

from appraisal.demo import (
    DEMO_USERNAMES,
    VINH_EXPANSION_SUCCESSOR,
    VINH_EXPANSION_TITLE,
    seed_demo_consolidation,
)
from appraisal.models import Consolidation
from appraisal.services import dossiers as dossier_services

from .demo import DEMO_IP, DemoRequest, task_act
from .flows import ConsolidationFlow
from .models import ConsolidationProcess

#: The demo logins the consolidation needs (those of the dossier's seed).
USERNAMES = tuple(DEMO_USERNAMES.values())
SUCCESSOR = VINH_EXPANSION_SUCCESSOR


def demo_consolidation_seed(*, users: dict) -> ConsolidationProcess | None:
    """The demo consolidation (``appraisal.demo.seed_demo_consolidation``: its
    operation and mapping) started in the flow and moved to the appraisal step;
    ``None`` when it is already there. ``users``: the demo logins by username."""
    if Consolidation.objects.filter(title=VINH_EXPANSION_TITLE).exists():
        return None
    proposer = users["divisionhead"]
    node = ConsolidationFlow.start
    with transaction.atomic():
        activation = node.activation_class.create(node, None, None)
        activation.start(DemoRequest(proposer))
        consolidation = seed_demo_consolidation(users=users)
        activation.process.artifact = consolidation
        activation.execute()
    process = ConsolidationProcess.objects.get(pk=activation.process.pk)
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
