"""The default processing times, checklist criteria and leadership limits: legal
bases in Vietnamese citation style, and the remarks meant for administrators
("Assumption: …; configurable") moved into ``internal_note``.

Only rows still holding an old default text are changed (an administrator's own
wording is kept); the reverse puts the old texts back on the rows holding the new
ones.
"""

from django.db import migrations

_STEPS = ("receive", "assign_appraiser", "appraise", "sign_report", "decide")
_DAYS = {"job_position_first": 40, "job_position_adjustment": 25}


def _processing_times():
    """``((kind, step), old legal basis, new legal basis, internal note)``."""
    for kind, days in _DAYS.items():
        adjustment = " for an adjustment" if kind == "job_position_adjustment" else ""
        yield (
            (kind, "total"),
            f"Decree 106/2020/NĐ-CP Art. 7(3): {days} days{adjustment} from receipt "
            "of a complete dossier (counted as working days)",
            "Nghị định 106/2020/NĐ-CP, khoản 3 Điều 7",
            f"{days} ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
        )
        for step in _STEPS:
            yield (
                (kind, step),
                f"Assumption (internal step split of the {days} days; replace with "
                "Nghệ An Decision 3027/QĐ-UBND once entered)",
                "Nghị định 106/2020/NĐ-CP, khoản 3 Điều 7; phân bổ theo quy trình "
                "nội bộ",
                f"Giả định: chia {days} ngày cho các bước nội bộ; thay bằng số liệu "
                "của Quyết định 3027/QĐ-UBND khi đã nhập.",
            )


#: Criterion code -> (old legal basis, new legal basis).
CRITERIA = {
    "need_and_basis": (
        "Decree 106/2020/NĐ-CP Art. 7; Decree 62/2020/NĐ-CP Art. 7",
        "Nghị định 106/2020/NĐ-CP, Điều 7; Nghị định 62/2020/NĐ-CP, Điều 7",
    ),
    "task_inventory": (
        "Decree 106/2020/NĐ-CP Art. 7",
        "Nghị định 106/2020/NĐ-CP, Điều 7",
    ),
    "standard_names": (
        "MoHA dispatch 7583/BNV-TCBC; Decree 361/2025/NĐ-CP appendices",
        "Công văn 7583/BNV-TCBC của Bộ Nội vụ; Phụ lục Nghị định 361/2025/NĐ-CP",
    ),
    "job_descriptions": (
        "Circular 12/2022/TT-BNV; Law 80/2025/QH15 Art. 23",
        "Thông tư 12/2022/TT-BNV; Luật 80/2025/QH15, Điều 23",
    ),
    "competency_frameworks": (
        "Circular 12/2022/TT-BNV; Law 80/2025/QH15 Art. 23",
        "Thông tư 12/2022/TT-BNV; Luật 80/2025/QH15, Điều 23",
    ),
    "rank_structure": (
        "Decree 62/2020/NĐ-CP; Decree 361/2025/NĐ-CP",
        "Nghị định 62/2020/NĐ-CP; Nghị định 361/2025/NĐ-CP",
    ),
}

#: Unit kind -> (old legal basis, new legal basis, internal note).
LIMITS = {
    "department": (
        "Assumption: director and on average 3 deputy directors per department "
        "(Decree 45/2025/NĐ-CP); configurable",
        "Nghị định 45/2025/NĐ-CP",
        "Giả định: giám đốc và bình quân 3 phó giám đốc mỗi sở; có thể sửa.",
    ),
    "commune_division": (
        "Assumption: head and on average 2 deputy heads per commune division "
        "(Government Resolution 332/NQ-CP); configurable",
        "Nghị quyết 332/NQ-CP của Chính phủ",
        "Giả định: trưởng phòng và bình quân 2 phó trưởng phòng mỗi phòng cấp xã; "
        "có thể sửa.",
    ),
    "service_centre": (
        "Assumption: director and on average 2 deputies of the Public Administration "
        "Service Centre (Government Resolution 332/NQ-CP); configurable",
        "Nghị quyết 332/NQ-CP của Chính phủ",
        "Giả định: giám đốc và bình quân 2 phó giám đốc Trung tâm Phục vụ hành chính "
        "công; có thể sửa.",
    ),
}


def forward(apps, schema_editor):
    ProcessingTime = apps.get_model("appraisal", "ProcessingTime")
    Criterion = apps.get_model("appraisal", "ChecklistCriterion")
    Limit = apps.get_model("appraisal", "LeadershipLimit")
    for (kind, step), old, new, note in _processing_times():
        rows = ProcessingTime.objects.filter(dossier_kind=kind, step=step)
        rows.filter(legal_basis=old).update(legal_basis=new)
        # Rows loaded from the current file already hold the new basis.
        rows.filter(legal_basis=new, internal_note="").update(internal_note=note)
    for code, (old, new) in CRITERIA.items():
        Criterion.objects.filter(code=code, legal_basis=old).update(legal_basis=new)
    for kind, (old, new, note) in LIMITS.items():
        Limit.objects.filter(unit_kind=kind, legal_basis=old).update(
            legal_basis=new, internal_note=note
        )


def backward(apps, schema_editor):
    ProcessingTime = apps.get_model("appraisal", "ProcessingTime")
    Criterion = apps.get_model("appraisal", "ChecklistCriterion")
    Limit = apps.get_model("appraisal", "LeadershipLimit")
    for (kind, step), old, new, note in _processing_times():
        ProcessingTime.objects.filter(
            dossier_kind=kind, step=step, legal_basis=new
        ).update(legal_basis=old, internal_note="")
    for code, (old, new) in CRITERIA.items():
        Criterion.objects.filter(code=code, legal_basis=new).update(legal_basis=old)
    for kind, (old, new, note) in LIMITS.items():
        Limit.objects.filter(unit_kind=kind, legal_basis=new).update(
            legal_basis=old, internal_note=""
        )


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0011_reference_internal_notes")]

    operations = [migrations.RunPython(forward, backward)]
