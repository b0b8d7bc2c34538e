"""The establishment's import at province size on PostgreSQL: 100,000 generated
job positions read from a file, validated and written through the real service
(``orgchart.import_jobs`` running the ``establishment`` kind), against a bare
``bulk_create`` of the same rows measured in the same run.

    python bench/imports.py                    # 100,000 rows, CSV
    python bench/imports.py --rows 20000 --format xlsx

Every measured step runs in its own child process (the same script with
``--child``), so that its peak resident memory (``ru_maxrss``) is its own:

- ``bare``: the rows, already parsed in memory, as ``JobPosition`` objects
  inserted with ``bulk_create`` in batches of 2,000 in one transaction;
- ``service``: the file submitted as an import job and run to the end: streamed
  through the guarded reader, every cell and the model's rules checked, the
  reference tables loaded once, bulk inserts in one transaction.

Prints the time of each, the ratio service / bare, and each one's peak memory.
Uses ``DATABASE_URL`` (PostgreSQL only; default
``postgres://postgres@127.0.0.1:5432/imports_bench``), drops and recreates that
database and migrates it. Nothing is asserted: this reports.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.lifecycle import prepare_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/imports_bench"
UNITS = 400
HEADINGS = [
    "Mã đơn vị",
    "Tên vị trí việc làm",
    "Nhóm vị trí",
    "Mã ngạch",
    "Số lượng",
    "Hiệu lực từ",
    "Số quyết định",
    "Ngày quyết định",
]
START = datetime.date(2026, 1, 1)


def rows(count: int):
    for index in range(count):
        yield [
            f"BM-{index % UNITS:04d}",
            f"Chuyên viên theo dõi lĩnh vực {index // UNITS}",
            "specialised",
            "01.003",
            1 + index % 4,
            START.strftime("%d/%m/%Y"),
            f"{1 + index % 900}/QĐ-UBND",
            "15/12/2025",
        ]


def write_file(path: Path, count: int, file_format: str) -> None:
    if file_format == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEADINGS)
            writer.writerows(rows(count))
        return
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADINGS)
    for row in rows(count):
        sheet.append(row)
    book.save(path)


def build_reference() -> None:
    from decimal import Decimal

    from orgchart import services
    from orgchart.models import LadderLevel, PositionCategory, Rank, SalaryGroup, Unit

    group = SalaryGroup.objects.create(
        code="A1",
        name="Loại A1",
        step1=Decimal("2.34"),
        increment=Decimal("0.33"),
        steps=9,
        months_per_step=36,
    )
    Rank.objects.create(
        code="01.003",
        name="Chuyên viên",
        kind=Rank.Kind.CIVIL_SERVANT_RANK,
        salary_group=group,
        ladder_level=LadderLevel.SPECIALIST,
    )
    PositionCategory.objects.create(
        code="specialised", name="Chuyên môn, nghiệp vụ chuyên ngành", order=2
    )
    province = services.unit_create(
        code="BM",
        name="UBND tỉnh mẫu",
        kind=Unit.Kind.PROVINCIAL_PC,
        level=Unit.Level.PROVINCE,
        valid_from=datetime.date(2025, 7, 1),
    )
    services.unit_bulk_create(
        units=[
            Unit(
                code=f"BM-{n:04d}",
                name=f"Đơn vị mẫu {n}",
                kind=Unit.Kind.DEPARTMENT,
                level=Unit.Level.PROVINCE,
                parent=province,
                valid_from=datetime.date(2025, 7, 1),
            )
            for n in range(UNITS)
        ]
    )


def child_bare(path: str, count: int) -> dict:
    from django.db import transaction

    from orgchart.models import JobPosition, PositionCategory, Rank, Unit

    units = dict(Unit.objects.values_list("code", "pk"))
    rank = Rank.objects.get(code="01.003").pk
    category = PositionCategory.objects.get(code="specialised").pk
    parsed = list(rows(count))
    started = time.perf_counter()
    with transaction.atomic():
        JobPosition.objects.bulk_create(
            (
                JobPosition(
                    unit_id=units[row[0]],
                    name=row[1],
                    category_id=category,
                    rank_id=rank,
                    headcount=row[4],
                    valid_from=START,
                    decision_number=row[6],
                    decision_date=datetime.date(2025, 12, 15),
                )
                for row in parsed
            ),
            batch_size=2000,
        )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"seconds": seconds}


def child_service(path: str, count: int) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from orgchart.import_jobs import import_job_submit
    from orgchart.models import ImportJob, JobPosition
    from orgchart.services import roles_ensure

    roles_ensure()
    settings.IMPORT_BACKGROUND_ROWS = count + 1  # run it here, to the end
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True}
    )
    started = time.perf_counter()
    with open(path, "rb") as stored:
        job = import_job_submit(
            kind="establishment", user=user, file=File(stored, name=Path(path).name)
        )
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    written = JobPosition.objects.count()
    JobPosition.objects.all().delete()
    ImportJob.objects.all().delete()
    return {
        "seconds": seconds,
        "status": job.status,
        "written": written,
        "errors": job.errors[:3],
    }


def run_child(kind: str, path: Path, count: int, media: str) -> dict:
    # DEBUG off: Django would otherwise keep every statement's SQL in memory.
    env = {
        **os.environ,
        "MEDIA_ROOT": media,
        "DEBUG": "False",
        "SECRET_KEY": "bench-only-" + "x" * 50,
    }
    done = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, "--child", kind, str(path), str(count)],
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"the {kind} step failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "PATH", "ROWS"))
    args = parser.parse_args(argv)
    if args.child:
        kind, path, count = args.child
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        result = (child_bare if kind == "bare" else child_service)(path, int(count))
        result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0

    prepare_database(DEFAULT_URL, "bench/imports.py")
    with tempfile.TemporaryDirectory() as media:
        setup_django(media)
        from django.db import connection

        build_reference()
        connection.close()
        path = Path(media) / f"establishment.{args.format}"
        write_file(path, args.rows, args.format)
        size = path.stat().st_size / 1024 / 1024
        bare = run_child("bare", path, args.rows, media)
        service = run_child("service", path, args.rows, media)
    ratio = service["seconds"] / bare["seconds"]
    print(f"{args.rows:,} establishment rows ({args.format}, {size:.1f} MB)")
    print(f"{'':28}{'seconds':>9}{'rows/s':>10}{'peak RSS MB':>13}")
    for label, result in (
        ("bare bulk_create", bare),
        ("import (validate+write)", service),
    ):
        print(
            f"{label:28}{result['seconds']:9.2f}"
            f"{args.rows / result['seconds']:10,.0f}{result['maxrss_mb']:13.0f}"
        )
    print(f"ratio import / bare: {ratio:.2f} (goal <= 3)")
    print(f"import job: {service['status']}, {service['written']:,} rows written")
    if service["errors"]:
        print("first errors:", service["errors"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
