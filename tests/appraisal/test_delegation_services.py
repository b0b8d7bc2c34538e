"""Delegation (ủy quyền): who may name whom, for how long, and what is refused —
each refusal with its reason, writing nothing; creating and revoking is in the
administrator's history; a delegation ends by itself."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.utils import timezone

from appraisal.models import Delegation
from appraisal.selectors.delegations import delegators_active, delegators_for
from appraisal.services.delegations import delegation_create, delegation_revoke
from orgchart.permissions import Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def staff(make_user, two_units):
    units = two_units
    return {
        "appraiser": make_user(Role.APPRAISER, username="appraiser"),
        "appraiser2": make_user(Role.APPRAISER, username="appraiser2"),
        "appraiser3": make_user(Role.APPRAISER, username="appraiser3"),
        "director": make_user(Role.DIRECTOR, username="director"),
        "officer": make_user(Role.UNIT_OFFICER, units=[units["a"]], username="off"),
        "officer_a1": make_user(
            Role.UNIT_OFFICER, units=[units["a1"]], username="off_a1"
        ),
        "officer_a": make_user(Role.UNIT_OFFICER, units=[units["a"]], username="oa"),
        "officer_b": make_user(Role.UNIT_OFFICER, units=[units["b"]], username="ob"),
    }


def _create(delegator, delegate, role=Role.APPRAISER, **overrides):
    kwargs = {
        "delegator": delegator,
        "delegate": delegate,
        "role": role,
        "starts_on": TODAY,
        "ends_on": TODAY + 6 * DAY,
        "reason": "Nghỉ phép năm",
    }
    kwargs.update(overrides)
    return delegation_create(**kwargs)


def _refused(code, **kwargs):
    before = Delegation.objects.count()
    with pytest.raises(ValidationError) as exc:
        _create(**kwargs)
    assert Delegation.objects.count() == before
    codes = [e.code for errors in _errors(exc.value) for e in errors]
    assert code in codes, codes
    return exc.value


def _errors(error: ValidationError):
    if hasattr(error, "error_dict"):
        return list(error.error_dict.values())
    return [error.error_list]


def test_appraiser_names_a_colleague_and_it_is_in_the_admin_history(staff):
    delegation = _create(staff["appraiser"], staff["appraiser2"])

    assert delegation.created_by == staff["appraiser"]
    assert delegation.is_active_on(TODAY)
    log = LogEntry.objects.get(object_id=str(delegation.pk))
    assert log.action_flag == ADDITION and log.user_id == staff["appraiser"].pk
    assert "Nghỉ phép năm" in log.change_message
    assert delegators_for(
        user=type(staff["appraiser2"]).objects.get(pk=staff["appraiser2"].pk),
        roles=[Role.APPRAISER],
    ) == {staff["appraiser"].pk}


def test_nobody_stands_in_for_themselves(staff):
    _refused(
        "self_delegation", delegator=staff["appraiser"], delegate=staff["appraiser"]
    )


def test_the_delegate_must_hold_the_same_role(staff):
    error = _refused(
        "delegate_role", delegator=staff["appraiser"], delegate=staff["director"]
    )
    assert "director" in str(error)


def test_a_role_one_does_not_hold_cannot_be_delegated(staff):
    _refused(
        "no_role",
        delegator=staff["appraiser"],
        delegate=staff["appraiser2"],
        role=Role.DIRECTOR,
    )


def test_a_unit_role_goes_only_to_someone_acting_for_the_same_units(staff):
    # Department B's officer does not act for department A: refused.
    _refused(
        "scope_widened",
        delegator=staff["officer"],
        delegate=staff["officer_b"],
        role=Role.UNIT_OFFICER,
    )
    # An officer of one division of A only covers part of A: refused too.
    _refused(
        "scope_widened",
        delegator=staff["officer"],
        delegate=staff["officer_a1"],
        role=Role.UNIT_OFFICER,
    )
    # A colleague acting for the whole of A is fine.
    assert _create(staff["officer"], staff["officer_a"], role=Role.UNIT_OFFICER)


def test_the_period_is_checked(staff, settings):
    pair = {"delegator": staff["appraiser"], "delegate": staff["appraiser2"]}
    _refused("past", starts_on=TODAY - DAY, **pair)
    _refused("ends_before_start", ends_on=TODAY - DAY, **pair)
    settings.DELEGATION_MAX_DAYS = 10
    error = _refused("too_long", ends_on=TODAY + 10 * DAY, **pair)
    assert "10" in str(error)
    assert _create(ends_on=TODAY + 9 * DAY, **pair)


def test_a_reason_is_required(staff):
    _refused(
        "required",
        delegator=staff["appraiser"],
        delegate=staff["appraiser2"],
        reason="  ",
    )


def test_one_delegation_at_a_time(staff):
    _create(staff["appraiser"], staff["appraiser2"])
    _refused(
        "overlap",
        delegator=staff["appraiser"],
        delegate=staff["appraiser3"],
        starts_on=TODAY + 3 * DAY,
        ends_on=TODAY + 20 * DAY,
    )
    # After the first one ends, another may follow.
    assert _create(
        staff["appraiser"],
        staff["appraiser3"],
        starts_on=TODAY + 7 * DAY,
        ends_on=TODAY + 8 * DAY,
    )


def test_no_chains(staff):
    _create(staff["appraiser"], staff["appraiser2"])
    # appraiser2 stands in for appraiser: cannot pass it on to appraiser3.
    _refused("chain", delegator=staff["appraiser2"], delegate=staff["appraiser3"])
    # appraiser3 cannot name appraiser (who is away) either.
    _refused(
        "delegate_away", delegator=staff["appraiser3"], delegate=staff["appraiser"]
    )


def test_revoking_stops_it_at_once_and_is_in_the_history(staff):
    delegation = _create(staff["appraiser"], staff["appraiser2"])

    delegation_revoke(delegation=delegation, actor=staff["appraiser"])

    delegation.refresh_from_db()
    assert delegation.revoked_by == staff["appraiser"]
    assert not delegation.is_active_on(TODAY)
    assert LogEntry.objects.filter(
        object_id=str(delegation.pk), action_flag=CHANGE
    ).exists()
    fresh = type(staff["appraiser2"]).objects.get(pk=staff["appraiser2"].pk)
    assert delegators_active(user=fresh) == {}
    with pytest.raises(ValidationError):
        delegation_revoke(delegation=delegation, actor=staff["appraiser"])


def test_only_the_people_named_revoke(staff):
    delegation = _create(staff["appraiser"], staff["appraiser2"])
    with pytest.raises(ValidationError):
        delegation_revoke(delegation=delegation, actor=staff["appraiser3"])
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


def test_a_delegation_ends_by_itself_after_its_last_day(staff):
    delegation = _create(staff["appraiser"], staff["appraiser2"])
    # The period as it stands a week later: it ended yesterday.
    Delegation.objects.filter(pk=delegation.pk).update(
        starts_on=TODAY - 7 * DAY, ends_on=TODAY - DAY
    )
    fresh = type(staff["appraiser2"]).objects.get(pk=staff["appraiser2"].pk)
    assert delegators_for(user=fresh, roles=[Role.APPRAISER]) == frozenset()
    # Nor can it be revoked any more.
    with pytest.raises(ValidationError):
        delegation_revoke(delegation=delegation, actor=staff["appraiser"])


def test_active_delegations_are_read_once_per_request(staff, django_assert_num_queries):
    _create(staff["appraiser"], staff["appraiser2"])
    fresh = type(staff["appraiser2"]).objects.get(pk=staff["appraiser2"].pk)
    with django_assert_num_queries(1):
        for _ in range(5):
            delegators_for(user=fresh, roles=[Role.APPRAISER])
