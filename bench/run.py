"""Benchmark of the organisational chart's reads at national size, on PostgreSQL.

    python bench/run.py            # 34 provinces, 3,321 communes, ~300,000 positions
    python bench/run.py --small    # the smallest and the largest province only

Uses ``DATABASE_URL`` (PostgreSQL only; default
``postgres://postgres@127.0.0.1:5432/positionflow_bench``, ``…_bench_small`` with
``--small``), creates the database if missing, migrates it and generates the chart
unless it is already there. Every time is the median of ``--repeat`` runs after one
warm-up, printed as a ratio to a trivial primary-key lookup measured in the same run
on the same database, so figures from different machines can be compared. Nothing is
asserted: this reports.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/positionflow_bench"
#: The smallest (Lai Châu, 38 communes) and the largest (Hồ Chí Minh City, 168)
#: province: the --small run holds exactly these two, so its figures for them can be
#: set against the full run's to show the rest of the country costs nothing.
SMALL_PROVINCES = [12, 79]
#: An operation whose warm-up takes longer than this is timed SLOW_REPEAT times.
SLOW_SECONDS = 1.0
SLOW_REPEAT = 5


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--small",
        action="store_true",
        help="only the smallest and the largest province (quick run)",
    )
    parser.add_argument(
        "--repeat", type=int, default=15, help="timed runs per measure (median)"
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=300,
        help="statement timeout in seconds for the whole-country tree",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print the EXPLAIN ANALYZE plans of the subtree and roll-up queries",
    )
    return parser.parse_args(argv)


def prepare_database(small: bool) -> str:
    """Point ``DATABASE_URL`` at PostgreSQL and create the database if missing."""
    url = os.environ.get("DATABASE_URL") or (DEFAULT_URL + ("_small" if small else ""))
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "psql"}:
        sys.exit("bench/run.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    os.environ["DATABASE_URL"] = url
    name = parts.path.lstrip("/")

    import psycopg
    from psycopg import sql

    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    return name


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings

    django.setup()
    # Measure as in production: no query log (CaptureQueriesContext still counts).
    settings.DEBUG = False


class Bench:
    """Times callables (median of ``repeat`` after a warm-up) and counts queries."""

    def __init__(self, repeat: int):
        self.repeat = repeat
        self.baseline_ms = 0.0
        self.results: dict[str, float] = {}
        self.last_repeat = repeat

    def measure(self, fn: Callable[[], object], repeat: int | None = None):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            result = fn()  # warm-up, and the query count
        queries = list(captured.captured_queries)
        if repeat is None:
            # Seconds-long operations: fewer runs keep the whole benchmark short.
            slow = time.perf_counter() - started > SLOW_SECONDS
            repeat = min(self.repeat, SLOW_REPEAT) if slow else self.repeat
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
        self.last_repeat = repeat
        return statistics.median(samples), len(queries), result, queries

    def report(
        self,
        label: str,
        fn: Callable[[], object],
        *,
        rows: Callable[[object], str] | None = None,
        repeat: int | None = None,
    ):
        ms, count, result, queries = self.measure(fn, repeat)
        self.results[label] = ms
        detail = f", {rows(result)}" if rows else ""
        print(
            f"  {label:<44} median({self.last_repeat:>2}) {ms:9.2f} ms = "
            f"{ms / self.baseline_ms:7.0f}x "
            f"baseline, {count} quer{'y' if count == 1 else 'ies'}{detail}"
        )
        return result, queries

    def ratio(self, label: str, big: str, small: str, size_ratio: float) -> None:
        print(
            f"  {label:<44} {self.results[big] / self.results[small]:6.1f}x "
            f"the time for {size_ratio:.1f}x the rows"
        )


def once(label: str, fn: Callable[[], object], baseline_ms: float, timeout: int):
    """Time one run under a statement timeout (for the slow whole-country tree)."""
    from django.db import OperationalError, connection, transaction

    started = time.perf_counter()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [timeout * 1000])
            result = fn()
    except OperationalError as exc:
        if "statement timeout" not in str(exc):
            raise
        print(f"  {label:<44} cancelled after the {timeout} s statement timeout")
        return None
    ms = (time.perf_counter() - started) * 1000
    print(
        f"  {label:<44} once       {ms:9.2f} ms = {ms / baseline_ms:7.0f}x "
        f"baseline, {len(result)} units"
    )
    return result


def explain(sql_text: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql_text)
        return [row[0] for row in cursor.fetchall()]


def explain_without_index(sql_text: str, index: str) -> list[str] | None:
    """The plan the query would get without ``index`` (dropped inside a
    transaction that is rolled back: the database is left as it was)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [index])
        if cursor.fetchone() is None:
            return None
    plan: list[str] = []
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(index)}")
            plan = explain(sql_text)
            raise _Rollback
    except _Rollback:
        pass
    return plan


