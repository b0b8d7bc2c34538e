"""A unit's staffing proposal through the API: the officer saves and hands it
over, the head submits it — the proposal flow's own tasks, as on the pages —
and every role's answer on every proposal endpoint."""

from __future__ import annotations

import pytest

from appraisal.models import AuditEntry, StaffingProposal

from ..test_permission_matrix import ROLES
from .conftest import open_task

pytestmark = pytest.mark.django_db

STAFFING_WIDE = {
    "reception",
    "reception2",
    "division_head",
    "appraiser",
    "appraiser2",
    "director",
    "committee",
    "committee_a",
    "observer",
}
UNIT_PEOPLE = {"a": {"officer", "officer2", "head"}, "b": {"officer_b", "head_b"}}
TASK_FOR = {
    ("a", "draft"): {"officer", "officer2", "head"},
    ("a", "submit"): {"head", "committee_a"},
    ("b", "draft"): {"officer_b", "head_b"},
    ("b", "submit"): {"head_b"},
}
ENDPOINTS = {
    "/api/v1/staffing-proposals/{pk}/": "draft",
    "/api/v1/staffing-proposals/{pk}/submit/": "submit",
}


def _lines():
    return [
        {
            "post_kind": "civil_servant",
            "actual": 50,
            "proposed": 50,
            "justification": "Giữ nguyên",
        }
    ]


def test_a_proposal_saved_handed_over_and_submitted_through_the_api(
    api, staffing_world
):
    proposal = staffing_world["proposal:a:open"].proposal
    path = f"/api/v1/staffing-proposals/{proposal.pk}/"
    etag = api("officer").get(f"/api/v1/dossiers/{proposal.pk}/")["ETag"]
    response = api("officer").post(
        path, {"lines": _lines(), "hand_over": True}, etag=etag
    )
    assert response.status_code == 200, response.content
    assert response.json()["proposal_lines"][0]["actual"] == 50
    assert open_task(staffing_world["proposal:a:open"]).flow_task.name == "submit"
    response = api("head").post(f"{path}submit/", {}, etag=response["ETag"])
    assert response.status_code == 200, response.content
    assert StaffingProposal.objects.get(pk=proposal.pk).status == "submitted"
    assert open_task(staffing_world["proposal:a:open"]).flow_task.name == "review"
    rows = AuditEntry.objects.filter(dossier_id=proposal.pk, channel="api")
    assert list(rows.values_list("action", flat=True)) == [
        "proposal_saved",
        "submitted",
    ]


def test_every_role_on_every_proposal_endpoint(api, staffing_world, people):
    for key, process in staffing_world.items():
        if not key.startswith("proposal:"):
            continue
        unit = key.split(":")[1][0]  # a, a1 -> a; b, b1 -> b
        proposal = StaffingProposal.objects.get(pk=process.proposal.pk)
        task = open_task(process)
        stale = f'"{proposal.pk}-{proposal.version - 1}"'
        for template, node in ENDPOINTS.items():
            path = template.format(pk=proposal.pk)
            body = {"lines": _lines()} if node == "draft" else {}
            for role in ROLES:
                response = api(role).post(path, body, etag=stale)
                if role is None:
                    expected = 401
                elif role not in STAFFING_WIDE | UNIT_PEOPLE[unit]:
                    expected = 404
                elif task is None or task.flow_task.name != node:
                    expected = 409
                elif role not in TASK_FOR[unit, node]:
                    expected = 403
                elif task.owner_id and task.owner_id != people[role].pk:
                    expected = 409
                else:
                    expected = 412
                assert response.status_code == expected, (role, key, path)
        after = StaffingProposal.objects.get(pk=proposal.pk)
        assert (after.version, after.status) == (proposal.version, proposal.status)
