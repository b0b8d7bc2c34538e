"""The people of the load test (Locust): each logs in through the real login form
(CSRF token and all, so django-axes sees a successful login) and then reads what
that role reads every day; the one-stop desk (``Desk``) also completes workflow
steps, accepting submitted dossiers. Driven by ``bench/load.py``; ``CEILING=1`` in the
environment makes every user ask ``/healthz`` only (the trivial view's ceiling).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random
import re
import struct
import time

from locust import HttpUser, between, task
from locust.exception import StopUser
from requests.cookies import RequestsCookieJar

PASSWORD = "demo12345"  # noqa: S105 - the demo's published password
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DOSSIER_LINK = re.compile(r'href="(/jobpositionproject/\d+/)"')
UNIT_LINK = re.compile(r'href="(/orgchart/units/\d+/)"')
RECEIVE_LINK = re.compile(r'href="(/jobpositionproject/\d+/receive/\d+/)"')
DOSSIER_OF_TASK = re.compile(r"(/jobpositionproject/\d+/)")


#: The demo's authenticator key (``orgchart.demo.DEMO_TOTP_KEY``, published).
DEMO_TOTP_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NEXT = re.compile(r'name="next" value="([^"]*)"')
#: The last time step whose code each login has used: a code is accepted once,
#: so two users logging in as the same person take the next step's code (the
#: server accepts one step ahead) or wait for the next step.
_used_steps: dict[str, int] = {}


def demo_code(username: str) -> str:
    """The demo authenticator app's code (RFC 6238: 30 s steps, 6 digits,
    HMAC-SHA1) for the first time step ``username`` has not used yet."""
    while True:
        now = int(time.time()) // 30
        step = max(now, _used_steps.get(username, -1) + 1)
        if step <= now + 1:
            break
        time.sleep(30 - time.time() % 30 + 0.1)  # cooperative under Locust
    _used_steps[username] = step
    digest = hmac.new(
        base64.b32decode(DEMO_TOTP_KEY), struct.pack(">Q", step), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class ProxiedCookies(RequestsCookieJar):
    """The client's cookie jar. Production cookies are ``Secure`` (HTTPS ends at the
    reverse proxy); the benchmark speaks plain HTTP to gunicorn with the proxy's
    ``X-Forwarded-Proto`` header, so the jar keeps every cookie without the flag and
    sends it back — on the redirects a response is followed by too (a session
    cookie set by the login's 302 must reach the page it redirects to)."""

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    logins: tuple[str, ...] = ()

    def on_start(self):
        self.dossiers: list[str] = []
        self.units: list[str] = []
        self.client.cookies = ProxiedCookies()
        # As behind the reverse proxy, which terminates HTTPS.
        self.client.headers["X-Forwarded-Proto"] = "https"
        if os.environ.get("CEILING"):
            return
        page = self.client.get("/accounts/login/", name="login form")
        username = random.choice(self.logins)  # noqa: S311
        with self.client.post(
            "/accounts/login/",
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
            },
            headers={"Referer": self.https("/accounts/login/")},
            name="login",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "/accounts/login/" in response.url:
                response.failure(f"{username}: {response.status_code} {response.url}")
                raise StopUser
        if "/accounts/two-factor/" in response.url:
            self.second_step(username, response)

    def second_step(self, username, page):
        """People who must use two-factor authentication (the director, the
        committee) type the code of their authenticator app: the demo's is set up
        with the published key, so the code is computed as the app would."""
        path = page.url.removeprefix(self.host)
        with self.client.post(
            path,
            {
                "code": demo_code(username),
                "next": NEXT.search(page.text).group(1),
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
            },
            headers={"Referer": self.https(path)},
            name="two-factor code",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "/accounts/" in response.url:
                response.failure(f"{username}: {response.status_code} {response.url}")
                raise StopUser

    def https(self, path: str) -> str:
        """The address the browser saw (for the Referer Django's CSRF check asks
        of a form posted over HTTPS)."""
        return self.host.replace("http:", "https:") + path

    def read(self, path, name=None):
        if os.environ.get("CEILING"):
            self.client.get("/healthz", name="healthz")
            return None
        with self.client.get(path, name=name or path, catch_response=True) as r:
            if r.status_code != 200 or "/accounts/" in r.url:  # log-in, second step
                r.failure(f"{r.status_code} {r.url}")
            return r.text

    @task(3)
    def inbox(self):
        self.read("/jobpositionproject/inbox/", "inbox")

    @task(2)
    def queue(self):
        self.read("/jobpositionproject/queue/", "queue")

    @task(3)
    def dossier_list(self):
        text = self.read("/jobpositionproject/", "dossier list") or ""
        self.dossiers = DOSSIER_LINK.findall(text)[:20] or self.dossiers

    @task(3)
    def dossier_page(self):
        if self.dossiers:
            self.read(random.choice(self.dossiers), "dossier page")  # noqa: S311

    @task(1)
    def home(self):
        self.read("/home/", "my work")

    @task(1)
    def org_chart(self):
        text = self.read("/orgchart/", "org chart") or ""
        self.units = UNIT_LINK.findall(text)[:20] or self.units

    @task(2)
    def unit_page(self):
        if self.units:
            self.read(random.choice(self.units), "unit page")  # noqa: S311


class HomeAffairs(Person):
    weight = 3
    logins = ("appraiser", "reception", "divisionhead")


class Leadership(Person):
    weight = 1
    logins = ("director", "observer", "committee")

    @task(2)
    def dashboard(self):
        self.read("/dashboard/", "dashboard")


class UnitPeople(Person):
    weight = 2
    logins = ("officer", "unithead", "officer2")


class Desk(Person):
    """The one-stop desk: besides reading, receives submitted dossiers from its
    queue over HTTP as a person does — takes the task (the task's assign page, then
    its button), opens the form and accepts the dossier with the form's fields.
    One such user (one desk login): two would race for the same tasks. Each
    completed step is one "step: accept" request (a redirect to the dossier)."""

    fixed_count = 1
    logins = ("reception",)

    @task(8)
    def accept(self):
        text = self.read("/jobpositionproject/queue/", "queue") or ""
        links = RECEIVE_LINK.findall(text)
        if not links:
            return
        link = random.choice(links)  # noqa: S311
        page = self.read(f"{link}assign/", "step: assign page")
        if page is None or CSRF.search(page) is None:
            return
        self.post_step(
            f"{link}assign/",
            {"_continue": "1", "csrfmiddlewaretoken": CSRF.search(page).group(1)},
            "step: assign",
            f"{link}execute/",
        )
        form = self.read(f"{link}execute/", "step: form")
        if form is None or 'name="decision" value="accept"' not in form:
            return
        self.post_step(
            f"{link}execute/",
            {
                "_complete": "1",
                "decision": "accept",
                "reason": "",
                "comment": "Hồ sơ đầy đủ",
                "csrfmiddlewaretoken": CSRF.search(form).group(1),
            },
            "step: accept",
            DOSSIER_OF_TASK.match(link).group(1),
        )

    def post_step(self, path, data, name, expected):
        """Post a task page's form; the step is done when it redirects to
        ``expected`` (the form again, or an error message, is a failure)."""
        with self.client.post(
            path,
            data,
            headers={"Referer": self.https(path)},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302 or r.headers.get("Location") != expected:
                r.failure(f"{r.status_code} {r.headers.get('Location')}")
