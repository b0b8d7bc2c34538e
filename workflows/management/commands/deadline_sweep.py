"""``manage.py deadline_sweep``: the daily deadline reminders at once (what the
scheduler runs every morning)."""

from django.core.management.base import BaseCommand

from workflows.notifications import deadline_sweep


class Command(BaseCommand):
    help = "Remind the people of the dossiers due within two working days or overdue."

    def handle(self, *args, **options):
        made = deadline_sweep()
        self.stdout.write(f"{made} reminder(s)")
