"""The official documents of a unit consolidation: the proposal's submission
(Tờ trình, the proposing unit's or Home Affairs' own), Home Affairs' appraisal
report and submission to the committee (…/TTr-SNV), and the committee's decision
(…/QĐ-UBND). Their annex lists each operation (its source and successor units,
its effective date) followed by its position mapping: source position, action,
successor position, head-count.

The wording follows Decree 158/2018/NĐ-CP (establishing, reorganising and
dissolving administrative bodies) and the resolutions of the National Assembly
Standing Committee on arranging administrative units; the layout Decree
30/2020/NĐ-CP Appendix I.
"""

from __future__ import annotations

from django.utils import timezone

from ..models import (
    AppraisalReport,
    Consolidation,
    ConsolidationOperation,
    Decision,
    PositionMapping,
)
from .content import Annex, Article, OfficialDocument, Signature
from .kinds import (
    HOME_AFFAIRS,
    _committee_header,
    _committee_name,
    _common_bases,
    _decision,
    _home_affairs,
    _place,
    _upper,
    committee_decision,
    proposal_submission,
    report_and_submission,
)
from .registry import documents_register

TEMPLATE = "documents/consolidation.html"
_OPERATIONS = {
    ConsolidationOperation.Kind.MERGE: "Hợp nhất",
    ConsolidationOperation.Kind.ABSORB: "Sáp nhập",
    ConsolidationOperation.Kind.SPLIT: "Chia, tách",
    ConsolidationOperation.Kind.DISSOLVE: "Giải thể",
    ConsolidationOperation.Kind.RENAME: "Đổi tên",
    ConsolidationOperation.Kind.ESTABLISH: "Thành lập",
}
_MAPPING = {
    PositionMapping.Action.KEEP: "Chuyển sang",
    PositionMapping.Action.MERGE_INTO: "Hợp nhất vào",
    PositionMapping.Action.END: "Chấm dứt",
}
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def _lower_first(text: str) -> str:
    return f"{text[:1].lower()}{text[1:]}"


def _operations(consolidation: Consolidation) -> list[ConsolidationOperation]:
    return list(
        consolidation.operations.prefetch_related(
            "sources__unit", "successors__unit"
        ).order_by("effective_date", "order", "pk")
    )


def _units(names) -> str:
    return "; ".join(names) or "—"


def _operation_row(number: int, operation: ConsolidationOperation, total: int):
    label = _ROMAN[number - 1] if number <= len(_ROMAN) else str(number)
    return [
        label,
        _units(source.unit.name for source in operation.sources.all()),
        f"{_OPERATIONS.get(operation.kind, operation.kind)}, từ ngày "
        f"{operation.effective_date:%d/%m/%Y}",
        _units(successor.display_name for successor in operation.successors.all()),
        str(total),
    ]


def consolidation_annex(consolidation: Consolidation, title: str) -> Annex:
    """Each operation's row (sources, kind and date, successors, head-count it
    carries over), then its mapping's rows, numbered within the operation."""
    operations = _operations(consolidation)
    mappings: dict[int, list[PositionMapping]] = {op.pk: [] for op in operations}
    for mapping in (
        PositionMapping.objects.filter(operation__consolidation=consolidation)
        .select_related("source_position__unit", "successor__unit")
        .order_by("source_position__unit__path", "source_position__name", "pk")
    ):
        mappings[mapping.operation_id].append(mapping)
    rows, total = [], 0
    for number, operation in enumerate(operations, start=1):
        lines = mappings[operation.pk]
        kept = sum(m.headcount for m in lines if m.action != PositionMapping.Action.END)
        total += kept
        rows.append(_operation_row(number, operation, kept))
        for line_number, mapping in enumerate(lines, start=1):
            position = mapping.source_position
            rows.append(
                [
                    str(line_number),
                    f"{position.unit.name}: {position.name}",
                    _MAPPING.get(mapping.action, mapping.action),
                    f"{mapping.successor.display_name}: {mapping.target_name}"
                    if mapping.successor_id
                    else "",
                    str(mapping.headcount),
                ]
            )
    return Annex(
        title=title,
        subtitle=consolidation.title,
        columns=[
            "STT",
            "Đơn vị, vị trí việc làm trước sắp xếp",
            "Phương án",
            "Đơn vị, vị trí việc làm sau sắp xếp",
            "Số lượng",
        ],
        rows=rows,
        totals=["", "Tổng cộng", "", "", str(total)],
    )


def _proposer(consolidation: Consolidation) -> tuple[str, str, str, Signature]:
    """The proposal's issuer (heading, name in a sentence, code) and signature
    block: Home Affairs for its own proposals, otherwise the proposing unit."""
    if consolidation.proposed_by_home_affairs:
        return (
            HOME_AFFAIRS,
            "Sở Nội vụ",
            _home_affairs(consolidation),
            Signature("", "GIÁM ĐỐC", ""),
        )
    unit = consolidation.unit
    return (
        _upper(unit.name),
        unit.name,
        unit.code,
        Signature("", "THỦ TRƯỞNG ĐƠN VỊ", ""),
    )


