"""The reference data's legal bases in Vietnamese citation style, and the remarks
meant for administrators moved out of what users read into ``internal_note``.

Only rows still holding the old default text are changed (an administrator's own
wording is kept); the reverse puts the old texts back on the rows that hold the new
ones.
"""

from django.db import migrations

_SAMPLE = (
    "Demonstration sample, not an official list: the framework lists are in the "
    "appendices of Decree 361/2025/NĐ-CP."
)
_CATEGORIES = "Decree 62/2020/NĐ-CP Art. 5; Decree 106/2020/NĐ-CP"

#: Per model: old legal basis -> (new legal basis, internal note or "").
BASIS = {
    "SalaryGroup": {
        "Decree 204/2004 Table 1": ("Nghị định 204/2004/NĐ-CP, Bảng 1", ""),
        "Decree 204/2004 Table 2": ("Nghị định 204/2004/NĐ-CP, Bảng 2", ""),
    },
    "Rank": {
        "Circular 11/2014/TT-BNV; Circular 02/2021/TT-BNV": (
            "Thông tư 11/2014/TT-BNV; Thông tư 02/2021/TT-BNV",
            "",
        ),
        "Circular 02/2021/TT-BNV (B before 2021)": (
            "Thông tư 02/2021/TT-BNV",
            "Trước năm 2021 thuộc loại B.",
        ),
        "Circular 02/2021/TT-BNV (C before 2021)": (
            "Thông tư 02/2021/TT-BNV",
            "Trước năm 2021 thuộc loại C.",
        ),
        "Circular 02/2021/TT-BNV": ("Thông tư 02/2021/TT-BNV", ""),
        "Decree 204/2004 list": ("Nghị định 204/2004/NĐ-CP, danh mục ngạch", ""),
        "Decree 204/2004 groups": ("Nghị định 204/2004/NĐ-CP, Bảng 2", ""),
        "Circular 02/2021/TT-BGDĐT": ("Thông tư 02/2021/TT-BGDĐT", ""),
        "Circular 04/2021/TT-BGDĐT": ("Thông tư 04/2021/TT-BGDĐT", ""),
        "health sector circular": ("Thông tư liên tịch 10/2015/TTLT-BYT-BNV", ""),
    },
    "PositionCategory": {
        _CATEGORIES: ("Nghị định 62/2020/NĐ-CP, Điều 5; Nghị định 106/2020/NĐ-CP", ""),
    },
    "CatalogueEntry": {
        _SAMPLE: (
            "Phụ lục Nghị định 361/2025/NĐ-CP (mẫu minh họa)",
            "Dữ liệu mẫu để trình diễn, không phải danh mục chính thức: danh mục "
            "khung nằm trong các phụ lục của Nghị định 361/2025/NĐ-CP.",
        ),
    },
}
#: A rank's old developer remark (``note``) -> its internal note.
RANK_NOTE = {
    "names may change under the 2025 inspection reform": (
        "Tên ngạch có thể thay đổi theo đợt sắp xếp ngành thanh tra năm 2025."
    ),
    "verify against the current Ministry of Finance circular": (
        "Cần đối chiếu với thông tư hiện hành của Bộ Tài chính."
    ),
    "group uncertain: A0 or B": "Chưa chắc chắn nhóm lương: A0 hay B.",
    "verify group": "Cần kiểm tra lại nhóm lương.",
}


def forward(apps, schema_editor):
    for name, texts in BASIS.items():
        model = apps.get_model("orgchart", name)
        for old, (new, note) in texts.items():
            if note:
                model.objects.filter(basis=old, internal_note="").update(
                    basis=new, internal_note=note
                )
            model.objects.filter(basis=old).update(basis=new)
    Rank = apps.get_model("orgchart", "Rank")
    for old, note in RANK_NOTE.items():
        Rank.objects.filter(note=old, internal_note="").update(
            note="", internal_note=note
        )


def backward(apps, schema_editor):
    Rank = apps.get_model("orgchart", "Rank")
    for old, note in RANK_NOTE.items():
        Rank.objects.filter(note="", internal_note=note).update(
            note=old, internal_note=""
        )
    for name, texts in BASIS.items():
        model = apps.get_model("orgchart", name)
        # Remarks first: several old texts share the same new legal basis.
        for old, (new, note) in sorted(texts.items(), key=lambda item: not item[1][1]):
            if note:
                model.objects.filter(basis=new, internal_note=note).update(
                    basis=old, internal_note=""
                )
            else:
                model.objects.filter(basis=new).update(basis=old)


class Migration(migrations.Migration):
    dependencies = [("orgchart", "0004_reference_internal_notes")]

    operations = [migrations.RunPython(forward, backward)]
