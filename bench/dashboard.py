"""The Home Affairs dashboard and the deadline sweep over 50,000 dossiers of every
kind on PostgreSQL, as ratios to a primary-key lookup measured in the same run.

    python bench/dashboard.py                    # 50,000 dossiers, 200 units
    python bench/dashboard.py --dossiers 100000 --units 400 --repeat 5

Generated (bulk inserts, not through the services: the figures are the reads'):
``--units`` units under one People's Committee; ``--dossiers`` dossiers spread
over the kinds (job-position first approvals and adjustments, staffing proposals,
staffing plans, unit consolidations), created over the last two years, each with
the status changes of the path it took so far in the audit trail (about six per
dossier), a due date, and for the tenth still open an open human task of the
job-position flow held by one of 20 appraisers (the sweep's work). A payroll
quota per unit and kind of post for this year.

Measured: the primary-key lookup (``Dossier.objects.get(pk=…)``, median of 500);
``dashboard_for_user`` as the director sees it over this year (median of
``--repeat``), with its query count; the page through the test client (render and
the charts included); one table's Excel export; the deadline sweep the first time
(every reminder made and mailed to the in-memory backend) and again (nothing new:
idempotent). Uses ``DATABASE_URL`` (PostgreSQL only; default
``postgres://postgres@127.0.0.1:5432/positionflow_bench_dashboard``), dropped and
created again.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import tempfile
import time
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/positionflow_bench_dashboard"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=40)
    parser.add_argument(
        "--no-sweep", action="store_true", help="time the dashboard only"
    )
    return parser.parse_args(argv)


#: The statuses a dossier passes, in order, on the way to a decision.
PATH = [
    "draft",
    "submitted",
    "received",
    "under_appraisal",
    "report_completed",
    "report_reviewed",
    "awaiting_decision",
]
ENDINGS = ["approved", "rejected", "refused"]
KINDS = [
    "job_position_first",
    "job_position_adjustment",
    "staffing_proposal",
    "staffing_plan",
    "consolidation",
]


def generate(args):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from viewflow.workflow import STATUS
    from viewflow.workflow.models import Process, Task

    from appraisal.models import AuditEntry, Dossier, UnitQuota
    from orgchart.models import Unit
    from orgchart.services import roles_ensure
    from workflows.flows import JobPositionProjectFlow

    rng = random.Random(args.seed)
    roles_ensure()
    User = get_user_model()  # noqa: N806
    director = User.objects.create(username="director", email="d@example.gov.vn")
    director.groups.add(Group.objects.get(name="director"))
    appraisers = [
        User.objects.create(username=f"appraiser{n}", email=f"a{n}@example.gov.vn")
        for n in range(20)
    ]
    group = Group.objects.get(name="appraiser")
    for person in appraisers:
        person.groups.add(group)
    today = timezone.localdate()
    province = Unit.objects.create(
        code="P",
        name="UBND tỉnh",
        kind="provincial_pc",
        valid_from=datetime.date(2020, 1, 1),
    )
    units = [
        Unit.objects.create(
            code=f"U{n:04d}",
            name=f"Đơn vị {n}",
            kind="department",
            parent=province,
            valid_from=datetime.date(2020, 1, 1),
        )
        for n in range(args.units)
    ]
    UnitQuota.objects.bulk_create(
        UnitQuota(
            unit=unit, year=today.year, post_kind=kind, headcount=rng.randint(5, 80)
        )
        for unit in units
        for kind in ("civil_servant", "public_employee")
    )
    dossiers, histories = [], []
    for n in range(args.dossiers):
        created = today - datetime.timedelta(days=rng.randint(0, 730))
        reached = rng.randint(1, len(PATH) - 1)
        statuses = PATH[: reached + 1]
        closed = rng.random() < 0.7 and reached >= 1
        if closed:
            ending = "refused" if reached == 1 else rng.choice(ENDINGS[:2])
            statuses = [*statuses, ending]
        dossiers.append(
            Dossier(
                dossier_kind=rng.choice(KINDS),
                unit=rng.choice(units),
                title=f"Hồ sơ {n}",
                status=statuses[-1],
                current_revision=1,
                due_on=created + datetime.timedelta(days=rng.randint(20, 80)),
                assigned_appraiser=rng.choice(appraisers),
                created_by=director,
            )
        )
        day, moments = created, []
        for _ in statuses[1:]:
            day += datetime.timedelta(days=rng.randint(0, 6))
            moments.append(day)
        histories.append((statuses, moments))
    Dossier.objects.bulk_create(dossiers, batch_size=5000)
    entries = []
    tz = timezone.get_current_timezone()
    for dossier, (statuses, moments) in zip(dossiers, histories, strict=True):
        for before, after, day in zip(statuses, statuses[1:], moments, strict=False):
            entries.append(
                AuditEntry(
                    dossier=dossier,
                    actor=director,
                    action="updated",
                    from_status=before,
                    to_status=after,
                    revision_number=1,
                    created_at=datetime.datetime.combine(day, datetime.time(9), tz),
                )
            )
    AuditEntry.objects.bulk_create(entries, batch_size=10000)
    # An open task for a tenth of the open dossiers (the sweep's recipients).
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Dossier)
    open_ones = [d for d in dossiers if d.status not in ENDINGS][: args.dossiers // 10]
    processes = Process.objects.bulk_create(
        Process(
            flow_class=JobPositionProjectFlow,
            status=STATUS.NEW,
            artifact_content_type=content_type,
            artifact_object_id=d.pk,
        )
        for d in open_ones
    )
    Task.objects.bulk_create(
        Task(
            process=process,
            flow_task=JobPositionProjectFlow.appraise,
            flow_task_type="HUMAN",
            status=STATUS.ASSIGNED,
            owner=dossier.assigned_appraiser,
        )
        for process, dossier in zip(processes, open_ones, strict=True)
    )
    return director, len(entries), len(open_ones)


def timed(function, repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def main(argv=None) -> None:
    args = parse_args(argv)
    prepare_database(DEFAULT_URL, "bench/dashboard.py")
    setup_django(tempfile.mkdtemp(prefix="pf-bench-"))
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True

    from appraisal.models import Dossier
    from appraisal.selectors.dashboard import DashboardFilters, dashboard_for_user
    from workflows.notifications import deadline_sweep

    started = time.perf_counter()
    director, entries, tasks = generate(args)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"generated {args.dossiers} dossiers, {entries} audit rows, {tasks} open "
        f"tasks, {args.units} units in {time.perf_counter() - started:.0f} s"
    )
    ids = list(Dossier.objects.values_list("pk", flat=True))
    rng = random.Random(1)
    baseline, _ = timed(lambda: Dossier.objects.get(pk=rng.choice(ids)), 500)

    def one():
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            board = dashboard_for_user(
                user=director, filters=DashboardFilters.this_year()
            )
        return counter.count, board

    dashboard_for_user(user=director, filters=DashboardFilters.this_year())  # warm
    seconds, (queries, board) = timed(one, args.repeat)
    client = Client()
    finished_login(client, director)
    url = reverse("dashboard:index")
    page, response = timed(lambda: client.get(url), args.repeat)
    assert response.status_code == 200, response.status_code
    export, response = timed(
        lambda: client.get(url, {"export": "xlsx", "table": "rate_unit"}), args.repeat
    )
    assert response.status_code == 200
    if not args.no_sweep:

        def sweep():
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                made = deadline_sweep()
            return made, counter.count

        first_sweep, (made, first_queries) = timed(sweep, 1)
        second_sweep, (again, second_queries) = timed(sweep, 1)

    def row(label, value, extra=""):
        print(
            f"{label:<48} {value * 1000:>10.1f} ms  "
            f"{value / baseline:>10.0f} × pk  {extra}"
        )

    print(
        f"primary-key lookup (baseline)                    {baseline * 1000:>10.3f} ms"
    )
    row(
        "dashboard selector (director, this year)",
        seconds,
        f"{queries} queries; {board.rate_total.processed} completed, "
        f"{board.backlog_total} open",
    )
    row("dashboard page over HTTP", page)
    row("one table's Excel export over HTTP", export)
    if not args.no_sweep:
        row(
            "deadline sweep, first run",
            first_sweep,
            f"{made} reminders made; {first_queries} queries",
        )
        row(
            "deadline sweep, again",
            second_sweep,
            f"{again} reminders made; {second_queries} queries",
        )


if __name__ == "__main__":
    main()
