"""On PostgreSQL, the database itself refuses to change or delete an audit
entry, whoever connects (the model refuses it in Python too). Not on SQLite,
the embedded demo's database, whose test runs empty tables with DELETE."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION appraisal_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER appraisal_auditentry_append_only
    BEFORE UPDATE OR DELETE ON appraisal_auditentry
    FOR EACH ROW EXECUTE FUNCTION appraisal_auditentry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS appraisal_auditentry_append_only ON appraisal_auditentry;
DROP FUNCTION IF EXISTS appraisal_auditentry_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0031_audit_chain_seal"),
    ]

    operations = [migrations.RunPython(create, drop)]
