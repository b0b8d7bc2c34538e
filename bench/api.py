"""Benchmark of the REST API at national size, on PostgreSQL.

    python bench/api.py                 # the whole country, three dossiers per unit
    python bench/api.py --small         # the smallest and the largest province

Requests per second through the whole stack (Django's test client: middleware,
token authentication, the rate limit in the cache, the selectors' scope,
pagination, JSON) for a unit's establishment and quota, and for the dossier
list (first page, a filtered page, and a unit officer's scoped list), each
against a primary-key lookup through the same stack in the same run
(``GET /api/v1/units/<id>/``). Uses the chart of ``bench/generate.py``
(``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/api_bench``,
``…_small`` with ``--small``), and adds the dossiers once. Nothing is asserted:
this reports.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import SMALL_PROVINCES, Bench, prepare_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/api_bench"
DOSSIERS_PER_UNIT = 3


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--repeat", type=int, default=30)
    return parser.parse_args(argv)


def dossiers_generate(author) -> int:
    """Job-position projects of every unit in force (three each, one in three
    still a draft, the others submitted): written once, in bulk."""
    from django.db import connection, transaction

    from appraisal.models import Dossier, DossierKind, JobPositionProject
    from orgchart.models import Unit

    existing = Dossier.objects.count()
    if existing:
        return existing
    statuses = ["draft", "submitted", "under_appraisal"]
    units = list(
        Unit.objects.filter(valid_to__isnull=True).values_list("pk", flat=True)
    )
    with transaction.atomic():
        rows = [
            Dossier(
                dossier_kind=DossierKind.JOB_POSITION_FIRST,
                unit_id=unit,
                title=f"Đề án vị trí việc làm {n + 1}",
                status=statuses[n],
                current_revision=0 if n == 0 else 1,
                created_by=author,
            )
            for unit in units
            for n in range(DOSSIERS_PER_UNIT)
        ]
        Dossier.objects.bulk_create(rows, batch_size=5000)
        # The kind's own row on the same key (multi-table inheritance).
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {JobPositionProject._meta.db_table} (id, kind) "  # noqa: S608
                f"SELECT id, 'first' FROM {Dossier._meta.db_table}"
            )
        cursor = connection.cursor()
        cursor.execute("ANALYZE")
    return len(rows)


def main(argv=None) -> None:
    args = parse_args(argv)
    os.environ.setdefault(
        "DATABASE_URL", DEFAULT_URL + ("_small" if args.small else "")
    )
    db_name = prepare_database(args.small)
    setup_django()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from guardian.shortcuts import assign_perm
    from rest_framework.throttling import SimpleRateThrottle

    from appraisal.models import Dossier
    from bench.generate import AS_OF, generate, is_generated
    from orgchart.models import JobPosition, Unit
    from orgchart.permissions import Role
    from orgchart.services import roles_ensure
    from workflows.api.tokens import token_create

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    provinces = SMALL_PROVINCES if args.small else None
    print(f"database {db_name}")
    call_command("migrate", verbosity=0)
    if not is_generated(provinces):
        print("generating the chart…")
        generate(province_codes=provinces)
    roles_ensure()
    people = get_user_model().objects
    officer, _ = people.get_or_create(username="bench-officer")
    dossiers = dossiers_generate(officer)
    # The rate limit is counted as in production, with a rate the run never hits.
    SimpleRateThrottle.THROTTLE_RATES = {"api_token": "10000000/min"}

    observer, _ = people.get_or_create(username="bench-observer")
    observer.groups.add(Group.objects.get(name=Role.OBSERVER))
    busiest = (
        JobPosition.objects.active_on(AS_OF)
        .values("unit")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    unit = Unit.objects.get(pk=busiest["unit"])
    province_pc = (
        Unit.objects.get(pk=unit.ancestor_ids[0]) if unit.ancestor_ids else unit
    )
    officer.groups.add(Group.objects.get(name=Role.UNIT_OFFICER))
    assign_perm("orgchart.act_for_unit", officer, province_pc)

    def client_for(user) -> Client:
        _token, key = token_create(user=user, name="bench")
        return Client(headers={"Authorization": f"Token {key}"})

    as_observer, as_officer = client_for(observer), client_for(officer)
    units = Unit.objects.count()
    positions = JobPosition.objects.active_on(AS_OF).filter(unit=unit).count()
    in_province = Dossier.objects.filter(unit__path__startswith=province_pc.path)
    print(
        f"{units:,} units, {dossiers:,} dossiers; the busiest unit has "
        f"{positions} positions in force on {AS_OF:%d/%m/%Y}; the officer's "
        f"province has {in_province.count():,} dossiers"
    )

    def get(client, path, **params):
        def call():
            response = client.get(path, params)
            assert response.status_code == 200, (path, response.content[:300])
            return response

        return call

    bench = Bench(args.repeat)
    baseline_ms, count, _result, _q = bench.measure(
        get(as_observer, f"/api/v1/units/{unit.pk}/")
    )
    bench.baseline_ms = baseline_ms
    print(
        f"  {'baseline: GET /units/<id>/ (pk lookup)':<44} median({args.repeat:>2}) "
        f"{baseline_ms:9.2f} ms = {1000 / baseline_ms:7.0f} requests/s, "
        f"{count} queries"
    )
    measures = [
        (
            "GET /units/<id>/establishment/",
            get(as_observer, f"/api/v1/units/{unit.pk}/establishment/", as_of=AS_OF),
        ),
        ("GET /dossiers/ (observer, page 1)", get(as_observer, "/api/v1/dossiers/")),
        (
            "GET /dossiers/?status=submitted&page=20",
            get(as_observer, "/api/v1/dossiers/", status="submitted", page=20),
        ),
        (
            "GET /dossiers/ (unit officer, one province)",
            get(as_officer, "/api/v1/dossiers/"),
        ),
        (
            "GET /units/?root=<province>",
            get(as_observer, "/api/v1/units/", root=province_pc.pk, as_of=AS_OF),
        ),
    ]
    for label, call in measures:
        ms, count, _result, _q = bench.measure(call)
        print(
            f"  {label:<44} median({args.repeat:>2}) {ms:9.2f} ms = "
            f"{1000 / ms:7.0f} requests/s = {ms / baseline_ms:5.1f}x baseline, "
            f"{count} queries"
        )


if __name__ == "__main__":
    main()
