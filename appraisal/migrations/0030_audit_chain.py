from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0025_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="chain_hash",
            field=models.CharField(
                default="",
                editable=False,
                help_text=(
                    "SHA-256 of the entry and of the previous entry's hash of the "
                    "same dossier: a change made afterwards breaks the chain."
                ),
                max_length=64,
                verbose_name="chain hash",
            ),
            preserve_default=False,
        ),
    ]
