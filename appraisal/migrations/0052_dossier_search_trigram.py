"""Trigram indexes on the dossier's title and receipt number, for the lists'
search (orgchart.text_search). PostgreSQL only."""

from django.db import migrations

from orgchart.text_search import trigram_indexes_create, trigram_indexes_drop

INDEXES = [
    ("dossier_title_trgm", "appraisal_dossier", "title"),
    ("dossier_receipt_trgm", "appraisal_dossier", "receipt_number"),
]


def forward(apps, schema_editor):
    trigram_indexes_create(schema_editor, INDEXES)


def backward(apps, schema_editor):
    trigram_indexes_drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0051_dossier_audit_head_fill"),
        ("orgchart", "0012_unit_name_trigram"),
    ]

    operations = [migrations.RunPython(forward, backward)]
