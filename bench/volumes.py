"""The pages people read every day, over national volumes of work on PostgreSQL, as
ratios to a primary-key lookup measured in the same run, at two volumes: the
whole page, the time it waits for the database (all its statements, and its
slowest one), and the number of statements.

    python bench/volumes.py                          # 5,000 then 50,000 dossiers
    python bench/volumes.py --small 2000 --large 10000 --provinces 12 79
    python bench/volumes.py --explain                # EXPLAIN ANALYZE the slow ones

The national org chart of ``bench/generate.py`` (all 34 provinces unless
``--provinces``), the demo's roles, then ``--small`` dossiers of every kind in
every state (``bench/volume_data.py``: processes, tasks, revisions, remarks,
chained audit rows) spread over the country's units, a tenth of them in one
department (the unit officer's); the pages are measured; the volume is raised to
``--large`` and they are measured again. Each page is requested through Django's
test client as the person who reads it (a busy appraiser, the unit officer, the
director): the median of ``--repeat`` after one warm-up, with the number of
queries. The query counts must not change between the volumes (exit 1 if they
do). Uses ``DATABASE_URL`` (PostgreSQL only; default
``postgres://postgres@127.0.0.1:5432/positionflow_bench_volumes``), dropped and
created again.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.lifecycle import (  # noqa: E402
    QueryCounter,
    finished_login,
    prepare_database,
    setup_django,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/positionflow_bench_volumes"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--large", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--provinces", type=int, nargs="*", default=None)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure the database of the last run again (after a migration)",
    )
    return parser.parse_args(argv)


def people_create(home_unit):
    """The demo's roles: one person each, the officer and head of ``home_unit``
    (and of its divisions), twenty appraisers (the first one is the busy one).
    The steps of every other unit are held by a stand-in pair without grants,
    as by each unit's own people: nobody measured holds another unit's work."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from bench.volume_data import People
    from orgchart.models import Unit
    from orgchart.services import roles_ensure

    roles_ensure()
    User = get_user_model()  # noqa: N806

    def make(username, role):
        user = User.objects.create_user(username, f"{username}@example.gov.vn", "x")
        user.groups.add(Group.objects.get(name=role))
        return user

    officer = make("officer", "unit_officer")
    head = make("unithead", "unit_head")
    assign_perm("orgchart.act_for_unit", officer, home_unit)
    assign_perm("orgchart.act_for_unit", head, home_unit)
    assign_perm("orgchart.sign_for_unit", head, home_unit)
    appraisers = [make(f"appraiser{n}", "appraiser") for n in range(20)]
    own_units = Unit.objects.filter(path__startswith=home_unit.path).values_list(
        "pk", flat=True
    )
    return People(
        officer=make("officer_elsewhere", "unit_officer"),
        head=make("head_elsewhere", "unit_head"),
        reception=make("reception", "reception_officer"),
        division_head=make("divisionhead", "division_head"),
        appraisers=appraisers,
        director=make("director", "director"),
        committee=make("committee", "committee"),
        busy_appraiser=appraisers[0],
        officers=dict.fromkeys(own_units, officer),
        heads=dict.fromkeys(own_units, head),
    )


def spread(home_unit):
    """The active units of the country, the officer's department weighing a tenth
    of all."""
    from orgchart.models import Unit

    units = list(Unit.objects.filter(valid_to__isnull=True).order_by("pk"))
    weights = [1.0] * len(units)
    index = next(n for n, u in enumerate(units) if u.pk == home_unit.pk)
    weights[index] = len(units) / 9
    return units, weights


