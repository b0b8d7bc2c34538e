"""Nothing but the second step until it is done.

After the password, a session whose person has an authenticator app is not yet
logged in for the application: every page sends them to the code page; a person
whose role requires two-factor authentication and who has no app yet is sent to
set one up. Only those pages, logging out, the language switch and static files
are served meanwhile. The API is for keys (each key is its own proof, made on a
page that needed the second step): a session that has not done it is no login
there (anonymous, so the API answers 401/403 as for anyone without a key).

Whether a person needs the step at all is asked once per session: a person with
no app and no duty to have one is remembered in the session and costs no query
afterwards (setting up an app from "Account security" clears it).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseRedirect
from django.urls import reverse

from . import services

#: The session key that remembers a person needs no second step this session.
FREE_KEY = "two_factor_free"

VERIFY, ENROL = "verify", "enrol"


def step_pending(request) -> str | None:
    """``VERIFY``, ``ENROL`` or ``None`` for the signed-in ``request.user``."""
    user = request.user
    if user.is_verified():
        return None
    if request.session.get(FREE_KEY) == user.pk:
        return None
    if services.totp_device_get(user) is not None:
        return VERIFY
    if services.two_factor_required(user):
        return ENROL
    request.session[FREE_KEY] = user.pk
    return None


def free_of_step_remember(session, user) -> None:
    """At login: remember in the session that ``user`` needs no second step
    (no app, no duty to have one), so no page of theirs asks again."""
    if services.totp_device_get(user) is None and not services.two_factor_required(
        user
    ):
        session[FREE_KEY] = user.pk


def step_done(request) -> None:
    """Forget what ``step_pending`` remembered (the person set up an app)."""
    request.session.pop(FREE_KEY, None)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            step = step_pending(request)
            if step is not None:
                return self._pending(request, step)
        return self.get_response(request)

    def _pending(self, request, step: str):
        path = request.path_info
        if path.startswith("/api/"):
            request.user = AnonymousUser()
            return self.get_response(request)
        allowed = {
            reverse("logout"),
            reverse("two_factor_verify" if step == VERIFY else "two_factor_enrol"),
        }
        static = "/" + settings.STATIC_URL.lstrip("/")
        if (
            path in allowed
            or path.startswith(static)
            or path == reverse("set_language")
        ):
            return self.get_response(request)
        target = reverse("two_factor_verify" if step == VERIFY else "two_factor_enrol")
        next_url = request.get_full_path() if request.method == "GET" else "/"
        return HttpResponseRedirect(f"{target}?{urlencode({'next': next_url})}")
