"""Export one sample of each official document from a demo database: the Word
file, the signed PDF and its pages as PNG (``pdftoppm`` from poppler-utils), to
check by eye that every Vietnamese letter renders.

    DATABASE_URL=sqlite:///path/demo.sqlite3 MEDIA_ROOT=path/media \\
        python docs/samples/export.py [--walk-staffing]

Run after ``make demo``'s seeding steps on a throwaway database; with
``--walk-staffing`` the demo's staffing cycle is first walked to the committee's
allocation, so its report, submission and decision exist too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walk-staffing", action="store_true")
    parser.add_argument("--resolution", type=int, default=60)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from appraisal.models import DocumentIssue

    if args.walk_staffing:
        from django.db.models import F

        from appraisal.models import StaffingCeiling
        from workflows.demo import demo_logins_get
        from workflows.flows import StaffingPlanFlow
        from workflows.management.commands.seed_demo_staffing import USERNAMES
        from workflows.models import StaffingPlanProcess
        from workflows.staffing_demo import CyclePeople, plan_walk

        users, _unit = demo_logins_get(usernames=USERNAMES, unit_code="STP")
        people = CyclePeople(
            division_head=users["divisionhead"],
            appraiser=users["appraiser"],
            director=users["director"],
            committee=users["committee"],
        )
        process = (
            StaffingPlanProcess.objects.filter(flow_class=StaffingPlanFlow)
            .order_by("-pk")
            .first()
        )
        # The demo's proposals ask for more than its ceilings allow (so that the
        # checks have something to show); a sample decision needs an approvable
        # plan: on this throwaway database the ceilings are raised first.
        StaffingCeiling.objects.filter(plan=process.plan).update(
            ceiling=F("ceiling") * 2
        )
        plan_walk(process, "applied", people)

    done = set()
    for issue in DocumentIssue.objects.filter(state__in=["ready", "signed"]).order_by(
        "-pk"
    ):
        kind = issue.dossier.specific._meta.model_name
        key = (kind, issue.document)
        if key in done:
            continue
        done.add(key)
        stem = f"{kind}-{issue.document}"
        for attachment in issue.files.all():
            target = HERE / f"{stem}.{attachment.extension}"
            with attachment.file.open("rb") as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            if attachment.extension == "pdf":
                subprocess.run(  # noqa: S603
                    [  # noqa: S607
                        "pdftoppm",
                        "-png",
                        "-r",
                        str(args.resolution),
                        str(target),
                        str(HERE / stem),
                    ],
                    check=True,
                )
        print(stem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
