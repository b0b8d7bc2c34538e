"""Seal the audit entries written before the chain: each dossier's entries in
the order they were written (their ids), each chained to the one before."""

from django.db import migrations

from appraisal.audit_chain import CHAINED_FIELDS, entry_hash


def seal(apps, schema_editor):
    AuditEntry = apps.get_model("appraisal", "AuditEntry")
    previous: dict[int, str] = {}
    rows = AuditEntry.objects.order_by("dossier_id", "pk").values(
        "pk", *CHAINED_FIELDS
    )
    for row in rows.iterator(chunk_size=2000):
        value = entry_hash(previous.get(row["dossier_id"], ""), row)
        previous[row["dossier_id"]] = value
        AuditEntry.objects.filter(pk=row["pk"]).update(chain_hash=value)


def unseal(apps, schema_editor):
    apps.get_model("appraisal", "AuditEntry").objects.update(chain_hash="")


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0030_audit_chain"),
    ]

    operations = [migrations.RunPython(seal, unseal)]
