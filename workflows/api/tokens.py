"""Personal API tokens: made, listed and revoked by their holder (the services
of the tokens page and of the API's authentication)."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import ApiToken

#: How long a key may live at most, and by default.
MAX_DAYS = 365
DEFAULT_DAYS = 90
PREFIX_LENGTH = 8


def token_digest(key: str) -> str:
    """The SHA-256 digest kept instead of the key (a key is 256 random bits: a
    fast digest is enough, unlike for a password)."""
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user, name: str, days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new key for ``user``, valid ``days`` days; returns the token and the
    key itself, which is shown once and never kept."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Say what the key is for.")}, code="required")
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(
            {"days": _("A key lives from 1 to %(max)s days.") % {"max": MAX_DAYS}},
            code="invalid_expiry",
        )
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        digest=token_digest(key),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    return token, key


def token_revoke(*, user, pk: int) -> ApiToken:
    """Revoke one of ``user``'s keys (another person's answers as missing)."""
    token = ApiToken.objects.get(user=user, pk=pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_list_for_user(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def token_authenticate(key: str) -> ApiToken | None:
    """The usable token of ``key`` with its holder, or ``None`` (unknown,
    expired, revoked, or its holder deactivated)."""
    token = (
        ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
    )
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    # At most once a minute, so a busy client does not write on every request.
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(
        minutes=1
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
