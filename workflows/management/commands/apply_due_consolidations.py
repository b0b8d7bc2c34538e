"""``manage.py apply_due_consolidations``: apply every approved consolidation
whose effective date has come (run it daily, e.g. from cron shortly after
midnight; running it again the same day does nothing more)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from workflows.consolidation_schedule import consolidations_apply_due


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Apply every approved unit consolidation whose effective date has come."
        )

    def handle(self, *args, **options):
        run = consolidations_apply_due()
        for process_pk, reason in run.failed.items():
            self.stderr.write(
                _("Consolidation process %(pk)s was not applied: %(reason)s")
                % {"pk": process_pk, "reason": reason}
            )
        self.stdout.write(
            _("%(count)s consolidations applied.") % {"count": len(run.applied)}
        )
