"""The people of the load test (Locust): each logs in through the real login form
(CSRF token and all, so django-axes sees a successful login) and then reads what
that role reads every day. Driven by ``bench/load.py``; ``CEILING=1`` in the
environment makes every user ask ``/healthz`` only (the trivial view's ceiling).
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = "demo12345"  # noqa: S105 - the demo's published password
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DOSSIER_LINK = re.compile(r'href="(/jobpositionproject/\d+/)"')
UNIT_LINK = re.compile(r'href="(/orgchart/units/\d+/)"')


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    logins: tuple[str, ...] = ()

    def on_start(self):
        self.dossiers: list[str] = []
        self.units: list[str] = []
        # As behind the reverse proxy, which terminates HTTPS.
        self.client.headers["X-Forwarded-Proto"] = "https"
        if os.environ.get("CEILING"):
            return
        page = self.client.get("/accounts/login/", name="login form")
        self.insecure_cookies()  # the CSRF cookie
        token = CSRF.search(page.text).group(1)
        response = self.client.post(
            "/accounts/login/",
            {
                "username": random.choice(self.logins),  # noqa: S311
                "password": PASSWORD,
                "csrfmiddlewaretoken": token,
            },
            headers={
                "Referer": self.host.replace("http:", "https:") + "/accounts/login/"
            },
            name="login",
        )
        self.insecure_cookies()
        if "/accounts/login/" in response.url:
            raise RuntimeError("login refused")

    def insecure_cookies(self):
        # Production cookies are Secure (HTTPS behind the proxy); the benchmark
        # talks plain HTTP to gunicorn with the proxy's header, so the client must
        # send them back anyway.
        for cookie in self.client.cookies:
            cookie.secure = False

    def read(self, path, name=None):
        if os.environ.get("CEILING"):
            self.client.get("/healthz", name="healthz")
            return None
        with self.client.get(path, name=name or path, catch_response=True) as r:
            if r.status_code != 200 or "/accounts/login/" in r.url:
                r.failure(f"{r.status_code} {r.url}")
            self.insecure_cookies()
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
        self.read("/", "my work")

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
