"""viewflow process records of the dossiers.

A process is the *routing* of a dossier through the Department of Home Affairs; the
dossier itself (the legal record: lines, revisions, report, decision, audit trail)
lives in ``appraisal`` with real foreign keys. The process points at it through
viewflow's ``artifact`` reference, and its JSON ``data`` holds routing flags only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from appraisal.models import (
    Consolidation,
    JobPositionProject,
    StaffingPlan,
    StaffingProposal,
)
from appraisal.selectors.consolidation import CONSOLIDATION_RELATED
from appraisal.selectors.projects import PROJECT_RELATED
from appraisal.selectors.staffing import PLAN_RELATED, PROPOSAL_RELATED
from orgchart.fields import ForeignKey


class RoutesADossier:
    """A process whose ``artifact`` is a dossier (of ``dossier_model``), also
    reachable as ``process.dossier`` whatever its kind: the shared steps, task
    pages and lists read that. ``project`` is the name the job-position pages
    gave it first."""

    dossier_model: type
    #: The name under which the process keeps its dossier (cached per request).
    dossier_attr: str
    #: The relations read with the dossier when a step checks who may see it
    #: (the flow's ``has_view_permission``), so a step reads it with its task.
    dossier_related: tuple[str, ...] = ()

    def routed_dossier(self):
        """The dossier this process routes (prefetched ``artifact`` when listed)."""
        artifact = self.artifact
        if artifact is None:
            raise self.dossier_model.DoesNotExist(
                f"Process {self.pk} has no {self.dossier_model._meta.model_name}."
            )
        return artifact

    @property
    def dossier(self):
        return getattr(self, self.dossier_attr)

    @property
    def project(self):
        return self.dossier


class JobPositionProjectProcess(RoutesADossier, Process):
    """The path of one job-position project (đề án vị trí việc làm) from the unit's
    draft through reception, appraisal by the Department of Home Affairs and the
    Provincial People's Committee's decision (Decree 62/2020/NĐ-CP Art. 7; Decree
    106/2020/NĐ-CP Art. 7).

    A proxy of viewflow's process table: the project is its ``artifact`` (an integer
    primary key, as viewflow requires).
    """

    dossier_model = JobPositionProject
    dossier_attr = "project"
    dossier_related = PROJECT_RELATED

    class Meta:
        proxy = True
        # viewflow adds "manage" when the flow class is imported; declared here so
        # the migration does not depend on import order.
        default_permissions = ("add", "change", "delete", "view", "manage")
        verbose_name = _("job-position project process")
        verbose_name_plural = _("job-position project processes")

    project = cached_property(RoutesADossier.routed_dossier)


class StaffingPlanProcess(RoutesADossier, Process):
    """The path of a year's staffing plan (kế hoạch biên chế) through the
    Department of Home Affairs: the cycle is opened, the units' proposals are
    collected, the plan is appraised, signed, decided by the Provincial People's
    Committee, the People's Council's resolution is recorded and the allocation
    applied (Decree 62/2020/NĐ-CP Art. 10; MoHA Dispatch 4966/BNV-TCBC of 2023).

    A proxy of viewflow's process table whose ``artifact`` is the plan.
    """

    dossier_model = StaffingPlan
    dossier_attr = "plan"
    dossier_related = PLAN_RELATED

    class Meta:
        proxy = True
        default_permissions = ("add", "change", "delete", "view", "manage")
        verbose_name = _("staffing plan process")
        verbose_name_plural = _("staffing plan processes")

    plan = cached_property(RoutesADossier.routed_dossier)


class StaffingProposalProcess(RoutesADossier, Process):
    """The path of one unit's staffing proposal in a year's cycle: the unit's
    officer drafts the numbers, its head submits them, Home Affairs accepts them or
    asks this unit (and only it) to revise them. Started by the plan's process,
    one per participating unit (``parent_task`` is the plan's step that started
    it).

    A proxy of viewflow's process table whose ``artifact`` is the proposal.
    """

    dossier_model = StaffingProposal
    dossier_attr = "proposal"
    dossier_related = PROPOSAL_RELATED

    class Meta:
        proxy = True
        default_permissions = ("add", "change", "delete", "view", "manage")
        verbose_name = _("staffing proposal process")
        verbose_name_plural = _("staffing proposal processes")

    proposal = cached_property(RoutesADossier.routed_dossier)


class ApiToken(models.Model):
    """A person's key to the API (``Authorization: Token <key>``): the key is
    shown once when made and only its SHA-256 digest is kept; it stops working
    at its expiry or when its holder revokes it. Whoever uses it acts as its
    holder, with exactly the holder's rights and scope."""

    user = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("holder"),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the key is for.")
    )
    #: The key's first characters, shown in the list to tell keys apart.
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at


class ConsolidationProcess(RoutesADossier, Process):
    """The path of a unit consolidation (sắp xếp, tổ chức lại) from its proposal
    through appraisal by the Department of Home Affairs, the Provincial People's
    Committee's decision and the external resolutions the law requires, to the
    org chart changed on the effective date (Decree 158/2018/NĐ-CP; Res.
    35/2023/UBTVQH15 Art. 8).

    A proxy of viewflow's process table whose ``artifact`` is the consolidation.
    """

    dossier_model = Consolidation
    dossier_attr = "consolidation"
    dossier_related = CONSOLIDATION_RELATED

    class Meta:
        proxy = True
        default_permissions = ("add", "change", "delete", "view", "manage")
        verbose_name = _("unit consolidation process")
        verbose_name_plural = _("unit consolidation processes")

    consolidation = cached_property(RoutesADossier.routed_dossier)
