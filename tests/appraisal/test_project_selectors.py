"""Who sees which dossier, the revision diff and the audit trail selector, with
query budgets that do not grow with the number of dossiers."""

import pytest

from appraisal import services as svc
from appraisal.models import AuditEntry, JobPositionProject, Revision
from appraisal.selectors.projects import (
    project_audit,
    project_diff,
    project_get,
    project_list_for_user,
)
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.project_fixtures import advance
from tests.factories import JobPositionProjectFactory, UnitFactory

Status = JobPositionProject.Status


def visible(user) -> set[int]:
    return set(project_list_for_user(user=user).values_list("pk", flat=True))


def test_a_draft_is_seen_only_by_its_units_people(draft, people):
    assert draft.pk in visible(people["officer"])
    assert draft.pk in visible(people["head"])
    for who in ("officer_b", "reception", "division_head", "appraiser", "observer"):
        assert draft.pk not in visible(people[who]), who


def test_officer_of_other_unit_gets_does_not_exist(draft, people):
    with pytest.raises(JobPositionProject.DoesNotExist):
        project_get(user=people["officer_b"], pk=draft.pk)
    assert project_get(user=people["officer"], pk=draft.pk) == draft


def test_a_parent_unit_grant_covers_sub_unit_dossiers(people, units, make_user):
    province_officer = make_user("unit_officer", units=[units["province"]])
    sub = svc.project_create(
        unit=units["a1"], kind="first", title="Phòng A1", actor=people["officer"]
    )
    assert sub.pk in visible(province_officer)
    assert sub.pk in visible(people["officer"])
    assert sub.pk not in visible(people["officer_b"])


def test_submitted_dossiers_are_seen_province_wide_but_appraisers_see_their_own(
    draft, people
):
    advance(draft, people, Status.SUBMITTED)
    for who in ("reception", "division_head", "director", "committee", "observer"):
        assert draft.pk in visible(people[who]), who
    assert draft.pk not in visible(people["appraiser"])
    advance(draft, people, Status.UNDER_APPRAISAL)
    assert draft.pk in visible(people["appraiser"])
    assert draft.pk not in visible(people["appraiser2"])
    assert draft.pk not in visible(people["officer_b"])


def test_inactive_and_anonymous_people_see_nothing(draft, people):
    from django.contrib.auth.models import AnonymousUser

    officer = people["officer"]
    officer.is_active = False
    officer.save()
    assert visible(officer) == set()
    assert visible(AnonymousUser()) == set()


@pytest.mark.parametrize("who", ["officer", "observer", "appraiser"])
def test_project_list_query_budget_does_not_grow_with_rows(
    people, units, who, django_assert_max_num_queries
):
    def make(count):
        for _ in range(count):
            project = JobPositionProjectFactory(
                unit=units["a"],
                created_by=people["officer"],
                status=Status.UNDER_APPRAISAL,
                current_revision=1,
                assigned_appraiser=people["appraiser"],
            )
            assert project.pk

    def list_all(user):
        return [
            (p.unit.name, p.assigned_appraiser_id and p.assigned_appraiser.username)
            for p in project_list_for_user(user=user)
        ]

    def person():
        # A fresh instance, as each request has: its scope is read again.
        user = people[who]
        return type(user).objects.get(pk=user.pk)

    # The person's roles, their units (or, for an appraiser, the colleagues they
    # stand in for: a delegation) and the dossiers.
    budget = 4 if who == "appraiser" else 3
    make(2)
    list_all(person())  # content types are cached once per process
    user = person()
    with django_assert_max_num_queries(budget):
        few = list_all(user)
    make(25)
    user = person()
    with django_assert_max_num_queries(budget):
        many = list_all(user)
    assert (len(few), len(many)) == (2, 27)


