"""A test URLconf: the site's routes plus one page that fails, to see the 500 page
a person gets. Never part of the production URLconf."""

from django.urls import path

from config import urls as site_urls


def broken_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("broken-for-test/", broken_view), *site_urls.urlpatterns]

handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500
