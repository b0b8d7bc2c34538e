"""A synthetic, national-size organisational chart for the benchmarks.

The administrative skeleton is real: the 34 provinces and the 3,321 communes and wards
of the two-tier local government in force since 1 July 2025 (Res. 202/2025/QH15; Law
72/2025/QH15 on the organisation of local government), taken from the
``vietnam-provinces`` package with their official codes. Everything hung on it is
made up, deterministically (seeded random), to have a believable shape and size:

- each province: its People's Committee, the 14 specialised agencies (Decree
  150/2025/NĐ-CP) with 5 to 7 divisions each, and one or two former agencies merged
  on 31 December 2025 (closed, with a successor link), so the "as of" filter has
  history to skip;
- each commune or ward: its People's Committee and four sub-units (the office, the
  economic division, the culture-society division and the Public Administration
  Service Centre, Decree 150/2025/NĐ-CP Art. 5);
- about 300,000 job positions spread over them: most in force, some closed in the
  past (replaced), a few approved for a date after the benchmark's date.

Rows are bulk-inserted, not created through the services: the services validate one
row at a time, which is right for people and far too slow for 20,000 units. The tree
paths are computed here from primary keys taken from the table's sequence
beforehand, so each unit is written once, path included. PostgreSQL only (as the
benchmark).
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from vietnam_provinces import Province, Ward

from orgchart.models import (
    CatalogueEntry,
    JobPosition,
    LadderLevel,
    PositionCategory,
    Rank,
    SalaryGroup,
    Unit,
)

SEED = 20250701
#: The two-tier local government (and so every unit here) starts on this day.
EPOCH = datetime.date(2025, 7, 1)
#: The former agencies close on this day (status "merged").
MERGED_ON = datetime.date(2025, 12, 31)
#: The date the benchmark asks about: everything opened by then is in force.
AS_OF = datetime.date(2026, 7, 1)
#: Positions approved to start after the benchmark's date.
FUTURE_FROM = datetime.date(2026, 9, 1)

UNIT_BATCH = 2_000
POSITION_BATCH = 5_000

#: The 14 specialised agencies of a province (Decree 150/2025/NĐ-CP Art. 9).
DEPARTMENTS = [
    "Văn phòng Ủy ban nhân dân",
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Tài chính",
    "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường",
    "Sở Xây dựng",
    "Sở Khoa học và Công nghệ",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Dân tộc và Tôn giáo",
    "Sở Ngoại vụ",
    "Thanh tra tỉnh",
]
FORMER_DEPARTMENTS = [
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Thông tin và Truyền thông",
]
#: Where each former agency went (the 2025 restructuring of specialised agencies).
SUCCESSOR_OF = {
    "Sở Lao động - Thương binh và Xã hội": "Sở Nội vụ",
    "Sở Thông tin và Truyền thông": "Sở Khoa học và Công nghệ",
}
DIVISIONS = [
    "Văn phòng",
    "Phòng Tổ chức cán bộ",
    "Phòng Kế hoạch - Tài chính",
    "Phòng Pháp chế",
    "Phòng Quản lý chuyên ngành",
    "Phòng Nghiệp vụ",
    "Phòng Thanh tra, kiểm tra",
]
#: A commune's sub-units: (name, kind).
COMMUNE_UNITS = [
    ("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân", Unit.Kind.COMMUNE_DIVISION),
    ("Phòng Kinh tế", Unit.Kind.COMMUNE_DIVISION),
    ("Phòng Văn hóa - Xã hội", Unit.Kind.COMMUNE_DIVISION),
    ("Trung tâm Phục vụ hành chính công", Unit.Kind.SERVICE_CENTRE),
]
WARD_ECONOMIC_DIVISION = "Phòng Kinh tế, Hạ tầng và Đô thị"

#: How many positions (inclusive range) a unit of each kind has, history included.
#: Tuned so the whole country comes to about 300,000.
POSITIONS_PER_UNIT = {
    Unit.Kind.PROVINCIAL_PC: (6, 10),
    Unit.Kind.DEPARTMENT: (5, 9),
    Unit.Kind.DIVISION: (20, 34),
    Unit.Kind.COMMUNE_PC: (4, 8),
    Unit.Kind.COMMUNE_DIVISION: (12, 22),
    Unit.Kind.SERVICE_CENTRE: (5, 9),
}
#: The head and deputy titles of each kind of unit (the leadership category).
LEADERS = {
    Unit.Kind.PROVINCIAL_PC: (
        "Chủ tịch Ủy ban nhân dân",
        "Phó Chủ tịch Ủy ban nhân dân",
    ),
    Unit.Kind.DEPARTMENT: ("Giám đốc Sở", "Phó Giám đốc Sở"),
    Unit.Kind.DIVISION: ("Trưởng phòng", "Phó Trưởng phòng"),
    Unit.Kind.COMMUNE_PC: (
        "Chủ tịch Ủy ban nhân dân xã",
        "Phó Chủ tịch Ủy ban nhân dân xã",
    ),
    Unit.Kind.COMMUNE_DIVISION: ("Trưởng phòng", "Phó Trưởng phòng"),
    Unit.Kind.SERVICE_CENTRE: ("Giám đốc Trung tâm", "Phó Giám đốc Trung tâm"),
}
SPECIALISED_FIELDS = [
    "đất đai",
    "tài nguyên nước",
    "xây dựng",
    "quy hoạch",
    "giao thông",
    "giáo dục",
    "y tế",
    "văn hóa",
    "du lịch",
    "lao động",
    "an sinh xã hội",
    "khoa học công nghệ",
    "công thương",
    "nông nghiệp",
    "ngân sách",
    "đầu tư",
]
COMMON_NAMES = [
    "Chuyên viên tổng hợp",
    "Chuyên viên tổ chức cán bộ",
    "Chuyên viên pháp chế",
    "Chuyên viên kế hoạch - tài chính",
    "Kế toán viên",
    "Văn thư viên",
    "Chuyên viên công nghệ thông tin",
]
SUPPORT_NAMES = ["Nhân viên lái xe", "Nhân viên bảo vệ", "Nhân viên phục vụ"]

#: Position category codes (Decree 62/2020/NĐ-CP Art. 5) and the ladder levels of
#: the ranks each draws from, most likely first.
CATEGORY_LEVELS = {
    "leadership": [LadderLevel.PRINCIPAL_SPECIALIST, LadderLevel.SPECIALIST],
    "specialised": [LadderLevel.SPECIALIST, LadderLevel.PRINCIPAL_SPECIALIST],
    "common": [LadderLevel.SPECIALIST, LadderLevel.OFFICER],
    "support": [LadderLevel.STAFF, LadderLevel.OFFICER],
}

#: Used only when ``load_reference_data`` is not available: the few rows the
#: generator needs, with their real coefficients (Decree 204/2004/NĐ-CP).
MINIMAL_SALARY_GROUPS = [
    # code, name, step1, increment, steps, months per step
    ("A2.1", "Loại A2 nhóm 1", "4.40", "0.34", 8, 36),
    ("A1", "Loại A1", "2.34", "0.33", 9, 36),
    ("A0", "Loại A0", "2.10", "0.31", 10, 36),
    ("B", "Loại B", "1.86", "0.18", 12, 24),
]
MINIMAL_RANKS = [
    ("01.002", "Chuyên viên chính", "A2.1", LadderLevel.PRINCIPAL_SPECIALIST),
    ("01.003", "Chuyên viên", "A1", LadderLevel.SPECIALIST),
    ("01.004", "Cán sự", "A0", LadderLevel.OFFICER),
    ("01.005", "Nhân viên", "B", LadderLevel.STAFF),
]
MINIMAL_CATEGORIES = [
    ("leadership", "Lãnh đạo, quản lý", 1),
    ("specialised", "Chuyên môn, nghiệp vụ chuyên ngành", 2),
    ("common", "Chuyên môn, nghiệp vụ dùng chung", 3),
    ("support", "Hỗ trợ, phục vụ", 4),
]
#: The sample catalogue entries of the benchmark: one per category, wide rank range.
SAMPLE_CATALOGUE = [
    ("BENCH-LD", "Lãnh đạo, quản lý (mẫu)", "leadership", "principal_specialist"),
    ("BENCH-CN", "Chuyên môn chuyên ngành (mẫu)", "specialised", "officer"),
    ("BENCH-DC", "Chuyên môn dùng chung (mẫu)", "common", "officer"),
    ("BENCH-HT", "Hỗ trợ, phục vụ (mẫu)", "support", "staff"),
]


@dataclass
class GenerationStats:
    provinces: int = 0
    communes: int = 0
    units: int = 0
    closed_units: int = 0
    positions: int = 0
    closed_positions: int = 0
    future_positions: int = 0
    seconds: float = 0.0
    reference_source: str = ""


def province_pc_code(province_code: int) -> str:
    return f"T{province_code:02d}"


def selected_provinces(province_codes: list[int] | None) -> list:
    provinces = sorted(Province.iter_all(), key=lambda p: int(p.code))
    if province_codes is None:
        return provinces
    wanted = set(province_codes)
    chosen = [p for p in provinces if int(p.code) in wanted]
    missing = wanted - {int(p.code) for p in chosen}
    if missing:
        raise ValueError(f"Unknown province codes: {sorted(missing)}")
    return chosen


def is_generated(province_codes: list[int] | None = None) -> bool:
    """Whether the chart of these provinces is already in the database."""
    codes = [province_pc_code(int(p.code)) for p in selected_provinces(province_codes)]
    found = Unit.objects.filter(kind=Unit.Kind.PROVINCIAL_PC, code__in=codes).count()
    return found == len(codes) and JobPosition.objects.exists()


def ensure_reference_data() -> str:
    """Load the real reference data; fall back to the minimal rows above."""
    try:
        call_command("load_reference_data", verbosity=0)
        return "load_reference_data"
    except CommandError as exc:
        if "Unknown command" not in str(exc):
            raise
    groups = {}
    for code, name, step1, increment, steps, months in MINIMAL_SALARY_GROUPS:
        groups[code], _ = SalaryGroup.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "step1": step1,
                "increment": increment,
                "steps": steps,
                "months_per_step": months,
                "basis": "Decree 204/2004/NĐ-CP",
            },
        )
    for code, name, group, level in MINIMAL_RANKS:
        Rank.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": Rank.Kind.CIVIL_SERVANT_RANK,
                "salary_group": groups[group],
                "ladder_level": level,
            },
        )
    for code, name, order in MINIMAL_CATEGORIES:
        PositionCategory.objects.get_or_create(
            code=code, defaults={"name": name, "order": order}
        )
    return "minimal rows (load_reference_data not available)"


def _allocate_ids(model, count: int) -> Iterator[int]:
    """Take ``count`` primary keys from the table's own sequence, so paths can be
    computed before the rows are written and later inserts never collide."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id'))"
            " FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return iter([row[0] for row in cursor.fetchall()])


