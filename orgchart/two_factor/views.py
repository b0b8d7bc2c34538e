"""The pages of two-factor authentication: the code after the password, setting
up an authenticator app (with the backup codes shown once), and "Account
security" (Bảo mật tài khoản) from the user menu. Each calls one service."""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import generic
from django_otp import login as otp_login

from . import services
from .forms import AppCodeForm, CodeForm
from .middleware import step_done
from .qr import qr_svg


def _next_url(request) -> str:
    """Where to go once done: the page the person was going to (this site only)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _form_refused(form, error: ValidationError):
    for message in error.messages:
        form.add_error("code", message)


class VerifyView(LoginRequiredMixin, generic.FormView):
    """The second step of logging in: a code from the app or a backup code."""

    template_name = "registration/two_factor_verify.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and (
            user.is_verified() or services.totp_device_get(user) is None
        ):
            return HttpResponseRedirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=_next_url(self.request), **kwargs)

    def form_valid(self, form):
        try:
            device = services.code_verify(
                user=self.request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            _form_refused(form, error)
            return self.form_invalid(form)
        otp_login(self.request, device)
        return HttpResponseRedirect(_next_url(self.request))


class EnrolView(LoginRequiredMixin, generic.FormView):
    """Setting up an authenticator app: scan the QR code (or type the key),
    confirm with a code it shows; the backup codes are then shown once."""

    template_name = "registration/two_factor_enrol.html"
    form_class = AppCodeForm

    def get_context_data(self, **kwargs):
        user = self.request.user
        device = services.totp_enrolment_start(user=user)
        key = b32encode(device.bin_key).decode()
        return super().get_context_data(
            qr=qr_svg(device.config_url),
            key=" ".join(key[i : i + 4] for i in range(0, len(key), 4)),
            required=services.two_factor_required(user),
            next=_next_url(self.request),
            **kwargs,
        )

    def form_valid(self, form):
        request = self.request
        try:
            device, codes = services.totp_enrolment_confirm(
                user=request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            _form_refused(form, error)
            return self.form_invalid(form)
        otp_login(request, device)
        step_done(request)
        return render(
            request,
            "registration/two_factor_backup_codes.html",
            {"codes": codes, "next": _next_url(request), "first": True},
        )


class SecurityView(LoginRequiredMixin, generic.TemplateView):
    """ "Account security": whether two-factor authentication is on, required
    or optional; set up (or replace) the app, new backup codes, turn it off."""

    template_name = "orgchart/account_security.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            status=services.two_factor_status(self.request.user),
            session_minutes=settings.SESSION_COOKIE_AGE // 60,
            **kwargs,
        )

    def post(self, request):
        if "_backup_codes" in request.POST:
            if services.totp_device_get(request.user) is None:
                return HttpResponseRedirect(reverse("account_security"))
            codes = services.backup_codes_renew(user=request.user)
            return render(
                request,
                "registration/two_factor_backup_codes.html",
                {"codes": codes, "next": reverse("account_security")},
            )
        if "_disable" in request.POST:
            try:
                services.two_factor_disable(user=request.user)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Two-factor authentication is off."))
        return HttpResponseRedirect(reverse("account_security"))
