"""Reads of the unit consolidation's processes and tasks, each person's scope
applied here once, through the same per-flow machinery as the staffing flows
(``workflows.staffing_selectors.FlowScope``): who may see a consolidation is
``appraisal.selectors.consolidation.consolidation_scope``; who may take each
task is ``workflows.permissions``.
"""

from __future__ import annotations

from appraisal.models import Consolidation
from appraisal.selectors.consolidation import (
    CONSOLIDATION_RELATED,
    consolidation_list_for_user,
    consolidation_visible,
)
from appraisal.services.dossiers import dossier_visible_get

from .models import ConsolidationProcess
from .staffing_selectors import FlowScope, _source

CONSOLIDATION = FlowScope(
    "ConsolidationFlow",
    ConsolidationProcess,
    consolidation_list_for_user,
    Consolidation,
    "consolidation",
)


def in_scope(user, obj) -> bool:
    """Whether ``user`` may see the consolidation routed by the process ``obj``
    (any signed-in person when ``obj`` is None); the consolidation is kept on
    the process for the rest of the request."""
    if not user.is_authenticated or not user.is_active:
        return False
    if obj is None:
        return True
    process = getattr(obj, "coerced", obj)
    dossier = dossier_visible_get(
        Consolidation,
        process.artifact_object_id,
        related=CONSOLIDATION_RELATED,
        visible=lambda found: consolidation_visible(user, found),
    )
    if dossier is None:
        return False
    process.__dict__["consolidation"] = dossier
    return True


def process_for(*, consolidation: Consolidation) -> ConsolidationProcess | None:
    """The process routing ``consolidation`` (one query)."""
    return (
        ConsolidationProcess.objects.filter(
            flow_class=CONSOLIDATION.flow_class, artifact_object_id=consolidation.pk
        )
        .order_by("pk")
        .first()
    )


#: The consolidation flow's entry of ``workflows.selectors.WORK_SOURCES``.
WORK_SOURCES = [_source(CONSOLIDATION)]
