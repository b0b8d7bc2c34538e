"""A sample document every template must render (checked on upload)."""

from __future__ import annotations

import datetime

from .content import Annex, Article, OfficialDocument, Signature


def sample_document(rows: int = 3) -> OfficialDocument:
    return OfficialDocument(
        parent_issuer="",
        issuer="ỦY BAN NHÂN DÂN TỈNH NGHỆ AN",
        number="01/QĐ-UBND",
        place="Nghệ An",
        date=datetime.date(2026, 1, 2),
        doc_type="Quyết định",
        summary="Phê duyệt đề án vị trí việc làm của Sở Tư pháp",
        bases=["Căn cứ Luật Tổ chức chính quyền địa phương;"],
        paragraphs=[],
        articles=[Article("Điều 1.", "Phê duyệt danh mục vị trí việc làm.")],
        recipients=["Như Điều 3;", "Lưu: VT."],
        signature=Signature("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn Đức"),
        annex=Annex(
            title="DANH MỤC VỊ TRÍ VIỆC LÀM",
            subtitle="Sở Tư pháp",
            columns=["STT", "Vị trí việc làm", "Số lượng"],
            rows=[
                [str(n), f"Chuyên viên quản lý hộ tịch {n}", "2"]
                for n in range(1, rows + 1)
            ],
            totals=["", "Tổng cộng", str(2 * rows)],
        ),
    )
