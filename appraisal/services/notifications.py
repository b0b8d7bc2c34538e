"""Telling people (``appraisal.models.Notification``): every event is recorded
for the app and mailed to whoever wants it. An event of a workflow step is
recorded at the step's end, in its transaction (``orgchart.transactions``: a
rolled-back step tells nobody); any other, by a background job started once the
request's transaction has committed. Mail always goes from a background job
after commit. The jobs are retried on failure and idempotent per event and
person (the unique ``key``; a mail goes only while ``mailed_at`` is empty, under
a row lock)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orgchart.frozen_writes import row_insert
from orgchart.transactions import on_step_end

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


@dataclass(frozen=True)
class Tidings:
    """One event to tell ``recipient_ids`` about one dossier; ``key`` makes it
    once per person (the person's id is appended)."""

    recipient_ids: frozenset[int]
    event: str
    dossier_id: int
    key: str
    step: str = ""
    url: str = ""


def notification_record(
    *,
    recipient_ids: Iterable[int],
    event: str,
    dossier_id: int,
    key: str,
    step: str = "",
    url: str = "",
    new: bool = False,
    known: Iterable = (),
) -> list[Notification]:
    """Record the event for each recipient once (``key`` plus the person), and
    start the mail of each new one after commit (``new``: the event happened in
    this transaction, so none of it was recorded before; ``known``: recipients
    already read, not read again). Returns the new notifications."""
    return notification_record_many(
        tidings=[
            Tidings(
                recipient_ids=frozenset(recipient_ids),
                event=event,
                dossier_id=dossier_id,
                key=key,
                step=step,
                url=url,
            )
        ],
        new=new,
        known=known,
    )


def notification_record_many(
    *, tidings: Iterable[Tidings], new: bool = False, known: Iterable = ()
) -> list[Notification]:
    """Record many events at once, each once per active recipient, in a fixed
    number of queries whatever their number (the deadline sweep tells thousands
    of people at once); the new ones are mailed, after commit, by one background
    job to those who want them. Returns the new notifications."""
    tidings = list(tidings)
    wanted_ids = set().union(*(t.recipient_ids for t in tidings)) if tidings else set()
    people = {person.pk: person for person in known if person.pk in wanted_ids}
    unknown = wanted_ids - people.keys()
    if unknown:
        people.update(
            (person.pk, person)
            for person in get_user_model().objects.filter(pk__in=unknown)
        )
    people = {pk: person for pk, person in people.items() if person.is_active}
    rows = {
        f"{t.key}:{pk}": Notification(
            key=f"{t.key}:{pk}",
            recipient=people[pk],
            event=t.event,
            dossier_id=t.dossier_id,
            step=t.step[:255],
            url=t.url[:500],
        )
        for t in tidings
        for pk in sorted(t.recipient_ids)
        if pk in people
    }
    if not rows:
        return []
    existing = set()
    for chunk in [] if new else _chunks(list(rows)):
        existing.update(
            Notification.objects.filter(key__in=chunk).values_list("key", flat=True)
        )
    made = [row for key, row in rows.items() if key not in existing]
    # One INSERT that returns the keys (no re-read). A run recording the same
    # event at the same moment fails on the unique key instead; its job is
    # retried and then finds them recorded. One person told (a step's usual
    # case): the statement compiled once.
    if len(made) == 1:
        row_insert(made[0])
    else:
        Notification.objects.bulk_create(made, batch_size=1000)
    mailable = {n.recipient_id for n in made if n.recipient.email}
    preferences = (
        dict(
            MailPreference.objects.filter(user_id__in=mailable).values_list(
                "user_id", "events"
            )
        )
        if mailable
        else {}
    )
    to_mail = [
        n.pk
        for n in made
        if n.recipient.email
        and n.event in preferences.get(n.recipient_id, Event.values)
    ]
    if to_mail:
        from ..tasks import notification_mail_many

        transaction.on_commit(lambda: notification_mail_many.delay(to_mail))
    return made


def _mail_one(notification: Notification) -> bool:
    text = notification_text(notification)
    subject = _("PositionFlow: %(text)s") % {"text": text}
    body = text
    if notification.url:
        body += "\n\n" + settings.SITE_URL.rstrip("/") + notification.url
    with transaction.atomic():
        # The update claims the row (a concurrent job waits for it, then finds it
        # mailed and sends nothing).
        claimed = Notification.objects.filter(
            pk=notification.pk, mailed_at=None
        ).update(mailed_at=timezone.now())
        if not claimed:
            return False
        send_mail(
            subject[:200],
            body,
            settings.DEFAULT_FROM_EMAIL,
            [notification.recipient.email],
        )
    return True


def _chunks(items: list, size: int = 2000) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def notification_mail_send(*, notification_id: int) -> bool:
    """Mail one notification unless it was mailed already (a retried or repeated
    job sends nothing twice). Returns whether a mail went out."""
    return notification_mail_send_many(notification_ids=[notification_id]) == 1


def notification_mail_send_many(*, notification_ids: Iterable[int]) -> int:
    """Mail each notification not mailed yet (read together); each is marked
    mailed in the transaction that sends it: a failure raises and rolls its mark
    back, so the retry sends it, and those sent before it are not sent again.
    Returns how many mails went out."""
    notifications = list(
        Notification.objects.filter(pk__in=list(notification_ids), mailed_at=None)
        .select_related("recipient", "dossier__unit")
        .order_by("pk")
    )
    if not notifications:
        return 0
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for notification in notifications:
            sent += _mail_one(notification)
    return sent


def notification_audit_enqueue(entry: AuditEntry, dossier: Dossier) -> None:
    """After commit, tell the unit's people (and the appraiser assigned) that a
    supplement or a revision was asked or a decision made."""
    event = AUDIT_EVENTS.get(entry.action)
    if event is None:
        return
    if on_step_end(lambda: _audit_tell(entry, dossier, new=True)):
        return
    from ..tasks import notification_audit

    transaction.on_commit(lambda: notification_audit.delay(entry.pk))


def notification_audit_deliver(*, entry_id: int) -> list[Notification]:
    """The background half of :func:`notification_audit_enqueue`."""
    entry = AuditEntry.objects.select_related("dossier__unit").get(pk=entry_id)
    return _audit_tell(entry, entry.dossier)


def _audit_tell(
    entry: AuditEntry, dossier: Dossier, *, new: bool = False
) -> list[Notification]:
    from orgchart.selectors import unit_party_query

    # The unit's people and the appraiser read whole, together and once (not
    # their ids, then them).
    concerned = Q(pk__in=unit_party_query(dossier.unit))
    if dossier.assigned_appraiser_id:
        concerned |= Q(pk=dossier.assigned_appraiser_id)
    parties = list(get_user_model().objects.filter(concerned))
    recipients = {person.pk for person in parties} - {entry.actor_id}
    return notification_record(
        recipient_ids=recipients,
        event=AUDIT_EVENTS[entry.action],
        dossier_id=dossier.pk,
        key=f"audit:{entry.pk}",
        new=new,
        known=parties,
    )


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or every) notification of ``user`` read; returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
