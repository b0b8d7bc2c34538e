"""The project's middleware: the interface language and the idle-session expiry.

Vietnamese for everyone unless the person chose another language. Django's
``LocaleMiddleware`` follows the browser's Accept-Language header, so a
civil servant whose browser happens to be set to English would get an English
interface. PositionFlow speaks Vietnamese by default (``LANGUAGE_CODE``); the
language switch (Django's ``set_language`` view) stores an explicit choice in the
language cookie, and that is the only thing that changes it.
"""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()


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

    RENEWED_KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            renewed = session.get(self.RENEWED_KEY, 0)
            if now - renewed >= settings.SESSION_RENEW_SECONDS:
                session[self.RENEWED_KEY] = now
        return self.get_response(request)
