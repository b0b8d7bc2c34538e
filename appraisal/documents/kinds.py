"""The official documents of the job-position project and of the staffing plan:
their content, read from the dossier's records, registered per kind. The unit
consolidation registers its own documents the same way (``consolidation.py``).

The wording follows the forms in use for these procedures (Decree 62/2020/NĐ-CP
Art. 7 and 10; Decree 106/2020/NĐ-CP Art. 7), laid out after Decree
30/2020/NĐ-CP Appendix I.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.utils import timezone

from orgchart.models import Unit
from orgchart.selectors import person_name

from ..models import (
    AppraisalReport,
    AuditEntry,
    Decision,
    JobPositionProject,
    LineAction,
    PostKind,
    StaffingPlan,
    StaffingProposalLine,
)
from .content import Annex, Article, OfficialDocument, Signature
from .registry import DocumentSpec, Step, documents_register

HOME_AFFAIRS = "SỞ NỘI VỤ"
_ACTIONS = {
    LineAction.ADD: "Bổ sung",
    LineAction.CHANGE: "Điều chỉnh",
    LineAction.END: "Bãi bỏ",
}
_POST_KINDS = {
    PostKind.CIVIL_SERVANT: "Biên chế công chức",
    PostKind.PUBLIC_EMPLOYEE: "Số lượng người làm việc hưởng lương từ ngân sách",
    PostKind.CONTRACT: "Hợp đồng lao động theo Nghị định 111/2022/NĐ-CP",
}


def province_of(unit: Unit) -> Unit:
    """The Provincial People's Committee the unit belongs to (the root of its
    branch of the tree)."""
    root_id = int(unit.path.strip("/").split("/")[0]) if unit.path else unit.pk
    return unit if root_id == unit.pk else Unit.objects.get(pk=root_id)


def _committee_name(unit: Unit) -> str:
    name = province_of(unit).name
    if name.lower().startswith("ubnd "):
        name = "Ủy ban nhân dân " + name[5:]
    return name


def _place(unit: Unit) -> str:
    configured = getattr(settings, "APPRAISAL_DOCUMENT_PLACE", "")
    if configured:
        return configured
    name = _committee_name(unit)
    for marker in (" tỉnh ", " thành phố "):
        if marker in name:
            return name.split(marker, 1)[1]
    return name


def _signer_name(dossier_id: int, user, action: str) -> str:
    """The signer's name; "X (thay Y)" when X signed standing in for the absent
    Y (a delegation, recorded on the audit row of the signing step)."""
    name = person_name(user)
    if user is None:
        return name
    entry = (
        AuditEntry.objects.filter(
            dossier_id=dossier_id,
            actor=user,
            action=action,
            on_behalf_of__isnull=False,
        )
        .select_related("on_behalf_of")
        .order_by("-pk")
        .first()
    )
    if entry is None:
        return name
    return f"{name} (thay {person_name(entry.on_behalf_of)})"


def _upper(text: str) -> str:
    return text.upper()


def _common_bases() -> list[str]:
    return [
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
        "Căn cứ Luật Cán bộ, công chức ngày 24 tháng 6 năm 2025;",
        "Căn cứ Nghị định số 62/2020/NĐ-CP ngày 01 tháng 6 năm 2020 của Chính phủ "
        "về vị trí việc làm và biên chế công chức;",
        "Căn cứ Nghị định số 106/2020/NĐ-CP ngày 10 tháng 9 năm 2020 của Chính "
        "phủ về vị trí việc làm và số lượng người làm việc trong đơn vị sự nghiệp "
        "công lập;",
    ]


# --- the job-position project ----------------------------------------------------


def _project_lines(project: JobPositionProject):
    decision = (
        project.decisions.filter(outcome=Decision.Outcome.APPROVED)
        .order_by("-created_at", "-pk")
        .first()
    )
    if decision is not None:
        lines = decision.lines
    else:
        report = AppraisalReport.objects.filter(dossier=project).first()
        lines = (
            report.lines
            if report is not None and report.lines.exists()
            else project.lines
        )
    return decision, list(
        lines.select_related(
            "position", "catalogue_entry", "category", "rank"
        ).order_by("order", "pk")
    )


def _project_annex(project: JobPositionProject, title: str, lines) -> Annex:
    rows = [
        [
            str(number),
            line.display_name,
            _ACTIONS.get(line.action, line.action),
            line.category.name if line.category_id else "",
            line.rank.name if line.rank_id else "",
            "" if line.headcount is None else str(line.headcount),
        ]
        for number, line in enumerate(lines, start=1)
    ]
    total = sum(line.headcount or 0 for line in lines if line.action != "end")
    return Annex(
        title=title,
        subtitle=project.unit.name,
        columns=["STT", "Vị trí việc làm", "Nội dung", "Nhóm", "Ngạch", "Số lượng"],
        rows=rows,
        totals=["", "Tổng cộng", "", "", "", str(total)],
    )


def project_unit_submission(project: JobPositionProject) -> OfficialDocument:
    """The unit's submission (Tờ trình) asking approval of its project."""
    unit = project.unit
    _decision, lines = _project_lines(project)
    return OfficialDocument(
        parent_issuer=_upper(_committee_name(unit)),
        issuer=_upper(unit.name),
        number=f"{project.receipt_number or '      '}/TTr-{unit.code}",
        place=_place(unit),
        date=project.submitted_on or timezone.localdate(),
        doc_type="Tờ trình",
        summary=f"Về việc phê duyệt {project.title[:1].lower()}{project.title[1:]}",
        bases=[],
        paragraphs=[
            f"Kính gửi: {_committee_name(unit)}; {HOME_AFFAIRS.title()}.",
            project.legal_basis and f"Căn cứ {project.legal_basis};",
            f"{unit.name} kính trình phê duyệt {project.title} với "
            f"{len(lines)} vị trí việc làm như Phụ lục kèm theo.",
            project.justification,
        ],
        articles=[],
        recipients=["Như trên;", "Lưu: VT."],
        signature=Signature(capacity="", title="THỦ TRƯỞNG ĐƠN VỊ", name=""),
        annex=_project_annex(project, "DANH MỤC VỊ TRÍ VIỆC LÀM ĐỀ NGHỊ", lines),
    )


