"""Reads of a person's notifications (the list and the unread count in the
header): only their own, whatever they ask."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import MailPreference, Notification

__all__ = [
    "mail_preference_events",
    "notification_list_for_user",
    "notification_unread_count",
]


def notification_list_for_user(*, user) -> QuerySet[Notification]:
    """The person's notifications, newest first, with their dossiers."""
    return Notification.objects.filter(recipient=user).select_related("dossier__unit")


def notification_unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mail_preference_events(*, user) -> list[str]:
    """The events ``user`` wants by mail (every one until they chose)."""
    preference = MailPreference.objects.filter(user=user).first()
    return list(Notification.Event.values if preference is None else preference.events)
