"""Load the processing times of consolidation dossiers (the rows of kind
``consolidation`` in appraisal/data/processing_times.csv) through 0002's loader,
which writes only the rows missing; the reverse removes those rows only."""

import importlib

from django.db import migrations

_initial = importlib.import_module("appraisal.migrations.0002_load_processing_times")


def unload(apps, schema_editor):
    ProcessingTime = apps.get_model("appraisal", "ProcessingTime")
    for row in _initial._rows():
        if row["dossier_kind"] == "consolidation":
            ProcessingTime.objects.filter(**row).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0016_consolidations"),
    ]

    operations = [migrations.RunPython(_initial.load, unload)]