def _report(dossier) -> AppraisalReport:
    return AppraisalReport.objects.select_related("signed_by", "author").get(
        dossier=dossier
    )


def _report_signature(report: AppraisalReport) -> Signature:
    return Signature(
        capacity="",
        title="GIÁM ĐỐC",
        name=_signer_name(
            report.dossier_id, report.signed_by, AuditEntry.Action.REPORT_SIGNED
        ),
    )


def _home_affairs_header(dossier, report: AppraisalReport, number: str) -> dict:
    unit = dossier.unit
    return {
        "parent_issuer": _upper(_committee_name(unit)),
        "issuer": HOME_AFFAIRS,
        "number": number,
        "place": _place(unit),
        "date": timezone.localtime(report.signed_at).date()
        if report.signed_at
        else timezone.localdate(),
    }


def dossier_report(dossier, annex=None) -> OfficialDocument:
    """Home Affairs' appraisal report (Báo cáo thẩm định), with the kind's
    ``annex(dossier)`` of what is proposed if it has one."""
    dossier = dossier.specific
    report = _report(dossier)
    number = report.number.replace("/TTr-", "/BC-") if report.number else ""
    answers = [
        f"{answer.criterion.display_label}: {answer.get_result_display()}"
        + (f" ({answer.note})" if answer.note else "")
        for answer in report.answers.select_related("criterion")
    ]
    return OfficialDocument(
        **_home_affairs_header(dossier, report, number),
        doc_type="Báo cáo",
        summary=f"Thẩm định {dossier.title[:1].lower()}{dossier.title[1:]}",
        bases=[],
        paragraphs=[
            f"Sở Nội vụ đã nhận hồ sơ số {dossier.receipt_number} của "
            f"{dossier.unit.name}.",
            "Kết quả thẩm định:",
            *answers,
            f"Đề xuất: {report.get_recommendation_display()}.",
            report.text,
        ],
        articles=[],
        recipients=[_committee_name(dossier.unit) + ";", "Lưu: VT, TCBC."],
        signature=_report_signature(report),
        annex=annex(dossier) if annex else None,
    )


