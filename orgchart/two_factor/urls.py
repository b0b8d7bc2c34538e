"""``/accounts/two-factor/…`` and ``/accounts/security/``."""

from django.urls import path

from . import views

urlpatterns = [
    path("two-factor/", views.VerifyView.as_view(), name="two_factor_verify"),
    path("two-factor/set-up/", views.EnrolView.as_view(), name="two_factor_enrol"),
    path("security/", views.SecurityView.as_view(), name="account_security"),
]