def _province_title(province) -> str:
    if str(province.division_type).endswith("TINH"):
        return f"tỉnh {province.name}"
    return province.name.replace("Thành phố", "thành phố")


class _TreeBuilder:
    """Collects units in tree order (every parent before its children); ``finish``
    then gives them their ids and paths."""

    def __init__(self):
        self.units: list[Unit] = []
        self.parents: list[Unit | None] = []
        self.successor_links: list[tuple[Unit, Unit]] = []
        self.provinces: list[int] = []
        self.province = 0

    def start_province(self, code: int) -> None:
        self.province = code

    def add(self, parent: Unit | None, **fields) -> Unit:
        unit = Unit(**fields)
        self.units.append(unit)
        self.parents.append(parent)
        self.provinces.append(self.province)
        return unit

    def finish(self) -> None:
        ids = _allocate_ids(Unit, len(self.units))
        for unit, parent in zip(self.units, self.parents, strict=True):
            unit.pk = next(ids)
            if parent is None:
                unit.path, unit.depth = f"/{unit.pk}/", 0
            else:
                unit.parent_id = parent.pk
                unit.path, unit.depth = f"{parent.path}{unit.pk}/", parent.depth + 1


def _build_tree(provinces, wards_by_province, seed: int) -> _TreeBuilder:
    tree = _TreeBuilder()
    for province in provinces:
        pp = int(province.code)
        # One stream per province: a province gets the same units whichever other
        # provinces are generated with it (so --small and full runs compare).
        rng = random.Random(f"{seed}:{pp}:units")
        tree.start_province(pp)
        title = _province_title(province)
        pc = tree.add(
            None,
            code=province_pc_code(pp),
            name=f"Ủy ban nhân dân {title}",
            short_name=f"UBND {province.name}",
            kind=Unit.Kind.PROVINCIAL_PC,
            level=Unit.Level.PROVINCE,
            admin_code=f"{pp:02d}",
            valid_from=EPOCH,
        )
        former_count = rng.randint(1, 2)
        agencies = [(name, False) for name in DEPARTMENTS]
        agencies += [(name, True) for name in FORMER_DEPARTMENTS[:former_count]]
        current: dict[str, Unit] = {}
        for number, (name, former) in enumerate(agencies, start=1):
            closed = {"valid_to": MERGED_ON, "status": Unit.Status.MERGED}
            agency = tree.add(
                pc,
                code=f"T{pp:02d}.{'C' if former else 'S'}{number:02d}",
                name=f"{name} {title}" if "tỉnh" not in name else name,
                kind=Unit.Kind.DEPARTMENT,
                level=Unit.Level.PROVINCE,
                valid_from=EPOCH,
                **(closed if former else {}),
            )
            if former:
                tree.successor_links.append((agency, current[SUCCESSOR_OF[name]]))
            else:
                current[name] = agency
            for k, division in enumerate(DIVISIONS[: rng.randint(5, 7)], start=1):
                tree.add(
                    agency,
                    code=f"{agency.code}.P{k}",
                    name=f"{division} - {name}",
                    kind=Unit.Kind.DIVISION,
                    level=Unit.Level.PROVINCE,
                    valid_from=EPOCH,
                    **(closed if former else {}),
                )
        for ward in wards_by_province[pp]:
            ww = int(ward.code)
            commune = tree.add(
                pc,
                code=f"X{ww:05d}",
                name=f"Ủy ban nhân dân {ward.name}",
                short_name=f"UBND {ward.name}",
                kind=Unit.Kind.COMMUNE_PC,
                level=Unit.Level.COMMUNE,
                admin_code=f"{ww:05d}",
                valid_from=EPOCH,
            )
            is_ward = str(ward.division_type).endswith("PHUONG")
            for k, (name, kind) in enumerate(COMMUNE_UNITS, start=1):
                if is_ward and name == "Phòng Kinh tế":
                    name = WARD_ECONOMIC_DIVISION
                tree.add(
                    commune,
                    code=f"{commune.code}.{k}",
                    name=f"{name} - {ward.name}",
                    kind=kind,
                    level=Unit.Level.COMMUNE,
                    valid_from=EPOCH,
                )
    tree.finish()
    return tree