def dossier_submission(dossier) -> OfficialDocument:
    """Home Affairs' submission to the committee (…/TTr-SNV)."""
    dossier = dossier.specific
    report = _report(dossier)
    return OfficialDocument(
        **_home_affairs_header(dossier, report, report.number),
        doc_type="Tờ trình",
        summary=f"Về việc phê duyệt {dossier.title[:1].lower()}{dossier.title[1:]}",
        bases=[],
        paragraphs=[
            f"Kính gửi: {_committee_name(dossier.unit)}.",
            f"Sở Nội vụ đã thẩm định hồ sơ số {dossier.receipt_number} của "
            f"{dossier.unit.name} (Báo cáo thẩm định kèm theo).",
            f"Sở Nội vụ kính trình: {report.get_recommendation_display()}.",
        ],
        articles=[],
        recipients=["Như trên;", "Lưu: VT, TCBC."],
        signature=_report_signature(report),
    )


def _decision(dossier) -> Decision:
    return (
        dossier.decisions.filter(outcome=Decision.Outcome.APPROVED)
        .exclude(number="")
        .select_related("signer")
        .order_by("-created_at", "-pk")
        .first()
    )


def _committee_header(dossier, decision: Decision) -> dict:
    unit = dossier.unit
    return {
        "parent_issuer": "",
        "issuer": _upper(_committee_name(unit)),
        "number": decision.number,
        "place": _place(unit),
        "date": decision.date,
        "doc_type": "Quyết định",
        "recipients": [
            "Như Điều 3;",
            "Bộ Nội vụ;",
            "Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
            "Lưu: VT, NC.",
        ],
        "signature": Signature(
            capacity="TM. ỦY BAN NHÂN DÂN",
            title="CHỦ TỊCH",
            name=_signer_name(dossier.pk, decision.signer, AuditEntry.Action.APPROVED),
        ),
    }


def project_decision(project: JobPositionProject) -> OfficialDocument:
    """The committee's decision approving the project, with the approved
    positions in its annex."""
    decision, lines = _project_lines(project)
    report = AppraisalReport.objects.filter(dossier=project).first()
    effective = decision.effective_date
    return OfficialDocument(
        **_committee_header(project, decision),
        summary=f"Phê duyệt {project.title[:1].lower()}{project.title[1:]}",
        bases=[
            *_common_bases(),
            f"Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số "
            f"{report.number if report else ''}.",
        ],
        paragraphs=[],
        articles=[
            Article(
                "Điều 1.",
                f"Phê duyệt danh mục vị trí việc làm của {project.unit.name} "
                f"({len(lines)} vị trí) tại Phụ lục kèm theo Quyết định này.",
            ),
            Article(
                "Điều 2.",
                f"Quyết định này có hiệu lực kể từ ngày {effective:%d/%m/%Y}."
                if effective
                else "",
            ),
            Article(
                "Điều 3.",
                f"Chánh Văn phòng UBND tỉnh, Giám đốc Sở Nội vụ, Thủ trưởng "
                f"{project.unit.name} và các cơ quan, đơn vị liên quan chịu trách "
                "nhiệm thi hành Quyết định này.",
            ),
        ],
        annex=_project_annex(
            project,
            "DANH MỤC VỊ TRÍ VIỆC LÀM ĐƯỢC PHÊ DUYỆT",
            lines,
        ),
    )


# --- the staffing plan -----------------------------------------------------------


def _staffing_annex(plan: StaffingPlan, title: str) -> Annex:
    lines = (
        StaffingProposalLine.objects.filter(proposal__plan=plan)
        .select_related("proposal__unit")
        .order_by("proposal__unit__name", "proposal__unit_id", "post_kind")
    )
    rows, total = [], 0
    for number, line in enumerate(lines, start=1):
        total += line.current
        rows.append(
            [
                str(number),
                line.proposal.unit.name,
                _POST_KINDS.get(line.post_kind, line.post_kind),
                str(line.assigned),
                str(line.current),
            ]
        )
    return Annex(
        title=title,
        subtitle=f"Năm {plan.year}",
        columns=["STT", "Cơ quan, đơn vị", "Loại", f"Năm {plan.year - 1}", "Giao"],
        rows=rows,
        totals=["", "Tổng cộng", "", "", str(total)],
    )


