"""The 2025 commune reform of one province on PostgreSQL, through the
consolidation services: a generated pre-2025 commune layer (412 communes, each
with its three divisions and their positions) merged into 130 communes and wards
as one dossier, against a bare ``bulk_create`` of the same rows measured in the
same run.

    python bench/consolidation.py                     # 412 → 130
    python bench/consolidation.py --communes 200 --into 60

The layer is generated like Nghệ An's before 1 July 2025 (BRIEF §4.3: 412
commune-level units into 130): every commune People's Committee has a chairman,
two deputies and three divisions (office, economy, culture and society), each
division a head and three specialists, so 8 positions and 11 posts a commune; a
population and an area; a quota for next year. The dossier has one merge per new
commune or ward (three or four old communes each), the new unit with its three
divisions as sub-units; it goes through the shared steps to the committee's
approval and the two external resolutions are recorded (not timed).

Timed, each once, with its peak memory (``tracemalloc``):

- the default mapping (``mapping_default``: every position of the old communes
  and their divisions mapped onto the new commune's or division's);
- the impact statement (``impact_compute``), against the same bulk insert as the
  mapping (the rows it reads);
- applying (``consolidation_apply``: 1,648 units closed, 520 opened, every
  position closed and its successor opened, quotas moved, in one transaction).

Each is printed with the ratio to a bare ``bulk_create`` of the rows it writes
(rolled back), timed right before it: the mapping rows, the new units and the new
positions.
Uses ``DATABASE_URL`` (PostgreSQL only; default
``postgres://postgres@127.0.0.1:5432/consol_core_bench``), drops and recreates
that database and migrates it. Nothing is asserted: this reports.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.lifecycle import QueryCounter, prepare_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/consol_core_bench"
BEFORE = datetime.date(2024, 12, 1)
EFFECTIVE = datetime.date(2025, 7, 1)
DIVISIONS = ("Văn phòng HĐND và UBND", "Phòng Kinh tế", "Phòng Văn hóa - Xã hội")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=412, help="old communes")
    parser.add_argument("--into", type=int, default=130, help="new communes")
    return parser.parse_args(argv)


class Measured:
    """Times a block, counts its statements and records its peak memory."""

    def __enter__(self):
        from django.db import connection

        self._counter = QueryCounter()
        self._wrapper = connection.execute_wrapper(self._counter)
        self._wrapper.__enter__()
        tracemalloc.start()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.ms = (time.perf_counter() - self._started) * 1000
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.peak_mb = peak / 1024 / 1024
        self._wrapper.__exit__(*exc)
        self.queries = self._counter.count
        return False


def bare_insert(build) -> Measured:
    """A bare ``bulk_create`` of the rows ``build()`` returns (per model), rolled
    back."""
    from django.db import transaction

    rows = build()
    with transaction.atomic():
        with Measured() as measured:
            for model, objects in rows:
                model.objects.bulk_create(objects, batch_size=1000)
        transaction.set_rollback(True)
    return measured


def generate_layer(communes: int):
    """The province's committee and ``communes`` communes with their divisions,
    positions, population, area and next year's quota."""
    from appraisal.models import UnitQuota
    from orgchart import services
    from orgchart.models import JobPosition, PositionCategory, Rank, Unit

    province = services.unit_create(
        code="GEN-UBND",
        name="UBND tỉnh Thử nghiệm",
        kind=Unit.Kind.PROVINCIAL_PC,
        level=Unit.Level.PROVINCE,
        valid_from=datetime.date(2020, 1, 1),
    )
    old = services.unit_bulk_create(
        units=[
            Unit(
                code=f"XA-{n:04d}",
                name=f"Xã Thử nghiệm {n}",
                kind=Unit.Kind.COMMUNE_PC,
                level=Unit.Level.COMMUNE,
                parent=province,
                valid_from=BEFORE,
                population=5000 + (n * 37) % 6000,
                area_km2=Decimal(20 + n % 30),
            )
            for n in range(communes)
        ]
    )
    divisions = services.unit_bulk_create(
        units=[
            Unit(
                code=f"{commune.code}-P{index}",
                name=name,
                kind=Unit.Kind.COMMUNE_DIVISION,
                level=Unit.Level.COMMUNE,
                parent=commune,
                valid_from=BEFORE,
            )
            for commune in old
            for index, name in enumerate(DIVISIONS, start=1)
        ]
    )
    leadership = PositionCategory.objects.get(code="leadership")
    specialised = PositionCategory.objects.get(code="specialised")
    principal, specialist = (
        Rank.objects.get(code="01.002"),
        Rank.objects.get(code="01.003"),
    )

    def position(unit, name, category, rank, headcount):
        return JobPosition(
            unit=unit,
            name=name,
            category=category,
            rank=rank,
            headcount=headcount,
            valid_from=BEFORE,
            decision_number="1/QĐ-UBND",
        )

    rows = []
    for commune in old:
        rows.append(position(commune, "Chủ tịch UBND xã", leadership, principal, 1))
        rows.append(position(commune, "Phó Chủ tịch UBND xã", leadership, principal, 2))
    for division in divisions:
        rows.append(position(division, "Trưởng phòng", leadership, principal, 1))
        rows.append(position(division, "Chuyên viên", specialised, specialist, 3))
    JobPosition.objects.bulk_create(rows, batch_size=1000)
    UnitQuota.objects.bulk_create(
        UnitQuota(unit=commune, year=EFFECTIVE.year + 1, headcount=11)
        for commune in old
    )
    return province, old, divisions, len(rows)


