"""The streamlining targets of Conclusion 40-KL/TW (18 July 2022) for 2022–2026:
at least 5 % of cadres and civil servants and 10 % of budget-paid public employees
against 2021. An administrator adds the next period's targets when they are issued."""

import datetime
from decimal import Decimal

from django.db import migrations

BASIS = "Kết luận 40-KL/TW ngày 18/7/2022 của Bộ Chính trị"
TARGETS = [
    ("civil_servant", Decimal("5.00")),
    ("public_employee", Decimal("10.00")),
]


def load(apps, schema_editor):
    ReductionTarget = apps.get_model("appraisal", "ReductionTarget")
    for post_kind, percent in TARGETS:
        ReductionTarget.objects.get_or_create(
            post_kind=post_kind,
            valid_from=datetime.date(2022, 1, 1),
            defaults={
                "percent": percent,
                "base_year": 2021,
                "legal_basis": BASIS,
                "valid_to": datetime.date(2026, 12, 31),
            },
        )


def unload(apps, schema_editor):
    apps.get_model("appraisal", "ReductionTarget").objects.filter(
        legal_basis=BASIS
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0013_staffing_plans")]

    operations = [migrations.RunPython(load, unload)]
