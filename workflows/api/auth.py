"""Who is calling: a personal token (``Authorization: Token <key>``) or the
browser's session (with its CSRF check, as DRF does)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .tokens import token_authenticate


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token scheme over our hashed, expiring, revocable tokens; the
    request's ``auth`` is the ``ApiToken`` (the rate limit counts per token)."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        token = token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("The API key is unknown, expired or revoked."),
                code="invalid_token",
            )
        return token.user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "workflows.api.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _(
                "A personal key made on the page “API keys”: "
                "`Authorization: Token <key>`."
            ),
        }
