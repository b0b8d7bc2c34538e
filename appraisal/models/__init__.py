"""Dossiers, appraisal records, decisions, numbering registers, deadlines and the
audit trail. One module per concern; every model is re-exported here."""

from .calendar import *  # noqa: F403
from .consolidation import *  # noqa: F403
from .delegations import *  # noqa: F403
from .documents import *  # noqa: F403
from .dossiers import *  # noqa: F403
from .notifications import *  # noqa: F403
from .registers import *  # noqa: F403
from .staffing import *  # noqa: F403
