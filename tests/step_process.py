"""A workflow step's POST handled by a process of its own, for the tests that
kill it in the middle of its transaction (imported by conftest).

``step_process.post(url, data, session=…)`` starts ``python -m
tests.step_process`` on the test database: it loads the page with the given
session cookie, as the browser of the person logged in would, through Django's
whole request stack (middleware, the flow's lock, the task view, the services).
The test holds a lock the step needs late in its transaction, waits until the
step is blocked on it, and kills the process with SIGKILL: no handler, no
rollback of ours, no ``on_commit`` runs, exactly as when the OOM killer or a
power cut ends a worker.

Like the Celery worker, the process opens the test database itself: the test
must commit what it reads (``transactional_db``), and on SQLite the test
database is then a file (``tests.worker.django_db_modify_db_settings``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


class StepProcess:
    def __init__(self, env: dict):
        self.env = env
        self.running: list[subprocess.Popen] = []

    def post(self, url: str, data: dict, *, session: str, upload=None):
        """Start the POST; ``upload`` is ``(field, name, content)``."""
        spec = {"url": url, "data": data, "session": session}
        if upload is not None:
            field, name, content = upload
            spec["upload"] = [field, name, content.hex()]
        process = subprocess.Popen(  # noqa: S603 - fixed command line
            [sys.executable, "-m", "tests.step_process", json.dumps(spec)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture
def step_process(transactional_db, settings):
    from django.db import connection

    from tests.worker import _database_url

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SECRET_KEY": settings.SECRET_KEY,
        # The test settings, not production's (HTTPS redirect, host names):
        # pytest-django turns DEBUG off only at run time, as the child does too.
        "DEBUG": "True",
        "APPRAISAL_DOCUMENTS": "True" if settings.APPRAISAL_DOCUMENTS else "False",
        "CELERY_TASK_ALWAYS_EAGER": "True",
        "PYTHONPATH": str(ROOT),
    }
    runner = StepProcess(env)
    yield runner
    for process in runner.running:
        if process.poll() is None:
            StepProcess.kill(process)
        if process.stdout:
            process.stdout.close()


def pg_blocked_backend(alive, timeout: float = 60) -> int:
    """The pid of the server process of this test database that waits for a
    lock (the one the test holds), once there is one; ``alive()`` returns True
    while the process being watched runs, else what to fail with."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            running = alive()
            assert running is True, running
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            row = cursor.fetchone()
            if row:
                return row[0]
            time.sleep(0.05)
    pytest.fail("nothing waited for the lock the test holds")


def pg_backend_gone(pid: int | None, timeout: float = 30) -> None:
    """PostgreSQL aborts a killed client's transaction when its server process
    notices the client is gone (once the test's lock is released): wait for it."""
    from django.db import connection

    if pid is None:
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() is None:
                return
            time.sleep(0.05)
    pytest.fail("the killed client's server process did not end")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)  # as in the test: "testserver", no DEBUG
    spec = json.loads(sys.argv[1])
    data = dict(spec["data"])
    if "upload" in spec:
        field, name, content = spec["upload"]
        data[field] = SimpleUploadedFile(name, bytes.fromhex(content))
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = spec["session"]
    response = client.post(spec["url"], data)
    print(response.status_code, flush=True)


if __name__ == "__main__":
    main()