def median_time(function, repeat):
    function()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def pages(people, home_unit):
    """(label, who, url) of every page measured: the same dossiers at every
    volume (chosen once, at the first), so the counts compare."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from appraisal.models import JobPositionProject
    from workflows.models import JobPositionProjectProcess

    def process_of(user_filter):
        return (
            JobPositionProjectProcess.objects.filter(**user_filter)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )

    home_process = process_of(
        {"artifact_object_id__in": home_unit.dossiers.values("pk")}
    )
    appraised = process_of(
        {
            "artifact_object_id__in": people.busy_appraiser.appraised_dossiers.values(
                "pk"
            )
        }
    )
    # The director searches for one dossier by its title, there at every volume.
    searched = JobPositionProject.objects.order_by("pk").values_list(
        "title", flat=True
    )[0]
    ns = "jobpositionproject"
    # The home department's officer (the generator's fallback officer holds the
    # other units' steps).
    officer, appraiser, director = (
        people.officers.get(home_unit.pk, people.officer),
        people.busy_appraiser,
        people.director,
    )
    detail = f"{ns}:process_detail"
    return [
        ("inbox", appraiser, reverse(f"{ns}:inbox")),
        ("queue", appraiser, reverse(f"{ns}:queue")),
        ("archive", appraiser, reverse(f"{ns}:archive")),
        ("my work (home)", appraiser, reverse("home:index")),
        ("dossier page", appraiser, reverse(detail, args=[appraised])),
        ("inbox", officer, reverse(f"{ns}:inbox")),
        ("queue", officer, reverse(f"{ns}:queue")),
        ("archive", officer, reverse(f"{ns}:archive")),
        ("dossier list", officer, reverse(f"{ns}:index")),
        ("dossier page", officer, reverse(detail, args=[home_process])),
        ("unit page", officer, reverse("orgchart:unit_detail", args=[home_unit.pk])),
        ("search", officer, reverse(f"{ns}:index") + "?search=Hồ+sơ+1"),
        ("inbox", director, reverse(f"{ns}:inbox")),
        ("archive", director, reverse(f"{ns}:archive")),
        ("dossier list", director, reverse(f"{ns}:index")),
        (
            "dossier list, filtered",
            director,
            reverse(f"{ns}:index") + "?status=under_appraisal&kind=first",
        ),
        (
            "search",
            director,
            f"{reverse(f'{ns}:index')}?{urlencode({'search': searched})}",
        ),
        ("dossier page", director, reverse(detail, args=[home_process])),
        ("unit page", director, reverse("orgchart:unit_detail", args=[home_unit.pk])),
    ]


@dataclass(frozen=True)
class Baselines:
    """Measured in the same run as the pages: a primary-key lookup, and a trivial
    page through the same client as a signed-in person (the floor of any page)."""

    pk: float
    floor: float


class StatementTimer:
    """The time a request spends waiting for the database, statement by
    statement: the page's share that can grow with the volume (the rest is
    Python drawing the page, the same at any volume)."""

    def __init__(self):
        self.seconds = 0.0
        self.slowest = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.seconds += spent
            self.slowest = max(self.slowest, spent)


def report(baselines: Baselines, rows) -> None:
    print(
        f"primary-key lookup (baseline) {baselines.pk * 1000:.2f} ms; "
        f"trivial page (/healthz, signed in) {baselines.floor * 1000:.2f} ms"
    )
    print(
        f"{'page (reader)':<42} {'ms':>7} {'× pk':>5} {'× page':>6} {'queries':>7} "
        f"{'SQL ms':>7} {'× pk':>5} {'slowest × pk':>12}"
    )
    for label, _url, seconds, queries, sql, slowest in rows:
        print(
            f"{label:<42} {seconds * 1000:>7.1f} {seconds / baselines.pk:>5.0f} "
            f"{seconds / baselines.floor:>6.1f} {queries:>7} {sql * 1000:>7.1f} "
            f"{sql / baselines.pk:>5.0f} {slowest / baselines.pk:>12.1f}"
        )


def measure(people, page_list, repeat) -> tuple[Baselines, list]:
    from django.db import connection
    from django.test import Client

    from appraisal.models import Dossier

    ids = list(Dossier.objects.values_list("pk", flat=True)[:5000])
    rng = random.Random(1)
    baseline = median_time(lambda: Dossier.objects.get(pk=rng.choice(ids)), 300)
    clients = {}
    # The floor of any page: a trivial view (``/healthz``) through the same client
    # and middleware, as a signed-in person (the session and the person read).
    floor_client = Client()
    finished_login(floor_client, people.director)
    floor = median_time(lambda: floor_client.get("/healthz"), 50)
    rows = []
    for label, user, url in page_list:
        client = clients.get(user.pk)
        if client is None:
            client = clients[user.pk] = Client()
            finished_login(client, user)

        def get(client=client, url=url):
            response = client.get(url)
            assert response.status_code == 200, (
                url,
                response.status_code,
                response.headers.get("Location"),
            )
            return response

        seconds = median_time(get, repeat)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            get()
        timers = []
        for _ in range(repeat):
            timer = StatementTimer()
            with connection.execute_wrapper(timer):
                get()
            timers.append(timer)
        sql = statistics.median(timer.seconds for timer in timers)
        slowest = statistics.median(timer.slowest for timer in timers)
        rows.append(
            (f"{label} ({user.username})", url, seconds, counter.count, sql, slowest)
        )
    return Baselines(pk=baseline, floor=floor), rows


def explain(page_list):
    """The plans of the lists' main statements, as PostgreSQL runs them."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for label, user, url in page_list:
        client = Client()
        finished_login(client, user)
        with CaptureQueriesContext(connection) as context:
            client.get(url)
        slowest = sorted(
            context.captured_queries, key=lambda q: float(q["time"]), reverse=True
        )[:1]
        for query in slowest:
            print(f"\n### {label} ({user.username}) {query['time']} s\n")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + query["sql"])
                for (line,) in cursor.fetchall():
                    print(line)


