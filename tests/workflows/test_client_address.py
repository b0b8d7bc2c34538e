"""The audit trail's address: ``X-Forwarded-For`` is believed only when the
request comes from a proxy listed in ``TRUSTED_PROXIES``."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from appraisal.models import JobPositionProject
from workflows.client_address import client_address

PROXY = "10.0.0.5"


def _address(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **meta))


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert _address(PROXY, "203.0.113.7") == PROXY
    assert _address("198.51.100.2", "203.0.113.7") == "198.51.100.2"


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # Through the proxy: the client's address as the proxy saw it.
        (PROXY, "203.0.113.7", "203.0.113.7"),
        # A client that writes the header itself does not choose its address:
        # the proxy appends the real one, read from the right.
        (PROXY, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # Two trusted hops (a network listed): the first untrusted from the right.
        (PROXY, "203.0.113.7, 10.0.1.9", "203.0.113.7"),
        # Not from the proxy: the header is the client's own words.
        ("198.51.100.2", "203.0.113.7", "198.51.100.2"),
        # Garbage in the header: the last address a trusted proxy vouched for.
        (PROXY, "<script>, 203.0.113.7", "203.0.113.7"),
        (PROXY, "not-an-address", PROXY),
        (PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_a_trusted_proxy_the_header_is_read_from_the_right(
    settings, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = [PROXY, "10.0.1.0/24"]
    assert _address(remote, forwarded) == expected


@pytest.mark.parametrize(
    ("trusted", "expected"), [([PROXY], "203.0.113.7"), ([], PROXY)]
)
def test_the_audit_row_records_the_address_both_ways(
    driver, units, settings, trusted, expected
):
    settings.TRUSTED_PROXIES = trusted
    driver.login("officer")
    response = driver.client.post(
        reverse("jobpositionproject:start:execute"),
        {"unit": units["a"].pk, "kind": "adjustment", "title": "Đề án qua proxy"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert response.status_code == 302
    entry = JobPositionProject.objects.get(title="Đề án qua proxy").audit_entries.get()
    assert entry.ip == expected
