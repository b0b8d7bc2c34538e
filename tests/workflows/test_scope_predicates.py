"""A step's page reads its dossier by key alone and decides in Python whether the
person may see it; the lists decide it in their query. Both must give the same
answer for every person and every dossier, or a page would open a dossier the
lists hide (or the reverse)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from appraisal.models import (
    Consolidation,
    ConsolidationOperation,
    DossierKind,
    OperationSource,
    StaffingPlan,
    StaffingProposal,
)
from appraisal.selectors.consolidation import (
    consolidation_list_for_user,
    consolidation_visible,
)
from appraisal.selectors.projects import project_list_for_user, project_visible
from appraisal.selectors.staffing import (
    staffing_plan_list_province_wide,
    staffing_plan_visible_province_wide,
    staffing_proposal_list_for_user,
    staffing_proposal_visible,
)
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


def _seen(person, dossiers, visible, list_for_user) -> tuple[set[int], set[int]]:
    """The ids of ``dossiers`` ``person`` sees by the Python rule ``visible``
    (each row read with its unit, as a step reads it) and by the lists' query."""
    model = type(dossiers[0])
    rows = model.objects.select_related("unit").filter(
        pk__in=[dossier.pk for dossier in dossiers]
    )
    in_python = {row.pk for row in rows if visible(_fresh(person), row)}
    in_query = set(list_for_user(user=_fresh(person)).values_list("pk", flat=True))
    return in_python, in_query


def _visible_in_python(user, projects) -> set[int]:
    return _seen(user, projects, project_visible, project_list_for_user)[0]


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


def test_every_person_sees_in_python_the_staffing_dossiers_the_lists_show(
    staffing, people
):
    plan = staffing.open_cycle()
    proposals = list(StaffingProposal.objects.filter(plan=plan))
    assert len(proposals) == 4
    seen_somewhere = 0
    for person in people.values():
        in_python, in_query = _seen(
            person,
            proposals,
            staffing_proposal_visible,
            staffing_proposal_list_for_user,
        )
        assert in_python == in_query, person.username
        plan_row = StaffingPlan.objects.get(pk=plan.pk)
        assert staffing_plan_visible_province_wide(_fresh(person), plan_row) == (
            staffing_plan_list_province_wide(user=_fresh(person))
            .filter(pk=plan.pk)
            .exists()
        ), person.username
        seen_somewhere += 0 < len(in_query) < len(proposals)
    # Unit people see their own units' proposals only; Home Affairs all of them.
    assert seen_somewhere >= 3


@pytest.fixture
def consolidations(units, people):
    """Consolidations of every unit, Home Affairs' and the units' own, drafts and
    submitted, unassigned and assigned; each reorganises a unit of the other
    department, so that the unit people's "it touches my unit" counts."""
    other = {"province": "a1", "a": "b1", "a1": "b", "b": "a1", "b1": "a"}
    made = []
    for unit, touched in other.items():
        for home_affairs in (False, True):
            for revision in (0, 1):
                for appraiser in (None, "appraiser2"):
                    consolidation = Consolidation.objects.create(
                        dossier_kind=DossierKind.CONSOLIDATION,
                        unit=units[unit],
                        title="Sắp xếp",
                        proposed_by_home_affairs=home_affairs,
                        current_revision=revision,
                        assigned_appraiser=people[appraiser] if appraiser else None,
                        created_by=people["division_head"],
                    )
                    operation = ConsolidationOperation.objects.create(
                        consolidation=consolidation,
                        kind=ConsolidationOperation.Kind.ABSORB,
                        effective_date=TODAY,
                    )
                    OperationSource.objects.create(
                        operation=operation, unit=units[touched]
                    )
                    made.append(consolidation)
    return made


def test_every_person_sees_in_python_the_consolidations_the_lists_show(
    people, consolidations
):
    partial = 0
    for person in people.values():
        in_python, in_query = _seen(
            person,
            consolidations,
            consolidation_visible,
            consolidation_list_for_user,
        )
        assert in_python == in_query, person.username
        partial += 0 < len(in_query) < len(consolidations)
    assert partial >= 8
