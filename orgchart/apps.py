from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgchartConfig(AppConfig):
    name = "orgchart"
    verbose_name = _("Organisational chart")
    default_auto_field = "django.db.models.BigAutoField"
