"""The application's front end: viewflow's Material ``Site`` and its applications.

This is the only place (with the flows) that imports viewflow; the org chart's views
themselves are plain Django views in ``orgchart.views``.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site

site = Site(
    title=_("PositionFlow"),
    viewsets=[],
)

auth_urls = AuthViewset(with_profile_view=False).urls

