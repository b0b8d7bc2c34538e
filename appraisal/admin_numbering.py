"""Admin of the numbering registers, the working calendar and the processing times.

Registers and issued numbers are the register's book (Decree 30/2020/NĐ-CP Art. 15):
only :func:`appraisal.services.numbering.number_issue` writes them, so here they are
read-only, except a register's number format. The calendar and the processing times
are reference data an administrator keeps.
"""

from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from appraisal.models import CalendarDay, IssuedNumber, NumberRegister, ProcessingTime


@admin.register(NumberRegister)
class NumberRegisterAdmin(admin.ModelAdmin):
    list_display = ["year", "issuer", "doc_type", "last_number", "format"]
    list_filter = ["year", "doc_type"]
    search_fields = ["issuer", "doc_type"]
    readonly_fields = ["issuer", "doc_type", "year", "last_number"]
    fields = ["issuer", "doc_type", "year", "last_number", "format"]

    def has_add_permission(self, request) -> bool:
        # A register opens with its first number; an empty one would only be noise.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IssuedNumber)
class IssuedNumberAdmin(admin.ModelAdmin):
    list_display = ["text", "issued_on", "subject", "register"]
    list_filter = ["register__year", "register__doc_type", "register__issuer"]
    list_select_related = ["register"]
    search_fields = ["text", "subject"]
    date_hierarchy = "issued_on"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "note", "legal_basis"]
    list_filter = ["kind"]
    search_fields = ["note", "legal_basis"]
    date_hierarchy = "date"

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "l")


@admin.register(ProcessingTime)
class ProcessingTimeAdmin(admin.ModelAdmin):
    list_display = ["dossier_kind", "step", "working_days", "valid_from", "legal_basis"]
    list_filter = ["dossier_kind", "step"]
    search_fields = ["legal_basis"]
