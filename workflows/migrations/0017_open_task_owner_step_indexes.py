"""The open tasks by owner and by step, for the menu's counters.

A province-wide reader's counters (the director's, the committee's) start from
the open tasks themselves: those the person holds, and those waiting at the
steps their role takes. With only the open tasks' index by process, PostgreSQL
read all of them (11,801 at 50,000 dossiers) to keep the person's 761; with
these two partial indexes it finds them by owner and by step (the director's
counters 22 -> 11 ms; bench/README.md, "National volumes"). viewflow's table,
so plain SQL here.
"""

from django.db import migrations

OPEN = "WHERE status IN ('NEW', 'ASSIGNED')"


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0016_newest_first_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX task_open_by_owner ON viewflow_task (owner_id) {OPEN}",
            "DROP INDEX task_open_by_owner",
        ),
        migrations.RunSQL(
            f"CREATE INDEX task_open_by_step ON viewflow_task (flow_task) {OPEN}",
            "DROP INDEX task_open_by_step",
        ),
    ]
