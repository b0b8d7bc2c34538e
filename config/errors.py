"""The error pages people see: 400, 403, 404, 500 and a refused form (CSRF), in
the interface's language, inside the app's frame, each saying in plain words what
happened and offering a way back (to "My work" and to the previous page).

Django shows its technical pages instead of these when DEBUG is on, and the demo
runs with DEBUG on for civil servants: ``FriendlyErrorsMiddleware`` renders the same
pages for the exceptions raised by views whatever DEBUG says (``FRIENDLY_ERROR_PAGES``
off gives developers Django's pages back). The traceback of an unexpected error
always goes to the log (logger ``django.request``), never to the page.

A 404 never says whether the thing exists: "not found" and "not yours to see" are
one answer, so nobody learns that another unit's dossier exists.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signals
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponseServerError
from django.template import loader
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger("django.request")
security_logger = logging.getLogger("django.security")


def back_url(request) -> str | None:
    """The page the person came from, when it is one of ours and not this one."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return None
    if referer == request.build_absolute_uri():
        return None
    return referer


def _render(request, template_name: str, status: int, **context):
    context["back_url"] = back_url(request)
    response = TemplateResponse(request, template_name, context, status=status)
    return response.render()


@requires_csrf_token
def bad_request(request, exception=None):
    return _render(request, "400.html", 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    # Our refusals carry a sentence for the person (who may do it); viewflow's
    # bare PermissionDenied has none, and the page then says it in general words.
    reason = str(exception) if exception is not None and exception.args else ""
    return _render(request, "403.html", 403, reason=reason)


@requires_csrf_token
def page_not_found(request, exception=None):
    # The exception's text is not shown: it could tell "exists" from "not yours".
    return _render(request, "404.html", 404)


def server_error(request=None):
    """The 500 page renders without the request, the database or the template
    context processors: whatever broke must not break the page too."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({}))


def csrf_failure(request, reason=""):
    """A form refused because its security token was missing or stale (a page
    left open across a log-in, cookies blocked): nothing was saved. Django's CSRF
    middleware logs the reason."""
    return _render(request, "403_csrf.html", 403)


class FriendlyErrorsMiddleware:
    """Our error pages for the exceptions views raise, with DEBUG on as well.

    Http404 and PermissionDenied render the 404 and 403 pages; SuspiciousOperation
    the 400 page; anything else, when DEBUG is on, the 500 page after logging the
    traceback and sending ``got_request_exception`` (the test client re-raises it,
    error reporters hear of it). With DEBUG off Django's own handling of unexpected
    errors runs (``handler500``), mail to the admins included.
    An address that matches no route never reaches a view: that 404 is replaced
    here too when DEBUG would show Django's list of the site's routes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and settings.DEBUG
            and getattr(settings, "FRIENDLY_ERROR_PAGES", True)
            and getattr(request, "resolver_match", None) is None
        ):
            return page_not_found(request)
        return response

    def process_exception(self, request, exception):
        if not getattr(settings, "FRIENDLY_ERROR_PAGES", True):
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        if isinstance(exception, SuspiciousOperation):
            security_logger.error(str(exception), exc_info=exception)
            return bad_request(request, exception)
        if settings.DEBUG:
            logger.error(
                "Internal Server Error: %s",
                request.path,
                exc_info=exception,
                extra={"status_code": 500, "request": request},
            )
            signals.got_request_exception.send(sender=None, request=request)
            response = server_error(request)
            response._has_been_logged = True  # the traceback above is the record
            return response
        return None
