"""``manage.py verify_audit``: recompute the hash chain of every dossier's audit
trail and name the first broken entry of each dossier whose chain is broken."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from appraisal.selectors.audit import audit_chains_verify


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chains; name the first broken entry of "
        "each dossier (exit status 1 if any)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to verify (a configured alias).",
        )

    def handle(self, *args, database, **options):
        report = audit_chains_verify(using=database)
        for link in report.broken:
            self.stderr.write(
                f"Dossier {link.dossier_id}: entry {link.entry_id} "
                f"({link.action}, {link.created_at:%Y-%m-%d %H:%M:%S}) does not "
                "match its chain: it or an earlier entry was changed, removed or "
                "inserted outside the application."
            )
        if report.broken:
            raise CommandError(
                f"{len(report.broken)} of {report.dossiers} dossiers have a broken "
                "audit chain."
            )
        self.stdout.write(
            f"{report.entries} audit entries of {report.dossiers} dossiers verified: "
            "every chain is intact."
        )
