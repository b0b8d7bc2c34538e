"""A job-position project from its draft to the Department, through the API
only, as the unit officer and the unit head: the same viewflow tasks the pages
complete, each write in the audit trail "via API", stale writes refused with
412, and the steps of others refused."""

from __future__ import annotations

import pytest
from django.urls import reverse
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from appraisal.models import Attachment, AuditEntry, JobPositionProject
from tests.factories import docx_upload, pdf_upload
from workflows.flows import JobPositionProjectFlow
from workflows.models import JobPositionProjectProcess

pytestmark = pytest.mark.django_db


def _open_nodes(project_pk) -> set[str]:
    return {
        task.flow_task.name
        for task in Task.objects.filter(
            process__artifact_object_id=project_pk,
            process__flow_class=JobPositionProjectFlow,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            flow_task_type="HUMAN",
        )
    }


def _attach_all(client, pk, etag):
    for kind, upload in (
        (Attachment.Kind.SUBMISSION_LETTER, pdf_upload("Tờ trình số 12.pdf")),
        (Attachment.Kind.PROJECT_DOCUMENT, docx_upload("Đề án VTVL.docx")),
        (Attachment.Kind.ESTABLISHMENT_DECISION, pdf_upload("QĐ chức năng.pdf")),
    ):
        response = client.post(
            f"/api/v1/projects/{pk}/attachments/",
            {"kind": kind, "file": upload},
            etag=etag,
            multipart=True,
        )
        assert response.status_code == 201, response.content
        etag = response["ETag"]
    return etag


