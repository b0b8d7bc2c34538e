"""The position mapping of a consolidation to and from Excel.

The template is the mapping as it stands (one row per position of the source
units, the default proposal where nothing was saved yet): the position's number,
unit and name to read, then what becomes of it — the action ("Giữ", "Gộp vào",
"Kết thúc"), the successor by its code, the name in the successor and the
head-count. The person edits the last four columns and imports the file back;
the whole file is refused, with every bad line named, or saved whole
(:func:`appraisal.services.consolidation.mapping_save`).
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orgchart.imports import CellError, ChoiceWidget, text_value
from orgchart.spreadsheets import (
    Column,
    Layout,
    fold,
    template_build,
    workbook_bytes,
)

from ..models import AuditEntry, Consolidation, OperationSuccessor, PositionMapping
from .consolidation import (
    _pending,
    _row_error,
    mapping_build,
    mapping_save,
    proposed_mapping,
)
from .imports import MAX_IMPORT_ROWS, import_dataset

__all__ = ["mapping_import", "mapping_layout", "mapping_template"]

MappingAction = PositionMapping.Action

#: Largest mapping file: a province's commune reform maps tens of thousands of
#: positions.
MAX_MAPPING_ROWS = max(MAX_IMPORT_ROWS, 50_000)

ACTION_CHOICES = [
    (MappingAction.KEEP.value, pgettext_lazy("mapping action", "Keep")),
    (MappingAction.MERGE_INTO.value, pgettext_lazy("mapping action", "Merge into")),
    (MappingAction.END.value, pgettext_lazy("mapping action", "End")),
]
ACTION_ALIASES = {
    MappingAction.KEEP.value: ("giữ", "giữ nguyên", "chuyển", MappingAction.KEEP.label),
    MappingAction.MERGE_INTO.value: ("gộp vào", "gộp", MappingAction.MERGE_INTO.label),
    MappingAction.END.value: ("kết thúc", "bãi bỏ", "thôi", MappingAction.END.label),
}


def mapping_layout() -> Layout:
    return Layout(
        [
            Column(
                key="source_position_id",
                header="Mã vị trí",
                aliases=("position",),
                required=True,
                help=_("The number of the source unit's position (do not change)."),
                sample="",
            ),
            Column(
                key="unit",
                header="Đơn vị hiện tại",
                help=_("The unit the position belongs to now (for reading)."),
                sample="",
            ),
            Column(
                key="position_name",
                header="Tên vị trí hiện tại",
                help=_("The position's name now (for reading)."),
                sample="",
            ),
            Column(
                key="action",
                header="Xử lý",
                required=True,
                help=_(
                    "Keep it in the successor, merge it into the successor's "
                    "position of the name given, or end it."
                ),
                reader=ChoiceWidget(ACTION_CHOICES, aliases=ACTION_ALIASES),
            ),
            Column(
                key="successor_code",
                header="Mã đơn vị tiếp nhận",
                aliases=("successor",),
                help=_("The code of the successor unit; empty to end the position."),
                sample="",
            ),
            Column(
                key="target_name",
                header="Tên vị trí tại đơn vị tiếp nhận",
                aliases=("target name",),
                help=_("The position's name in the successor."),
                sample="",
            ),
            Column(
                key="headcount",
                header="Số lượng",
                help=_("The head-count it carries (0 when ended)."),
                allowed=lambda: [_("a whole number")],
                sample="",
            ),
        ]
    )


def _successor_codes(consolidation) -> dict[tuple[int, str], OperationSuccessor]:
    """``(operation id, folded code) → successor`` of the operations to apply."""
    result = {}
    for successor in OperationSuccessor.objects.filter(
        operation__consolidation=consolidation, operation__applied_at__isnull=True
    ).select_related("unit"):
        code = successor.unit.code if successor.unit_id else successor.code
        result[(successor.operation_id, fold(code))] = successor
    return result


def mapping_template(*, consolidation: Consolidation) -> bytes:
    """The mapping as an Excel workbook to edit: every position of the source
    units, with its saved mapping or, where none is saved, the default one."""
    from openpyxl import load_workbook

    layout = mapping_layout()
    content = template_build(
        layout=layout, title=_("Position mapping of a consolidation")
    )
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    sheet.delete_rows(2)
    operations, positions = _pending(consolidation)
    mapped = proposed_mapping(consolidation, operations, positions)
    labels = dict(ACTION_CHOICES)
    for operation in operations:
        for position in positions[operation.pk]:
            mapping = mapped[position.pk]
            successor = mapping.successor
            code = ""
            if successor is not None:
                code = successor.unit.code if successor.unit_id else successor.code
            sheet.append(
                [
                    position.pk,
                    position.unit.name,
                    position.name,
                    str(labels[mapping.action]),
                    code,
                    mapping.target_name,
                    mapping.headcount,
                ]
            )
    return workbook_bytes(book)


def _read(consolidation, file) -> tuple[list[dict], list[ValidationError]]:
    dataset = import_dataset(file=file)
    if len(dataset) > MAX_MAPPING_ROWS:
        raise ValidationError(
            _("The file has more than %(limit)s rows."),
            code="too_many_rows",
            params={"limit": MAX_MAPPING_ROWS},
        )
    layout = mapping_layout()
    headings = layout.match(dataset.headers or [])
    action_reader = layout.columns[3].reader
    operation_of: dict[int, int] = {}
    for operation_pk, positions in _pending(consolidation)[1].items():
        for position in positions:
            operation_of[position.pk] = operation_pk
    codes = _successor_codes(consolidation)
    rows, errors = [], []
    for number, raw in enumerate(dataset, start=2):
        cells = [text_value(value) for value in raw]
        if not any(cells):
            continue
        record = {
            key: value
            for key, value in zip(headings, cells, strict=False)
            if key is not None
        }
        try:
            action = action_reader.clean(record.get("action", ""))
        except CellError as exc:
            errors.append(_row_error(number, exc.message % exc.params))
            continue
        position_id = record.get("source_position_id", "")
        row = {
            "_line": number,
            "source_position_id": position_id,
            "action": action or "",
            "target_name": record.get("target_name", ""),
            "headcount": record.get("headcount", ""),
        }
        code = fold(record.get("successor_code", ""))
        if code and position_id.isdigit():
            successor = codes.get((operation_of.get(int(position_id)), code))
            if successor is None:
                errors.append(
                    _row_error(
                        number,
                        _(
                            "no successor of this position's operation has the "
                            "code “%(code)s”."
                        )
                        % {"code": record.get("successor_code", "")},
                    )
                )
                continue
            row["successor_id"] = successor.pk
        if row["headcount"] and not row["headcount"].isdigit():
            errors.append(
                _row_error(
                    number,
                    _("the head-count must be a whole number, not “%(value)s”.")
                    % {"value": row["headcount"]},
                )
            )
            continue
        rows.append(row)
    if not rows and not errors:
        raise ValidationError(
            _("The file has no data: nothing below the line of column names."),
            code="no_rows",
        )
    return rows, errors


def mapping_import(
    *,
    user,
    consolidation: Consolidation,
    file,
    version: int | None = None,
    ip: str | None = None,
) -> int:
    """Save the mapping read from ``file`` (.xlsx or .csv, the template's
    columns). All or nothing: a file that cannot be read, or any bad line, is
    refused with every problem named ("Line N: reason", N the spreadsheet's row)
    and nothing is written. Returns the number of positions saved."""
    rows, errors = _read(consolidation, file)
    _built, build_errors = mapping_build(
        consolidation, [(row["_line"], row) for row in rows]
    )
    errors = sorted(
        errors + build_errors, key=lambda error: error.params.get("line", 0)
    )
    if errors:
        raise ValidationError(errors)
    saved = mapping_save(
        user=user,
        consolidation=consolidation,
        rows=rows,
        version=version,
        ip=ip,
        action=AuditEntry.Action.MAPPING_IMPORTED,
    )
    return len(saved)
