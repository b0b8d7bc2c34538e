"""Sessions end after a while without a request (``SESSION_COOKIE_AGE``), more
cheaply than ``SESSION_SAVE_EVERY_REQUEST``, and what a session needs to know
about its person is settled when they log in, not on their first page."""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY

#: When the session's expiry was last moved ahead (seconds since the epoch).
RENEWED_KEY = "_renewed_at"


def session_logged_in(sender, request, user, **kwargs) -> None:
    """At login (the session is saved with it): the expiry was just set, and
    whether the person needs the second step is asked now, once, so their
    pages carry none of it."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session[RENEWED_KEY] = int(time.time())
    from .two_factor.middleware import free_of_step_remember

    free_of_step_remember(session, user)


class IdleSessionMiddleware:
    """Ends a signed-in session after ``SESSION_COOKIE_AGE`` seconds without a
    request, more cheaply than ``SESSION_SAVE_EVERY_REQUEST``.

    The session backend refuses a session past its expiry; each save moves the
    expiry ``SESSION_COOKIE_AGE`` ahead. Rather than saving on every request,
    this marks the session modified when it was last renewed at least
    ``SESSION_RENEW_SECONDS`` ago, so a person who keeps working writes it about
    once a minute, and one who stops is logged out between ``SESSION_COOKIE_AGE``
    less a minute and ``SESSION_COOKIE_AGE`` later.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            renewed = session.get(RENEWED_KEY, 0)
            if now - renewed >= settings.SESSION_RENEW_SECONDS:
                session[RENEWED_KEY] = now
        return self.get_response(request)