class _Rollback(Exception):
    pass


def path_indexes() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'orgchart_unit'"
            " AND indexdef LIKE '%%(path%%'"
        )
        return [row[0] for row in cursor.fetchall()]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    db_name = prepare_database(args.small)
    setup_django()

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.db.models import Count, Q, Sum
    from django.test import Client
    from django.urls import reverse
    from guardian.shortcuts import assign_perm

    from bench.generate import AS_OF, generate, is_generated, province_pc_code
    from bench.lifecycle import finished_login
    from orgchart import selectors
    from orgchart.models import JobPosition, Unit

    provinces = SMALL_PROVINCES if args.small else None
    version = connection.cursor().connection.info.server_version
    print(f"database {db_name} (PostgreSQL {version})")
    call_command("migrate", verbosity=0)
    if is_generated(provinces):
        print("chart already generated")
    else:
        print("generating the chart…")
        stats = generate(province_codes=provinces)
        print(
            f"  generated in {stats.seconds:.1f} s: {stats.provinces} provinces, "
            f"{stats.communes:,} communes, {stats.units:,} units "
            f"({stats.closed_units} closed), {stats.positions:,} positions "
            f"({stats.closed_positions:,} closed, {stats.future_positions:,} future); "
            f"reference data: {stats.reference_source}"
        )

    user_model = get_user_model()
    admin, _ = user_model.objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )

    # Row counts and the units the benchmark looks at.
    counts = Unit.objects.aggregate(
        units=Count("pk"),
        open_units=Count("pk", filter=Q(valid_to__isnull=True)),
        communes=Count("pk", filter=Q(kind=Unit.Kind.COMMUNE_PC)),
        provinces=Count("pk", filter=Q(kind=Unit.Kind.PROVINCIAL_PC)),
    )
    position_counts = JobPosition.objects.aggregate(
        positions=Count("pk"),
        active=Count(
            "pk",
            filter=Q(valid_from__lte=AS_OF)
            & (Q(valid_to__isnull=True) | Q(valid_to__gte=AS_OF)),
        ),
        headcount=Sum("headcount"),
    )
    print(
        f"rows: {counts['provinces']} provinces, {counts['communes']:,} communes, "
        f"{counts['units']:,} units ({counts['open_units']:,} open), "
        f"{position_counts['positions']:,} job positions "
        f"({position_counts['active']:,} in force on {AS_OF})"
    )
    pcs = {
        unit.code: unit for unit in Unit.objects.filter(kind=Unit.Kind.PROVINCIAL_PC)
    }
    sizes = {
        code: Unit.objects.active_on(AS_OF).subtree_of(unit).count()
        for code, unit in pcs.items()
    }
    small_pc = pcs[province_pc_code(SMALL_PROVINCES[0])]
    large_pc = pcs[province_pc_code(SMALL_PROVINCES[1])]

    def busiest(pc: Unit) -> Unit:
        top = (
            JobPosition.objects.active_on(AS_OF)
            .filter(unit__path__startswith=pc.path)
            .values("unit")
            .annotate(n=Count("pk"))
            .order_by("-n", "unit")
            .first()
        )
        return Unit.objects.get(pk=top["unit"])

    busy = {"small": busiest(small_pc), "large": busiest(large_pc)}
    print(
        f"provinces: small {small_pc} ({sizes[small_pc.code]} units in force), "
        f"large {large_pc} ({sizes[large_pc.code]} units in force); "
        f"busy units: {busy['small']} / {busy['large']}"
    )

    bench = Bench(args.repeat)
    print(f"\nmedian of {args.repeat} runs after a warm-up; as of {AS_OF}")
    pk = busy["large"].pk
    baseline_ms, *_ = bench.measure(lambda: Unit.objects.get(pk=pk), repeat=200)

    def select_one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    select1_ms, *_ = bench.measure(select_one, repeat=200)
    bench.baseline_ms = baseline_ms
    print(
        f"  baseline: pk lookup Unit.objects.get(pk=…) {baseline_ms:.3f} ms "
        f"(SELECT 1 round trip {select1_ms:.3f} ms)"
    )

    def n_units(result) -> str:
        return f"{len(result)} units"

    print("\na. as-of subtree (unit_list_tree, province root, view_all_units)")
    captured_tree = None
    for size, pc in (("small", small_pc), ("large", large_pc)):
        _, captured = bench.report(
            f"subtree({size}: {pc.short_name or pc.code})",
            lambda pc=pc: selectors.unit_list_tree(user=admin, as_of=AS_OF, root=pc),
            rows=n_units,
        )
        if size == "large":
            captured_tree = captured
    bench.ratio(
        "subtree large/small",
        f"subtree(large: {large_pc.short_name or large_pc.code})",
        f"subtree(small: {small_pc.short_name or small_pc.code})",
        sizes[large_pc.code] / sizes[small_pc.code],
    )

    # A unit officer granted one commune: the per-person scope on top of the tree.
    officer, _ = user_model.objects.get_or_create(username="bench-officer")
    commune = (
        Unit.objects.filter(kind=Unit.Kind.COMMUNE_PC, parent=large_pc)
        .order_by("code")
        .first()
    )
    assign_perm("orgchart.act_for_unit", officer, commune)
    bench.report(
        f"scoped tree (officer of {commune.short_name})",
        lambda: selectors.unit_list_tree(
            user=user_model.objects.get(pk=officer.pk), as_of=AS_OF
        ),
        rows=n_units,
    )

    print("\nb. unit establishment (busiest unit of the province)")
    for size in ("small", "large"):
        unit = busy[size]
        bench.report(
            f"establishment({size}: {unit.code})",
            lambda unit=unit: selectors.unit_get_establishment(unit=unit, as_of=AS_OF),
            rows=lambda e: f"{e.total_positions} positions, {e.total_headcount} posts",
        )
    try:
        url = reverse("orgchart:unit_detail", args=[busy["large"].pk])
    except Exception as exc:  # noqa: BLE001 - the front end may be half-written
        url = None
        print(
            "  unit page: skipped, orgchart:unit_detail is not available "
            f"({type(exc).__name__}: {exc})"
        )
    if url:
        # The test client's request_started would empty the query log mid-count.
        request_started.disconnect(reset_queries)
        client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
        finished_login(client, admin)
        response = client.get(url)
        if response.status_code == 200:
            bench.report(
                f"unit page GET {url}",
                lambda: client.get(url),
                rows=lambda r: f"HTTP {r.status_code}, {len(r.content):,} bytes",
            )
        else:
            print(f"  unit page: skipped, GET {url} answered {response.status_code}")

    print("\nc. province roll-up (unit_get_rollup of the province's committee)")
    captured_rollup = None
    for size, pc in (("small", small_pc), ("large", large_pc)):
        _, captured = bench.report(
            f"rollup({size}: {pc.short_name or pc.code})",
            lambda pc=pc: selectors.unit_get_rollup(unit=pc, as_of=AS_OF),
            rows=lambda r: f"{r['positions']:,} positions, {r['headcount']:,} posts",
        )
        if size == "large":
            captured_rollup = captured
    bench.ratio(
        "rollup large/small",
        f"rollup(large: {large_pc.short_name or large_pc.code})",
        f"rollup(small: {small_pc.short_name or small_pc.code})",
        sizes[large_pc.code] / sizes[small_pc.code],
    )

    print("\nd. whole country (unit_list_tree without a root), timed once")
    once(
        "tree(all provinces)",
        lambda: selectors.unit_list_tree(user=admin, as_of=AS_OF),
        bench.baseline_ms,
        args.timeout,
    )

    print("\nEXPLAIN ANALYZE")
    print("  indexes on orgchart_unit.path:")
    for definition in path_indexes() or ["(none)"]:
        print(f"    {definition}")
    for label, captured in (("subtree", captured_tree), ("rollup", captured_rollup)):
        for query in captured:
            plan = explain(query["sql"])
            uses = [
                line.strip()
                for line in plan
                if "orgchart_unit" in line and "Scan" in line
            ]
            print(f"  {label}: {query['sql'][:100]}…")
            for line in uses:
                print(f"    {line}")
            if args.explain:
                print("\n".join(f"      | {line}" for line in plan))
    if args.explain:
        without = explain_without_index(captured_tree[0]["sql"], "unit_path_prefix")
        if without is not None:
            print("  subtree without the unit_path_prefix index (rolled back):")
            print("\n".join(f"      | {line}" for line in without))


if __name__ == "__main__":
    main()