def _summary(consolidation: Consolidation) -> str:
    return f"Về việc phê duyệt {_lower_first(consolidation.title)}"


def consolidation_submission(consolidation: Consolidation) -> OfficialDocument:
    """The proposal's submission (Tờ trình) with the proposed operations and
    mapping in its annex."""
    unit = consolidation.unit
    issuer, name, code, signature = _proposer(consolidation)
    operations = _operations(consolidation)
    return OfficialDocument(
        parent_issuer=_upper(_committee_name(unit)),
        issuer=issuer,
        number=f"{consolidation.receipt_number or '      '}/TTr-{code}",
        place=_place(unit),
        date=consolidation.submitted_on or timezone.localdate(),
        doc_type="Tờ trình",
        summary=_summary(consolidation),
        bases=[],
        paragraphs=[
            f"Kính gửi: {_committee_name(unit)}.",
            consolidation.legal_basis and f"Căn cứ {consolidation.legal_basis};",
            f"{name} kính trình phê duyệt {consolidation.title} "
            f"gồm {len(operations)} nội dung sắp xếp và phương án bố trí vị trí "
            "việc làm như Phụ lục kèm theo.",
            consolidation.justification,
        ],
        articles=[],
        recipients=["Như trên;", "Lưu: VT."],
        signature=signature,
        annex=consolidation_annex(consolidation, "PHƯƠNG ÁN SẮP XẾP ĐỀ NGHỊ"),
    )


def _report_annex(consolidation: Consolidation) -> Annex:
    return consolidation_annex(consolidation, "PHƯƠNG ÁN SẮP XẾP ĐỀ NGHỊ PHÊ DUYỆT")


def consolidation_decision(consolidation: Consolidation) -> OfficialDocument:
    """The committee's decision approving the consolidation, effective on its
    decision's date, the operations and mapping in its annex."""
    decision: Decision = _decision(consolidation)
    operations = _operations(consolidation)
    bases = [*_common_bases()]
    if consolidation.legal_basis:
        bases.append(f"Căn cứ {consolidation.legal_basis};")
    bases.extend(
        f"Căn cứ Nghị quyết số {resolution.number} ngày "
        f"{resolution.date:%d/%m/%Y} của {resolution.get_body_display()};"
        for resolution in consolidation.external_decisions.order_by("date", "pk")
    )
    report = AppraisalReport.objects.filter(dossier=consolidation).first()
    bases.append(
        "Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số "
        f"{report.number if report else ''}."
    )
    units = sorted(
        {
            source.unit.name
            for operation in operations
            for source in operation.sources.all()
        }
        | {
            successor.display_name
            for operation in operations
            for successor in operation.successors.all()
        }
    )
    effective = decision.effective_date
    return OfficialDocument(
        **_committee_header(consolidation, decision),
        summary=f"Phê duyệt {_lower_first(consolidation.title)}",
        bases=bases,
        paragraphs=[],
        articles=[
            Article(
                "Điều 1.",
                f"Phê duyệt {consolidation.title} gồm {len(operations)} nội dung "
                "sắp xếp và phương án bố trí vị trí việc làm tại Phụ lục kèm "
                "theo Quyết định này.",
            ),
            Article(
                "Điều 2.",
                f"Quyết định này có hiệu lực kể từ ngày {effective:%d/%m/%Y}; "
                "mỗi nội dung sắp xếp thực hiện từ ngày ghi tại Phụ lục."
                if effective
                else "",
            ),
            Article(
                "Điều 3.",
                "Chánh Văn phòng UBND tỉnh, Giám đốc Sở Nội vụ, Thủ trưởng "
                f"{', '.join(units)} và các cơ quan, đơn vị liên quan chịu trách "
                "nhiệm thi hành Quyết định này.",
            ),
        ],
        annex=consolidation_annex(consolidation, "PHƯƠNG ÁN SẮP XẾP ĐƯỢC PHÊ DUYỆT"),
    )


def _register() -> None:
    from django.utils.translation import gettext_lazy as _

    documents_register(
        Consolidation,
        proposal_submission(
            _("The proposal's submission"),
            lambda consolidation: _proposer(consolidation)[2],
            consolidation_submission,
            "to-trinh-sap-xep",
            html_template=TEMPLATE,
        ),
        *report_and_submission(_report_annex, html_template=TEMPLATE),
        committee_decision(
            _("The committee's consolidation decision"),
            consolidation_decision,
            "quyet-dinh-sap-xep",
            html_template=TEMPLATE,
        ),
    )


_register()
