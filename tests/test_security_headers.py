"""Every page carries the content security policy and the other security
headers (the browser tests check that the policy blocks nothing the pages
need: tests/e2e/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/accounts/login/", "/home/", "/no-such-page/"])
def test_pages_carry_the_security_headers(client, db, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy
    assert "http:" not in policy and "https:" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
