"""Default manual checklist criteria and leadership limits (editable in the admin).

The criteria follow the contents of a job-position project (Decree 106/2020/NĐ-CP
Art. 7; Decree 62/2020/NĐ-CP Art. 7) and MoHA dispatch 7583/BNV-TCBC. The
leadership limits are assumptions from the averages the law sets, marked as such.
"""

from django.db import migrations
from django.utils.translation import gettext_noop

CRITERIA = [
    (
        "need_and_basis",
        gettext_noop("The project states why it is needed and its legal basis"),
        "Decree 106/2020/NĐ-CP Art. 7; Decree 62/2020/NĐ-CP Art. 7",
    ),
    (
        "task_inventory",
        gettext_noop("The tasks are inventoried by function, nature and complexity"),
        "Decree 106/2020/NĐ-CP Art. 7",
    ),
    (
        "standard_names",
        gettext_noop("Position names follow the framework list and the sector's guidance"),
        "MoHA dispatch 7583/BNV-TCBC; Decree 361/2025/NĐ-CP appendices",
    ),
    (
        "job_descriptions",
        gettext_noop("Each position has a job description in the prescribed template"),
        "Circular 12/2022/TT-BNV; Law 80/2025/QH15 Art. 23",
    ),
    (
        "competency_frameworks",
        gettext_noop("Each position has a competency framework in the prescribed template"),
        "Circular 12/2022/TT-BNV; Law 80/2025/QH15 Art. 23",
    ),
    (
        "rank_structure",
        gettext_noop("The structure of ranks (cơ cấu ngạch) is justified"),
        "Decree 62/2020/NĐ-CP; Decree 361/2025/NĐ-CP",
    ),
]

LIMITS = [
    (
        "department",
        4,
        "Assumption: director and on average 3 deputy directors per department "
        "(Decree 45/2025/NĐ-CP); configurable",
    ),
    (
        "commune_division",
        3,
        "Assumption: head and on average 2 deputy heads per commune division "
        "(Government Resolution 332/NQ-CP); configurable",
    ),
    (
        "service_centre",
        3,
        "Assumption: director and on average 2 deputies of the Public Administration "
        "Service Centre (Government Resolution 332/NQ-CP); configurable",
    ),
]


def load(apps, schema_editor):
    Criterion = apps.get_model("appraisal", "ChecklistCriterion")
    Limit = apps.get_model("appraisal", "LeadershipLimit")
    for order, (code, label, basis) in enumerate(CRITERIA, start=1):
        Criterion.objects.get_or_create(
            code=code, defaults={"label": label, "legal_basis": basis, "order": order}
        )
    for kind, most, basis in LIMITS:
        Limit.objects.get_or_create(
            unit_kind=kind, defaults={"max_headcount": most, "legal_basis": basis}
        )


def unload(apps, schema_editor):
    apps.get_model("appraisal", "ChecklistCriterion").objects.filter(
        code__in=[code for code, _label, _basis in CRITERIA], answers__isnull=True
    ).delete()
    apps.get_model("appraisal", "LeadershipLimit").objects.filter(
        unit_kind__in=[kind for kind, _most, _basis in LIMITS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0003_job_position_projects")]

    operations = [migrations.RunPython(load, unload)]
