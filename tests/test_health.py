"""The liveness probe answers without a session or the database."""

import pytest


@pytest.mark.django_db
def test_health_probe_answers_ok_without_session_or_database(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "sessionid" not in response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_health_probe_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
