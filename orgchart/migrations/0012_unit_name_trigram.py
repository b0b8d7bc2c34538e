"""A trigram index on the unit's name, for the lists' search by a unit's name
(orgchart.text_search). PostgreSQL only."""

from django.db import migrations

from orgchart.text_search import trigram_indexes_create, trigram_indexes_drop

INDEXES = [("unit_name_trgm", "orgchart_unit", "name")]


def forward(apps, schema_editor):
    trigram_indexes_create(schema_editor, INDEXES)


def backward(apps, schema_editor):
    trigram_indexes_drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    dependencies = [("orgchart", "0011_import_job_ip_and_origin")]

    operations = [migrations.RunPython(forward, backward)]
