"""Telling people (``appraisal.models.Notification``): every event is recorded
for the app and mailed to whoever wants it, from background jobs started once the
request's transaction has committed (never inside it: a rolled-back action tells
nobody), retried on failure and idempotent per event and person (the unique
``key``; a mail goes only while ``mailed_at`` is empty, under a row lock)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import AuditEntry, Dossier, MailPreference, Notification
from ..selectors.notifications import mail_preference_events

Event = Notification.Event
Action = AuditEntry.Action

#: The events an audit action tells the unit's people (and the appraiser) about.
AUDIT_EVENTS = {
    Action.SUPPLEMENT_REQUESTED: Event.SUPPLEMENT,
    Action.REVISION_REQUESTED: Event.REVISION,
    Action.APPROVED: Event.DECISION,
    Action.REJECTED: Event.DECISION,
    Action.RETURNED: Event.DECISION,
    Action.REFUSED: Event.DECISION,
}


def notification_text(notification: Notification) -> str:
    """What the notification says, in the active language."""
    dossier = notification.dossier
    texts = {
        Event.TASK: _("“%(step)s” of %(dossier)s is waiting for you."),
        Event.SUPPLEMENT: _("Reception asked %(unit)s to supplement %(dossier)s."),
        Event.REVISION: _("The appraiser asked %(unit)s to revise %(dossier)s."),
        Event.DECISION: _("%(dossier)s: %(status)s."),
        Event.DUE_SOON: _("%(dossier)s is due on %(due)s: two working days left."),
        Event.OVERDUE: _("%(dossier)s was due on %(due)s and is overdue."),
    }
    return texts[notification.event] % {
        "step": notification.step,
        "dossier": dossier.title,
        "unit": dossier.unit.name,
        "status": dossier.get_status_display(),
        "due": dossier.due_on.strftime("%d/%m/%Y") if dossier.due_on else "",
    }


def mail_wanted(user, event: str) -> bool:
    """Whether ``user`` wants ``event`` by mail (every event unless they chose)."""
    return event in mail_preference_events(user=user)


def mail_preference_set(*, user, events: Iterable[str]) -> MailPreference:
    """Record which events ``user`` wants by mail."""
    wanted = [event for event in Event.values if event in set(events)]
    preference, _created = MailPreference.objects.update_or_create(
        user=user, defaults={"events": wanted}
    )
    return preference


def notification_record(
    *,
    recipient_ids: Iterable[int],
    event: str,
    dossier_id: int,
    key: str,
    step: str = "",
    url: str = "",
) -> list[Notification]:
    """Record the event for each recipient once (``key`` plus the person), and
    start the mail of each new one after commit. Returns the new notifications.
    Three statements whatever the recipients: the people, the keys already
    recorded, one insert of the new ones (a transaction around it only when
    there are several) (a job repeated at the same moment
    fails on the unique key, is retried and then finds them recorded)."""
    people = {
        person.pk: person
        for person in get_user_model().objects.filter(
            pk__in=set(recipient_ids), is_active=True
        )
    }
    if not people:
        return []
    keys = {pk: f"{key}:{pk}" for pk in people}
    recorded = set(
        Notification.objects.filter(key__in=keys.values()).values_list("key", flat=True)
    )
    made = [
        Notification(
            key=keys[pk],
            recipient=person,
            event=event,
            dossier_id=dossier_id,
            step=step[:255],
            url=url[:500],
        )
        for pk, person in people.items()
        if keys[pk] not in recorded
    ]
    if len(made) == 1:
        made[0].save()  # one INSERT, without bulk_create's transaction around it
    else:
        Notification.objects.bulk_create(made)
    from ..tasks import notification_mail

    for notification in made:
        if notification.recipient.email and mail_wanted(notification.recipient, event):
            transaction.on_commit(
                lambda pk=notification.pk: notification_mail.delay(pk)
            )
    return made


def notification_mail_send(*, notification_id: int) -> bool:
    """Mail one notification unless it was mailed already (a retried or repeated
    job sends nothing twice). Returns whether a mail went out."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient", "dossier__unit")
            .get(pk=notification_id)
        )
        if notification.mailed_at is not None:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            text = notification_text(notification)
            subject = _("PositionFlow: %(text)s") % {"text": text}
            body = text
            if notification.url:
                body += "\n\n" + settings.SITE_URL.rstrip("/") + notification.url
        # A failure raises and rolls the mark back, so the retry sends it.
        send_mail(
            subject[:200],
            body,
            settings.DEFAULT_FROM_EMAIL,
            [notification.recipient.email],
        )
        notification.mailed_at = timezone.now()
        notification.save(update_fields=["mailed_at"])
    return True


def notification_audit_enqueue(entry: AuditEntry, dossier: Dossier) -> None:
    """After commit, tell the unit's people (and the appraiser assigned) that a
    supplement or a revision was asked or a decision made."""
    event = AUDIT_EVENTS.get(entry.action)
    if event is None:
        return
    from ..tasks import notification_audit

    transaction.on_commit(lambda: notification_audit.delay(entry.pk))


def notification_audit_deliver(*, entry_id: int) -> list[Notification]:
    """The background half of :func:`notification_audit_enqueue`."""
    from orgchart.selectors import unit_party_ids

    entry = AuditEntry.objects.select_related("dossier__unit").get(pk=entry_id)
    dossier = entry.dossier
    recipients = unit_party_ids(dossier.unit)
    if dossier.assigned_appraiser_id:
        recipients.add(dossier.assigned_appraiser_id)
    recipients.discard(entry.actor_id)
    return notification_record(
        recipient_ids=recipients,
        event=AUDIT_EVENTS[entry.action],
        dossier_id=dossier.pk,
        key=f"audit:{entry.pk}",
    )


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or every) notification of ``user`` read; returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
