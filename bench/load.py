"""The application under load over HTTP: gunicorn with the production settings on
127.0.0.1 against PostgreSQL and Redis, driven by Locust.

    python bench/load.py                        # 10,000 generated dossiers, 60 s
    python bench/load.py --dossiers 2000 --users 20 --seconds 30 --reuse

The database ``pf_h_scale_load`` style (``LOAD_DATABASE_URL``; default
``postgres://postgres@127.0.0.1:5432/positionflow_bench_load``) is dropped and
built as the README's production installation builds it, with the demo's people
and dossiers and ``--dossiers`` more generated over the demo province
(``bench/volume_data.py``), unless ``--reuse``. Then gunicorn starts with
``--workers`` (default 2 × cores + 1, gunicorn's own advice for a synchronous
worker), Redis as the cache (``REDIS_URL``, default db 13), and Locust runs
headless: first 20 s against ``/healthz`` (the ceiling: the same gunicorn, no
database), then ``--seconds`` of the people of ``bench/load_users.py``. Reported:
requests per second, p50/p95/p99, failures, and the ratio to the ceiling.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import subprocess
import sys
import tempfile
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


def environment(work: str) -> dict:
    env = dict(os.environ)
    env.update(
        DEBUG="off",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL),
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


def report(label, rows):
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(
        f"{label:<28} {float(total['Requests/s']):>8.1f} req/s  "
        f"p50 {total['50%']:>5} ms  p95 {total['95%']:>5} ms  "
        f"p99 {total['99%']:>5} ms  failures {total['Failure Count']}/"
        f"{total['Request Count']}"
    )
    return float(total["Requests/s"])


def main(argv=None) -> int:
    args = parse_args(argv)
    work = tempfile.mkdtemp(prefix="pf-load-")
    env = environment(work)
    if not args.reuse:
        build(env, args.dossiers)
    manage(env, "collectstatic", "--noinput")
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--error-logfile",
            f"{work}/gunicorn.log",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(5)
        print(f"gunicorn: {args.workers} workers; Locust: {args.users} users")
        ceiling = report(
            "ceiling (/healthz, 20 s)",
            locust(env, args, 20, args.users, f"{work}/ceiling", ceiling=True),
        )
        rows = locust(env, args, args.seconds, args.users, f"{work}/mix", False)
        for row in rows:
            if row["Name"] != "Aggregated":
                print(
                    f"  {row['Name']:<26} {row['Request Count']:>6} req  "
                    f"p50 {row['50%']:>5}  p95 {row['95%']:>5}  p99 {row['99%']:>5}"
                    f"  failures {row['Failure Count']}"
                )
        mixed = report(f"mixed workload ({args.seconds} s)", rows)
        print(f"ratio to the ceiling: {mixed / ceiling:.3f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
