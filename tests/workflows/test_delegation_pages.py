"""The pages "Ủy quyền" and "Giao lại hồ sơ", as every role: every signed-in
person has their delegations page and sees only their own delegations; only
the people a delegation names may revoke it (404 for anyone else); only the
division head and the director reassign (403 for anyone else); anonymous
visitors are sent to log in. A refused delegation keeps what was typed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Delegation
from appraisal.services.delegations import delegation_create

pytestmark = pytest.mark.django_db

ROLES = [
    "officer",
    "officer2",
    "head",
    "officer_b",
    "head_b",
    "reception",
    "reception2",
    "division_head",
    "appraiser",
    "appraiser2",
    "director",
    "committee",
    "committee_a",
    "observer",
]
REASSIGNERS = {"division_head", "director"}
TODAY = timezone.localdate()


@pytest.fixture
def given(people):
    """``appraiser`` stands in for ``appraiser2`` this week."""
    return delegation_create(
        delegator=people["appraiser2"],
        delegate=people["appraiser"],
        role="appraiser",
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=4),
        reason="Nghỉ ốm",
    )


def test_anonymous_visitors_are_sent_to_log_in(client, given):
    for path in (
        reverse("delegations"),
        reverse("delegations_reassign"),
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    response = client.post(reverse("delegation_revoke", args=[given.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    given.refresh_from_db()
    assert given.revoked_at is None


def test_every_role_has_the_page_and_sees_only_their_own_delegations(
    client, people, given
):
    for role in ROLES:
        client.force_login(people[role])
        response = client.get(reverse("delegations"))
        assert response.status_code == 200, role
        page = response.content.decode()
        named = role in ("appraiser", "appraiser2")
        assert (f'data-delegation="{given.pk}"' in page) is named, role
        assert ("data-reassign-link" in page) is (role in REASSIGNERS), role


def test_only_the_people_named_revoke_a_delegation(client, people, given):
    for role in ROLES:
        if role in ("appraiser", "appraiser2"):
            continue
        client.force_login(people[role])
        response = client.post(reverse("delegation_revoke", args=[given.pk]))
        assert response.status_code == 404, role
    given.refresh_from_db()
    assert given.revoked_at is None

    client.force_login(people["appraiser"])  # the colleague standing in
    response = client.post(reverse("delegation_revoke", args=[given.pk]))
    assert response.status_code == 302
    given.refresh_from_db()
    assert given.revoked_by == people["appraiser"]


def test_the_reassignment_page_is_for_the_division_head_and_director(client, people):
    for role in ROLES:
        client.force_login(people[role])
        response = client.get(reverse("delegations_reassign"))
        expected = 200 if role in REASSIGNERS else 403
        assert response.status_code == expected, role
        if role not in REASSIGNERS:
            response = client.post(
                reverse("delegations_reassign"),
                {
                    "absent": people["appraiser"].pk,
                    "appraiser": people["appraiser2"].pk,
                },
            )
            assert response.status_code == 403, role


def test_a_refused_delegation_says_why_and_keeps_what_was_typed(client, people):
    client.force_login(people["officer"])
    response = client.post(
        reverse("delegations"),
        {
            "delegate": people["officer_b"].pk,
            "role": "unit_officer",
            "starts_on": TODAY.strftime("%d/%m/%Y"),
            "ends_on": (TODAY + datetime.timedelta(days=3)).strftime("%d/%m/%Y"),
            "reason": "Học tập trung dài hạn",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "never widens" in page
    assert "Học tập trung dài hạn" in page
    assert not Delegation.objects.exists()


def test_a_delegation_is_given_from_the_page(client, people):
    client.force_login(people["officer"])
    response = client.post(
        reverse("delegations"),
        {
            "delegate": people["officer2"].pk,
            "role": "unit_officer",
            "starts_on": TODAY.strftime("%d/%m/%Y"),
            "ends_on": (TODAY + datetime.timedelta(days=3)).strftime("%d/%m/%Y"),
            "reason": "Nghỉ phép",
        },
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.delegator, delegation.delegate) == (
        people["officer"],
        people["officer2"],
    )
    client.force_login(people["officer2"])
    page = client.get(reverse("delegations")).content.decode()
    assert f'data-delegation="{delegation.pk}"' in page
