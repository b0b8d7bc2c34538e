"""Production smoke test: talk to a running gunicorn as the reverse proxy would.

Run by ``.ci/prod-smoke`` after the README's production steps (DEBUG off,
PostgreSQL, ``collectstatic``). The app sits behind a TLS-terminating proxy that sets
``X-Forwarded-Proto: https``; this client sends that header on every request, as the
proxy does, and handles cookies the way a browser does behind that proxy: the
session and CSRF cookies must come back marked ``Secure`` (the browser would send
them only over HTTPS, which the proxy provides) and ``HttpOnly`` for the session.

For every demo role it logs in through the real login form, follows the home page
to where it lands (200), loads a static file the page links to (200, served by
WhiteNoise with a hashed name), and opens a dossier page (200 for a role that may
see the dossier; 404 for the commune officer, who may not). Exit status 1 on the
first failure, with the reason.
"""

from __future__ import annotations

import http.client
import re
import sys
import time
from base64 import b32decode
from html import unescape
from urllib.parse import urlencode, urljoin, urlsplit

from django_otp.oath import hotp

PASSWORD = "demo12345"  # noqa: S105 - the documented demo password
#: The documented demo authenticator key (orgchart.demo.DEMO_TOTP_KEY) of the
#: logins whose role requires two-factor authentication.
TOTP_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
TWO_FACTOR = {"director", "committee", "admin"}
#: Demo logins and whether they may open the demo dossier of Sở Tư pháp.
ROLES = {
    "officer": True,
    "unithead": True,
    "officer2": False,
    "reception": True,
    "divisionhead": True,
    "appraiser": True,
    "director": True,
    "committee": True,
    "observer": True,
    "admin": None,  # administrators use /admin/; not a party to dossiers
}


class Failure(Exception):
    pass


class ProxiedClient:
    """An HTTP client that stands behind the TLS proxy: every request says it came
    over HTTPS, and cookies are kept like a browser keeps them."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.origin = f"https://{parts.hostname}:{parts.port}"
        self.cookies: dict[str, str] = {}
        self.cookie_flags: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None, referer=""):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {
            "Host": f"{self.host}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "vi",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = referer or self.origin + path
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                self._keep_cookie(value)
        connection.close()
        return response.status, dict(response.getheaders()), content

    def _keep_cookie(self, header: str) -> None:
        name_value, _, flags = header.partition(";")
        name, _, value = name_value.strip().partition("=")
        self.cookie_flags[name] = flags.lower()
        if "max-age=0" in flags.lower() or value == '""':
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def get(self, path: str, *, follow: bool = True):
        """GET, following redirects within the site (an https:// Location from
        the proxy-aware app is mapped back onto this server)."""
        for _ in range(10):
            status, headers, content = self.request("GET", path)
            location = headers.get("Location")
            if follow and status in (301, 302, 303, 307, 308) and location:
                target = urlsplit(urljoin(self.origin + path, location))
                if target.hostname != self.host:
                    raise Failure(f"redirect off the site: {location}")
                path = target.path + (f"?{target.query}" if target.query else "")
                continue
            return status, path, content
        raise Failure(f"too many redirects from {path}")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


def login(client: ProxiedClient, username: str) -> None:
    status, path, page = client.get("/accounts/login/")
    check(status == 200, f"login page answered {status}")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    check(token is not None, "no CSRF token on the login form")
    csrf_flags = client.cookie_flags.get("csrftoken", "")
    check("secure" in csrf_flags, "CSRF cookie not Secure")
    status, headers, _ = client.request(
        "POST",
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": username,
            "password": PASSWORD,
        },
    )
    check(status == 302, f"{username}: login answered {status}, expected a redirect")
    flags = client.cookie_flags.get("sessionid", "")
    check("secure" in flags, "session cookie not Secure")
    check("httponly" in flags, "session cookie not HttpOnly")
    check("sessionid" in client.cookies, f"{username}: no session after login")
    if username in TWO_FACTOR:
        second_step(client, username)


def second_step(client: ProxiedClient, username: str) -> None:
    """The code of the demo's authenticator app, as the phone computes it."""
    status, path, page = client.get("/")
    check(path.startswith("/accounts/two-factor/"), f"{username}: no code asked")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    check(token is not None, f"{username}: no CSRF token on the code page")
    code = f"{hotp(b32decode(TOTP_KEY), int(time.time()) // 30, 6):06d}"
    status, headers, _ = client.request(
        "POST",
        "/accounts/two-factor/",
        {"csrfmiddlewaretoken": token.group(1).decode(), "code": code, "next": "/"},
    )
    check(status == 302, f"{username}: the code answered {status}")


def find_dossier(client: ProxiedClient) -> str:
    """The first dossier page linked from the job-position project list."""
    status, _, page = client.get("/jobpositionproject/")
    check(status == 200, f"dossier list answered {status}")
    match = re.search(rb'href="(/jobpositionproject/\d+/)"', page)
    check(match is not None, "no dossier on the list")
    return match.group(1).decode()


def smoke(base: str) -> None:
    reference = ProxiedClient(base)
    login(reference, "observer")
    dossier = find_dossier(reference)
    print(f"dossier page used: {dossier}")

    for username, sees_dossier in ROLES.items():
        client = ProxiedClient(base)
        login(client, username)
        status, landed, page = client.get("/")
        check(status == 200, f"{username}: home page answered {status} at {landed}")
        check(b"<html" in page.lower(), f"{username}: home page is not HTML")
        statics = re.findall(rb'(?:href|src)="(/static/[^"]+)"', page)
        check(statics, f"{username}: the home page links no static file")
        hashed = [s for s in statics if re.search(rb"\.[0-9a-f]{12}\.", s)]
        check(hashed, f"{username}: static files are not from the manifest")
        static = unescape(hashed[0].decode())
        status, _, content = client.get(static)
        check(status == 200 and content, f"{username}: {static} answered {status}")
        if sees_dossier is not None:
            status, _, _ = client.get(dossier)
            expected = 200 if sees_dossier else 404
            check(
                status == expected,
                f"{username}: dossier page answered {status}, expected {expected}",
            )
        if username == "admin":
            status, _, _ = client.get("/admin/")
            check(status == 200, f"admin: /admin/ answered {status}")
        print(f"ok {username}: home {landed}, {static}, dossier {status}")


if __name__ == "__main__":
    try:
        smoke(sys.argv[1])
    except Failure as exc:
        print(f"PRODUCTION SMOKE TEST FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
    print("production smoke test passed")