class _PositionMaker:
    """Draws the job positions of one unit."""

    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self.province = 0
        self.categories = {c.code: c for c in PositionCategory.objects.all()}
        missing = set(CATEGORY_LEVELS) - set(self.categories)
        if missing:
            raise RuntimeError(f"Position categories missing: {sorted(missing)}")
        ranks = list(Rank.objects.filter(kind=Rank.Kind.CIVIL_SERVANT_RANK))
        ranks = ranks or list(Rank.objects.all())
        by_level: dict[str, list[Rank]] = {}
        for rank in ranks:
            by_level.setdefault(rank.ladder_level, []).append(rank)
        self.ranks = {
            category: [r for level in levels for r in by_level.get(level, [])] or ranks
            for category, levels in CATEGORY_LEVELS.items()
        }
        self.entries = {}
        for code, name, category, lowest in SAMPLE_CATALOGUE:
            self.entries[category], _ = CatalogueEntry.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "category": self.categories[category],
                    "highest_level": LadderLevel.SENIOR_SPECIALIST,
                    "lowest_level": lowest,
                    "is_sample": True,
                    "basis": "Benchmark sample, not an official list",
                },
            )
        self.decisions = 0

    def start_province(self, code: int) -> None:
        """Positions too are drawn from one stream per province, and each province
        numbers its own decisions."""
        self.province = code
        self.rng = random.Random(f"{self.seed}:{code}:positions")
        self.decisions = 0

    def _dates(self, unit: Unit) -> tuple[datetime.date, datetime.date | None]:
        if unit.valid_to is not None:
            return EPOCH, unit.valid_to
        draw = self.rng.random()
        if draw < 0.12:  # replaced by a later decision
            return EPOCH, EPOCH + datetime.timedelta(days=self.rng.randint(60, 330))
        if draw < 0.14:  # approved to start after the benchmark's date
            return FUTURE_FROM, None
        if draw < 0.24:  # added by a later decision
            return EPOCH + datetime.timedelta(days=self.rng.randint(30, 330)), None
        return EPOCH, None

    def positions(self, unit: Unit) -> Iterator[JobPosition]:
        rng = self.rng
        low, high = POSITIONS_PER_UNIT[unit.kind]
        head, deputy = LEADERS[unit.kind]
        plan = [("leadership", head, 1), ("leadership", deputy, rng.randint(1, 3))]
        for _ in range(rng.randint(low, high) - len(plan)):
            draw = rng.random()
            if draw < 0.55:
                field = rng.choice(SPECIALISED_FIELDS)
                plan.append(("specialised", f"Chuyên viên quản lý {field}", 0))
            elif draw < 0.85:
                plan.append(("common", rng.choice(COMMON_NAMES), 0))
            else:
                plan.append(("support", rng.choice(SUPPORT_NAMES), 0))
        for category, name, headcount in plan:
            valid_from, valid_to = self._dates(unit)
            self.decisions += 1
            yield JobPosition(
                unit_id=unit.pk,
                catalogue_entry=self.entries[category] if rng.random() < 0.5 else None,
                name=name,
                category=self.categories[category],
                rank=rng.choice(self.ranks[category]),
                headcount=headcount or rng.randint(1, 6),
                valid_from=valid_from,
                valid_to=valid_to,
                decision_number=f"{self.decisions}/QĐ-UBND",
                decision_date=valid_from - datetime.timedelta(days=rng.randint(5, 40)),
            )


