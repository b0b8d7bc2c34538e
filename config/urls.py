from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.health import healthz
from workflows.api.urls import keys as api_keys
from workflows.api.urls import v1 as api_v1
from workflows.delegation_views import urlpatterns as delegation_urls
from workflows.frontend import auth_urls, site

admin.site.site_header = _("PositionFlow administration")
admin.site.site_title = _("PositionFlow administration")
admin.site.index_title = _("Reference data and settings")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("orgchart.two_factor.urls")),
    path("accounts/", auth_urls),
    path("api/v1/", include(api_v1)),
    path("api-keys/", include(api_keys)),
    path("delegations/", include(delegation_urls)),
    path("", site.urls),
]

# The people's error pages (config/errors.py), in Vietnamese, with a way back.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
