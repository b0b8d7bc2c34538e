"""The demo dossiers: one job-position project in each state, so that every role of
the demo finds work, made through the real services and safe to run twice."""

import pytest
from django.contrib.auth import get_user_model

from appraisal.demo import DEMO_STATES, demo_projects_seed
from appraisal.models import JobPositionProject
from appraisal.selectors.projects import project_list_for_user
from appraisal.services.checklist import checklist_compute
from orgchart.demo import demo_seed
from tests.appraisal.project_fixtures import english, fast_passwords, media  # noqa: F401

Status = JobPositionProject.Status


@pytest.fixture
def demo_users(db):
    demo_seed(password="demo-pass-1")
    return {user.username: user for user in get_user_model().objects.all()}


def test_demo_dossiers_cover_every_state_and_every_inbox(demo_users):
    projects = demo_projects_seed(users=demo_users)
    assert [p.status for p in projects] == [state for state, _title in DEMO_STATES]

    def sees(username, status):
        return project_list_for_user(user=demo_users[username]).filter(status=status)

    assert sees("officer", Status.DRAFT).exists()
    assert sees("officer", Status.REVISION_REQUESTED).exists()
    assert sees("unithead", Status.SUPPLEMENT_REQUESTED).exists()
    assert sees("reception", Status.SUBMITTED).exists()
    assert sees("divisionhead", Status.RECEIVED).exists()
    assert sees("appraiser", Status.UNDER_APPRAISAL).exists()
    assert sees("director", Status.REPORT_COMPLETED).exists()
    assert sees("committee", Status.AWAITING_DECISION).exists()
    assert sees("observer", Status.APPLIED).exists()
    # Another unit's officer sees none of them.
    assert not project_list_for_user(user=demo_users["officer2"]).exists()


def test_demo_dossiers_pass_their_checks_and_carry_numbers(demo_users):
    projects = demo_projects_seed(users=demo_users)
    for project in projects:
        failed = [c.code for c in checklist_compute(project=project) if not c.passed]
        assert failed == [], (project.status, failed)
    received = [p for p in projects if p.receipt_number]
    assert len({p.receipt_number for p in received}) == len(received) == 6
    applied = projects[-1]
    decision = applied.decisions.get()
    assert decision.number.endswith("/QĐ-UBND") and decision.applied_at


def test_demo_dossiers_are_made_once(demo_users):
    first = demo_projects_seed(users=demo_users)
    second = demo_projects_seed(users=demo_users)
    assert [p.pk for p in first] == [p.pk for p in second]
    assert JobPositionProject.objects.count() == len(DEMO_STATES)
