"""Load the default processing times (appraisal/data/processing_times.csv).

Decree 106/2020/NĐ-CP Art. 7(3) sets the whole appraisal time; the split per step is
an assumption an administrator replaces in the admin. The reverse removes exactly
the rows this migration wrote, if nobody changed them.
"""

import csv
import datetime
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "processing_times.csv"


def _rows():
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {
                "dossier_kind": row["dossier_kind"],
                "step": row["step"],
                "working_days": int(row["working_days"]),
                "legal_basis": row["legal_basis"],
                "valid_from": datetime.date.fromisoformat(row["valid_from"]),
            }


def load(apps, schema_editor):
    ProcessingTime = apps.get_model("appraisal", "ProcessingTime")
    for row in _rows():
        ProcessingTime.objects.get_or_create(
            dossier_kind=row["dossier_kind"],
            step=row["step"],
            valid_from=row["valid_from"],
            defaults={
                "working_days": row["working_days"],
                "legal_basis": row["legal_basis"],
            },
        )


def unload(apps, schema_editor):
    ProcessingTime = apps.get_model("appraisal", "ProcessingTime")
    for row in _rows():
        ProcessingTime.objects.filter(**row).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0001_numbering_registers_and_calendar"),
    ]

    operations = [migrations.RunPython(load, unload)]
