"""Every endpoint and method of the API, as every role and anonymous, on the
dossiers of department A at every step and on department B's: who gets data,
who 404 (another unit's ids, never data), who 403, who 409, who 401.

The rules, written out here independently of the code under test (as in
tests/workflows/test_permission_matrix.py):

- anonymous callers get 401 everywhere (except the schema and its page);
- a unit's people see their unit's subtree and its dossiers (drafts included);
  Home Affairs, the committee, observers and administrators see every unit;
  Home Affairs, the committee and observers every submitted dossier; the
  appraiser the dossiers assigned to them; anything else is 404;
- a step is for the people the flow gives it to (TASK_FOR); anyone else who
  sees the dossier gets 403; a dossier not at the step 409, as does a step
  someone else holds;
- a write of someone the step is for, sent with a stale If-Match, reaches the
  version check and gets 412, so the matrix changes nothing.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from appraisal.models import Decision, JobPositionProject
from tests.factories import pdf_upload

from ..test_permission_matrix import PROVINCE_WIDE, ROLES, TASK_FOR, UNIT_A_PEOPLE
from .conftest import open_task

pytestmark = pytest.mark.django_db

ALL_UNITS = PROVINCE_WIDE | {"appraiser", "appraiser2", "administrator"}
UNIT_B_PEOPLE = {"officer_b", "head_b"}
#: Who opens a draft for department A.
STARTERS_A = {"officer", "officer2", "head"}

#: The write endpoints on a project, with the steps they act in.
PROJECT_WRITES = {
    "patch /api/v1/projects/{pk}/": ("draft", "revise"),
    "post /api/v1/projects/{pk}/attachments/": ("draft", "revise", "submit"),
    "post /api/v1/projects/{pk}/hand-over/": ("draft", "revise"),
    "post /api/v1/projects/{pk}/submit/": ("submit",),
}


def _api_routes() -> set[str]:
    found = set()

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.add(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "")
    return {route for route in found if route.startswith("api/v1/")}


def _sees_unit(role, unit_code) -> bool:
    if role in ALL_UNITS:
        return True
    if unit_code.startswith("SA"):
        return role in UNIT_A_PEOPLE
    return role in UNIT_B_PEOPLE


def _sees_dossier(role, project) -> bool:
    in_a = project.unit.code.startswith("SA")
    if role in UNIT_A_PEOPLE and in_a:
        return True
    if role in UNIT_B_PEOPLE and not in_a:
        return True
    if role in PROVINCE_WIDE and project.current_revision >= 1:
        return True
    return role == "appraiser" and project.assigned_appraiser_id is not None


def _write_expected(role, people, project, nodes, open_task) -> int:
    if role is None:
        return 401
    if not _sees_dossier(role, project):
        return 404
    if open_task is None or open_task.flow_task.name not in nodes:
        return 409
    if role not in TASK_FOR[open_task.flow_task.name]:
        return 403
    if open_task.owner_id and open_task.owner_id != people[role].pk:
        return 409  # someone else holds it
    return 412


def test_every_api_route_is_in_the_matrix():
    covered = {
        "api/v1/schema/",
        "api/v1/docs/",
        "api/v1/units/",
        "api/v1/units/<id:pk>/",
        "api/v1/units/<id:pk>/establishment/",
        "api/v1/ranks/",
        "api/v1/salary-groups/",
        "api/v1/categories/",
        "api/v1/catalogue/",
        "api/v1/dossiers/",
        "api/v1/dossiers/<id:pk>/",
        "api/v1/decisions/",
        "api/v1/decisions/<id:pk>/",
        "api/v1/projects/",
        "api/v1/projects/<id:pk>/",
        "api/v1/projects/<id:pk>/attachments/",
        "api/v1/projects/<id:pk>/hand-over/",
        "api/v1/projects/<id:pk>/submit/",
        # tests/workflows/api/test_api_proposals.py
        "api/v1/staffing-proposals/<id:pk>/",
        "api/v1/staffing-proposals/<id:pk>/submit/",
    }
    assert _api_routes() == covered


def test_reads_as_every_role(api, world, units, people):
    lists = [
        "/api/v1/units/",
        "/api/v1/ranks/",
        "/api/v1/salary-groups/",
        "/api/v1/categories/",
        "/api/v1/catalogue/",
        "/api/v1/dossiers/",
        "/api/v1/decisions/",
    ]
    decision = Decision.objects.get(dossier=world["done"].project)
    projects = {
        name: JobPositionProject.objects.get(pk=process.project.pk)
        for name, process in world.items()
    }
    for role in ROLES:
        client = api(role)
        for path in lists:
            response = client.get(path)
            assert response.status_code == (401 if role is None else 200), (role, path)
        for key in ("a", "a1", "b", "b1"):
            unit = units[key]
            for path in (
                f"/api/v1/units/{unit.pk}/",
                f"/api/v1/units/{unit.pk}/establishment/",
            ):
                response = client.get(path)
                if role is None:
                    expected = 401
                else:
                    expected = 200 if _sees_unit(role, unit.code) else 404
                assert response.status_code == expected, (role, path)
                if expected == 404:
                    assert set(response.json()) == {"code", "detail"}
        for name, project in projects.items():
            response = client.get(f"/api/v1/dossiers/{project.pk}/")
            if role is None:
                expected = 401
            else:
                expected = 200 if _sees_dossier(role, project) else 404
            assert response.status_code == expected, (role, name)
            if expected == 200:
                assert response.json()["title"] == project.title
                assert response["ETag"] == f'"{project.pk}-{project.version}"'
        response = client.get(f"/api/v1/decisions/{decision.pk}/")
        seen = role is not None and _sees_dossier(role, projects["done"])
        expected = 401 if role is None else (200 if seen else 404)
        assert response.status_code == expected, (role, "decision")
        # The list shows exactly the dossiers the person may see.
        if role is not None:
            listed = {
                row["id"] for row in client.get("/api/v1/dossiers/").json()["results"]
            }
            assert listed == {
                p.pk for p in projects.values() if _sees_dossier(role, p)
            }, role


def test_writes_as_every_role(api, world, driver, units, people):
    for name, process in world.items():
        project = JobPositionProject.objects.get(pk=process.project.pk)
        task = open_task(process)
        stale = f'"{project.pk}-{project.version - 1}"'
        for route, nodes in PROJECT_WRITES.items():
            method, template = route.split(" ")
            path = template.format(pk=project.pk)
            for role in ROLES:
                client = api(role)
                if "attachments" in path:
                    response = client.post(
                        path,
                        {"kind": "other", "file": pdf_upload("Phụ lục.pdf")},
                        etag=stale,
                        multipart=True,
                    )
                else:
                    response = client.send(method, path, {}, etag=stale)
                expected = _write_expected(role, people, project, nodes, task)
                assert response.status_code == expected, (role, name, route)
                assert set(response.json()) >= {"code", "detail"}
        after = JobPositionProject.objects.get(pk=project.pk)
        assert (after.version, after.status) == (project.version, project.status)


def test_opening_a_draft_as_every_role(api, world, units):
    for role in ROLES:
        response = api(role).post(
            "/api/v1/projects/",
            {"unit": units["a"].pk, "kind": "first", "title": f"Đề án của {role}"},
        )
        if role is None:
            expected = 401
        elif not _sees_unit(role, "SA"):
            expected = 404
        elif role in STARTERS_A:
            expected = 201
        else:
            expected = 403
        assert response.status_code == expected, (role, response.content)
    created = set(
        JobPositionProject.objects.filter(title__startswith="Đề án của ").values_list(
            "title", flat=True
        )
    )
    assert created == {f"Đề án của {role}" for role in STARTERS_A}