def generate(
    *,
    province_codes: list[int] | None = None,
    seed: int = SEED,
    log: Callable[[str], None] = print,
) -> GenerationStats:
    """Write the chart of the given provinces (all 34 when ``None``) with their
    positions, in one transaction, then refresh the planner's statistics."""
    started = time.perf_counter()
    stats = GenerationStats()
    provinces = selected_provinces(province_codes)
    wanted = {int(p.code) for p in provinces}
    wards_by_province: dict[int, list] = {code: [] for code in wanted}
    for ward in sorted(Ward.iter_all(), key=lambda w: int(w.code)):
        if int(ward.province_code) in wanted:
            wards_by_province[int(ward.province_code)].append(ward)
    stats.provinces = len(provinces)
    stats.communes = sum(len(wards) for wards in wards_by_province.values())

    with transaction.atomic():
        stats.reference_source = ensure_reference_data()
        tree = _build_tree(provinces, wards_by_province, seed)
        for start in range(0, len(tree.units), UNIT_BATCH):
            Unit.objects.bulk_create(tree.units[start : start + UNIT_BATCH])
        Unit.successors.through.objects.bulk_create(
            Unit.successors.through(from_unit_id=old.pk, to_unit_id=new.pk)
            for old, new in tree.successor_links
        )
        stats.units = len(tree.units)
        stats.closed_units = sum(1 for u in tree.units if u.valid_to is not None)
        log(
            f"  {stats.units:,} units written "
            f"({time.perf_counter() - started:.1f} s); positions…"
        )

        maker = _PositionMaker(seed)
        batch: list[JobPosition] = []
        for unit, province in zip(tree.units, tree.provinces, strict=True):
            if province != maker.province:
                maker.start_province(province)
            for position in maker.positions(unit):
                stats.positions += 1
                if position.valid_to is not None:
                    stats.closed_positions += 1
                elif position.valid_from > AS_OF:
                    stats.future_positions += 1
                batch.append(position)
            if len(batch) >= POSITION_BATCH:
                JobPosition.objects.bulk_create(batch)
                batch = []
        JobPosition.objects.bulk_create(batch)
        log(
            f"  {stats.positions:,} positions written "
            f"({time.perf_counter() - started:.1f} s)"
        )

    with connection.cursor() as cursor:
        for model in (Unit, JobPosition):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    stats.seconds = time.perf_counter() - started
    return stats
