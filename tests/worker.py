"""A real Celery worker for the tests that need one (imported by conftest).

``celery_worker`` starts ``celery -A config worker --pool=solo`` as a subprocess
on Redis (``CELERY_TEST_BROKER_URL``, default ``redis://127.0.0.1:6379/5``) and on
the test database, points this process's Celery app at the same broker (tasks are
sent, not run eagerly), waits until the worker says it is ready, and stops it
afterwards. Each use gets its own queue, so a stale message of another run is
never consumed.

The worker opens the test database itself, so the test must commit what the
worker reads: the fixture uses ``transactional_db``. On SQLite the test database
is then a file (``django_db_modify_db_settings`` below turns the in-memory test
database into one, only in a run that uses the worker); on PostgreSQL it is the
test database pytest-django created.

Usage::

    def test_something(celery_worker):
        ...  # a step whose on_commit sends a task
        celery_worker.wait_until(lambda: Thing.objects.filter(done=True).exists())
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

BROKER_DEFAULT = "redis://127.0.0.1:6379/5"
READY_TIMEOUT = 60
ROOT = Path(__file__).resolve().parent.parent


#: Fixtures whose subprocess opens the test database itself.
SUBPROCESS_FIXTURES = {"celery_worker", "step_process"}


def _uses_worker(session) -> bool:
    return any(
        SUBPROCESS_FIXTURES & set(getattr(item, "fixturenames", ()))
        for item in session.items
    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix):
    """In a run with a worker test, a SQLite test database is a file the worker
    subprocess can open (SQLite's default test database lives in memory)."""
    from django.conf import settings

    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.sqlite3" or not _uses_worker(
        request.session
    ):
        return
    suffix = os.environ.get("PYTEST_XDIST_WORKER", "main")
    path = ROOT / "var" / f"test-worker-{suffix}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    default.setdefault("TEST", {})["NAME"] = str(path)


def _database_url(settings_dict) -> str:
    engine = settings_dict["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


class Worker:
    """The running worker: its queue, its log, and a way to wait for its work."""

    def __init__(self, process: subprocess.Popen, queue: str, log: Path):
        self.process = process
        self.queue = queue
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_until(self, condition, *, timeout: float = 120, what: str = "") -> None:
        """Poll ``condition`` (a callable reading the database) until true; fail
        with the worker's log if it never becomes true or the worker died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(
            f"the worker did not {what or 'finish'} (exit {self.process.poll()}):\n"
            + self.output()[-4000:]
        )


@pytest.fixture
def celery_worker(transactional_db, settings, tmp_path):
    from django.db import connection

    from config.celery import app

    broker = os.environ.get("CELERY_TEST_BROKER_URL", BROKER_DEFAULT)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "celery-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "False",
        # Jobs the worker itself starts (a notification's mail) go to its queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SECRET_KEY": settings.SECRET_KEY,
        "APPRAISAL_SIGNING_KEY": getattr(settings, "APPRAISAL_SIGNING_KEY", ""),
        "DEBUG": "True" if settings.DEBUG else "False",
        "PYTHONPATH": str(ROOT),
        **_shared_cache(settings),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
        f"--logfile={log}",
    ]
    saved = {
        key: app.conf[key]
        for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    process = subprocess.Popen(  # noqa: S603 - fixed command line
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = Worker(process, queue, log)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while " ready." not in worker.output():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Celery worker did not start:\n" + worker.output())
            time.sleep(0.2)
        app.conf.update(
            broker_url=broker, task_always_eager=False, task_default_queue=queue
        )
        _reset_connections(app)
        yield worker
    finally:
        app.conf.update(saved)
        _reset_connections(app)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _shared_cache(settings) -> dict[str, str]:
    """The worker uses this process's cache when it is Redis (a test that follows
    a job's progress through the cache sets one up before the worker starts)."""
    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith("RedisCache"):
        return {}
    return {
        "REDIS_URL": cache["LOCATION"],
        "CACHE_KEY_PREFIX": cache.get("KEY_PREFIX", ""),
    }


def _reset_connections(app) -> None:
    """Forget the connections, producers, queues and router built for the previous
    broker and default queue (Celery caches them on first use, and kombu keeps its
    own process-wide connection and producer pools: closed but not cleared, they
    would refuse every later task of this test process with "Acquire on closed
    pool")."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    pools.reset()
    app.__dict__.pop("amqp", None)
