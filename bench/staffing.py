"""The annual staffing plan on PostgreSQL, through its services, for the demo
province and for a generated province of 400 units, against viewflow's minimal
three-step approval measured in the same run.

    python bench/staffing.py                      # Nghệ An (144 units) and 400 units
    python bench/staffing.py --units 800 --repeat 30 --minimal 200

For each province a whole cycle runs through ``appraisal.services.staffing``, the
functions the flow's task pages call, without HTTP:

- Nghệ An as ``make demo`` builds it (``load_reference_data``, ``import_admin_units
  --province 40``, ``seed_demo``): every specialised agency, public service unit and
  commune or ward People's Committee takes part;
- a generated province: one People's Committee and ``--units`` units under it (14
  agencies, a tenth public service units, the rest communes), each with three job
  positions, two of a civil-servant rank and one of a professional title.

Each unit holds last year's quotas (its establishment), so the proposals are
pre-filled as in real life. Measured, once per province unless stated: opening the
cycle (one proposal dossier per unit, with its lines and audit row); every unit's
officer saving its numbers, its head submitting them and the plan's appraiser
accepting them (in all, and the median per unit); closing the collection; the
provincial summary (``staffing_plan_summary``, median of ``--repeat`` runs: its
query count must not grow with the units, and the script exits with status 1 if
it does); the report's steps and the committee's approval; applying the allocation
(the committee's decision, one quota per unit and kind of post). Times are printed
as ratios to the median time of one minimal approval
(``workflows.bench_flows.MinimalApprovalFlow``: start, take, approve, three POSTs
through the test client, as in ``bench/lifecycle.py``), queries as ratios to its
queries. One officer and one head granted the province's People's Committee act
for every unit (a grant covers the subtree: the permission check costs the same as
a grant on the unit itself).

Between the collection and the allocation the plan goes through the steps every
dossier shares (``appraisal.services.dossiers``: the report completed, reviewed and
signed, the committee's approval), each timed too. Right after the opening, the
flow's own share is timed (``flow_steps``): the staffing plan flow's "ask every unit"
step starts one proposal process (with its task) per unit.

Uses ``DATABASE_URL`` (PostgreSQL only; default
``postgres://postgres@127.0.0.1:5432/positionflow_bench_staffing``), drops and
recreates that database and migrates it. Nothing is asserted but the summary's
constant query count: this reports.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import io
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.lifecycle import (  # noqa: E402
    Counted,
    QueryCounter,
    minimal_lifecycle,
    mount_minimal_flow,
    prepare_database,
    run,
    setup_django,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/positionflow_bench_staffing"
KINDS = ("civil_servant", "public_employee", "contract")
WHY = "Theo nhiệm vụ được giao năm sau"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--units", type=int, default=400, help="units of the generated province"
    )
    parser.add_argument(
        "--repeat", type=int, default=15, help="runs of the summary (median)"
    )
    parser.add_argument(
        "--minimal", type=int, default=100, help="minimal approvals (yardstick)"
    )
    return parser.parse_args(argv)


# --- Measuring -------------------------------------------------------------------


@dataclass
class Measure:
    """One figure: milliseconds and queries (``per`` says of what)."""

    label: str
    ms: float
    queries: float
    per: str = ""


class Meter:
    """Times a block and counts its statements."""

    def __init__(self):
        self.ms = 0.0
        self.queries = 0

    def __enter__(self):
        from django.db import connection

        self._counter = QueryCounter()
        self._wrapper = connection.execute_wrapper(self._counter)
        self._wrapper.__enter__()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.ms = (time.perf_counter() - self._started) * 1000
        self._wrapper.__exit__(*exc)
        self.queries = self._counter.count
        return False


def timed(label: str, fn, per: str = "") -> tuple[object, Measure]:
    with Meter() as meter:
        result = fn()
    return result, Measure(label, meter.ms, meter.queries, per)


# --- The provinces -----------------------------------------------------------------


@dataclass
class Province:
    label: str
    committee: object  # the People's Committee (the plan's unit)
    units: list = field(default_factory=list)  # the participants


def demo_province() -> Province:
    """Nghệ An as ``make demo`` loads it; its agencies, public service units and
    communes take part."""
    from django.core.management import call_command

    from orgchart.demo import DEMO_PROVINCE_CODE
    from orgchart.models import Unit

    quiet = io.StringIO()
    call_command("load_reference_data", stdout=quiet)
    call_command(
        "import_admin_units", "--province", str(DEMO_PROVINCE_CODE), stdout=quiet
    )
    call_command("seed_demo", stdout=quiet)
    committee = Unit.objects.get(
        kind=Unit.Kind.PROVINCIAL_PC, parent=None, valid_to__isnull=True
    )
    return Province("Nghệ An (demo)", committee, _participants(committee))


def _participants(committee) -> list:
    from orgchart.models import Unit

    kinds = [Unit.Kind.DEPARTMENT, Unit.Kind.PUBLIC_SERVICE_UNIT, Unit.Kind.COMMUNE_PC]
    return list(
        Unit.objects.filter(
            path__startswith=committee.path, kind__in=kinds, valid_to__isnull=True
        ).order_by("path")
    )


def generated_province(size: int) -> Province:
    """A province of ``size`` units under one People's Committee, three job
    positions each (two civil-servant posts, one public employee's)."""
    from orgchart import services
    from orgchart.models import JobPosition, PositionCategory, Rank, Unit

    epoch = datetime.date(2025, 7, 1)
    committee = services.unit_create(
        code="GEN-UBND",
        name="UBND tỉnh Thử nghiệm",
        kind=Unit.Kind.PROVINCIAL_PC,
        level=Unit.Level.PROVINCE,
        valid_from=epoch,
    )
    agencies, public_service = 14, size // 10
    units = []
    for number in range(size):
        if number < agencies:
            kind, level, name = Unit.Kind.DEPARTMENT, Unit.Level.PROVINCE, "Sở"
        elif number < agencies + public_service:
            kind, level = Unit.Kind.PUBLIC_SERVICE_UNIT, Unit.Level.PROVINCE
            name = "Trung tâm"
        else:
            kind, level, name = Unit.Kind.COMMUNE_PC, Unit.Level.COMMUNE, "UBND xã"
        units.append(
            Unit(
                code=f"GEN-{number:04d}",
                name=f"{name} thử nghiệm {number}",
                kind=kind,
                level=level,
                valid_from=epoch,
                parent=committee,
            )
        )
    units = services.unit_bulk_create(units=units)
    civil = Rank.objects.filter(kind=Rank.Kind.CIVIL_SERVANT_RANK).order_by("code")[0]
    title = Rank.objects.filter(kind=Rank.Kind.PROFESSIONAL_TITLE).order_by("code")[0]
    category = PositionCategory.objects.order_by("order")[0]
    JobPosition.objects.bulk_create(
        [
            JobPosition(
                unit=unit,
                name=f"Vị trí {index}",
                category=category,
                rank=rank,
                headcount=headcount,
                valid_from=epoch,
                decision_number="1/QĐ-UBND",
            )
            for unit in units
            for index, (rank, headcount) in enumerate(
                ((civil, 4), (civil, 3), (title, 5))
            )
        ]
    )
    return Province(f"generated, {size} units", committee, units)


def last_years_quotas(units: list, year: int) -> dict[str, int]:
    """Give each unit last year's quotas equal to its establishment on 1 January
    (by the kind of its positions' ranks) and one contract worker; the province's
    totals per kind of post."""
    from django.db.models import Sum

    from appraisal.models import UnitQuota
    from appraisal.selectors.staffing import RANK_KIND_POST
    from orgchart.models import JobPosition

    held = {(unit.pk, kind): 0 for unit in units for kind in KINDS}
    for unit in units:
        held[unit.pk, "contract"] = 1
    rows = (
        JobPosition.objects.active_on(datetime.date(year - 1, 1, 1))
        .filter(unit__in=units)
        .values("unit_id", "rank__kind")
        .annotate(total=Sum("headcount"))
    )
    for row in rows:
        held[row["unit_id"], RANK_KIND_POST[row["rank__kind"]]] += row["total"]
    UnitQuota.objects.bulk_create(
        [
            UnitQuota(unit_id=unit_id, year=year - 1, post_kind=kind, headcount=number)
            for (unit_id, kind), number in held.items()
        ]
    )
    totals = dict.fromkeys(KINDS, 0)
    for (_unit_id, kind), number in held.items():
        totals[kind] += number
    return totals


def bench_people(province: Province) -> dict:
    """Home Affairs' division head, appraiser and director, the committee, and an
    officer and a head acting for every unit of the province (no passwords: the
    services take the person)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from orgchart.permissions import Role

    def person(name: str, role: str):
        user, _created = get_user_model().objects.get_or_create(username=name)
        user.groups.add(Group.objects.get(name=role))
        return user

    code = province.committee.code
    people = {
        "division_head": person("bench_division_head", Role.DIVISION_HEAD),
        "appraiser": person("bench_appraiser", Role.APPRAISER),
        "director": person("bench_director", Role.DIRECTOR),
        "committee": person("bench_committee", Role.COMMITTEE),
        "officer": person(f"bench_officer_{code}", Role.UNIT_OFFICER),
        "head": person(f"bench_head_{code}", Role.UNIT_HEAD),
    }
    assign_perm("orgchart.act_for_unit", people["officer"], province.committee)
    assign_perm("orgchart.act_for_unit", people["head"], province.committee)
    assign_perm("orgchart.sign_for_unit", people["head"], province.committee)
    return people


# --- The cycle ---------------------------------------------------------------------


def staffing_flow():
    """The staffing plan's viewflow flow, once it exists in ``workflows.flows``."""
    flows = importlib.import_module("workflows.flows")
    for name in ("StaffingPlanFlow", "StaffingFlow"):
        if hasattr(flows, name):
            return getattr(flows, name)
    return None


def report_and_decision(plan, people) -> list[Measure]:
    """The steps every dossier shares between the collection and the allocation,
    through ``appraisal.services.dossiers``: the appraiser completes the report
    (the plan's checks frozen into it), the division head reviews it, the director
    signs it (``…/TTr-SNV``), the committee approves."""
    from appraisal.services import dossiers

    steps = (
        (
            "report completed (checks frozen)",
            lambda: dossiers.report_complete(
                dossier=plan,
                actor=people["appraiser"],
                recommendation="approve",
                text="Kế hoạch trong trần biên chế được giao.",
            ),
        ),
        (
            "report reviewed",
            lambda: dossiers.report_review(dossier=plan, actor=people["division_head"]),
        ),
        (
            "report signed",
            lambda: dossiers.report_sign(dossier=plan, actor=people["director"]),
        ),
        (
            "committee approves",
            lambda: dossiers.dossier_decide(
                dossier=plan, actor=people["committee"], outcome="approved"
            ),
        ),
    )
    return [timed(label, step)[1] for label, step in steps]


def flow_steps(plan, people) -> list[Measure]:
    """The flow's share of opening the cycle: ``StaffingPlanFlow``'s "ask every
    unit" step starts one ``StaffingProposalFlow`` process per participating unit
    (its own task, lock and audit), which is what the units find on their home
    page. Timed here as the flow's step runs it, for every proposal of ``plan``
    (opened by the services just before), with the tasks it created counted."""
    from viewflow.workflow.models import Task

    from appraisal.models import StaffingProposal

    flows = staffing_flow()
    if flows is None:
        return []
    from workflows.flows import StaffingProposalFlow

    proposals = list(
        StaffingProposal.objects.filter(plan=plan)
        .select_related("unit", "plan", "created_by", "assigned_appraiser")
        .order_by("unit__path")
    )
    before = Task.objects.count()

    def ask_every_unit():
        for proposal in proposals:
            StaffingProposalFlow.start.run(proposal=proposal)

    _done, measure = timed("the flow asks every unit (process + task)", ask_every_unit)
    created = Task.objects.count() - before
    if created < len(proposals):
        raise RuntimeError(f"{created} tasks for {len(proposals)} proposals")
    return [measure]


def run_cycle(province: Province, year: int, repeat: int) -> list[Measure]:
    """One whole cycle of ``year`` for ``province``, timed step by step."""
    from django.utils import timezone

    from appraisal.models import StaffingProposal
    from appraisal.selectors.staffing import staffing_plan_summary
    from appraisal.services import staffing as svc

    people = bench_people(province)
    held = last_years_quotas(province.units, year)
    size = len(province.units)
    ceilings = {
        kind: {"ceiling": held[kind] + 50, "reserve": 10, "base_year_count": total}
        for kind, total in held.items()
    }
    measures = []

    plan, measure = timed(
        "open the cycle (a proposal per unit)",
        lambda: svc.staffing_plan_open(
            actor=people["division_head"],
            province=province.committee,
            year=year,
            base_year=year - 1,
            proposal_deadline=timezone.localdate() + datetime.timedelta(days=30),
            ceilings=ceilings,
            units=province.units,
            appraiser=people["appraiser"],
        ),
    )
    measures.append(measure)
    measures.extend(flow_steps(plan, people))

    proposals = list(
        StaffingProposal.objects.filter(plan=plan)
        .select_related("unit")
        .prefetch_related("lines")
    )
    per_unit_ms, per_unit_queries = [], []
    with Meter() as every:
        for proposal in proposals:
            lines = {
                line.post_kind: {
                    "actual": max(0, line.assigned - 1),
                    "proposed": line.assigned,
                    "justification": WHY,
                }
                for line in proposal.lines.all()
            }
            with Meter() as one:
                svc.proposal_save(
                    proposal=proposal, actor=people["officer"], lines=lines
                )
                svc.proposal_submit(proposal=proposal, actor=people["head"])
                svc.proposal_accept(proposal=proposal, actor=people["appraiser"])
            per_unit_ms.append(one.ms)
            per_unit_queries.append(one.queries)
    measures.append(
        Measure(
            "every unit saves, submits; accepted", every.ms, every.queries, "in all"
        )
    )
    measures.append(
        Measure(
            "  one unit (median)",
            statistics.median(per_unit_ms),
            statistics.median(per_unit_queries),
            "per unit",
        )
    )

    _closed, measure = timed(
        "close the collection",
        lambda: svc.collection_close(plan=plan, actor=people["division_head"]),
    )
    measures.append(measure)

    staffing_plan_summary(plan=plan)  # warm-up
    samples, queries = [], set()
    for _ in range(repeat):
        summary, measure = timed("summary", lambda: staffing_plan_summary(plan=plan))
        samples.append(measure.ms)
        queries.add(measure.queries)
    if summary.units != size:
        raise RuntimeError(f"the summary counts {summary.units} units, not {size}")
    if len(queries) != 1:
        raise RuntimeError(f"the summary's query count varies: {sorted(queries)}")
    measures.append(
        Measure(
            f"provincial summary (median of {repeat})",
            statistics.median(samples),
            queries.pop(),
            "summary",
        )
    )

    measures.extend(report_and_decision(plan, people))
    svc.resolution_record(
        plan=plan,
        actor=people["division_head"],
        number=f"{year}/NQ-HĐND",
        date=timezone.localdate(),
    )
    decision, measure = timed(
        "apply the allocation",
        lambda: svc.allocation_apply(plan=plan, actor=people["committee"]),
    )
    measures.append(measure)
    applied = plan.quotas.count()
    if applied != size * len(KINDS):
        raise RuntimeError(f"{applied} quotas applied, not {size * len(KINDS)}")
    print(
        f"  {province.label}: {size} units, cycle {year} applied by "
        f"{decision.number} ({applied} quotas)"
    )
    return measures


# --- The report --------------------------------------------------------------------


def print_table(results: list[tuple[Province, list[Measure]]], minimal: dict) -> None:
    base_ms, base_q = minimal["median_ms"], minimal["queries"]
    header = ["measure"]
    for province, _measures in results:
        header += [f"{province.label}: ms", "× minimal", "queries", "× minimal"]
    rows = []
    labels = [m.label for m in results[0][1]]
    for index, label in enumerate(labels):
        row = [label]
        for _province, measures in results:
            measure = measures[index]
            row += [
                f"{measure.ms:,.1f}",
                f"{measure.ms / base_ms:,.1f}",
                f"{measure.queries:,.0f}",
                f"{measure.queries / base_q:,.1f}",
            ]
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    print(
        f"  yardstick: one minimal viewflow approval = {base_ms:.1f} ms, "
        f"{base_q:.0f} queries (3 POSTs)"
    )
    print()
    for number, row in enumerate([header, *rows]):
        pairs = zip(row[1:], widths[1:], strict=True)
        cells = [row[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in pairs)]
        print("  " + " | ".join(cells))
        if number == 0:
            print("  " + "-+-".join("-" * width for width in widths))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name = prepare_database(DEFAULT_URL, "bench/staffing.py")
    with tempfile.TemporaryDirectory() as media_root:
        setup_django(media_root)
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from orgchart.permissions import Role

        mount_minimal_flow()
        server = connection.cursor().connection.info.parameter_status("server_version")
        print(
            f"PostgreSQL {server}, database {name}; Python {sys.version.split()[0]}; "
            "single process, services called directly (no HTTP)"
        )
        started = time.perf_counter()
        demo = demo_province()
        generated = generated_province(args.units)
        print(f"  data loaded in {time.perf_counter() - started:.1f} s")

        client = Counted(Client())
        # The yardstick's person, a unit officer as in bench/lifecycle.py.
        yardstick = get_user_model().objects.create(username="bench_minimal")
        yardstick.groups.add(Group.objects.get(name=Role.UNIT_OFFICER))
        world = {"people": {"officer": yardstick}}

        def minimal_one():
            minimal_lifecycle(client, world)

        minimal_one.client = client
        minimal = run("minimal 3-step viewflow approval", args.minimal, minimal_one)

        # StaffingPlan.year is unique: one year per province in this database.
        year = timezone.localdate().year + 1
        results = []
        for offset, province in enumerate((demo, generated)):
            results.append((province, run_cycle(province, year + offset, args.repeat)))
        print_table(results, minimal)

        summary = [
            next(m for m in measures if m.per == "summary")
            for _province, measures in results
        ]
        sizes = [len(province.units) for province, _measures in results]
        print()
        print(
            f"  summary queries: {summary[0].queries:.0f} for {sizes[0]} units, "
            f"{summary[1].queries:.0f} for {sizes[1]} units; time "
            f"{summary[1].ms / summary[0].ms:.2f}x for {sizes[1] / sizes[0]:.2f}x "
            "the units"
        )
        if summary[0].queries != summary[1].queries:
            print("  FAIL: the summary's query count grows with the number of units")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
