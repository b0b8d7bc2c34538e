"""Every existing job-position project becomes a dossier with the same number.

The dossier takes the project's primary key, so the project's lines, its records
and the flow's reference to it (viewflow's ``artifact_object_id``) stay valid
without being rewritten; the dossier table's sequence then continues after the
highest number.
"""

from django.core.management.color import no_style
from django.db import migrations

SHARED = [
    "unit_id",
    "title",
    "legal_basis",
    "justification",
    "status",
    "receipt_number",
    "submitted_on",
    "received_on",
    "due_on",
    "clock_paused_on",
    "current_revision",
    "outcome",
    "assigned_appraiser_id",
    "created_by_id",
    "created_at",
    "updated_at",
    "version",
]
KIND = {"first": "job_position_first", "adjustment": "job_position_adjustment"}


def copy(apps, schema_editor):
    Project = apps.get_model("appraisal", "JobPositionProject")
    Dossier = apps.get_model("appraisal", "Dossier")
    Dossier.objects.bulk_create(
        [
            Dossier(
                id=project.pk,
                dossier_kind=KIND[project.kind],
                **{field: getattr(project, field) for field in SHARED},
            )
            for project in Project.objects.order_by("pk").iterator()
        ],
        batch_size=500,
    )
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Dossier]):
            cursor.execute(sql)


def uncopy(apps, schema_editor):
    apps.get_model("appraisal", "Dossier").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0006_add_dossier")]

    operations = [migrations.RunPython(copy, uncopy)]
