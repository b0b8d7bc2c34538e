"""The org chart's kinds of import, registered with the job runner
(``orgchart.import_jobs``): the establishment's fast path, and the reference
data and units through their import resources (``orgchart.resources``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import establishment_import
from .import_jobs import ImportKind, ImportRowErrors, Progress, kind_register, row_error
from .imports import CSVFormat, ImportFileError, XLSXFormat, line_of
from .models import ImportJob
from .resources import (
    CatalogueEntryResource,
    PositionCategoryResource,
    RankResource,
    SalaryGroupResource,
    UnitResource,
)

kind_register(
    ImportKind(
        key="establishment",
        label=_("Job positions (establishment)"),
        run=establishment_import.run,
        may_submit=establishment_import.may_submit,
        streamed=True,
    )
)


def resource_kind_register(key: str, resource_class) -> ImportKind:
    """Register the import of a table through its import resource (the admin's
    import, run as a job for a file above ``IMPORT_BACKGROUND_ROWS``)."""
    model = resource_class._meta.model
    permission = f"{model._meta.app_label}.add_{model._meta.model_name}"

    def run(job: ImportJob, progress: Progress) -> int:
        with job.file.open("rb") as stored:
            data = stored.read()
        name = job.file_name.lower()
        if name.endswith(".xlsx"):
            file_format = XLSXFormat()
        elif name.endswith(".csv"):
            file_format = CSVFormat()
        else:
            raise ImportFileError(
                _("Import an Excel workbook (.xlsx) or a CSV file (.csv).")
            )
        resource = resource_class()
        resource.progress = progress
        result = resource.import_data(file_format.create_dataset(data))
        errors = [row_error(None, error.error) for error in result.base_errors]
        for row in result.invalid_rows:
            for messages in row.error_dict.values():
                errors.extend(row_error(line_of(row.number), m) for m in messages)
        for row in result.error_rows:
            errors.extend(row_error(line_of(row.number), e.error) for e in row.errors)
        if errors:
            raise ImportRowErrors(sorted(errors, key=lambda e: e["line"] or 0))
        totals = result.totals
        return totals.get("new", 0) + totals.get("update", 0)

    def may_submit(user, unit, target_id) -> bool:
        return user.is_active and user.has_perm(permission)

    return kind_register(
        ImportKind(
            key=key, label=resource_class._meta.name, run=run, may_submit=may_submit
        )
    )


for _key, _resource in (
    ("salary_groups", SalaryGroupResource),
    ("ranks", RankResource),
    ("categories", PositionCategoryResource),
    ("catalogue", CatalogueEntryResource),
    ("units", UnitResource),
):
    resource_kind_register(_key, _resource)
