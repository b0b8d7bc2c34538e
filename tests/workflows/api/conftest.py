"""Fixtures of the API tests: a client that speaks JSON with a person's own
personal key, as another system would."""

from __future__ import annotations

import pytest
from django.test import Client
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from workflows.api.tokens import token_create


class ApiClient:
    """Calls the API as one person through a real key (``Authorization:
    Token``), never through the session."""

    def __init__(self, user=None):
        self.client = Client()
        self.user = user
        self.headers = {}
        if user is not None:
            _token, key = token_create(user=user, name="tests")
            self.headers["Authorization"] = f"Token {key}"

    def get(self, path, **params):
        return self.client.get(path, params, headers=self.headers)

    def send(self, method, path, data=None, *, etag=None, multipart=False):
        headers = dict(self.headers)
        if etag:
            headers["If-Match"] = etag
        call = getattr(self.client, method)
        if multipart:
            return call(path, data or {}, headers=headers)
        return call(path, data or {}, content_type="application/json", headers=headers)

    def post(self, path, data=None, **kwargs):
        return self.send("post", path, data, **kwargs)

    def patch(self, path, data=None, **kwargs):
        return self.send("patch", path, data, **kwargs)


@pytest.fixture
def api(people):
    """``api("officer")`` is a client with the officer's key; ``api(None)``
    is anonymous."""
    cache = {}

    def make(who):
        if who not in cache:
            cache[who] = ApiClient(None if who is None else people[who])
        return cache[who]

    return make


def open_task(process) -> Task | None:
    """The open human task of ``process``, if any."""
    return (
        Task.objects.filter(
            process_id=process.pk,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            flow_task_type="HUMAN",
        )
        .select_related("owner")
        .order_by("-pk")
        .first()
    )
