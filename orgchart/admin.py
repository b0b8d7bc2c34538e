"""The Django admin of the org chart: the administrators' tool for reference data,
with import and export of spreadsheets (xlsx and csv).

Import runs in two steps: the file is read and checked (preview, nothing written),
then confirmed. A file with any bad row shows every bad row with its line number
and cannot be confirmed. The establishment (job positions) is read-only here: the
only change the admin offers is importing new positions from a decision.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ExportForm, ImportForm

from . import services
from .filereader import check_size, estimate_rows
from .import_jobs import import_job_submit
from .imports import EXPORT_FORMATS, IMPORT_FORMATS, ImportFileError, UploadCache
from .models import (
    CatalogueEntry,
    JobPosition,
    PositionCategory,
    Rank,
    SalaryGroup,
    Unit,
)
from .resources import (
    CatalogueEntryResource,
    JobPositionResource,
    PositionCategoryResource,
    RankResource,
    SalaryGroupResource,
    UnitResource,
)
from .spreadsheets import XLSX_CONTENT_TYPE, template_filename


def upload_rows(upload) -> int:
    """About how many data rows an uploaded file holds (cheap: see
    ``filereader.estimate_rows``); the file is read again from its start."""
    upload.seek(0)
    data = upload.read(settings.IMPORT_JOB_MAX_BYTES + 1)
    upload.seek(0)
    return max(0, estimate_rows(data, name=upload.name or "") - 1)


class CheckedImportForm(ImportForm):
    """The first step of an import: the file, its format, and a check that the
    file can be read and has the right columns, before any row is looked at."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats
        self.resource_classes = resources

    def clean(self):
        cleaned_data = super().clean()
        upload = cleaned_data.get("import_file")
        file_format = cleaned_data.get("format")
        if not upload or file_format in (None, ""):
            return cleaned_data
        try:
            resource_class = self.resource_classes[
                int(cleaned_data.get("resource") or 0)
            ]
        except (IndexError, ValueError):
            resource_class = self.resource_classes[0]
        resource = resource_class()
        try:
            check_size(upload.size)
            dataset = self.import_formats[int(file_format)]().create_dataset(
                b"".join(upload.chunks())
            )
            resource.normalise(dataset)
            resource.check_file(dataset)
        except ImportFileError as exc:
            self.add_error("import_file", exc.message)
        except ValidationError as exc:
            self.add_error("import_file", exc)
        return cleaned_data