def build_dossier(province, old: list, into: int):
    """One dossier: a merge per new commune or ward, with its three divisions."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from appraisal.services import consolidation as cons
    from orgchart.permissions import Role
    from orgchart.services import roles_ensure

    roles_ensure()
    people = {}
    for role in (
        Role.DIVISION_HEAD,
        Role.DIRECTOR,
        Role.RECEPTION,
        Role.APPRAISER,
        Role.COMMITTEE,
    ):
        person = get_user_model().objects.create(username=f"bench_{role}")
        person.groups.add(Group.objects.get(name=role))
        people[role] = person
    consolidation = cons.consolidation_create(
        user=people[Role.DIVISION_HEAD],
        unit=province,
        title="Sắp xếp đơn vị hành chính cấp xã năm 2025",
        scope="administrative",
        legal_basis="Nghị quyết 76/2025/UBTVQH15",
    )
    groups = [old[index::into] for index in range(into)]
    for number, group in enumerate(groups):
        name = f"Phường Mới {number}" if number < into // 12 else f"Xã Mới {number}"
        successors = [
            {
                "name": name,
                "code": f"MOI-{number:04d}",
                "kind": "commune_pc",
                "level": "commune",
                "parent": province,
                "admin_code": f"9{number:04d}",
            }
        ] + [
            {
                "name": division,
                "code": f"MOI-{number:04d}-P{index}",
                "kind": "commune_division",
                "level": "commune",
                "parent_index": 0,
            }
            for index, division in enumerate(DIVISIONS, start=1)
        ]
        cons.operation_add(
            user=people[Role.DIVISION_HEAD],
            consolidation=consolidation,
            kind="merge",
            effective_date=EFFECTIVE,
            source_units=group,
            successors=successors,
            voters_in_favour_pct=Decimal("96.10"),
        )
    return consolidation, people


def approve(consolidation, people) -> None:
    from appraisal import services as svc
    from appraisal.services import consolidation as cons
    from orgchart.permissions import Role

    svc.dossier_submit(dossier=consolidation, actor=people[Role.DIRECTOR])
    svc.dossier_accept(dossier=consolidation, actor=people[Role.RECEPTION])
    svc.dossier_assign_appraiser(
        dossier=consolidation,
        actor=people[Role.DIVISION_HEAD],
        appraiser=people[Role.APPRAISER],
    )
    svc.report_complete(
        dossier=consolidation, actor=people[Role.APPRAISER], recommendation="approve"
    )
    svc.report_review(dossier=consolidation, actor=people[Role.DIVISION_HEAD])
    svc.report_sign(dossier=consolidation, actor=people[Role.DIRECTOR])
    svc.dossier_decide(
        dossier=consolidation, actor=people[Role.COMMITTEE], outcome="approved"
    )
    for body, number in (
        ("peoples_council", "09/NQ-HĐND"),
        ("na_standing_committee", "1678/NQ-UBTVQH15"),
    ):
        cons.external_decision_record(
            user=people[Role.DIVISION_HEAD],
            consolidation=consolidation,
            body=body,
            number=number,
            date=EFFECTIVE - datetime.timedelta(days=15),
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name = prepare_database(DEFAULT_URL, "bench/consolidation.py")
    with tempfile.TemporaryDirectory() as media_root:
        setup_django(media_root)
        from django.core.management import call_command
        from django.db import connection

        from appraisal.models import PositionMapping
        from appraisal.services import consolidation as cons
        from orgchart.models import JobPosition, Unit

        server = connection.cursor().connection.info.parameter_status("server_version")
        print(
            f"PostgreSQL {server}, database {name}; Python {sys.version.split()[0]}; "
            "services called directly (no HTTP)"
        )
        call_command("load_reference_data", stdout=io.StringIO())
        started = time.perf_counter()
        province, old, divisions, positions = generate_layer(args.communes)
        consolidation, people = build_dossier(province, old, args.into)
        print(
            f"  {len(old)} communes, {len(divisions)} divisions, {positions} "
            f"positions → {args.into} new units with {3 * args.into} divisions; "
            f"set up in {time.perf_counter() - started:.1f} s"
        )
        operations = list(consolidation.operations.order_by("pk"))

        def mapping_rows():
            successors = {
                op.pk: op.successors.order_by("order").first() for op in operations
            }
            sample = JobPosition.objects.order_by("pk")[:positions]
            op_of = {}
            for op in operations:
                for source in op.sources.all():
                    op_of[source.unit_id] = op
            rows = []
            for position in sample.select_related("unit"):
                unit = position.unit
                op = op_of.get(unit.pk) or op_of.get(unit.parent_id)
                rows.append(
                    PositionMapping(
                        operation=op,
                        source_position=position,
                        action="keep",
                        successor=successors[op.pk],
                        target_name=position.name,
                        headcount=position.headcount,
                    )
                )
            return [(PositionMapping, rows)]

        results = []
        baseline = bare_insert(mapping_rows)
        with Measured() as measured:
            proposed = cons.mapping_default(consolidation=consolidation)
        results.append(("default mapping", proposed, measured, baseline))

        # The impact statement reads the rows the mapping wrote: the same yardstick.
        with Measured() as measured:
            statement = cons.impact_compute(consolidation=consolidation)
        results.append(("impact statement", len(statement.rows), measured, baseline))

        approve(consolidation, people)

        def applied_rows():
            units = [
                Unit(
                    code=f"BASE-{n:05d}",
                    name=f"Đơn vị {n}",
                    kind="commune_pc",
                    level="commune",
                    parent=province,
                    path=f"{province.path}x{n}/",
                    valid_from=EFFECTIVE,
                )
                for n in range(4 * args.into)
            ]
            opened = [
                JobPosition(
                    unit=province,
                    name=position.name,
                    category_id=position.category_id,
                    rank_id=position.rank_id,
                    headcount=position.headcount,
                    valid_from=EFFECTIVE,
                )
                for position in JobPosition.objects.filter(unit__in=old[: args.into])[
                    : 8 * args.into
                ]
            ]
            return [(Unit, units), (JobPosition, opened)]

        baseline = bare_insert(applied_rows)
        with Measured() as measured:
            done = cons.consolidation_apply(consolidation=consolidation, on=EFFECTIVE)
        results.append(("apply", len(done), measured, baseline))

        print()
        print(
            "| step | rows | ms | queries | peak MB | bare bulk_create ms "
            "| × bulk_create |"
        )
        print("|---|---|---|---|---|---|---|")
        for label, count, measured, base in results:
            print(
                f"| {label} | {count} | {measured.ms:,.0f} | {measured.queries} | "
                f"{measured.peak_mb:.1f} | {base.ms:,.0f} | "
                f"{measured.ms / base.ms:.1f} |"
            )
        closed = Unit.objects.filter(valid_to=EFFECTIVE - datetime.timedelta(days=1))
        opened = Unit.objects.filter(valid_from=EFFECTIVE)
        print(
            f"\n  after applying: {closed.count()} units closed, {opened.count()} "
            f"opened; {JobPosition.objects.active_on(EFFECTIVE).count()} positions "
            f"in force on {EFFECTIVE:%d/%m/%Y} (were "
            f"{JobPosition.objects.active_on(BEFORE).count()})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
