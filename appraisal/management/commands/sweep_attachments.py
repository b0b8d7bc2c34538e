"""``manage.py sweep_attachments``: delete the stored files no attachment names
(left by a step that rolled back, or a worker killed before its commit), once
they are older than the grace period. Run it hourly (cron or Celery beat)."""

import datetime

from django.core.management.base import BaseCommand

from appraisal.services.attachments import ORPHAN_GRACE, attachments_sweep


class Command(BaseCommand):
    help = "Delete stored attachment files that no attachment names."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=int(ORPHAN_GRACE.total_seconds() // 60),
            help="Leave younger files alone: their transaction may be running.",
        )

    def handle(self, *args, older_than_minutes, **options):
        swept = attachments_sweep(
            older_than=datetime.timedelta(minutes=older_than_minutes)
        )
        for name in swept:
            self.stdout.write(f"removed {name}")
        self.stdout.write(f"{len(swept)} orphaned files removed.")
