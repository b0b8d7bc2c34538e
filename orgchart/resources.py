"""Import and export of the reference data and of the establishment (xlsx, csv).

One resource per table: its columns (what a spreadsheet row means), how a row finds
the record it describes, and how a new record is written: units and job positions
through ``orgchart.services`` (tree paths; positions only from decisions), the
reference tables (no service of their own) through the model's validation.

Rules shared by every import:

* all or nothing: a file with any bad row writes nothing (one transaction, rolled
  back when a single row fails), and the person sees every bad row at once, each as
  "Line 4: unknown rank code 01.999." (header = line 1);
* the columns are checked before any row: missing, unknown or repeated columns and a
  file without data are one clear message each;
* an exported file imports back unchanged: every row is recognised and skipped.

The Vietnamese wording is in the project's translations; the source strings here
are English.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ObjectDoesNotExist,
    ValidationError,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.fields import Field
from import_export.results import RowResult

from . import services
from .imports import (
    COLUMN_CODES,
    EMPTY_CODES,
    BooleanWidget,
    CellError,
    ChoiceWidget,
    CodeWidget,
    DateWidget,
    DecimalWidget,
    HeadcountWidget,
    ImportResult,
    TextWidget,
    UnitCodeWidget,
    WholeNumberWidget,
    field_errors,
    line_of,
    parse_date,
    text_value,
)
from .models import (
    CatalogueEntry,
    JobPosition,
    LadderLevel,
    PositionCategory,
    Rank,
    SalaryGroup,
    Unit,
)
from .spreadsheets import Column, Layout, template_build


class SheetField(Field):
    """A column of an import: the import-export field plus what the template says
    of it (``header``: the Vietnamese heading files use; ``aliases``: other
    headings accepted, besides the English key; ``help``: what it means, the
    model field's name by default; ``sample``: the value of the template's sample
    row, or a function giving it, by default the widget's)."""

    def __init__(self, *, header=None, aliases=(), help=None, sample=None, **kwargs):
        super().__init__(**kwargs)
        self.header = header or self.column_name
        self.aliases = tuple(aliases)
        self.help = help
        self.sample = sample


def _column(
    name: str,
    attribute: str | None = None,
    widget=None,
    *,
    header: str | None = None,
    aliases=(),
    help=None,
    sample=None,
    **kwargs,
) -> Field:
    return SheetField(
        attribute=attribute or name,
        column_name=name,
        widget=widget or TextWidget(),
        header=header,
        aliases=aliases,
        help=help,
        sample=sample,
        **kwargs,
    )


def _field_help(model, attribute: str):
    """What a column means when the resource does not say: the model field's
    name and help text, in the person's language."""
    try:
        model_field = model._meta.get_field(attribute)
    except FieldDoesNotExist:  # a computed column
        return ""
    text = capfirst(model_field.verbose_name)
    if model_field.help_text:
        return format_lazy("{}. {}", text, model_field.help_text)
    return text


def _today() -> str:
    return timezone.localdate().isoformat()


def _is_blank_row(row) -> bool:
    return all(not text_value(value) for value in row.values())


def _row(dataset, values) -> dict:
    return dict(zip(dataset.headers, values, strict=False))


class ReferenceResource(resources.ModelResource):
    """What every import of the org chart shares (see the module docstring).

    Subclasses declare their columns, ``required_columns`` (the others may be left
    out of the file), and may give friendlier words to the model's database
    constraints in ``constraint_messages`` (by constraint name, with the row's cells
    as parameters).
    """

    required_columns: tuple[str, ...] = ()
    constraint_messages: dict = {}
    #: Model fields that the import never sets (full_clean must not ask for them).
    clean_exclude: tuple[str, ...] = ()
    #: True when rows are written through a service that validates the record
    #: itself (``full_clean``): the import then validates only rows whose cells
    #: already failed, to list the model's complaints alongside.
    service_validates = False
    duplicate_message = _(
        "code %(code)s appears more than once in the file (also on line %(line)s)."
    )

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        import_id_fields = ["code"]

    @classmethod
    def get_result_class(cls):
        return ImportResult

    # -- the file as a whole --------------------------------------------------------

    def layout(self) -> Layout:
        """The description of this import's columns, read by the import, the
        export headings and the downloadable template alike."""
        model = self._meta.model
        columns = []
        for field in self.get_import_fields():
            help_text = getattr(field, "help", None)
            if help_text is None:
                help_text = _field_help(model, field.attribute)
            columns.append(
                Column(
                    key=field.column_name,
                    header=getattr(field, "header", field.column_name),
                    aliases=getattr(field, "aliases", ()),
                    required=field.column_name in self.required_columns,
                    help=help_text,
                    sample=getattr(field, "sample", None),
                    reader=field.widget,
                )
            )
        return Layout(columns)

    def template(self) -> bytes:
        """The Excel template of this import (sample row and explanation sheet)."""
        return template_build(layout=self.layout(), title=self._meta.name or "")

    def get_export_headers(self, selected_fields=None):
        """Exported files carry the Vietnamese headings, and import back."""
        return [
            str(getattr(field, "header", field.column_name))
            for field in self.get_export_fields(selected_fields)
            if field
        ]

    def normalise(self, dataset) -> None:
        """No blank lines at the end (Excel keeps formatted empty rows)."""
        while len(dataset) and _is_blank_row(_row(dataset, dataset[-1])):
            dataset.rpop()

    def check_file(self, dataset) -> None:
        """The columns and the presence of data, before any row is read: raise one
        ``ValidationError`` listing what is wrong with the file as a whole.

        The headings, in Vietnamese or English, become the columns' keys; the
        file's own spelling is kept for the messages."""
        headings = list(dataset.headers or [])
        keys = self.layout().match(headings)
        self._file_headers = {
            key: " ".join(text_value(heading).split())
            for key, heading in zip(keys, headings, strict=True)
            if key is not None
        }
        dataset.headers = [
            key or text_value(heading)
            for key, heading in zip(keys, headings, strict=True)
        ]
        if all(_is_blank_row(_row(dataset, r)) for r in dataset):
            raise ValidationError(
                _("The file has no data: nothing below the line of column names."),
                code="no_rows",
            )

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """Import ``dataset`` all or nothing.

        Whatever the caller asks, the import runs in one transaction that is rolled
        back if any row is invalid: a half-imported establishment would be worse
        than none.
        """
        self.normalise(dataset)
        try:
            self.check_file(dataset)
        except ValidationError as error:
            result = self.get_result_class()()
            result.total_rows = len(dataset)
            result.append_base_error(self.get_error_result_class()(error))
            return result
        self.prepare(dataset)
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def prepare(self, dataset) -> None:
        """Reset what one import remembers between rows."""
        self._seen: dict = {}
        self._failed_lines: set[int] = set()
        for field in self.fields.values():
            if hasattr(field.widget, "reset"):
                field.widget.reset()

    # -- one row --------------------------------------------------------------------

    def import_row(self, row, instance_loader, **kwargs):
        if _is_blank_row(row):
            # A blank line between rows: nothing to import, line numbers kept.
            result = self.get_row_result_class()()
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        line = line_of(kwargs["row_number"])
        result = super().import_row(row, instance_loader, **kwargs)
        failed = result.validation_error is not None or bool(result.errors)
        if result.validation_error is not None:
            result.validation_error = self.explain(result.validation_error, row, line)
        if failed:
            self._failed_lines.add(line)
        progress = getattr(self, "progress", None)
        if progress is not None:  # run as a job (orgchart.import_jobs)
            progress.add(read=1, validated=0 if failed else 1)
        return result

    def import_instance(self, instance, row, **kwargs):
        """Read every cell of the row into ``instance``, collecting every problem
        of the row rather than stopping at the first."""
        line = line_of(kwargs["row_number"])
        errors: dict[str, list[ValidationError]] = {}
        for field in self.get_import_fields():
            try:
                self.import_field(field, instance, row, **kwargs)
            except CellError as exc:
                errors[field.attribute] = [self.cell_error(field, exc, row, line)]
            except (ValueError, ArithmeticError, ObjectDoesNotExist):
                errors[field.attribute] = [
                    ValidationError(
                        _('"%(value)s" cannot be read.'),
                        code="unreadable",
                        params={"value": text_value(row.get(field.column_name))},
                    )
                ]
        self.fill_defaults(instance)
        for name, error in self.check_row(instance, row, line, errors).items():
            errors.setdefault(name, []).append(error)
        if errors:
            raise ValidationError(errors)

    def cell_error(self, field, exc: CellError, row, line: int) -> ValidationError:
        return ValidationError(exc.message, code=exc.code, params=exc.params)

    def fill_defaults(self, instance) -> None:
        """Values the record takes from others when the file leaves them empty."""

    def check_row(self, instance, row, line: int, errors) -> dict[str, ValidationError]:
        """Problems of the row that only the import can see: by default, the same
        code on two lines of the file."""
        code = getattr(instance, "code", "")
        if not code or "code" in errors:
            return {}
        first = self._seen.setdefault(code, line)
        if first != line:
            return {
                "code": ValidationError(
                    self.duplicate_message,
                    code="duplicate_in_file",
                    params={"code": code, "line": first},
                )
            }
        return {}

    def check_instance(self, instance, errors) -> None:
        """Last checks before the record is validated; add to ``errors``."""

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        """The cells' problems plus the model's own validation (fields, ``clean()``,
        constraints), all reported together."""
        errors = {k: list(v) for k, v in (import_validation_errors or {}).items()}
        self.check_instance(instance, errors)
        if self.service_validates and not errors:
            return
        try:
            instance.full_clean(
                exclude=[*errors, *self.clean_exclude], validate_unique=validate_unique
            )
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def explain(self, error: ValidationError, row, line: int) -> ValidationError:
        """Every message of the row as one sentence that starts with the line
        number (and the column, where the message needs it)."""
        file_headers = getattr(self, "_file_headers", {})
        columns = {
            f.attribute: file_headers.get(f.column_name, f.column_name)
            for f in self.fields.values()
        }
        constraints = {
            str(c.get_violation_error_message()): c.name
            for c in self._meta.model._meta.constraints
        }
        cells = defaultdict(str, {key: text_value(value) for key, value in row.items()})
        explained: dict[str, list[str]] = {}
        for name, singles in field_errors(error).items():
            column = columns.get(name, name)
            for single in singles:
                message = single.message
                if single.params:
                    message = message % single.params
                constraint = constraints.get(str(message))
                if constraint in self.constraint_messages:
                    message = self.constraint_messages[constraint] % cells
                params = {"line": line, "column": column, "message": message}
                if name == NON_FIELD_ERRORS:
                    text = _("Line %(line)s: %(message)s") % params
                elif single.code in EMPTY_CODES:
                    text = _("Line %(line)s: %(column)s must not be empty.") % params
                elif single.code in COLUMN_CODES:
                    text = _("Line %(line)s, column %(column)s: %(message)s") % params
                else:
                    text = _("Line %(line)s: %(message)s") % params
                explained.setdefault(name, []).append(str(text))
        return ValidationError(explained)


# ------------------------------------------------------------------ reference data


class SalaryGroupResource(ReferenceResource):
    """Salary groups of the coefficient scale (Decree 204/2004/NĐ-CP), by code."""

    code = _column("code", header="Mã nhóm lương", sample="A0.9")
    name = _column("name", header="Tên nhóm lương", sample="Nhóm lương mẫu")
    name_en = _column("name_en", header="Tên tiếng Anh")
    step1 = _column(
        "step1", widget=DecimalWidget(), header="Hệ số bậc 1", sample="2.10"
    )
    increment = _column(
        "increment", widget=DecimalWidget(), header="Mức tăng mỗi bậc", sample="0.31"
    )
    steps = _column("steps", widget=WholeNumberWidget(), header="Số bậc", sample="10")
    months_per_step = _column(
        "months_per_step",
        widget=WholeNumberWidget(),
        header="Số tháng mỗi bậc",
        sample="36",
    )
    basis = _column("basis", header="Căn cứ pháp lý")

    required_columns = (
        "code",
        "name",
        "step1",
        "increment",
        "steps",
        "months_per_step",
    )

    class Meta(ReferenceResource.Meta):
        model = SalaryGroup
        name = _("Salary groups")
        fields = (
            "code", "name", "name_en", "step1", "increment", "steps",
            "months_per_step", "basis",
        )  # fmt: skip
        import_order = export_order = fields


class RankResource(ReferenceResource):
    """Ranks and professional titles (Circular 11/2014/TT-BNV and the sector
    circulars), by code; the salary group by its code."""

    code = _column("code", header="Mã ngạch", sample="01.999")
    name = _column("name", header="Tên ngạch", sample="Ngạch mẫu")
    name_en = _column("name_en", header="Tên tiếng Anh")
    kind = _column("kind", widget=ChoiceWidget(Rank.Kind.choices), header="Loại")
    salary_group_code = _column(
        "salary_group_code",
        "salary_group",
        CodeWidget(
            SalaryGroup, unknown_message=_("unknown salary group code %(code)s.")
        ),
        header="Mã nhóm lương",
    )
    ladder_level = _column(
        "ladder_level",
        widget=ChoiceWidget(LadderLevel.choices),
        header="Cấp ngạch tương đương",
    )
    basis = _column("basis", header="Căn cứ pháp lý")
    note = _column("note", header="Ghi chú")

    required_columns = ("code", "name", "kind", "salary_group_code", "ladder_level")

    def get_queryset(self):
        return Rank.objects.select_related("salary_group")

    class Meta(ReferenceResource.Meta):
        model = Rank
        name = _("Ranks and professional titles")
        fields = (
            "code", "name", "name_en", "kind", "salary_group_code", "ladder_level",
            "basis", "note",
        )  # fmt: skip
        import_order = export_order = fields


class PositionCategoryResource(ReferenceResource):
    """Job-position categories (Decree 62/2020/NĐ-CP Art. 5), by code."""

    code = _column("code", header="Mã nhóm vị trí", sample="sample")
    name = _column("name", header="Tên nhóm vị trí", sample="Nhóm vị trí mẫu")
    name_en = _column("name_en", header="Tên tiếng Anh")
    basis = _column("basis", header="Căn cứ pháp lý")
    order = _column(
        "order", widget=WholeNumberWidget(), default=0, header="Thứ tự", sample="9"
    )
    valid_from = _column(
        "valid_from", widget=DateWidget(), header="Hiệu lực từ", sample=_today
    )
    valid_to = _column("valid_to", widget=DateWidget(), header="Hiệu lực đến")

    required_columns = ("code", "name")

    class Meta(ReferenceResource.Meta):
        model = PositionCategory
        name = _("Position categories")
        fields = ("code", "name", "name_en", "basis", "order", "valid_from", "valid_to")
        import_order = export_order = fields


class CatalogueEntryResource(ReferenceResource):
    """The position catalogue (danh mục vị trí việc làm khung), by code; the
    category by its code; the allowed rank range as ladder levels."""

    code = _column("code", header="Mã danh mục", sample="VTVL-MAU")
    name = _column("name", header="Tên vị trí việc làm", sample="Chuyên viên mẫu")
    category_code = _column(
        "category_code",
        "category",
        CodeWidget(
            PositionCategory,
            unknown_message=_("unknown position category code %(code)s."),
        ),
        header="Nhóm vị trí",
    )
    sector = _column("sector", header="Ngành, lĩnh vực")
    highest_level = _column(
        "highest_level",
        widget=ChoiceWidget(LadderLevel.choices),
        header="Cấp ngạch cao nhất",
        sample=LadderLevel.PRINCIPAL_SPECIALIST.label,
    )
    lowest_level = _column(
        "lowest_level",
        widget=ChoiceWidget(LadderLevel.choices),
        header="Cấp ngạch thấp nhất",
        sample=LadderLevel.SPECIALIST.label,
    )
    unit_kinds = _column("unit_kinds", header="Loại đơn vị áp dụng")
    basis = _column("basis", header="Căn cứ pháp lý")
    is_sample = _column(
        "is_sample", widget=BooleanWidget(), header="Dữ liệu minh họa", sample="1"
    )

    required_columns = (
        "code",
        "name",
        "category_code",
        "highest_level",
        "lowest_level",
    )

    def get_queryset(self):
        return CatalogueEntry.objects.select_related("category")

    class Meta(ReferenceResource.Meta):
        model = CatalogueEntry
        name = _("Position catalogue")
        fields = (
            "code", "name", "category_code", "sector", "highest_level",
            "lowest_level", "unit_kinds", "basis", "is_sample",
        )  # fmt: skip
        import_order = export_order = fields


# -------------------------------------------------------------------------- units


class UnitResource(ReferenceResource):
    """Organisational units, each under its parent given by code.

    A row describes the unit open under its code; when the file holds several rows
    of one code (a unit's history: the old unit closed, a new one opened under the
    same code), each row is the unit with that code and that first day. New units
    are opened and changed through ``orgchart.services`` so that their tree paths
    are right (Decree 158/2018/NĐ-CP for the organisation of agencies).
    """

    code = _column("code", header="Mã đơn vị", sample="DV-MAU")
    name = _column("name", header="Tên đơn vị", sample="Phòng mẫu")
    short_name = _column("short_name", header="Tên viết tắt")
    kind = _column(
        "kind",
        widget=ChoiceWidget(Unit.Kind.choices),
        header="Loại đơn vị",
        sample=Unit.Kind.DIVISION.label,
    )
    level = _column("level", widget=ChoiceWidget(Unit.Level.choices), header="Cấp")
    parent_code = _column(
        "parent_code",
        "parent",
        UnitCodeWidget(Unit, unknown_message=_("unknown parent unit code %(code)s.")),
        header="Mã đơn vị cấp trên",
    )
    admin_code = _column("admin_code", header="Mã đơn vị hành chính")
    valid_from = _column(
        "valid_from", widget=DateWidget(), header="Hiệu lực từ", sample=_today
    )
    valid_to = _column("valid_to", widget=DateWidget(), header="Hiệu lực đến")
    status = _column(
        "status",
        widget=ChoiceWidget(Unit.Status.choices, default=Unit.Status.ACTIVE),
        header="Trạng thái",
    )

    required_columns = ("code", "name", "kind", "level", "parent_code", "valid_from")
    clean_exclude = ("path", "depth")
    service_validates = True
    duplicate_message = _(
        "code %(code)s appears more than once in the file for the same period "
        "(also on line %(line)s)."
    )
    constraint_messages = {
        "unit_closed_has_valid_to": _(
            "a merged or dissolved unit needs its last day in valid_to."
        ),
        "unit_one_open_per_code": _("another open unit already uses code %(code)s."),
        "unit_one_open_per_admin_code": _(
            "another open unit already has the administrative code %(admin_code)s."
        ),
    }

    class Meta(ReferenceResource.Meta):
        model = Unit
        name = _("Organisational units")
        fields = (
            "code", "name", "short_name", "kind", "level", "parent_code",
            "admin_code", "valid_from", "valid_to", "status",
        )  # fmt: skip
        import_order = export_order = fields

    def prepare(self, dataset) -> None:
        super().prepare(dataset)
        self._lines_by_code: dict[str, list[int]] = {}
        if "code" in dataset.headers:
            for number, code in enumerate(dataset["code"], 1):
                code = text_value(code)
                if code:
                    self._lines_by_code.setdefault(code, []).append(line_of(number))

    def get_queryset(self):
        return Unit.objects.select_related("parent")

    def get_instance(self, instance_loader, row):
        code = text_value(row.get("code"))
        if not code:
            return None
        units = self.get_queryset().filter(code=code)
        try:
            valid_from = parse_date(row.get("valid_from"))
        except ValueError:
            valid_from = None
        if valid_from is not None:
            same = units.filter(valid_from=valid_from).first()
            if same is not None:
                return same
        if len(self._lines_by_code.get(code, [])) <= 1:
            return units.filter(valid_to__isnull=True).first()
        return None

    def cell_error(self, field, exc, row, line):
        if field.column_name == "parent_code" and exc.code == "unknown_code":
            code = exc.params["code"]
            lines = self._lines_by_code.get(code, [])
            later = [n for n in lines if n > line]
            failed = [n for n in lines if n < line and n in self._failed_lines]
            if failed:
                return ValidationError(
                    _("parent unit %(code)s has errors on line %(parent_line)s."),
                    code="parent_invalid",
                    params={"code": code, "parent_line": failed[-1]},
                )
            if later and not [n for n in lines if n < line]:
                return ValidationError(
                    _(
                        "parent unit %(code)s comes further down, on line "
                        "%(parent_line)s; put parent units above their sub-units."
                    ),
                    code="parent_below",
                    params={"code": code, "parent_line": later[0]},
                )
        return super().cell_error(field, exc, row, line)

    def check_row(self, instance, row, line, errors):
        """The same code twice in the file for overlapping periods."""
        start, end = instance.valid_from, instance.valid_to
        if (
            not instance.code
            or start is None
            or {"code", "valid_from", "valid_to"} & set(errors)
        ):
            return {}
        seen = self._seen.setdefault(instance.code, [])
        for other_line, other_start, other_end in seen:
            if (end is None or other_start <= end) and (
                other_end is None or start <= other_end
            ):
                return {
                    "code": ValidationError(
                        self.duplicate_message,
                        code="duplicate_in_file",
                        params={"code": instance.code, "line": other_line},
                    )
                }
        seen.append((line, start, end))
        return {}

    def do_instance_save(self, instance, is_create):
        if not is_create:
            services.unit_update(
                unit=instance,
                **{
                    name: getattr(instance, name)
                    for name in (
                        "code",
                        "name",
                        "short_name",
                        "kind",
                        "level",
                        "parent",
                        "admin_code",
                        "valid_from",
                        "valid_to",
                        "status",
                    )  # fmt: skip
                },
            )
            return
        unit = services.unit_create(
            code=instance.code,
            name=instance.name,
            short_name=instance.short_name,
            kind=instance.kind,
            level=instance.level,
            parent=instance.parent,
            admin_code=instance.admin_code,
            valid_from=instance.valid_from,
            valid_to=instance.valid_to,
        )
        if instance.status != unit.status:
            # A unit already closed when it is loaded (its history).
            unit = services.unit_update(unit=unit, status=instance.status)
        instance.pk, instance.path, instance.depth = unit.pk, unit.path, unit.depth
        instance._state.adding = False


# ------------------------------------------------------------------ establishment


class JobPositionResource(ReferenceResource):
    """The approved establishment: job positions of units (Decree 62/2020/NĐ-CP
    Art. 7; Decree 106/2020/NĐ-CP Art. 7).

    Positions come only from decisions: every row needs the number of the decision
    that approved it, and an import only adds positions (through
    ``services.position_create``). A row with the ``id`` of an existing position is
    accepted only if nothing differs (an exported file imports back unchanged);
    changing the establishment is the job of a new decision, not of a spreadsheet.
    """

    id = _column(
        "id", widget=WholeNumberWidget(), header="Mã vị trí hiện có", sample=""
    )
    unit_code = _column(
        "unit_code",
        "unit",
        UnitCodeWidget(
            Unit, unknown_message=_("unknown unit code %(code)s."), cached=True
        ),
        header="Mã đơn vị",
    )
    name = _column("name", header="Tên vị trí việc làm", sample="Chuyên viên mẫu")
    category_code = _column(
        "category_code",
        "category",
        CodeWidget(
            PositionCategory,
            unknown_message=_("unknown position category code %(code)s."),
        ),
        header="Nhóm vị trí",
    )
    rank_code = _column(
        "rank_code",
        "rank",
        CodeWidget(Rank, unknown_message=_("unknown rank code %(code)s.")),
        header="Mã ngạch",
    )
    catalogue_code = _column(
        "catalogue_code",
        "catalogue_entry",
        CodeWidget(
            CatalogueEntry, unknown_message=_("unknown catalogue entry code %(code)s.")
        ),
        header="Mã danh mục",
        sample="",
    )
    headcount = _column(
        "headcount", widget=HeadcountWidget(), header="Số lượng", sample="1"
    )
    job_description = _column("job_description", header="Mô tả công việc")
    competency_framework = _column("competency_framework", header="Khung năng lực")
    valid_from = _column(
        "valid_from", widget=DateWidget(), header="Hiệu lực từ", sample=_today
    )
    valid_to = _column("valid_to", widget=DateWidget(), header="Hiệu lực đến")
    decision_number = _column(
        "decision_number",
        widget=TextWidget(
            required_message=_(
                "the decision number is missing: a position is added only by a "
                "decision (e.g. 345/QĐ-UBND)."
            )
        ),
        header="Số quyết định",
        sample="345/QĐ-UBND",
    )
    decision_date = _column(
        "decision_date",
        widget=DateWidget(),
        header="Ngày quyết định",
        sample=_today,
    )

    required_columns = (
        "unit_code", "name", "category_code", "rank_code", "headcount",
        "valid_from", "decision_number",
    )  # fmt: skip
    constraint_messages = {
        "position_headcount_gte_1": _("the approved headcount must be at least 1."),
    }
    service_validates = True

    class Meta(ReferenceResource.Meta):
        model = JobPosition
        name = _("Job positions (establishment)")
        import_id_fields = ["id"]
        fields = (
            "id", "unit_code", "name", "category_code", "rank_code",
            "catalogue_code", "headcount", "job_description", "competency_framework",
            "valid_from", "valid_to", "decision_number", "decision_date",
        )  # fmt: skip
        import_order = export_order = fields

    def get_queryset(self):
        return JobPosition.objects.select_related(
            "unit", "category", "rank", "catalogue_entry"
        )

    def get_instance(self, instance_loader, row):
        try:
            pk = WholeNumberWidget().clean(row.get("id"))
        except CellError:
            return None  # the id cell itself is reported by import_instance
        if pk is None:
            return None
        position = self.get_queryset().filter(pk=pk).first()
        if position is None:
            raise ValidationError(
                {
                    "id": ValidationError(
                        _(
                            "there is no position with id %(id)s; leave the id empty "
                            "to add a new position."
                        ),
                        code="unknown_position",
                        params={"id": pk},
                    )
                }
            )
        return position

    def fill_defaults(self, instance) -> None:
        # As in services.position_create: the catalogue entry gives the name and
        # the category when the row leaves them empty (Decree 62/2020 Art. 5).
        if instance.catalogue_entry_id is not None:
            entry = instance.catalogue_entry
            instance.name = instance.name or entry.name
            if instance.category_id is None:
                instance.category = entry.category

    def check_row(self, instance, row, line, errors):
        """The same position twice in the file, or a new row repeating a position
        the unit already has."""
        if {"unit", "rank", "valid_from"} & set(errors) or not instance.name:
            return {}
        key = (instance.unit_id, instance.name, instance.rank_id, instance.valid_from)
        first = self._seen.setdefault(key, line)
        if first != line:
            return {
                NON_FIELD_ERRORS: ValidationError(
                    _(
                        "the same position appears more than once in the file (also "
                        "on line %(line)s)."
                    ),
                    code="duplicate_in_file",
                    params={"line": first},
                )
            }
        if instance._state.adding:
            existing = (
                JobPosition.objects.filter(
                    unit_id=instance.unit_id,
                    name=instance.name,
                    rank_id=instance.rank_id,
                    valid_from=instance.valid_from,
                )
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
            if existing is not None:
                return {
                    NON_FIELD_ERRORS: ValidationError(
                        _(
                            'unit %(unit)s already has the position "%(name)s" with '
                            "rank %(rank)s from %(date)s (id %(id)s). To import an "
                            "exported file again, keep its id column."
                        ),
                        code="duplicate_position",
                        params={
                            "unit": instance.unit.code,
                            "name": instance.name,
                            "rank": instance.rank.code,
                            "date": date_format(
                                instance.valid_from, "SHORT_DATE_FORMAT"
                            ),
                            "id": existing,
                        },
                    )
                }
        return {}

    def check_instance(self, instance, errors) -> None:
        if not instance._state.adding:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                ValidationError(
                    _(
                        "position %(id)s already exists with other values. The "
                        "establishment changes only by a decision: an import adds "
                        "new positions and cannot change existing ones."
                    ),
                    code="position_update_refused",
                    params={"id": instance.pk},
                )
            )

    def do_instance_save(self, instance, is_create):
        position = services.position_create(
            unit=instance.unit,
            rank=instance.rank,
            headcount=instance.headcount,
            valid_from=instance.valid_from,
            name=instance.name,
            category=instance.category,
            catalogue_entry=instance.catalogue_entry,
            job_description=instance.job_description,
            competency_framework=instance.competency_framework,
            valid_to=instance.valid_to,
            decision_number=instance.decision_number,
            decision_date=instance.decision_date,
        )
        instance.pk = position.pk
        instance._state.adding = False