def test_scope_of_many_granted_units_is_still_three_queries(
    make_user, units, django_assert_max_num_queries
):
    grants = [UnitFactory(parent=units["province"]) for _ in range(6)]
    officer = make_user("unit_officer", units=grants)
    for unit in grants:
        JobPositionProjectFactory(unit=unit, created_by=officer)
    JobPositionProjectFactory(unit=units["b"], created_by=officer)
    with django_assert_max_num_queries(3):
        rows = list(project_list_for_user(user=officer))
    assert {p.unit for p in rows} == set(grants)


# --- revisions and their diff


def resubmit_with_changes(draft, people, ref):
    """Revision 2: the added line's headcount changes, the end line is dropped,
    a new line is added, the title changes."""
    advance(draft, people, Status.SUBMITTED)
    svc.dossier_request_supplement(
        dossier=draft, actor=people["reception"], reason="Sửa đề án"
    )
    lines = []
    for line in draft.lines.order_by("order"):
        if line.action == "end":
            continue
        lines.append(
            {
                "key": line.key,
                "action": line.action,
                "position": line.position,
                "catalogue_entry": line.catalogue_entry,
                "name": line.name,
                "category": line.category,
                "rank": line.rank,
                "headcount": line.headcount + (3 if line.action == "add" else 0),
                "job_description": line.job_description,
            }
        )
    lines.append(
        {
            "action": "add",
            "name": "Chuyên viên chuyển đổi số",
            "category": ref["specialised"],
            "rank": ref["principal"],
            "headcount": 1,
        }
    )
    svc.project_lines_save(project=draft, actor=people["officer"], lines=lines)
    svc.project_update(project=draft, actor=people["officer"], title="Tên sửa đổi")
    svc.dossier_submit(dossier=draft, actor=people["head"])


def test_diff_shows_added_removed_and_changed_lines_field_by_field(
    draft, people, ref, positions, django_assert_max_num_queries
):
    resubmit_with_changes(draft, people, ref)
    with django_assert_max_num_queries(1):
        diff = project_diff(project=draft, revision_a=1, revision_b=2)
    assert [line["name"] for line in diff.added] == ["Chuyên viên chuyển đổi số"]
    assert [line["position_name"] for line in diff.removed] == [positions[1].name]
    (changed,) = diff.changed
    assert [(c.field, c.before, c.after) for c in changed.fields] == [
        ("headcount", 2, 5)
    ]
    assert changed.before["name"] == ref["entry"].name
    assert [(c.field, c.after) for c in diff.project_fields] == [
        ("title", "Tên sửa đổi")
    ]
    assert not diff.is_empty


def test_diff_accepts_revisions_and_is_empty_for_the_same_one(draft, people):
    advance(draft, people, Status.SUBMITTED)
    revision = Revision.objects.get(dossier=draft, number=1)
    assert project_diff(project=draft, revision_a=revision, revision_b=1).is_empty
    with pytest.raises(Revision.DoesNotExist):
        project_diff(project=draft, revision_a=1, revision_b=2)


def test_revision_snapshot_is_frozen_against_later_edits(draft, people, ref):
    resubmit_with_changes(draft, people, ref)
    first = Revision.objects.get(dossier=draft, number=1).snapshot
    assert first["project"]["title"] == "Đề án điều chỉnh vị trí việc làm Sở A"
    assert len(first["lines"]) == 3
    assert {a["kind"] for a in first["attachments"]} == {
        "submission_letter",
        "project_document",
        "establishment_decision",
    }


# --- the audit trail


def test_project_audit_lists_the_history_oldest_first_in_one_query(
    draft, people, django_assert_max_num_queries
):
    advance(draft, people, Status.RECEIVED)
    with django_assert_max_num_queries(1):
        rows = [(e.action, e.actor.username) for e in project_audit(project=draft)]
    assert rows[0] == (AuditEntry.Action.CREATED, "officer")
    assert rows[-2:] == [
        (AuditEntry.Action.SUBMITTED, "head"),
        (AuditEntry.Action.ACCEPTED, "reception"),
    ]
