"""A property-based run against the published OpenAPI schema (schemathesis):
every operation, called as a unit officer with a real key on a small province
with dossiers, with generated parameters and bodies — no answer is a server
error and every documented answer matches the schema. Bounded and
deterministic: a few examples per operation, derandomised."""

from __future__ import annotations

import pytest
import schemathesis
from django.test import Client
from django.test.client import ClientHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from workflows.api.tokens import token_create

pytestmark = pytest.mark.django_db


def application(environ, start_response):
    """The app as WSGI through Django's test handler, which keeps the test's
    database connection open across requests (PostgreSQL) as the test client
    does."""
    response = ClientHandler(enforce_csrf_checks=True)(environ)
    start_response(
        f"{response.status_code} {response.reason_phrase}", list(response.items())
    )
    return [response.content]


@pytest.fixture
def api_schema(driver, people):
    """The schema as published at /api/v1/schema/, served by the app itself."""
    driver.start("officer", title="Đề án mẫu")
    response = Client().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return schemathesis.from_dict(response.json(), app=application)


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_honours_its_schema(case, people):
    _token, key = token_create(user=people["officer"], name="schema run")
    response = case.call_wsgi(headers={"Authorization": f"Token {key}"})
    case.validate_response(
        response,
        checks=(
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
        ),
    )


def test_the_schema_and_its_page_are_published(client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/units/{id}/establishment/" in paths or any(
        p.endswith("/establishment/") for p in paths
    )
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    # Swagger UI from the app's own static files, nothing from the internet.
    assert "drf_spectacular_sidecar" in html
    assert "cdn." not in html and "unpkg" not in html
