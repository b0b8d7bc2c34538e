"""The office pages outside the flows — the dashboard, its Excel exports, the
notifications, opening and marking them read, the mail preferences — as every
role of the permission matrix, anonymous visitors and other units' people
included.

The rules, written out here independently of the code under test:

- every page is for signed-in people only: an anonymous visitor is sent to log in
  (302 to the login page) and nothing is written;
- every signed-in person opens the dashboard and exports each of its tables, but
  sees only their own scope: another unit's dossiers and units never appear, not
  even when that unit is asked for in the filter;
- a notification is its recipient's alone: anyone else opening it gets 404 and it
  stays unread; "mark all read" marks only the person's own; the mail
  preferences are the person's own;
- the pages that change something take POST only.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from appraisal.models import MailPreference, Notification
from appraisal.services.notifications import notification_record
from tests.workflows.conftest import without_csrf_token
from tests.workflows.dashboard_fixtures import PERIOD, history_build
from tests.workflows.test_permission_matrix import ROLES
from workflows.dashboard_views import TABLES

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard:index")
NOTIFICATIONS = reverse("notifications:index")
READ_ALL = reverse("notifications:read_all")
PREFERENCES = reverse("notifications:preferences")
LOGIN = "/accounts/login/"
TABLE_NAMES = [table.name for table in TABLES]
SIGNED_IN = [role for role in ROLES if role is not None]


@pytest.fixture
def office(people, units, positions, make_user):
    """The dashboard's hand-counted history (D4 is department B's, the others
    department A's), and one unread notification for the unit officer of A about
    D1 and one for the officer of B about D4, recorded by the real service."""
    people["administrator"] = make_user("administrator", username="admin_user")
    made = history_build(people, units)
    notes = {}
    for role, title in (("officer", "D1"), ("officer_b", "D4")):
        [notes[role]] = notification_record(
            recipient_ids=[people[role].pk],
            event=Notification.Event.DECISION,
            dossier_id=made[title].pk,
            key=f"test:{title}",
        )
    return {"dossiers": made, "notes": notes}


def _login(client, people, role):
    client.logout()
    if role is not None:
        client.force_login(people[role])


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def _export(client, name, **params) -> list[tuple]:
    response = client.get(
        DASHBOARD, {**PERIOD, **params, "export": "xlsx", "table": name}
    )
    assert response.status_code == 200, name
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))[1:]


def _texts(rows) -> str:
    return " | ".join(str(value) for row in rows for value in row)


@pytest.mark.parametrize("role", ROLES)
def test_each_office_page_as_each_role(client, people, office, role):
    _login(client, people, role)
    pages = [
        DASHBOARD,
        f"{DASHBOARD}?export=xlsx&table=backlog",
        NOTIFICATIONS,
        PREFERENCES,
    ]
    for url in pages:
        response = client.get(url)
        if role is None:
            assert _sent_to_login(response), url
        else:
            assert response.status_code == 200, (role, url)
    unknown = client.get(DASHBOARD, {"export": "xlsx", "table": "nope"})
    assert _sent_to_login(unknown) if role is None else unknown.status_code == 404
    # Changing pages take POST only.
    for url in (READ_ALL, reverse("notifications:open", args=[1])):
        response = client.get(url)
        assert _sent_to_login(response) if role is None else response.status_code == 405


@pytest.mark.parametrize("role", ROLES)
def test_a_notification_is_opened_only_by_its_recipient(client, people, office, role):
    note = office["notes"]["officer"]
    _login(client, people, role)
    response = client.post(reverse("notifications:open", args=[note.pk]))
    note.refresh_from_db()
    if role is None:
        assert _sent_to_login(response)
        assert note.read_at is None
    elif role == "officer":
        assert response.status_code == 302
        assert note.read_at is not None
    else:
        assert response.status_code == 404
        assert note.read_at is None


@pytest.mark.parametrize("role", ROLES)
def test_mark_all_read_marks_only_ones_own(client, people, office, role):
    _login(client, people, role)
    response = client.post(READ_ALL)
    unread = set(
        Notification.objects.filter(read_at__isnull=True).values_list(
            "recipient__username", flat=True
        )
    )
    if role is None:
        assert _sent_to_login(response)
        assert unread == {"officer", "officer_b"}
    else:
        assert response.status_code == 302
        assert unread == {"officer", "officer_b"} - {people[role].username}


def test_anonymous_cannot_set_mail_preferences(client, people, office):
    response = client.post(PREFERENCES, {"events": ["decision"]})
    assert _sent_to_login(response)
    assert not MailPreference.objects.exists()


def test_mail_preferences_are_each_persons_own(client, people, office):
    client.force_login(people["officer_b"])
    response = client.post(PREFERENCES, {"events": ["decision"]})
    assert response.status_code == 302
    assert list(MailPreference.objects.values_list("user__username", "events")) == [
        ("officer_b", ["decision"])
    ]
    client.force_login(people["officer"])
    page = client.get(PREFERENCES).content.decode()
    # Nobody chose for the officer of A: every event is still ticked.
    assert page.count("checked") == len(Notification.Event.values)


def test_the_notification_list_shows_only_ones_own(client, people, office):
    client.force_login(people["officer"])
    page = without_csrf_token(client.get(NOTIFICATIONS).content.decode())
    assert "D1" in page and "D4" not in page
    client.force_login(people["observer"])
    page = without_csrf_token(client.get(NOTIFICATIONS).content.decode())
    assert "D1" not in page and "D4" not in page


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [("officer", "a", "b"), ("head", "a", "b"), ("officer_b", "b", "a")],
)
def test_another_units_figures_never_show_even_when_asked_for(
    client, people, units, office, role, own, other
):
    """Asking the dashboard for another unit, by its id or its code, shows
    nothing of it: the filter only narrows the person's own scope."""
    client.force_login(people[role])
    other_unit, own_unit = units[other], units[own]
    other_titles = {
        title
        for title, dossier in office["dossiers"].items()
        if dossier.unit_id == other_unit.pk
    }
    assert other_titles
    for asked in (other_unit.pk, other_unit.code):
        response = client.get(DASHBOARD, {**PERIOD, "unit": asked})
        assert response.status_code == 200
        page = response.content.decode()
        assert other_unit.name not in page
        for name in TABLE_NAMES:
            text = _texts(_export(client, name, unit=asked))
            assert other_unit.name not in text, name
            assert not any(f"{title} " in f"{text} " for title in other_titles), name
    own_text = _texts(_export(client, "rate_unit"))
    assert own_unit.name in own_text or own_text == ""