def home_unit_get():
    """The unit officer's department: the country's first agency."""
    from orgchart.models import Unit

    return (
        Unit.objects.filter(kind="department", valid_to__isnull=True)
        .order_by("pk")
        .first()
    )


def measure_again(args) -> int:
    """The pages of the last run's database, measured again (migrated first)."""
    from django.contrib.auth import get_user_model

    from appraisal.models import Dossier
    from bench.volume_data import People

    named = {u.username: u for u in get_user_model().objects.all()}
    officer = named["officer"]
    home_unit = home_unit_get()
    appraisers = [named[f"appraiser{n}"] for n in range(20)]
    people = People(
        officer=officer,
        head=named["unithead"],
        reception=named["reception"],
        division_head=named["divisionhead"],
        appraisers=appraisers,
        director=named["director"],
        committee=named["committee"],
        busy_appraiser=appraisers[0],
    )
    page_list = pages(people, home_unit)
    baselines, rows = measure(people, page_list, args.repeat)
    print(f"{Dossier.objects.count():,} dossiers")
    report(baselines, rows)
    if args.explain:
        explain(page_list)
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.measure_only:
        import os

        os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
        setup_django(tempfile.mkdtemp(prefix="pf-bench-"))
        return measure_again(args)
    prepare_database(DEFAULT_URL, "bench/volumes.py")
    setup_django(tempfile.mkdtemp(prefix="pf-bench-"))
    from django.conf import settings
    from django.db import connection

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from bench.generate import generate
    from bench.volume_data import dossiers_create

    started = time.perf_counter()
    chart = generate(province_codes=args.provinces, log=lambda _m: None)
    print(
        f"national chart: {chart.units:,} units, {chart.positions:,} positions "
        f"({time.perf_counter() - started:.0f} s)"
    )
    home_unit = home_unit_get()
    people = people_create(home_unit)
    units, weights = spread(home_unit)
    results = {}
    made = 0
    page_list = None
    for volume in (args.small, args.large):
        started = time.perf_counter()
        stats = dossiers_create(
            count=volume - made,
            units=units,
            unit_weights=weights,
            people=people,
            seed=volume,
        )
        made = volume
        with connection.cursor() as cursor:
            # As autovacuum leaves a live database: statistics, and the
            # visibility map that lets index-only scans skip the table.
            cursor.execute("VACUUM ANALYZE")
        print(
            f"\n{volume:,} dossiers (+{stats.dossiers:,}: {stats.processes:,} "
            f"processes, {stats.tasks:,} tasks, {stats.audit_entries:,} audit rows, "
            f"{stats.revisions:,} revisions, {stats.remarks:,} remarks in "
            f"{time.perf_counter() - started:.0f} s)"
        )
        page_list = page_list or pages(people, home_unit)
        baselines, rows = measure(people, page_list, args.repeat)
        results[volume] = rows
        report(baselines, rows)
    if args.explain:
        explain(page_list)
    small, large = results[args.small], results[args.large]
    grown = [
        (a[0], a[3], b[3]) for a, b in zip(small, large, strict=True) if a[3] != b[3]
    ]
    for label, before, after in grown:
        print(f"QUERY COUNT GREW: {label}: {before} → {after}")
    return 1 if grown else 0


if __name__ == "__main__":
    sys.exit(main())
