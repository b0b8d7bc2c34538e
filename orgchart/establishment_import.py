"""The establishment (job positions) imported from a spreadsheet at province size:
the fast path of the ``establishment`` import kind (``orgchart.import_jobs``).

The same columns, cell readers and messages as the administrators' import of job
positions (``orgchart.resources.JobPositionResource``), read differently:

* the file is streamed row by row through the guarded reader (memory does not
  grow with the file);
* the reference tables (units, ranks, categories, catalogue entries) and the keys
  of the positions already recorded are loaded once, into dictionaries, not
  looked up per row;
* every row is checked (cells, then the model's own rules: ``full_clean``), and
  every bad row is reported with its line, column and reason;
* the rows are inserted with ``bulk_create`` in batches, all inside one
  transaction: one bad row anywhere, or a worker that dies, writes nothing.

Positions come only from decisions (Decree 62/2020/NĐ-CP Art. 7): every row needs
its decision number; an import adds positions and never changes one.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from . import services
from .filereader import iter_rows, limits
from .import_jobs import ImportRowErrors, Progress, row_error
from .imports import COLUMN_CODES, CellError, text_value
from .models import ImportJob, JobPosition, Unit
from .resources import JobPositionResource

#: Rows per INSERT statement.
BATCH_SIZE = 2000

#: Foreign keys, checked by the cell readers against the dictionaries (not by
#: ``full_clean``, which would query each one).
RELATIONS = ("unit", "category", "rank", "catalogue_entry")

#: The fields of a position a row gives, compared for a row naming an existing id.
COMPARED = (
    "unit_id", "name", "category_id", "rank_id", "catalogue_entry_id", "headcount",
    "job_description", "competency_framework", "valid_from", "valid_to",
    "decision_number", "decision_date",
)  # fmt: skip


def _units_by_code() -> dict[str, list[Unit]]:
    """Every unit by code, the latest first (a code may come back after its unit
    closed): one query."""
    units: dict[str, list[Unit]] = {}
    for unit in Unit.objects.order_by("code", "-valid_from"):
        units.setdefault(unit.code, []).append(unit)
    return units


def _existing_keys() -> dict[tuple, int]:
    """The positions already recorded, by (unit, name, rank, first day): one
    query, the keys only."""
    return {
        (unit_id, name, rank_id, valid_from): pk
        for pk, unit_id, name, rank_id, valid_from in JobPosition.objects.order_by(
            "pk"
        ).values_list("pk", "unit_id", "name", "rank_id", "valid_from")
    }


class _Reader:
    """The rows of one file, checked one by one against what was loaded once."""

    def __init__(self, headings: list):
        self.resource = JobPositionResource()
        layout = self.resource.layout()
        self.keys = layout.match(headings)
        self.headers = {
            key: " ".join(text_value(heading).split())
            for key, heading in zip(self.keys, headings, strict=False)
            if key is not None
        }
        self.fields = [
            field
            for field in self.resource.get_import_fields()
            if field.column_name in self.headers
        ]
        self.column_of = {
            field.attribute: field.column_name
            for field in self.resource.get_import_fields()
        }
        for field in self.resource.get_import_fields():
            if hasattr(field.widget, "reset"):
                field.widget.reset()
        # The units of every code, loaded once for the unit column's reader.
        unit_reader = self.resource.fields["unit_code"].widget
        unit_reader._cache = _units_by_code()
        self.required = {
            name: self.resource.fields[name].attribute
            for name in self.resource.required_columns
        }
        self.existing = _existing_keys()
        self.seen: dict[tuple, int] = {}

    def header(self, attribute: str) -> str:
        column = self.column_of.get(attribute, attribute)
        return self.headers.get(column, column)

    def record(self, values: list) -> dict:
        return {
            key: value
            for key, value in zip(self.keys, values, strict=False)
            if key is not None
        }

    def check(
        self, line: int, record: dict
    ) -> tuple[JobPosition | None, bool, list[dict]]:
        """The position of one row, whether it is new, and the row's problems."""
        errors: list[dict] = []
        values: dict = {}
        for field in self.fields:
            try:
                values[field.attribute] = field.widget.clean(
                    record.get(field.column_name), row=record
                )
            except CellError as exc:
                message = exc.message % exc.params if exc.params else exc.message
                column = (
                    self.header(field.attribute) if exc.code in COLUMN_CODES else ""
                )
                errors.append(row_error(line, message, column))
        for column, attribute in self.required.items():
            if attribute in values and values[attribute] in (None, ""):
                if attribute == "name" and values.get("catalogue_entry"):
                    continue
                errors.append(
                    row_error(
                        line,
                        _("this cell must not be empty."),
                        self.headers.get(column, column),
                    )
                )
                values.pop(attribute)
        if errors:
            return None, False, errors
        pk = values.pop("id", None)
        position = JobPosition(**{k: v for k, v in values.items() if v is not None})
        entry = position.catalogue_entry if position.catalogue_entry_id else None
        if entry is not None:
            position.name = position.name or entry.name
            if position.category_id is None:
                position.category = entry.category
        try:
            position.full_clean(
                exclude=list(RELATIONS),
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = "" if name == NON_FIELD_ERRORS else self.header(name)
                errors.extend(row_error(line, message, column) for message in messages)
            return None, False, errors
        if pk is not None:
            return None, False, self._same_as_existing(line, pk, position)
        key = (position.unit_id, position.name, position.rank_id, position.valid_from)
        first = self.seen.setdefault(key, line)
        if first != line:
            reason = _(
                "the same position appears more than once in the file (also "
                "on line %(line)s)."
            ) % {"line": first}
            return None, False, [row_error(line, reason)]
        existing = self.existing.get(key)
        if existing is not None:
            reason = _(
                'unit %(unit)s already has the position "%(name)s" with '
                "rank %(rank)s from %(date)s (id %(id)s). To import an "
                "exported file again, keep its id column."
            ) % {
                "unit": position.unit.code,
                "name": position.name,
                "rank": position.rank.code,
                "date": date_format(position.valid_from, "SHORT_DATE_FORMAT"),
                "id": existing,
            }
            return None, False, [row_error(line, reason)]
        return position, True, []

    def _same_as_existing(self, line: int, pk: int, position: JobPosition) -> list:
        """A row with the id of a recorded position: accepted (and skipped) only
        if nothing differs (an exported file imports back unchanged)."""
        recorded = JobPosition.objects.filter(pk=pk).first()
        if recorded is None:
            reason = _(
                "there is no position with id %(id)s; leave the id empty "
                "to add a new position."
            ) % {"id": pk}
            return [row_error(line, reason, self.header("id"))]
        if any(getattr(recorded, f) != getattr(position, f) for f in COMPARED):
            reason = _(
                "position %(id)s already exists with other values. The "
                "establishment changes only by a decision: an import adds "
                "new positions and cannot change existing ones."
            ) % {"id": pk}
            return [row_error(line, reason)]
        return []


def establishment_import(*, data: bytes, name: str, progress: Progress) -> int:
    """Add the job positions of the file ``data`` (xlsx or csv, the columns of
    the establishment's template) to the establishment, all or none: returns the
    number written, or raises :class:`ImportRowErrors` with every bad row (and
    ``ValidationError``/``ImportFileError`` for a file that cannot be read)."""
    rows = iter_rows(data, name=name, bounds=limits(background=True))
    headings = next(rows, None)
    reader = _Reader(headings or [])
    errors: list[dict] = []
    batch: list[JobPosition] = []
    any_row = False
    with transaction.atomic():
        for line, values in enumerate(rows, start=2):
            record = reader.record(values)
            if all(not text_value(value) for value in record.values()):
                continue  # a blank line; line numbers are kept
            any_row = True
            progress.add(read=1)
            position, new, found = reader.check(line, record)
            if found:
                errors.extend(found)
                continue
            progress.add(validated=1)
            if new and not errors:
                batch.append(position)
                if len(batch) >= BATCH_SIZE:
                    _write(batch, progress)
        if not any_row:
            raise ValidationError(
                _("The file has no data: nothing below the line of column names."),
                code="no_rows",
            )
        if errors:
            raise ImportRowErrors(errors)
        _write(batch, progress)
    return progress.written


def _write(batch: list[JobPosition], progress: Progress) -> None:
    if batch:
        services.position_bulk_create(positions=batch, checked=True)
        progress.add(written=len(batch))
        batch.clear()


def run(job: ImportJob, progress: Progress) -> int:
    """The ``establishment`` kind's runner."""
    with job.file.open("rb") as stored:
        data = stored.read()
    return establishment_import(data=data, name=job.file_name, progress=progress)


def may_submit(user, unit, target_id) -> bool:
    """The administrators who load the establishment approved on paper."""
    return user.is_active and user.has_perm("orgchart.add_jobposition")
