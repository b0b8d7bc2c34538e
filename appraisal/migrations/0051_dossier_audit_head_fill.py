"""Each dossier's ``audit_head`` is the chain hash of its latest audit entry (the
highest id, the entry the next one was chained to before the head was kept on
the dossier)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Dossier = apps.get_model("appraisal", "Dossier")
    AuditEntry = apps.get_model("appraisal", "AuditEntry")
    latest = (
        AuditEntry.objects.filter(dossier_id=OuterRef("pk"))
        .order_by("-pk")
        .values("chain_hash")[:1]
    )
    Dossier.objects.filter(pk__in=AuditEntry.objects.values("dossier_id")).update(
        audit_head=Subquery(latest)
    )


def empty(apps, schema_editor):
    apps.get_model("appraisal", "Dossier").objects.update(audit_head="")


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0050_dossier_audit_head"),
    ]

    operations = [migrations.RunPython(fill, empty)]