def staffing_decision(plan: StaffingPlan) -> OfficialDocument:
    """The committee's allocation decision: each unit's quotas for the year."""
    decision = _decision(plan)
    bases = _common_bases()
    if plan.council_resolution_number:
        bases.append(
            f"Căn cứ Nghị quyết số {plan.council_resolution_number} của Hội đồng "
            "nhân dân tỉnh;"
        )
    return OfficialDocument(
        **_committee_header(plan, decision),
        summary=f"Giao biên chế công chức, số lượng người làm việc năm {plan.year}",
        bases=[*bases, "Theo đề nghị của Giám đốc Sở Nội vụ."],
        paragraphs=[],
        articles=[
            Article(
                "Điều 1.",
                f"Giao biên chế công chức, số lượng người làm việc năm {plan.year} "
                "cho các cơ quan, đơn vị như Phụ lục kèm theo Quyết định này.",
            ),
            Article(
                "Điều 2.",
                f"Quyết định này có hiệu lực từ ngày 01/01/{plan.year}.",
            ),
            Article(
                "Điều 3.",
                "Chánh Văn phòng UBND tỉnh, Giám đốc Sở Nội vụ, Thủ trưởng các cơ "
                "quan, đơn vị có tên tại Phụ lục chịu trách nhiệm thi hành Quyết "
                "định này.",
            ),
        ],
        annex=_staffing_annex(plan, "BIÊN CHẾ, SỐ LƯỢNG NGƯỜI LÀM VIỆC ĐƯỢC GIAO"),
    )


def _home_affairs(_dossier) -> str:
    return getattr(settings, "APPRAISAL_HOME_AFFAIRS_ISSUER", "SNV")


def _committee(_dossier) -> str:
    return getattr(settings, "APPRAISAL_COMMITTEE_ISSUER", "UBND")


def _project_report_annex(project: JobPositionProject) -> Annex:
    _decision, lines = _project_lines(project)
    return _project_annex(project, "VỊ TRÍ VIỆC LÀM ĐỀ NGHỊ PHÊ DUYỆT", lines)


def _staffing_report_annex(plan: StaffingPlan) -> Annex:
    return _staffing_annex(plan, "SỐ LƯỢNG ĐỀ NGHỊ GIAO")


def report_and_submission(annex=None, **templates) -> tuple[DocumentSpec, DocumentSpec]:
    """The director's two documents, the same for every kind: the appraisal
    report (with the kind's ``annex(dossier)``) and the submission to the
    committee."""
    from django.utils.translation import gettext_lazy as _

    return (
        DocumentSpec(
            key="report",
            name=_("Appraisal report"),
            issuer=_home_affairs,
            step=Step.REPORT_SIGN,
            signed=True,
            build=partial(dossier_report, annex=annex),
            file_stem="bao-cao-tham-dinh",
            **templates,
        ),
        DocumentSpec(
            key="submission",
            name=_("Home Affairs' submission to the committee"),
            issuer=_home_affairs,
            step=Step.REPORT_SIGN,
            signed=True,
            build=dossier_submission,
            file_stem="to-trinh-snv",
            **templates,
        ),
    )


def proposal_submission(name, issuer, build, file_stem, **templates) -> DocumentSpec:
    """The proposer's submission (Tờ trình), issued unsigned when it is submitted."""
    return DocumentSpec(
        key="unit_submission",
        name=name,
        issuer=issuer,
        step=Step.SUBMIT,
        signed=False,
        build=build,
        file_stem=file_stem,
        **templates,
    )


def committee_decision(name, build, file_stem, **templates) -> DocumentSpec:
    """The committee's decision, signed by the member who decides."""
    return DocumentSpec(
        key="decision",
        name=name,
        issuer=_committee,
        step=Step.DECIDE,
        signed=True,
        build=build,
        file_stem=file_stem,
        **templates,
    )


def _register() -> None:
    from django.utils.translation import gettext_lazy as _

    documents_register(
        JobPositionProject,
        proposal_submission(
            _("The unit's submission"),
            lambda project: project.unit.code,
            project_unit_submission,
            "to-trinh-don-vi",
        ),
        *report_and_submission(_project_report_annex),
        committee_decision(
            _("The committee's decision"), project_decision, "quyet-dinh"
        ),
    )
    documents_register(
        StaffingPlan,
        *report_and_submission(_staffing_report_annex),
        committee_decision(
            _("The committee's allocation decision"),
            staffing_decision,
            "quyet-dinh-giao-bien-che",
        ),
    )


_register()
