"""What the application tells people: a task reached them or their queue, the unit
is asked for a supplement or a revision, the committee decided, a due date is two
working days away or has passed (Decision 766/QĐ-TTg: progress and results are
made known to the people concerned). Each notification is shown in the app and,
when the person wants it, sent by mail; each event is told once per person (a
unique key), however often the background job runs or is retried."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgchart.fields import ForeignKey

from .dossiers import Dossier

__all__ = ["MailPreference", "Notification"]


class Notification(models.Model):
    """One thing one person is told about one dossier."""

    class Event(models.TextChoices):
        TASK = "task", _("A task reached you or your queue")
        SUPPLEMENT = "supplement", _("A supplement was asked of the unit")
        REVISION = "revision", _("A revision was asked of the unit")
        DECISION = "decision", _("A decision was made")
        DUE_SOON = "due_soon", _("A due date is two working days away")
        OVERDUE = "overdue", _("A dossier is overdue")

    recipient = ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    dossier = ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("dossier"),
    )
    step = models.CharField(_("step"), max_length=255, blank=True)
    url = models.CharField(_("address"), max_length=500, blank=True)
    key = models.CharField(
        _("event key"),
        max_length=120,
        unique=True,
        help_text=_("The same event is never told twice to the same person."),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread")
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.dossier_id}"


class MailPreference(models.Model):
    """Which events a person also wants by mail (every one unless they said
    otherwise); the app shows every notification whatever they chose."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mail_preference",
        verbose_name=_("person"),
    )
    events = models.JSONField(_("events sent by mail"), default=list, blank=True)

    class Meta:
        verbose_name = _("mail preference")
        verbose_name_plural = _("mail preferences")

    def __str__(self) -> str:
        return str(self.user)
