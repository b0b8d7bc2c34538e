"""The dossier core: one table for what every kind of dossier has."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0005_audit_action_sent_back_to_officer"),
        ("orgchart", "0002_unit_path_prefix_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Dossier",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("dossier_kind", models.CharField(choices=[("job_position_first", "Job-position project, first approval"), ("job_position_adjustment", "Job-position project, adjustment"), ("staffing_plan", "Staffing plan"), ("consolidation", "Unit consolidation")], max_length=32, verbose_name="kind of dossier")),
                ("title", models.CharField(max_length=255, verbose_name="title")),
                ("legal_basis", models.TextField(blank=True, verbose_name="legal basis")),
                ("justification", models.TextField(blank=True, verbose_name="justification")),
                ("status", models.CharField(choices=[("draft", "Draft"), ("submitted", "Submitted, awaiting reception"), ("supplement_requested", "Supplement requested"), ("refused", "Refused at reception"), ("received", "Received, awaiting an appraiser"), ("under_appraisal", "Under appraisal"), ("revision_requested", "Revision requested"), ("report_completed", "Report awaiting the director"), ("awaiting_decision", "Submitted to the committee"), ("approved", "Approved, awaiting application"), ("applied", "Approved and applied"), ("rejected", "Rejected")], db_index=True, default="draft", max_length=24, verbose_name="status")),
                ("receipt_number", models.CharField(blank=True, max_length=64, verbose_name="receipt number")),
                ("submitted_on", models.DateField(blank=True, null=True, verbose_name="submitted on")),
                ("received_on", models.DateField(blank=True, null=True, verbose_name="received on")),
                ("due_on", models.DateField(blank=True, null=True, verbose_name="due on")),
                ("clock_paused_on", models.DateField(blank=True, help_text="Set while the dossier is back with the unit.", null=True, verbose_name="clock stopped on")),
                ("current_revision", models.PositiveIntegerField(default=0, help_text="Number of the last submission; 0 before the first one.", verbose_name="current revision")),
                ("outcome", models.CharField(blank=True, choices=[("approved", "Approved"), ("rejected", "Rejected"), ("refused", "Refused at reception")], max_length=16, verbose_name="outcome")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="updated at")),
                ("version", models.PositiveIntegerField(default=1, verbose_name="version")),
                ("assigned_appraiser", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="appraised_dossiers", to=settings.AUTH_USER_MODEL, verbose_name="assigned appraiser")),
                ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="created_dossiers", to=settings.AUTH_USER_MODEL, verbose_name="created by")),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="dossiers", to="orgchart.unit", verbose_name="unit")),
            ],
            options={
                "verbose_name": "dossier",
                "verbose_name_plural": "dossiers",
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["unit", "status"], name="dossier_unit_status"),
                    models.Index(fields=["assigned_appraiser", "status"], name="dossier_appr"),
                    models.Index(fields=["dossier_kind", "status"], name="dossier_kind_status"),
                ],
                "constraints": [
                    models.UniqueConstraint(condition=models.Q(("receipt_number", ""), _negated=True), fields=("receipt_number",), name="dossier_unique_receipt_number"),
                    models.CheckConstraint(condition=models.Q(models.Q(("current_revision", 0), ("status", "draft")), ("current_revision__gte", 1), _connector="OR"), name="dossier_submitted_has_revision"),
                ],
            },
        ),
    ]