def test_a_project_drafted_and_submitted_through_the_api(
    api, units, ref, positions, client, people
):
    officer, head = api("officer"), api("head")
    response = officer.post(
        "/api/v1/projects/",
        {
            "unit": units["a"].pk,
            "kind": "adjustment",
            "title": "Đề án qua API",
            "legal_basis": "Nghị định 62/2020/NĐ-CP",
        },
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    etag = response["ETag"]
    assert _open_nodes(pk) == {"draft"}

    line = {
        "action": "add",
        "name": "Chuyên viên cải cách hành chính",
        "category": ref["specialised"].pk,
        "rank": ref["specialist"].pk,
        "headcount": 2,
    }
    response = officer.patch(f"/api/v1/projects/{pk}/", {"lines": [line]}, etag=etag)
    assert response.status_code == 200, response.content
    assert [each["name"] for each in response.json()["lines"]] == [line["name"]]
    stale, etag = etag, response["ETag"]
    assert stale != etag

    # A client that read the dossier before the edit is refused, nothing written.
    response = officer.patch(f"/api/v1/projects/{pk}/", {"title": "Ghi đè"}, etag=stale)
    assert response.status_code == 412
    assert response.json()["code"] == "stale_version"
    assert JobPositionProject.objects.get(pk=pk).title == "Đề án qua API"
    # Without If-Match: 428, nothing written.
    response = officer.patch(f"/api/v1/projects/{pk}/", {"title": "Ghi đè"})
    assert response.status_code == 428

    # The head cannot hand over the officer's draft, nor submit before it is handed.
    assert head.post(f"/api/v1/projects/{pk}/submit/", {}, etag=etag).status_code == 409
    response = officer.post(f"/api/v1/projects/{pk}/hand-over/", {}, etag=etag)
    assert response.status_code == 400
    assert response.json()["code"] == "missing_attachments"
    assert _open_nodes(pk) == {"draft"}

    etag = _attach_all(officer, pk, etag)
    response = officer.post(
        f"/api/v1/projects/{pk}/hand-over/", {"comment": "Kính trình"}, etag=etag
    )
    assert response.status_code == 200, response.content
    assert _open_nodes(pk) == {"submit"}

    # The officer may not sign for the unit: the head's step is refused.
    etag = response["ETag"]
    response = officer.post(f"/api/v1/projects/{pk}/submit/", {}, etag=etag)
    assert response.status_code == 403
    response = head.post(f"/api/v1/projects/{pk}/submit/", {}, etag=etag)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert _open_nodes(pk) == {"receive"}

    audit = AuditEntry.objects.filter(dossier_id=pk).order_by("pk")
    assert {entry.channel for entry in audit} == {AuditEntry.Channel.API}
    assert [entry.action for entry in audit][-2:] == ["handed_over", "submitted"]
    shown = head.get(f"/api/v1/dossiers/{pk}/").json()["audit"]
    assert shown[-1]["channel"] == "api"
    # The dossier's page says so too.
    process = JobPositionProjectProcess.objects.get(artifact_object_id=pk)
    client.force_login(people["head"])
    page = client.get(reverse("jobpositionproject:process_detail", args=[process.pk]))
    assert page.content.decode().count('data-channel="api"') == audit.count()


def test_another_units_officer_gets_404_and_changes_nothing(api, world):
    project = world["draft"].project
    response = api("officer_b").get(f"/api/v1/dossiers/{project.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = api("officer_b").patch(
        f"/api/v1/projects/{project.pk}/",
        {"title": "x"},
        etag=f'"{project.pk}-{project.version}"',
    )
    assert response.status_code == 404
    assert JobPositionProject.objects.get(pk=project.pk).title == project.title


#: Who may submit a signed-over draft of department A, and what the others get.
SUBMIT_ANSWERS = [
    ("officer", 403),  # drafts for the unit, may not sign for it
    ("officer_b", 404),  # another unit's
    ("head_b", 404),
    ("observer", 404),  # a draft is the unit's own until signed
    ("reception", 404),
    ("committee", 404),
    ("head", 200),  # last: it moves the dossier on
]


def test_only_the_units_head_submits(api, world):
    project = JobPositionProject.objects.get(pk=world["submit"].project.pk)
    etag = f'"{project.pk}-{project.version}"'
    for who, status in SUBMIT_ANSWERS:
        response = api(who).post(
            f"/api/v1/projects/{project.pk}/submit/", {}, etag=etag
        )
        assert response.status_code == status, (who, response.content)
        submitted = JobPositionProject.objects.get(pk=project.pk).status == "submitted"
        assert submitted == (status == 200), who


def test_the_unit_answers_a_revision_request_through_the_api(api, world, client):
    """The appraiser asked for a revision on the page; the officer revises and
    hands over through the API, the head submits: the dossier goes back to the
    appraiser, as after the pages."""
    pk = world["revise"].project.pk
    officer, head = api("officer"), api("head")
    detail = officer.get(f"/api/v1/dossiers/{pk}/")
    assert detail.json()["status"] == "revision_requested"
    assert _open_nodes(pk) == {"revise"}
    lines = [
        {
            key: value
            for key, value in line.items()
            if key in ("action", "name", "headcount", "key")
        }
        for line in detail.json()["lines"]
    ]
    project = JobPositionProject.objects.get(pk=pk)
    lines[0]["headcount"] = 3
    lines[0]["category"] = project.lines.get().category_id
    lines[0]["rank"] = project.lines.get().rank_id
    response = officer.patch(
        f"/api/v1/projects/{pk}/", {"lines": lines}, etag=detail["ETag"]
    )
    assert response.status_code == 200, response.content
    response = officer.post(
        f"/api/v1/projects/{pk}/hand-over/",
        {"comment": "Đã chỉnh sửa"},
        etag=response["ETag"],
    )
    assert response.status_code == 200, response.content
    response = head.post(f"/api/v1/projects/{pk}/submit/", {}, etag=response["ETag"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "under_appraisal"
    assert [revision["number"] for revision in body["revisions"]] == [1, 2]
    assert _open_nodes(pk) == {"appraise"}
    # Its documents link to their files, for the same person only.
    url = body["attachments"][0]["download_url"]
    client.force_login(world["revise"].project.created_by)
    assert client.get(url).status_code == 200
