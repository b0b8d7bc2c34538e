"""The flows moved from ``workflows/flows.py`` into one module per flow under
``workflows/flows/``. viewflow stores the dotted path of each process's flow class
and of each task's node (STACK.md trap 7), so the stored paths move with them."""

from django.db import migrations

OLD = "workflows/flows.JobPositionProjectFlow"
NEW = "workflows/flows.project.JobPositionProjectFlow"


def _move(schema_editor, old: str, new: str) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE viewflow_process SET flow_class = %s WHERE flow_class = %s",
            [new, old],
        )
        cursor.execute(
            "UPDATE viewflow_task SET flow_task = %s || substr(flow_task, %s) "
            "WHERE flow_task LIKE %s",
            [new, len(old) + 1, old + ".%"],
        )


def forwards(apps, schema_editor):
    _move(schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _move(schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0001_job_position_project_process"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
