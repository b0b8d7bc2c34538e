"""Indexes in the order the lists are read: processes newest first (the dossier
lists) and each person's finished tasks newest first (the archive).

Both lists show 25 rows of thousands. Without an index in their order,
PostgreSQL gathered every row the person may see and sorted them to keep 25:
the director's dossier list read 32,827 processes (31 ms) and their archive
22,865 tasks (73 ms) at 50,000 dossiers. With them it reads the rows in order
and checks each against the person's scope until the page is full (0.3 ms and
0.7 ms; bench/README.md, "National volumes"). viewflow's tables, so plain SQL
here; the archive's index holds finished tasks only.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0015_open_task_index"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX process_newest ON viewflow_process (created DESC, id DESC)",
            "DROP INDEX process_newest",
        ),
        migrations.RunSQL(
            "CREATE INDEX task_done_by_owner ON viewflow_task "
            "(owner_id, finished DESC, id DESC) WHERE finished IS NOT NULL",
            "DROP INDEX task_done_by_owner",
        ),
    ]
