"""Reading a project's lines from an Excel (.xlsx) or CSV file.

The columns are described once, in :func:`lines_layout`: the Vietnamese headings
("Thao tác", "Mã vị trí hiện có", "Mã danh mục", "Tên vị trí việc làm", "Nhóm vị
trí", "Mã ngạch", "Số lượng", "Mô tả công việc", "Khung năng lực"), the English ones
of earlier files (``action``, ``position_id``, ``catalogue_code``, ``name``,
``category_code``, ``rank_code``, ``headcount``, ``job_description``,
``competency_framework``), what each means and which values it takes. The same
description gives the downloadable template and its explanation sheet.

The first row holds the headings, in any order, compared without regard to case,
accents or spaces; an unknown or repeated column is refused by name. Empty rows are
skipped. Values are codes or labels: "Thêm", "Sửa", "Kết thúc" as well as ``add``,
``change``, ``end``; a category, rank or catalogue entry by its code or its name.

The file is read by the same formats and cell readers as the administrators'
imports (``orgchart.imports``). Reading never writes:
:func:`appraisal.services.projects.project_lines_import` validates the whole file
and writes all the lines or none, reporting every bad row as "Line N: reason" with N
the row number in the spreadsheet (the heading row is 1).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orgchart.filereader import check_size
from orgchart.imports import (
    CellError,
    ChoiceWidget,
    CodeWidget,
    CSVFormat,
    ImportFileError,
    WholeNumberWidget,
    XLSXFormat,
    parse_whole_number,
    text_value,
)
from orgchart.models import CatalogueEntry, PositionCategory, Rank
from orgchart.spreadsheets import Column, Layout, template_build

from ..models import LineAction

#: Most rows of a line file (the file's size and the other limits are the
#: settings' of every import): a project has tens of lines, not thousands.
MAX_IMPORT_ROWS = 2000

#: What a line does, as the file writes it: short labels, then other spellings
#: (the Vietnamese words are part of the file format, whatever the interface's
#: language).
ACTION_CHOICES = [
    (LineAction.ADD.value, pgettext_lazy("line action", "Add")),
    (LineAction.CHANGE.value, pgettext_lazy("line action", "Change")),
    (LineAction.END.value, pgettext_lazy("line action", "End")),
]
ACTION_ALIASES = {
    LineAction.ADD.value: ("thêm", "thêm mới", LineAction.ADD.label),
    LineAction.CHANGE.value: ("sửa", "điều chỉnh", LineAction.CHANGE.label),
    LineAction.END.value: ("kết thúc", "thôi", "bãi bỏ", LineAction.END.label),
}


class _CategoryWidget(CodeWidget):
    def queryset(self):
        return self.model.objects.order_by("order", "code")

    def sample(self):
        # By name, to show that names are read as well as codes.
        first = self.queryset().first()
        return "" if first is None else first.name


def lines_layout() -> Layout:
    """The columns of a line import, with fresh cell readers (each import reads
    the reference tables once)."""
    return Layout(
        [
            Column(
                key="action",
                header="Thao tác",
                required=True,
                help=_(
                    "What the line does to the establishment: add a new position, "
                    "change an existing one or end it."
                ),
                reader=ChoiceWidget(ACTION_CHOICES, aliases=ACTION_ALIASES),
                sample=lambda: str(ACTION_CHOICES[0][1]),
            ),
            Column(
                key="position_id",
                header="Mã vị trí hiện có",
                aliases=("position",),
                help=_(
                    "The number of the existing position a change or end line is "
                    "about, as shown on the unit's establishment page; empty for "
                    "an add line."
                ),
                reader=WholeNumberWidget(),
                sample="",
            ),
            Column(
                key="catalogue_code",
                header="Mã danh mục",
                aliases=("catalogue",),
                help=_(
                    "The position of the framework list, by code or name "
                    "(optional); it gives the name and the category."
                ),
                reader=CodeWidget(
                    CatalogueEntry,
                    unknown_message=_("unknown catalogue code “%(code)s”."),
                ),
                sample="",
            ),
            Column(
                key="name",
                header="Tên vị trí việc làm",
                aliases=("tên vị trí",),
                help=_(
                    "The position's name; may be left empty with a catalogue entry "
                    "or for a change or end line."
                ),
                sample="Chuyên viên mẫu",
            ),
            Column(
                key="category_code",
                header="Nhóm vị trí",
                aliases=("category", "nhóm", "mã nhóm"),
                help=_("The position category, by code or name."),
                reader=_CategoryWidget(
                    PositionCategory,
                    unknown_message=_("unknown category code “%(code)s”."),
                ),
            ),
            Column(
                key="rank_code",
                header="Mã ngạch",
                aliases=("rank", "ngạch"),
                help=_(
                    "The rank or professional title the position requires, by code "
                    "or name."
                ),
                reader=CodeWidget(
                    Rank, unknown_message=_("unknown rank code “%(code)s”.")
                ),
            ),
            Column(
                key="headcount",
                header="Số lượng",
                help=_("The number of posts (add and change lines)."),
                allowed=lambda: [_("a whole number of at least 1")],
                sample=1,
            ),
            Column(
                key="job_description",
                header="Mô tả công việc",
                help=_("The job description."),
                sample="Tham mưu, tổng hợp",
            ),
            Column(
                key="competency_framework",
                header="Khung năng lực",
                help=_("The competency framework."),
                sample="Cấp độ 3",
            ),
        ]
    )


def _line_error(row: int, reason) -> tuple[int, ValidationError]:
    return (
        row,
        ValidationError(
            _("Line %(line)s: %(reason)s"),
            code="invalid_line",
            params={"line": row, "reason": reason},
        ),
    )


def _whole_number(text: str) -> int | None:
    """``text`` as a whole number of ASCII digits, or ``None``."""
    try:
        return parse_whole_number(text)
    except CellError:
        return None


def import_dataset(*, file):
    """The file's rows through the same formats as every other import (type, size,
    rows and encoding checked by the guarded reader; a file that cannot be read
    raises ``ValidationError``)."""
    name = (getattr(file, "name", "") or "").lower()
    try:
        check_size(getattr(file, "size", None))
        file.seek(0)
        data = file.read(settings.IMPORT_MAX_BYTES + 1)
        if name.endswith(".xlsx") and data.startswith(b"PK\x03\x04"):
            file_format = XLSXFormat(max_rows=MAX_IMPORT_ROWS)
        elif name.endswith(".csv"):
            file_format = CSVFormat(max_rows=MAX_IMPORT_ROWS)
        else:
            raise ValidationError(
                _("Import an Excel workbook (.xlsx) or a CSV file (.csv)."),
                code="file_type_not_allowed",
            )
        return file_format.create_dataset(data)
    except ImportFileError as exc:
        raise ValidationError(exc.message, code=exc.code) from exc


def lines_read(
    *, file
) -> tuple[list[tuple[int, dict]], list[tuple[int, ValidationError]]]:
    """The rows of ``file`` as ``(row number, line dict)`` ready for
    :func:`appraisal.services.projects.lines_build`, and the errors of the rows
    whose values do not resolve. Raises ``ValidationError`` for a file that cannot
    be read at all (type, size, encoding, headings)."""
    dataset = import_dataset(file=file)
    layout = lines_layout()
    headings = layout.match(dataset.headers or [])
    readers = {column.key: column.reader for column in layout.columns}
    rows = [
        (number, [text_value(value) for value in row])
        for number, row in enumerate(dataset, start=2)
    ]
    if not any(any(cells) for _number, cells in rows):
        raise ValidationError(
            _("The file has no data: nothing below the line of column names."),
            code="no_rows",
        )

    def read(key: str, value: str, number: int, errors: list):
        """The value of one cell by the column's reader; a bad cell adds its
        "Line N: reason" to ``errors`` and gives ``None``."""
        try:
            return readers[key].clean(value)
        except CellError as exc:
            if key == "action":
                reason = _("the action must be %(choices)s, not “%(action)s”.") % {
                    "choices": ", ".join(readers[key].allowed_values()),
                    "action": value,
                }
            else:
                reason = exc.message % exc.params
            errors.append(_line_error(number, reason))
            return None

    items, errors = [], []
    for row_number, cells in rows:
        if not any(cells):
            continue
        record = {
            key: value
            for key, value in zip(headings, cells, strict=False)
            if key is not None
        }
        found: list = []
        item: dict = {
            "action": read("action", record.get("action", ""), row_number, found),
            "name": record.get("name", ""),
            "job_description": record.get("job_description", ""),
            "competency_framework": record.get("competency_framework", ""),
            "order": row_number,
        }
        position_id = record.get("position_id", "")
        if position_id:
            if _whole_number(position_id) is None:
                found.append(
                    _line_error(
                        row_number,
                        _(
                            "the position id must be a number written with the "
                            "digits 0 to 9, not “%(value)s”."
                        )
                        % {"value": position_id},
                    )
                )
            else:
                item["position"] = position_id
        for key, field in (
            ("rank_code", "rank"),
            ("category_code", "category"),
            ("catalogue_code", "catalogue_entry"),
        ):
            value = read(key, record.get(key, ""), row_number, found)
            if value is not None:
                item[field] = value
        headcount = record.get("headcount", "")
        if headcount:
            number = _whole_number(headcount)
            if number is None or number < 1:
                found.append(
                    _line_error(
                        row_number,
                        _(
                            "the headcount must be a whole number of at least 1 "
                            "written with the digits 0 to 9, not “%(value)s”."
                        )
                        % {"value": headcount},
                    )
                )
            else:
                item["headcount"] = number
        if found:
            errors.extend(found)
        else:
            items.append((row_number, item))
    return items, errors


def lines_template() -> bytes:
    """The Excel template of a line import: the headings with a sample row whose
    references are taken from the reference data, and the explanation sheet."""
    return template_build(
        layout=lines_layout(), title=_("Lines of a job-position project")
    )
