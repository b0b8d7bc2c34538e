"""Export one sample of each official document from a demo database: the Word
file, the signed PDF and its pages as PNG (``pdftoppm`` from poppler-utils), to
check by eye that every Vietnamese letter renders.

    DATABASE_URL=sqlite:///path/demo.sqlite3 MEDIA_ROOT=path/media \\
        python docs/samples/export.py [--walk-staffing] [--walk-consolidation]

Run after ``make demo``'s seeding steps on a throwaway database; with
``--walk-staffing`` the demo's staffing cycle is first walked to the committee's
allocation, so its report, submission and decision exist too; with
``--walk-consolidation`` the demo's Vinh expansion is seeded and walked to the
committee's approval, so the consolidation's four documents exist.
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
    parser.add_argument("--walk-consolidation", action="store_true")
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

    if args.walk_consolidation:
        _walk_consolidation()

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


def _walk_consolidation() -> None:
    """The demo's Vinh expansion through the shared steps, as the demo people, to
    the committee's approval (each step's documents generated on its commit)."""
    from django.contrib.auth import get_user_model

    from appraisal import services as svc
    from appraisal.demo import seed_demo_consolidation
    from appraisal.models import Consolidation

    users = {user.username: user for user in get_user_model().objects.all()}
    consolidation = seed_demo_consolidation(
        users=users, until=Consolidation.Status.UNDER_APPRAISAL
    )
    svc.report_complete(
        dossier=consolidation, actor=users["appraiser"], recommendation="approve"
    )
    svc.report_review(dossier=consolidation, actor=users["divisionhead"])
    svc.report_sign(dossier=consolidation, actor=users["director"])
    svc.dossier_decide(
        dossier=consolidation, actor=users["committee"], outcome="approved"
    )


if __name__ == "__main__":
    sys.exit(main())
