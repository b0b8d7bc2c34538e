"""A database holding job-position projects migrates onto the dossier core without
losing a row: every project becomes a dossier with the same number, its lines,
documents, revisions, remarks, report, decision and audit trail follow it, and the
flow's reference to it still opens it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("appraisal", "0005_audit_action_sent_back_to_officer"),
    ("workflows", "0001_job_position_project_process"),
]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    """Migrate the apps of ``targets`` to them; the state of every app (the others
    stay at their latest migration)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    apps = {app for app, _name in targets}
    others = [
        leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in apps
    ]
    return executor.loader.project_state(targets + others).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _old_world(apps) -> dict:
    """Three projects as the demo has them: a draft, one under appraisal with a
    revision, a remark and a report, and one decided with its decision lines."""
    User = apps.get_model("auth", "User")
    Unit = apps.get_model("orgchart", "Unit")
    Project = apps.get_model("appraisal", "JobPositionProject")
    Line = apps.get_model("appraisal", "ProjectLine")
    Attachment = apps.get_model("appraisal", "Attachment")
    Revision = apps.get_model("appraisal", "Revision")
    Remark = apps.get_model("appraisal", "Remark")
    Report = apps.get_model("appraisal", "AppraisalReport")
    Decision = apps.get_model("appraisal", "Decision")
    Audit = apps.get_model("appraisal", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Process = apps.get_model("viewflow", "Process")

    officer = User.objects.create(username="officer")
    appraiser = User.objects.create(username="appraiser")
    committee = User.objects.create(username="committee")
    unit = Unit.objects.create(
        code="STP",
        name="Sở Tư pháp",
        kind="department",
        level="province",
        path="/",
        valid_from=datetime.date(2025, 7, 1),
    )
    unit.path = f"/{unit.pk}/"
    unit.save()
    now = timezone.now()
    common = {"unit": unit, "created_by": officer, "created_at": now}
    draft = Project.objects.create(
        kind="first", title="Đề án dự thảo", status="draft", **common
    )
    appraised = Project.objects.create(
        kind="adjustment",
        title="Đề án đang thẩm định",
        status="under_appraisal",
        current_revision=1,
        receipt_number="000001/2026/SNV",
        submitted_on=datetime.date(2026, 3, 2),
        received_on=datetime.date(2026, 3, 3),
        due_on=datetime.date(2026, 4, 8),
        assigned_appraiser=appraiser,
        legal_basis="Nghị định 62/2020/NĐ-CP",
        justification="Điều chỉnh theo chức năng mới",
        version=7,
        **common,
    )
    decided = Project.objects.create(
        kind="first",
        title="Đề án đã quyết định",
        status="rejected",
        outcome="rejected",
        current_revision=2,
        receipt_number="000002/2026/SNV",
        **common,
    )
    for project in (draft, appraised, decided):
        Line.objects.create(project=project, action="add", name="Chuyên viên", order=1)
        Audit.objects.create(
            project=project,
            actor=officer,
            action="created",
            from_status="draft",
            to_status="draft",
        )
    Attachment.objects.create(
        project=appraised,
        kind="submission_letter",
        file="appraisal/projects/2/a.pdf",
        original_name="Tờ trình.pdf",
        extension="pdf",
        size=10,
        content_type="application/pdf",
        sha256="0" * 64,
        uploaded_by=officer,
    )
    Revision.objects.create(
        project=appraised, number=1, snapshot={"lines": []}, submitted_by=officer
    )
    Remark.objects.create(
        project=appraised, revision_number=1, text="Bổ sung", author=appraiser
    )
    Report.objects.create(project=appraised, recommendation="approve", author=appraiser)
    Decision.objects.create(
        project=decided,
        outcome="rejected",
        date=datetime.date(2026, 5, 5),
        signer=committee,
        reason="Không phù hợp",
    )
    process = Process.objects.create(
        flow_class="workflows/flows.JobPositionProjectFlow",
        artifact_content_type=ContentType.objects.get_or_create(
            app_label="appraisal", model="jobpositionproject"
        )[0],
        artifact_object_id=appraised.pk,
    )
    apps.get_model("viewflow", "Task").objects.create(
        process=process, flow_task="workflows/flows.JobPositionProjectFlow.appraise"
    )
    return {
        "draft": draft.pk,
        "appraised": appraised.pk,
        "decided": decided.pk,
        "process": process.pk,
        "unit": unit.pk,
    }


def test_projects_and_their_records_move_onto_the_dossier_core():
    old = _old_world(_migrate(BEFORE))
    _migrate(_leaves())

    from appraisal.models import (
        AppraisalReport,
        Attachment,
        AuditEntry,
        Decision,
        Dossier,
        JobPositionProject,
        ProjectLine,
        Remark,
        Revision,
    )
    from workflows.flows import JobPositionProjectFlow
    from workflows.models import JobPositionProjectProcess

    assert set(Dossier.objects.values_list("pk", flat=True)) == {
        old["draft"],
        old["appraised"],
        old["decided"],
    }
    assert JobPositionProject.objects.count() == 3
    appraised = JobPositionProject.objects.get(pk=old["appraised"])
    assert appraised.title == "Đề án đang thẩm định"
    assert appraised.kind == "adjustment"
    assert appraised.dossier_kind == "job_position_adjustment"
    assert appraised.status == "under_appraisal"
    assert appraised.receipt_number == "000001/2026/SNV"
    assert appraised.due_on == datetime.date(2026, 4, 8)
    assert appraised.assigned_appraiser.username == "appraiser"
    assert appraised.justification == "Điều chỉnh theo chức năng mới"
    assert appraised.version == 7
    assert appraised.unit_id == old["unit"]
    assert Dossier.objects.get(pk=old["draft"]).dossier_kind == "job_position_first"

    assert ProjectLine.objects.filter(project=appraised).count() == 1
    assert AuditEntry.objects.count() == 3
    assert AuditEntry.objects.filter(dossier=appraised).count() == 1
    assert Attachment.objects.get().dossier_id == appraised.pk
    assert Revision.objects.get().dossier_id == appraised.pk
    assert Remark.objects.get().dossier_id == appraised.pk
    assert AppraisalReport.objects.get().dossier_id == appraised.pk
    assert Decision.objects.get().dossier_id == old["decided"]
    assert appraised.attachments.get().original_name == "Tờ trình.pdf"

    process = JobPositionProjectProcess.objects.get(pk=old["process"])
    assert process.project == appraised
    # The flow moved to its own module: the stored paths moved with it.
    assert process.flow_class is JobPositionProjectFlow
    assert process.task_set.get().flow_task is JobPositionProjectFlow.appraise
    with connection.cursor() as cursor:
        cursor.execute("SELECT flow_class FROM viewflow_process")
        assert cursor.fetchall() == [
            ("workflows/flows.project.JobPositionProjectFlow",)
        ]
        cursor.execute("SELECT flow_task FROM viewflow_task")
        assert cursor.fetchall() == [
            ("workflows/flows.project.JobPositionProjectFlow.appraise",)
        ]


def test_a_new_dossier_after_the_migration_takes_the_next_number(make_user):
    """The dossier table's sequence continues after the projects that moved in."""
    old = _old_world(_migrate(BEFORE))
    _migrate(_leaves())

    from appraisal.models import JobPositionProject
    from orgchart.models import Unit

    unit = Unit.objects.get(pk=old["unit"])
    officer = make_user("unit_officer", units=[unit], username="officer_new")
    project = JobPositionProject.objects.create(
        unit=unit, kind="first", title="Đề án mới", created_by=officer
    )
    assert project.pk > max(old["draft"], old["appraised"], old["decided"])
    assert project.dossier_kind == "job_position_first"
