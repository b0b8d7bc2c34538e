"""Indexes for lists that start from the tasks, and for the scope's processes.

The inbox, the queue and the menu's counters check each task's dossier against
the person's scope row by row (``workflows.selectors._tasks_checked_by_row``),
so they start from the open tasks themselves and read them oldest first until
the page is full. Without an index in that order, PostgreSQL walked every task
ever created (265,768 at 50,000 dossiers) to find a person's 25:

- ``task_open_by_owner`` now orders a person's open tasks by creation (the
  officer's inbox: 26 -> 1.7 ms);
- ``task_waiting``: the tasks waiting to be taken (status NEW), oldest first,
  with the columns the queue filters on and reads, so that the queue's
  candidates are read from the index alone (the officer's queue: 78 -> 12 ms).

The lists of dossiers go from the dossiers a person may see to their
processes: ``process_artifact_object`` now holds the columns those lists read
(flow, creation, key), so the 3,487 processes of a department are read from the
index alone. Figures: bench/README.md, "National volumes". viewflow's tables,
so SQL here.
"""

from django.db import migrations

OPEN = "WHERE status IN ('NEW', 'ASSIGNED')"


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0017_open_task_owner_step_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX task_waiting ON viewflow_task "
            "(created, flow_task, process_id, flow_task_type, id) "
            "WHERE status = 'NEW'",
            "DROP INDEX task_waiting",
        ),
        migrations.RunSQL(
            [
                "DROP INDEX task_open_by_owner",
                f"CREATE INDEX task_open_by_owner ON viewflow_task (owner_id, created) "
                f"{OPEN}",
            ],
            [
                "DROP INDEX task_open_by_owner",
                f"CREATE INDEX task_open_by_owner ON viewflow_task (owner_id) {OPEN}",
            ],
        ),
        migrations.RunSQL(
            [
                "DROP INDEX process_artifact_object",
                "CREATE INDEX process_artifact_object ON viewflow_process "
                "(artifact_object_id, flow_class, created, id)",
            ],
            [
                "DROP INDEX process_artifact_object",
                "CREATE INDEX process_artifact_object ON viewflow_process "
                "(artifact_object_id)",
            ],
        ),
    ]
