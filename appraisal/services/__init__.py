"""Writes of the appraisal app, one module per concern: ``dossiers`` the steps
every kind of dossier shares, ``attachments`` its documents, ``projects`` and
``staffing`` each kind's own. Importing the package registers every kind's rules
(``dossiers.KindRules``)."""

from . import staffing  # noqa: F401  (registers the staffing plan's rules)
from .attachments import *  # noqa: F403
from .documents import *  # noqa: F403
from .dossiers import *  # noqa: F403
from .projects import *  # noqa: F403
