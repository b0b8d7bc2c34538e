"""The job-position project becomes the dossier's own table for its kind.

Its shared columns now live in the dossier (copied by 0007) and are dropped here.
The project keeps its primary-key column ``id``, which becomes the link to the
dossier of the same number (multi-table inheritance with ``db_column="id"``): no
row, line or flow reference is renumbered. Django has no operation that changes a
model's bases, so the state gets one (``AlterModelBases``); the database gets the
foreign key from ``id`` to the dossier where the backend can add one in place
(PostgreSQL; SQLite adds it the next time it rebuilds the table).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.migrations.operations.base import Operation

FK_NAME = "appraisal_jobpositionproject_id_fk_dossier"
MOVED = [
    "assigned_appraiser",
    "clock_paused_on",
    "created_at",
    "created_by",
    "current_revision",
    "due_on",
    "justification",
    "legal_basis",
    "outcome",
    "receipt_number",
    "received_on",
    "status",
    "submitted_on",
    "title",
    "unit",
    "updated_at",
    "version",
]


class AlterModelBases(Operation):
    """State only: the model ``name`` now inherits from ``bases``."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, name, bases, old_bases):
        self.name = name
        self.bases = tuple(bases)
        self.old_bases = tuple(old_bases)

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"name": self.name, "bases": self.bases, "old_bases": self.old_bases},
        )

    def _set(self, app_label, state, bases):
        state.models[app_label, self.name.lower()].bases = bases
        state.reload_model(app_label, self.name.lower(), delay=True)

    def state_forwards(self, app_label, state):
        self._set(app_label, state, self.bases)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return f"Make {self.name} inherit from {', '.join(map(str, self.bases))}"


def add_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE appraisal_jobpositionproject ADD CONSTRAINT {FK_NAME} "
        "FOREIGN KEY (id) REFERENCES appraisal_dossier (id) "
        "DEFERRABLE INITIALLY DEFERRED"
    )


def drop_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE appraisal_jobpositionproject DROP CONSTRAINT {FK_NAME}"
    )


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0007_copy_projects_into_dossiers")]

    operations = [
        migrations.RemoveConstraint(
            model_name="jobpositionproject", name="project_unique_receipt_number"
        ),
        migrations.RemoveConstraint(
            model_name="jobpositionproject", name="project_submitted_has_revision"
        ),
        migrations.RemoveIndex(
            model_name="jobpositionproject", name="project_unit_status"
        ),
        migrations.RemoveIndex(model_name="jobpositionproject", name="project_appr"),
        *[
            migrations.RemoveField(model_name="jobpositionproject", name=name)
            for name in MOVED
        ],
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="jobpositionproject", name="id"),
                migrations.AddField(
                    model_name="jobpositionproject",
                    name="dossier_ptr",
                    field=models.OneToOneField(
                        db_column="id",
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        related_name="job_position_project",
                        serialize=False,
                        to="appraisal.dossier",
                        verbose_name="dossier",
                    ),
                ),
                AlterModelBases(
                    name="JobPositionProject",
                    bases=("appraisal.dossier",),
                    old_bases=(models.Model,),
                ),
            ],
            database_operations=[
                migrations.RunPython(add_foreign_key, drop_foreign_key),
            ],
        ),
    ]
