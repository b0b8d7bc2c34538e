"""An index of the open tasks (waiting in a queue or held by someone) by process.

Every inbox, queue and menu counter walks from the person's dossiers to their
processes and then to each process's tasks, keeping the open ones. viewflow's own
index on ``process_id`` holds every task a process ever had (eight on average in
a finished dossier) and each one was read to find the open one; this partial
index holds only the open tasks, a few per cent of the table, so the walk reads
one small entry per process: the unit officer's counters at 50,000 dossiers took
half the time (bench/README.md, "National volumes"). viewflow's table, so plain
SQL here; SQLite and PostgreSQL both know partial indexes.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0014_process_artifact_object_index"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX task_open_by_process ON viewflow_task (process_id) "
            "WHERE status IN ('NEW', 'ASSIGNED')",
            "DROP INDEX task_open_by_process",
        ),
    ]
