"""viewflow process records of the dossiers.

A process is the *routing* of a dossier through the Department of Home Affairs; the
dossier itself (the legal record: lines, revisions, report, decision, audit trail)
lives in ``appraisal`` with real foreign keys. The process points at it through
viewflow's ``artifact`` reference, and its JSON ``data`` holds routing flags only.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from appraisal.models import JobPositionProject


class DossierProcess:
    """What every dossier's process proxy has: ``dossier``, the dossier it routes
    (its ``artifact``, as its own kind; set by the scoped selectors when listed)."""

    @cached_property
    def dossier(self):
        artifact = self.artifact
        if artifact is None:
            raise LookupError(f"Process {self.pk} has no dossier.")
        return artifact


class JobPositionProjectProcess(DossierProcess, Process):
    """The path of one job-position project (đề án vị trí việc làm) from the unit's
    draft through reception, appraisal by the Department of Home Affairs and the
    Provincial People's Committee's decision (Decree 62/2020/NĐ-CP Art. 7; Decree
    106/2020/NĐ-CP Art. 7).

    A proxy of viewflow's process table: the project is its ``artifact`` (an integer
    primary key, as viewflow requires).
    """

    class Meta:
        proxy = True
        # viewflow adds "manage" when the flow class is imported; declared here so
        # the migration does not depend on import order.
        default_permissions = ("add", "change", "delete", "view", "manage")
        verbose_name = _("job-position project process")
        verbose_name_plural = _("job-position project processes")

    @property
    def project(self) -> JobPositionProject:
        """The dossier this process routes (prefetched ``artifact`` when listed)."""
        if self.artifact_object_id is None:
            raise JobPositionProject.DoesNotExist(
                f"Process {self.pk} has no job-position project."
            )
        return self.dossier