class SpreadsheetAdmin(ImportExportModelAdmin):
    """Import and export in the two formats people use, xlsx and csv.

    Every column is always exported (no column picker), so that an exported file
    can be imported back. CSV is written in UTF-8 with the byte-order mark so that
    Excel shows the Vietnamese letters.
    """

    #: The kind of import job of this table (``orgchart.import_kinds``): a file
    #: of more than ``IMPORT_BACKGROUND_ROWS`` rows is imported by a worker, and
    #: the person follows it on the job's page instead of a preview.
    import_job_kind: str | None = None

    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    import_form_class = CheckedImportForm
    export_form_class = ExportForm
    import_template_name = "admin/orgchart/import.html"
    tmp_storage_class = UploadCache
    to_encoding = "utf-8-sig"

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """As import-export's, but a workbook keeps real numbers and date cells for
        our own Excel format too (the library recognises only its own classes,
        by exact type, and would write every value as text)."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request, queryset, force_native_type=file_format.is_binary(), **kwargs
        )
        export_data = file_format.export_data(data)
        encoding = kwargs.get("encoding")
        if not file_format.is_binary() and encoding:
            export_data = export_data.encode(encoding)
        return export_data

    def import_action(self, request, **kwargs):
        """As import-export's, but a file of more than ``IMPORT_BACKGROUND_ROWS``
        rows becomes an import job (read by a worker, all or nothing, every bad
        row listed on the job's page) instead of a preview in the request."""
        upload = request.FILES.get("import_file")
        if (
            request.method == "POST"
            and upload is not None
            and self.import_job_kind
            and self.has_import_permission(request)
            and upload_rows(upload) > settings.IMPORT_BACKGROUND_ROWS
        ):
            try:
                job = import_job_submit(
                    kind=self.import_job_kind,
                    user=request.user,
                    file=upload,
                    return_url=request.get_full_path(),
                )
            except ValidationError:
                # Over the limits: the form says why, as for a small file.
                return super().import_action(request, **kwargs)
            messages.info(
                request,
                _(
                    "The file has %(rows)s rows: it is being imported in the "
                    "background. This page shows its progress; nothing is written "
                    "unless every row is valid."
                )
                % {"rows": job.rows_total},
            )
            return HttpResponseRedirect(job.get_absolute_url())
        return super().import_action(request, **kwargs)

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["background_rows"] = settings.IMPORT_BACKGROUND_ROWS
        layout = self.resource_classes[0]().layout()
        context["required_columns"] = [
            f"{c.header} ({c.key})" for c in layout.columns if c.required
        ]
        context["template_url"] = reverse(
            "admin:{}_{}_import_template".format(*self.get_model_info()),
            current_app=self.admin_site.name,
        )
        return context

    def get_urls(self):
        info = self.get_model_info()
        return [
            path(
                "import-template/",
                self.admin_site.admin_view(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request):
        """The Excel template of this import, for those who may import."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource = self.resource_classes[0]()
        response = HttpResponse(resource.template(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = (
            f'attachment; filename="{template_filename(self.model._meta.model_name)}"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def process_import(self, request, **kwargs):
        """ "Confirm import": the file is read again from the shared cache; if it
        has gone, say so and go back to the upload form (nothing is written)."""
        try:
            return super().process_import(request, **kwargs)
        except ImportFileError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(
                reverse(
                    "admin:{}_{}_import".format(*self.get_model_info()),
                    current_app=self.admin_site.name,
                )
            )

    def process_result(self, result, request):
        """After "Confirm import": if the data changed since the preview and a row
        is now refused, nothing was written; show why instead of a success."""
        if result.has_errors() or result.has_validation_errors():
            context = self.admin_site.each_context(request)
            form = self.get_import_form_class(request)(
                self.get_import_formats(), self.get_import_resource_classes(request)
            )
            context.update(
                {
                    "title": _("Import"),
                    "form": form,
                    "opts": self.model._meta,
                    "media": self.media + form.media,
                    "result": result,
                    "fields_list": [],
                    "import_error_display": self.import_error_display,
                }
            )
            request.current_app = self.admin_site.name
            return TemplateResponse(request, [self.import_template_name], context)
        return super().process_result(result, request)


@admin.register(SalaryGroup)
class SalaryGroupAdmin(SpreadsheetAdmin):
    resource_classes = [SalaryGroupResource]
    import_job_kind = "salary_groups"
    list_display = ("code", "name", "step1", "increment", "steps", "months_per_step")
    search_fields = ("code", "name", "name_en")


@admin.register(Rank)
class RankAdmin(SpreadsheetAdmin):
    resource_classes = [RankResource]
    import_job_kind = "ranks"
    list_display = ("code", "name", "kind", "salary_group", "ladder_level")
    list_filter = ("kind", "ladder_level", "salary_group")
    list_select_related = ("salary_group",)
    search_fields = ("code", "name", "name_en")


@admin.register(PositionCategory)
class PositionCategoryAdmin(SpreadsheetAdmin):
    resource_classes = [PositionCategoryResource]
    import_job_kind = "categories"
    list_display = ("code", "name", "order", "valid_from", "valid_to")
    search_fields = ("code", "name", "name_en")


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(SpreadsheetAdmin):
    resource_classes = [CatalogueEntryResource]
    import_job_kind = "catalogue"
    list_display = (
        "code", "name", "category", "sector", "highest_level", "lowest_level",
        "is_sample",
    )  # fmt: skip
    list_filter = ("category", "is_sample", "highest_level", "lowest_level")
    list_select_related = ("category",)
    search_fields = ("code", "name", "sector")


@admin.register(Unit)
class UnitAdmin(SpreadsheetAdmin):
    """Units are opened and changed through the services, so that the tree path of
    a unit and of its sub-units stays right; units are closed, never deleted."""

    resource_classes = [UnitResource]
    import_job_kind = "units"
    list_display = (
        "code", "name", "kind", "level", "parent", "admin_code", "valid_from",
        "valid_to", "status",
    )  # fmt: skip
    list_filter = ("kind", "level", "status")
    list_select_related = ("parent",)
    search_fields = ("code", "name", "short_name", "admin_code")
    autocomplete_fields = ("parent", "successors")
    readonly_fields = ("path", "depth")
    fields = (
        "code", "name", "short_name", "kind", "level", "parent", "admin_code",
        "valid_from", "valid_to", "status", "successors", "path", "depth",
    )  # fmt: skip

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
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
            if name in form.cleaned_data
        }
        if change:
            services.unit_update(unit=obj, **fields)
            return
        status = fields.pop("status", Unit.Status.ACTIVE)
        unit = services.unit_create(**fields)
        if status != unit.status:
            unit = services.unit_update(unit=unit, status=status)
        obj.pk, obj.path, obj.depth = unit.pk, unit.path, unit.depth
        obj._state.adding = False


@admin.register(JobPosition)
class JobPositionAdmin(SpreadsheetAdmin):
    """The establishment, read-only: positions are added by importing the
    positions of a decision, and changed only by a later decision."""

    resource_classes = [JobPositionResource]
    import_job_kind = "establishment"
    list_display = (
        "name", "unit", "category", "rank", "headcount", "valid_from", "valid_to",
        "decision_number",
    )  # fmt: skip
    list_filter = ("category", "valid_from")
    # The export reads the same rows, catalogue entry included.
    list_select_related = ("unit", "category", "rank", "catalogue_entry")
    search_fields = (
        "name",
        "unit__code",
        "unit__name",
        "rank__code",
        "decision_number",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The users' list with the reset of two-factor authentication.
from .two_factor import admin as _two_factor_admin  # noqa: E402,F401
