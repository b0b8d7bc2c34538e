"""What every API view shares: the audit channel ("via API" on every row the
request writes), the request's address, dates in the query, and the
``ETag``/``If-Match`` of a dossier."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import APIView

from appraisal.models import AuditEntry
from appraisal.services.dossiers import audit_channel

from ..views import client_ip
from .errors import PreconditionFailed, PreconditionRequired


class ApiView(APIView):
    def dispatch(self, request, *args, **kwargs):
        with audit_channel(AuditEntry.Channel.API):
            return super().dispatch(request, *args, **kwargs)

    def ip(self) -> str | None:
        return client_ip(self.request)

    def query_date(self, name: str = "as_of") -> datetime.date:
        """The date ``?name=YYYY-MM-DD`` (today when absent)."""
        value = self.request.query_params.get(name, "")
        if not value:
            return timezone.localdate()
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise exceptions.ValidationError(
                {name: [_("Enter a date as YYYY-MM-DD.")]}
            ) from None

    def query_text(self, name: str) -> str:
        """A free-text parameter (a search), at most 100 characters; a NUL
        character, which no text holds, is dropped."""
        return self.request.query_params.get(name, "").replace("\x00", "")[:100]

    def query_int(self, name: str) -> int | None:
        value = self.request.query_params.get(name, "")
        if value == "":
            return None
        if not value.isascii() or not value.isdigit() or len(value) > 12:
            raise exceptions.ValidationError({name: [_("Enter a whole number.")]})
        return int(value)


def etag(dossier) -> str:
    """The dossier's entity tag: changes with every write (its ``version``)."""
    return f'"{dossier.pk}-{dossier.version}"'


def if_match_required(request) -> str:
    """The ``If-Match`` header (428 without it)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    return header


def if_match_version(header: str, dossier) -> int:
    """The version the client last read, from the ``If-Match`` header: 412 when
    it is not ``dossier``'s current one (read under the flow's lock)."""
    if header == "*":
        return dossier.version
    for candidate in header.split(","):
        tag = candidate.strip().removeprefix("W/").strip('"')
        pk, _sep, version = tag.partition("-")
        if pk == str(dossier.pk) and version.isdigit():
            if int(version) != dossier.version:
                raise PreconditionFailed()
            return int(version)
    raise PreconditionFailed()
