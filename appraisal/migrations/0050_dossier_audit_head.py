from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0040_delegations"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="audit_head",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text=(
                    "The chain hash of the dossier's latest audit entry, which the "
                    "next entry is chained to."
                ),
                max_length=64,
                verbose_name="last audit hash",
            ),
        ),
    ]
