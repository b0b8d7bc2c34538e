"""The flows of the dossiers, one module per flow. A flow routes; the dossier's
rules live in ``appraisal.services`` (each task view calls one of them) and the
gateways read properties of the dossier, never rules of their own.

viewflow stores each flow's dotted path in its processes and tasks: moving a flow
to another module needs a data migration (``workflows/migrations/0002``)."""

from .consolidation import ConsolidationFlow
from .project import JobPositionProjectFlow
from .staffing import StaffingPlanFlow, StaffingProposalFlow

__all__ = [
    "ConsolidationFlow",
    "JobPositionProjectFlow",
    "StaffingPlanFlow",
    "StaffingProposalFlow",
]
