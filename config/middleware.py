"""The project's middleware: the interface language (the idle-session expiry is
``orgchart.sessions``).

Vietnamese for everyone unless the person chose another language. Django's
``LocaleMiddleware`` follows the browser's Accept-Language header, so a
civil servant whose browser happens to be set to English would get an English
interface. PositionFlow speaks Vietnamese by default (``LANGUAGE_CODE``); the
language switch (Django's ``set_language`` view) stores an explicit choice in the
language cookie, and that is the only thing that changes it.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
