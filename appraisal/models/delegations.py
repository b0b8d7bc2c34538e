"""Delegation (ủy quyền): a person going away names a colleague who acts for them
for a period.

Civil-service practice (Decree 30/2020/NĐ-CP Art. 13: a deputy or another person
signs "thay" — for — the one who is absent; Law 80/2015/QH13 Art. 13 on
delegation) allows the work of an absent official to be done by a colleague of
the same standing for a stated period. Here a delegation is tied to one role:
the delegate already holds that role (and, for a unit's roles, the same unit
permission over every unit the delegator acts for), so a delegation never widens
anyone's scope; it only gives the delegate the tasks meant for the delegator.
It ends by itself after ``ends_on`` (validity is computed from today, no job is
needed) or when revoked.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgchart.constraints import CheckConstraint
from orgchart.fields import ForeignKey
from orgchart.permissions import ROLE_LABELS, Role

__all__ = ["Delegation"]

#: The roles whose tasks may be delegated (an observer and an administrator act on
#: no dossier's step).
DELEGABLE_ROLES = (
    Role.UNIT_OFFICER,
    Role.UNIT_HEAD,
    Role.RECEPTION,
    Role.APPRAISER,
    Role.DIVISION_HEAD,
    Role.DIRECTOR,
    Role.COMMITTEE,
)


class DelegationQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date) -> DelegationQuerySet:
        """Delegations in force on ``day`` (inclusive dates, not revoked)."""
        return self.filter(
            revoked_at__isnull=True, starts_on__lte=day, ends_on__gte=day
        )

    def overlapping(self, starts_on, ends_on) -> DelegationQuerySet:
        """Delegations not revoked whose period meets ``starts_on``–``ends_on``."""
        return self.filter(
            revoked_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
        )


class Delegation(models.Model):
    """One person (the delegator) lets a colleague of the same role (the
    delegate) act for them, in that role, from ``starts_on`` to ``ends_on``
    inclusive. Created and revoked only through
    ``appraisal.services.delegations``; never edited otherwise."""

    ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in DELEGABLE_ROLES]

    delegator = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delegations_given",
        verbose_name=_("absent person"),
    )
    delegate = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name=_("acting person"),
    )
    role = models.CharField(_("role"), max_length=32, choices=ROLE_CHOICES)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    reason = models.CharField(_("reason"), max_length=255)
    created_by = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            CheckConstraint(
                condition=~Q(delegator=F("delegate")),
                name="delegation_not_to_oneself",
            ),
            CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="delegation_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["delegate", "ends_on"], name="delegation_delegate_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} — {self.delegator} ({self.starts_on}–{self.ends_on})"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.revoked_at is None and self.starts_on <= day <= self.ends_on
