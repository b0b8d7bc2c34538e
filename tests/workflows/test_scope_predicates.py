"""A step's page reads its dossier by key alone and decides in Python whether the
person may see it; the lists decide it in their query. Both must give the same
answer for every person and every dossier, or a page would open a dossier the
lists hide (or the reverse)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from appraisal.models import JobPositionProject
from appraisal.selectors.projects import project_list_for_user, project_visible
from appraisal.services.delegations import delegation_create
from orgchart.permissions import Role
from tests.factories import JobPositionProjectFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def projects(units, people):
    """Drafts and submitted dossiers of every unit and sub-unit, unassigned and
    assigned to each appraiser."""
    made = []
    for unit in ("province", "a", "a1", "b", "b1"):
        for revision in (0, 1, 2):
            for appraiser in (None, "appraiser", "appraiser2"):
                made.append(
                    JobPositionProjectFactory(
                        unit=units[unit],
                        current_revision=revision,
                        assigned_appraiser=people[appraiser] if appraiser else None,
                        created_by=people["officer"],
                    )
                )
    return made


def _fresh(user):
    # A person as a request reads them: nothing of an earlier reading kept.
    return get_user_model().objects.get(pk=user.pk)


def _visible_in_python(user, projects) -> set[int]:
    rows = JobPositionProject.objects.select_related("unit").filter(
        pk__in=[project.pk for project in projects]
    )
    return {row.pk for row in rows if project_visible(user, row)}


def _visible_in_query(user) -> set[int]:
    return set(project_list_for_user(user=user).values_list("pk", flat=True))


def test_every_person_sees_in_python_what_the_lists_show(people, projects):
    delegation_create(
        delegator=people["appraiser2"],
        delegate=people["appraiser"],
        role=Role.APPRAISER,
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=3),
        reason="Đi công tác",
    )
    inactive = _fresh(people["officer2"])
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    nobody = get_user_model().objects.create_user("nobody", password="x")  # noqa: S106
    checked = 0
    for person in [*people.values(), nobody]:
        user = _fresh(person)
        expected = _visible_in_query(user)
        assert _visible_in_python(_fresh(person), projects) == expected, user.username
        checked += bool(expected)
    # The cases differ: unit people, Home Affairs, the appraisers (one standing in
    # for the other), the committee, and people who see nothing.
    assert checked >= 10
    sizes = {
        name: len(_visible_in_query(_fresh(people[name])))
        for name in ("officer", "officer_b", "reception", "appraiser", "appraiser2")
    }
    assert sizes["appraiser"] > sizes["appraiser2"] > 0
    assert sizes["officer"] != sizes["reception"]
    assert _visible_in_python(_fresh(people["officer2"]), projects) == set()
    assert _visible_in_python(nobody, projects) == set()
