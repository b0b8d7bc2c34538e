"""The application under load over HTTP: gunicorn with the production settings on
127.0.0.1 against PostgreSQL and Redis, driven by Locust.

    python bench/load.py                        # 10,000 generated dossiers, 60 s
    python bench/load.py --dossiers 2000 --users 20 --seconds 30 --reuse

The database (``LOAD_DATABASE_URL``; default
``postgres://postgres@127.0.0.1:5432/positionflow_bench_load``) is dropped and
built as the README's production installation builds it, with the demo's people
and dossiers and ``--dossiers`` more generated over the demo province
(``bench/volume_data.py``), unless ``--reuse``. Then gunicorn starts with
``--workers`` (default 2 × cores + 1, gunicorn's own advice for a synchronous
worker), Redis as the cache (``REDIS_URL``, default db 13), and Locust runs
headless: first 20 s against ``/healthz`` (the ceiling: the same gunicorn, no
database), then ``--seconds`` of the people of ``bench/load_users.py``, the
one-stop desk among them accepting submitted dossiers. Reported per endpoint group
and overall: requests, requests per second, p50/p95/p99 and failures; the ratio of
the mix to the ceiling; the dossiers the desk accepted (counted in the database)
and the server errors in gunicorn's log. The run's files (media, gunicorn's log,
Locust's CSV files) are in ``var/load/<database>/``.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/positionflow_bench_load"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--reuse", action="store_true")
    return parser.parse_args(argv)


def database_url() -> str:
    return os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL)


def work_dir() -> Path:
    """Where the run keeps its files: ``var/load/<database>/`` of the checkout.
    The media (the demo's signed documents) belong with the database, so a
    ``--reuse`` run finds the files its dossiers' pages open; the static files,
    gunicorn's log and Locust's CSV files are the last run's."""
    return ROOT / "var" / "load" / urlsplit(database_url()).path.lstrip("/")


def environment(work: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DEBUG="off",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(),
        REDIS_URL=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/13"),
        STATIC_ROOT=f"{work}/static",
        MEDIA_ROOT=f"{work}/media",
        AXES_FAILURE_LIMIT="1000",
    )
    return env


def manage(env, *args):
    subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def build(env, dossiers: int) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(env["DATABASE_URL"])
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    for command in (
        ["migrate", "--noinput"],
        ["load_reference_data"],
        ["setup_roles"],
        ["import_admin_units", "--province", "40"],
        ["seed_demo"],
        ["seed_demo_certificates"],
        ["seed_demo_projects"],
    ):
        manage(env, *command)
    script = (
        "import django, sys; django.setup()\n"
        "from bench.load import generate; generate(int(sys.argv[1]))\n"
    )
    subprocess.run(
        [str(BIN / "python"), "-c", script, str(dossiers)],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True,
    )


def generate(count: int) -> None:
    """``count`` dossiers over the demo province, acted on by the demo's people."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.volume_data import People, dossiers_create
    from orgchart.models import Unit

    named = {u.username: u for u in get_user_model().objects.all()}
    officer_units = {
        unit.pk: named["officer"]
        for unit in Unit.objects.filter(name__startswith="Sở Tư pháp")
    }
    people = People(
        officer=named["officer"],
        head=named["unithead"],
        reception=named["reception"],
        division_head=named["divisionhead"],
        appraisers=[named["appraiser"]],
        director=named["director"],
        committee=named["committee"],
        busy_appraiser=named["appraiser"],
        officers=officer_units,
    )
    units = list(Unit.objects.filter(valid_to__isnull=True))
    stats = dossiers_create(count=count, units=units, people=people, seed=7)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated {stats.dossiers:,} dossiers, {stats.tasks:,} tasks")


def locust(env, args, seconds: int, users: int, csv_prefix: str, ceiling: bool):
    run_env = {**env, **({"CEILING": "1"} if ceiling else {})}
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            "bench/load_users.py",
            "--headless",
            "-u",
            str(users),
            "-r",
            str(max(1, users // 5)),
            "-t",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--csv",
            csv_prefix,
            "--only-summary",
        ],
        cwd=ROOT,
        env=run_env,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    with open(f"{csv_prefix}_stats.csv") as handle:
        rows = list(csv.DictReader(handle))
    return rows


def table(label, rows) -> dict:
    """Print Locust's figures per endpoint group and overall as a table; return
    the overall row."""
    print(f"\n{label}\n")
    print("| group | requests | req/s | p50 ms | p95 ms | p99 ms | failures |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    rows = sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"]))
    for row in rows:
        name = "**all**" if row["Name"] == "Aggregated" else row["Name"]
        print(
            f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.1f} "
            f"| {row['50%']} | {row['95%']} | {row['99%']} | {row['Failure Count']} |"
        )
    return next(r for r in rows if r["Name"] == "Aggregated")


def accepted_count(env) -> int:
    """Dossiers the desk has accepted so far (their audit rows)."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        return conn.execute(
            "SELECT count(*) FROM appraisal_auditentry WHERE action = 'accepted'"
        ).fetchone()[0]


def main(argv=None) -> int:
    args = parse_args(argv)
    work = work_dir()
    env = environment(work)
    if not args.reuse:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        build(env, args.dossiers)
    work.mkdir(parents=True, exist_ok=True)
    manage(env, "collectstatic", "--noinput")
    log = work / "gunicorn.log"
    with open(log, "w") as handle:  # gunicorn's log and Django's errors
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{args.port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(5)
        print(
            f"gunicorn: {args.workers} workers; Locust: {args.users} users; "
            f"{os.cpu_count()} cores"
        )
        ceiling = table(
            "Ceiling: /healthz, 20 s",
            locust(env, args, 20, args.users, f"{work}/ceiling", ceiling=True),
        )
        accepted = accepted_count(env)
        mix = table(
            f"Mixed workload: {args.seconds} s",
            locust(env, args, args.seconds, args.users, f"{work}/mix", False),
        )
        accepted = accepted_count(env) - accepted
    finally:
        server.terminate()
        server.wait(timeout=30)
    errors = log.read_text().count("Internal Server Error")
    print(
        f"\nratio to the ceiling: req/s "
        f"{float(mix['Requests/s']) / float(ceiling['Requests/s']):.2f}, "
        f"p50 {float(mix['50%']) / max(float(ceiling['50%']), 1):.1f}x"
    )
    print(f"workflow steps completed (dossiers accepted by the desk): {accepted}")
    print(f"server errors in gunicorn's log: {errors}")
    print(f"files of the run: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
