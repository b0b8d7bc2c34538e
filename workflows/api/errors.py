"""One shape for every error the API answers, with a stable code a program can
test and a message in the request's language (Vietnamese by default):

    {"code": "stale_version", "detail": "…", "errors": {"field": ["…"]}}

``errors`` appears when the refusal concerns named fields (a service's keyed
``ValidationError`` or a malformed body)."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from viewflow.workflow.exceptions import FlowLockFailed


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(
        "The dossier was changed since you read it: read it again (its new ETag) "
        "and repeat the change."
    )
    default_code = "stale_version"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = gettext_lazy(
        "Send the dossier's ETag in an If-Match header, so a change made meanwhile "
        "is not overwritten."
    )
    default_code = "if_match_required"


class Busy(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy(
        "Someone else is acting on this dossier right now. Nothing was changed; "
        "please try again in a moment."
    )
    default_code = "busy"


class NoTask(exceptions.APIException):
    """The step asked for is not open for this person on this dossier now."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This step is not open on the dossier now.")
    default_code = "step_not_open"


#: Messages of DRF's own refusals, in our words (and so in our catalogue).
MESSAGES = {
    "not_authenticated": gettext_lazy(
        "Sign in, or send a personal API key: Authorization: Token <key>."
    ),
    "authentication_failed": gettext_lazy(
        "The API key is unknown, expired or revoked."
    ),
    "invalid_token": gettext_lazy("The API key is unknown, expired or revoked."),
    "permission_denied": gettext_lazy("You may not do this."),
    "not_found": gettext_lazy("Not found."),
    "method_not_allowed": gettext_lazy("This method is not allowed here."),
    "not_acceptable": gettext_lazy("This response format is not available."),
    "unsupported_media_type": gettext_lazy(
        "Send JSON (or multipart/form-data for a file)."
    ),
    "throttled": gettext_lazy("Too many requests: wait a moment and try again."),
    "parse_error": gettext_lazy("The request body is not valid JSON."),
    "invalid": gettext_lazy("The request has errors: see each field."),
}


def _body(code: str, detail, errors=None) -> dict:
    body = {"code": code, "detail": str(detail)}
    if errors:
        body["errors"] = errors
    return body


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's nested error detail as ``{field: [message, …]}`` (a nested field
    as ``lines.2.headcount``)."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif (
            isinstance(value, list)
            and value
            and not all(isinstance(item, str) for item in value)
        ):
            for index, item in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), item)
        elif isinstance(value, list):
            if value:
                out.setdefault(prefix or "non_field_errors", []).extend(
                    str(item) for item in value
                )
        else:
            out.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return out


def validation_error_response(exc: ValidationError) -> Response:
    """A service's refusal: its first code, every message, keyed by field when
    the service named them."""
    if hasattr(exc, "error_dict"):
        errors = {
            key: [message for error in items for message in error.messages]
            for key, items in exc.error_dict.items()
        }
        first = next(iter(exc.error_dict.values()))[0]
        code = first.code or "invalid"
        detail = next(iter(errors.values()))[0]
    else:
        errors = None
        code = next((error.code for error in exc.error_list if error.code), None)
        code = code or "invalid"
        messages = [message for error in exc.error_list for message in error.messages]
        detail = " ".join(messages)
        if len(messages) > 1:
            errors = {"non_field_errors": messages}
    return Response(_body(code, detail, errors), status=status.HTTP_400_BAD_REQUEST)


def _stale(exc: ValidationError) -> bool:
    return (
        any(error.code == "stale" for error in exc.error_list)
        if not hasattr(exc, "error_dict")
        else False
    )


def exception_handler(exc, context):
    if isinstance(exc, ValidationError) and _stale(exc):
        exc = PreconditionFailed()
    elif isinstance(exc, ValidationError):
        return validation_error_response(exc)
    if isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, FlowLockFailed):
        exc = Busy()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = _body("invalid", MESSAGES["invalid"], errors)
        return response
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    detail = MESSAGES.get(code)
    if detail is None or (
        isinstance(exc.detail, str) and str(exc.detail) != str(exc.default_detail)
    ):
        detail = exc.detail
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        detail = _("Too many requests: try again in %(seconds)s seconds.") % {
            "seconds": int(exc.wait) + 1
        }
    response.data = _body(code, detail)
    return response
