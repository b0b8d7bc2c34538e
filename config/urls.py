from django.contrib import admin
from django.urls import include, path

from workflows.frontend import auth_urls, site

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", auth_urls),
    path("", site.urls),
]
