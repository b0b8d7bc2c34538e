"""An index on the process's ``artifact_object_id`` alone.

viewflow indexes (artifact_content_type, artifact_object_id); every list here finds
processes by the dossier's id only (``artifact_object_id IN (the person's
dossiers)``), which that index can serve only by reading it whole, once per
dossier: 0.9 ms a dossier, 9 s for a busy appraiser's archive at 50,000 dossiers
(bench/README.md, "National volumes"). viewflow's table, so plain SQL here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0006_api_tokens"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX process_artifact_object ON viewflow_process "
            "(artifact_object_id)",
            "DROP INDEX process_artifact_object",
        ),
    ]
