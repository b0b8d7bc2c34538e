"""Notifications through the real flow pages: a task reaching a person or their
queue, a supplement asked, a decision made, the deadline sweep; each told once in
the app and by mail (unless the person declined it), started only after commit,
and never twice for one event, however often the job runs or is retried."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from appraisal.models import Dossier, Notification
from appraisal.selectors.deadlines import deadline_due_soon_until
from appraisal.services.notifications import mail_preference_set
from appraisal.tasks import notification_mail
from tests.workflows.dashboard_fixtures import SIGNED_IN_ROLES

pytestmark = pytest.mark.django_db

Event = Notification.Event


@pytest.fixture(autouse=True)
def _mail(settings, people):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for user in people.values():
        user.email = f"{user.username}@example.gov.vn"
        user.save(update_fields=["email"])


def told(event, dossier=None) -> set[str]:
    rows = Notification.objects.filter(event=event)
    if dossier is not None:
        rows = rows.filter(dossier=dossier)
    return set(rows.values_list("recipient__username", flat=True))


def mailed_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_task_in_a_queue_tells_everyone_who_may_take_it(
    driver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        process = driver.to_reception()
    assert told(Event.TASK, process.project) >= {"reception", "reception2"}
    receptions = [a for a in mailed_to() if a.startswith("reception")]
    assert receptions == ["reception2@example.gov.vn", "reception@example.gov.vn"]
    # The division head's assignment gives the appraisal to one person: only them.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        driver.execute(
            "reception", process, "receive", {"decision": "accept", "comment": ""}
        )
        driver.execute(
            "division_head",
            process,
            "assign_appraiser",
            {"appraiser": driver.people["appraiser"].pk},
        )
    appraisal = Notification.objects.get(
        event=Event.TASK, recipient=driver.people["appraiser"]
    )
    assert appraisal.url == reverse(
        "jobpositionproject:process_detail", args=[process.pk]
    )
    assert "appraiser@example.gov.vn" in mailed_to()
    assert "appraiser2" not in told(Event.TASK)


def test_the_bell_is_written_with_the_step_and_the_mail_waits_for_its_commit(
    driver,
):
    # on_commit callbacks never run inside the test's transaction: the step's
    # own transaction holds the notification, the mail waits for the commit.
    process = driver.to_reception()
    assert told(Event.TASK, process.project) >= {"reception", "reception2"}
    assert mail.outbox == []


def test_a_refused_step_tells_nobody(driver, django_capture_on_commit_callbacks):
    process = driver.to_reception()
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = driver.execute(
            "reception", process, "receive", {"decision": "supplement", "reason": ""}
        )
    assert response.status_code == 200  # the page again, with its error
    assert Notification.objects.count() == before
    assert told(Event.SUPPLEMENT) == set()
    assert mail.outbox == []


def test_a_supplement_request_tells_the_unit(
    driver, django_capture_on_commit_callbacks
):
    process = driver.to_reception()
    with django_capture_on_commit_callbacks(execute=True):
        response = driver.execute(
            "reception",
            process,
            "receive",
            {"decision": "supplement", "reason": "Thiếu quyết định thành lập"},
        )
    assert response.status_code == 302
    assert told(Event.SUPPLEMENT) == {"officer", "officer2", "head", "committee_a"}
    assert "reception" not in told(Event.SUPPLEMENT)


def test_a_decision_tells_the_unit_and_the_appraiser(
    driver, django_capture_on_commit_callbacks
):
    process = driver.to_committee()
    with django_capture_on_commit_callbacks(execute=True):
        response = driver.execute(
            "committee",
            process,
            "decide",
            {"outcome": "rejected", "comment": "Chưa phù hợp"},
        )
    assert response.status_code == 302, response.content[:2000]
    assert told(Event.DECISION) == {
        "officer",
        "officer2",
        "head",
        "committee_a",
        "appraiser",
    }


def test_a_person_who_declined_mail_is_told_in_the_app_only(
    driver, people, django_capture_on_commit_callbacks
):
    mail_preference_set(user=people["reception2"], events=[Event.DECISION])
    with django_capture_on_commit_callbacks(execute=True):
        driver.to_reception()
    assert "reception2" in told(Event.TASK)
    assert "reception2@example.gov.vn" not in mailed_to()
    assert "reception@example.gov.vn" in mailed_to()


class FailingOnce:
    """A mail server that refuses the first message and accepts the next."""

    calls = 0

    def __init__(self, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend(*args, **kwargs)

    def send_messages(self, messages):
        FailingOnce.calls += 1
        if FailingOnce.calls == 1:
            raise ConnectionError("the mail server is down")
        return self.inner.send_messages(messages)


def test_a_retried_or_repeated_mail_is_sent_once(
    driver, people, settings, django_capture_on_commit_callbacks
):
    mail_preference_set(user=people["reception"], events=[])
    mail_preference_set(user=people["reception2"], events=[])
    with django_capture_on_commit_callbacks(execute=True):
        process = driver.to_reception()
    notification = Notification.objects.get(
        event=Event.TASK, recipient=people["reception"], dossier=process.project
    )
    assert notification.mailed_at is None
    settings.EMAIL_BACKEND = f"{__name__}.FailingOnce"
    FailingOnce.calls = 0
    mail.outbox.clear()  # the earlier steps' people were told as they came
    # The first attempt fails; Celery retries it (eagerly here) and it goes.
    notification_mail.apply(args=[notification.pk])
    assert FailingOnce.calls == 2
    assert mailed_to() == ["reception@example.gov.vn"]
    # The same job delivered again (a redelivery after a lost acknowledgement).
    notification_mail.apply(args=[notification.pk])
    notification_mail.apply(args=[notification.pk])
    assert mailed_to() == ["reception@example.gov.vn"]
    notification.refresh_from_db()
    assert notification.mailed_at is not None


def test_the_deadline_sweep_reminds_once_per_due_date(
    driver, people, django_capture_on_commit_callbacks
):
    process = driver.to_appraisal()
    dossier = Dossier.objects.get(pk=process.project.pk)
    dossier.due_on = deadline_due_soon_until()
    dossier.save(update_fields=["due_on"])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("deadline_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115
        call_command("deadline_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert told(Event.DUE_SOON) == {"appraiser"}
    assert Notification.objects.filter(event=Event.DUE_SOON).count() == 1
    dossier.due_on = datetime.date.today() - datetime.timedelta(days=1)  # noqa: DTZ011
    dossier.save(update_fields=["due_on"])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("deadline_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115
        call_command("deadline_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert told(Event.OVERDUE) == {"appraiser"}
    assert Notification.objects.filter(event=Event.OVERDUE).count() == 1
    # With the clock stopped (the dossier is back with the unit) nobody is reminded.
    Notification.objects.all().delete()
    dossier.clock_paused_on = datetime.date.today()  # noqa: DTZ011
    dossier.save(update_fields=["clock_paused_on"])
    call_command("deadline_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Notification.objects.exists()


def test_the_list_the_header_count_and_opening_one(
    client, driver, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        process = driver.to_reception()
    client.force_login(people["reception"])
    page = client.get(reverse("notifications:index")).content.decode()
    assert 'data-unread="1"' in page
    assert "is waiting for you" in page
    mine = Notification.objects.get(recipient=people["reception"])
    response = client.post(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "jobpositionproject:process_detail", args=[process.pk]
    )
    assert 'data-unread="0"' in client.get(reverse("home:index")).content.decode()
    # Someone else's notification is not found.
    theirs = Notification.objects.get(recipient=people["reception2"])
    assert (
        client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    )
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302


def test_mail_preferences_are_kept(client, people):
    client.force_login(people["officer"])
    url = reverse("notifications:preferences")
    assert client.get(url).status_code == 200
    response = client.post(url, {"events": [Event.DECISION, Event.OVERDUE]})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert page.count("checked") == 2


@pytest.mark.parametrize(
    "name,args,method",
    [
        ("notifications:index", [], "get"),
        ("notifications:preferences", [], "get"),
        ("notifications:read_all", [], "post"),
        ("notifications:open", [1], "post"),
    ],
)
def test_anonymous_is_sent_to_log_in(client, name, args, method):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", SIGNED_IN_ROLES)
def test_every_role_reads_its_own_notifications(client, people, role):
    client.force_login(people[role])
    assert client.get(reverse("notifications:index")).status_code == 200
    assert client.get(reverse("notifications:preferences")).status_code == 200


def test_the_sweeps_queries_do_not_grow_with_the_reminders(
    driver, people, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workflows.notifications import deadline_sweep

    dossiers = [
        Dossier.objects.get(pk=driver.to_appraisal(title=f"Hồ sơ {n}").project.pk)
        for n in range(3)
    ]
    mail_preference_set(user=people["appraiser"], events=[])
    soon = deadline_due_soon_until()
    late = datetime.date.today() - datetime.timedelta(days=1)  # noqa: DTZ011

    def sweep_with(due: list) -> tuple[int, int]:
        for dossier, due_on in zip(dossiers, due, strict=True):
            dossier.due_on = due_on
            dossier.save(update_fields=["due_on"])
        with (
            django_capture_on_commit_callbacks(execute=True),
            CaptureQueriesContext(connection) as queries,
        ):
            made = deadline_sweep()
        return made, len(queries)

    far = soon + datetime.timedelta(days=60)
    one, one_queries = sweep_with([soon, far, far])
    three, three_queries = sweep_with([late, soon, soon])
    assert (one, three) == (1, 3)
    assert three_queries == one_queries
    # With mail wanted, the reminders go out from one background job.
    mail_preference_set(user=people["appraiser"], events=[Event.OVERDUE])
    mail.outbox.clear()
    for dossier in dossiers:
        dossier.due_on = late - datetime.timedelta(days=1)
        dossier.save(update_fields=["due_on"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert deadline_sweep() == 3
    assert len(callbacks) == 1
    assert len(mail.outbox) == 3
