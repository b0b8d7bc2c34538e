"""Documents, revisions, remarks, the report, decisions and the audit trail belong
to the dossier, whatever its kind. The column keeps its values: a dossier has the
number its project had (0007)."""

import django.db.models.deletion
from django.db import migrations, models

RECORDS = {
    # model: (related name, on_delete, one-to-one)
    "attachment": ("attachments", django.db.models.deletion.PROTECT, False),
    "revision": ("revisions", django.db.models.deletion.CASCADE, False),
    "remark": ("remarks", django.db.models.deletion.CASCADE, False),
    "appraisalreport": ("report", django.db.models.deletion.CASCADE, True),
    "decision": ("decisions", django.db.models.deletion.PROTECT, False),
    "auditentry": ("audit_entries", django.db.models.deletion.PROTECT, False),
}


def _relink(model, related_name, on_delete, one_to_one):
    field_class = models.OneToOneField if one_to_one else models.ForeignKey
    return [
        migrations.RenameField(model_name=model, old_name="project", new_name="dossier"),
        migrations.AlterField(
            model_name=model,
            name="dossier",
            field=field_class(
                on_delete=on_delete,
                related_name=related_name,
                to="appraisal.dossier",
                verbose_name="dossier",
            ),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0008_project_is_a_dossier")]

    operations = [
        migrations.RemoveConstraint(model_name="revision", name="revision_unique_number"),
        *[
            operation
            for model, spec in RECORDS.items()
            for operation in _relink(model, *spec)
        ],
        migrations.AddConstraint(
            model_name="revision",
            constraint=models.UniqueConstraint(
                fields=("dossier", "number"), name="revision_unique_number"
            ),
        ),
        migrations.AlterModelOptions(
            name="attachment",
            options={"ordering": ["dossier", "kind", "uploaded_at", "pk"], "verbose_name": "attachment", "verbose_name_plural": "attachments"},
        ),
        migrations.AlterModelOptions(
            name="auditentry",
            options={"ordering": ["dossier", "created_at", "pk"], "verbose_name": "audit entry", "verbose_name_plural": "audit trail"},
        ),
        migrations.AlterModelOptions(
            name="decision",
            options={"ordering": ["dossier", "created_at", "pk"], "verbose_name": "decision", "verbose_name_plural": "decisions"},
        ),
        migrations.AlterModelOptions(
            name="remark",
            options={"ordering": ["dossier", "created_at", "pk"], "verbose_name": "remark", "verbose_name_plural": "remarks"},
        ),
        migrations.AlterModelOptions(
            name="revision",
            options={"ordering": ["dossier", "number"], "verbose_name": "revision", "verbose_name_plural": "revisions"},
        ),
    ]
