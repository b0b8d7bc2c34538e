"""The address a request came from, as the audit trail records it.

Behind the reverse proxy the README prescribes, ``REMOTE_ADDR`` is the proxy's
address and the person's is in ``X-Forwarded-For``, which anyone can also send
straight to the application to put another address in the record. So the
header is read only when the request comes from a proxy listed in
``TRUSTED_PROXIES`` (addresses or networks, from the environment), and then
from the right: each trusted proxy appends the address it received the request
from, so the first address from the right that is not a trusted proxy is the
client's; what lies left of it was written by the client and is not believed.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: IPAddress | None) -> bool:
    if address is None:
        return False
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    return any(address in network for network in networks)


def client_address(request) -> str | None:
    """The client's address (see the module docstring), ``None`` if unknown."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not is_trusted_proxy(remote):
        return str(remote)
    client = remote
    for text in reversed(forwarded.split(",")):
        address = _address(text)
        if address is None:
            # A malformed entry: nothing left of it can be placed; the last
            # hop a trusted proxy vouched for is the best known.
            break
        client = address
        if not is_trusted_proxy(address):
            break
    return str(client)
