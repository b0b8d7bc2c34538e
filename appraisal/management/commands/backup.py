"""``manage.py backup --output DIR``: the database and the media folder with a
manifest of what they hold (``appraisal.backup``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from appraisal.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump on PostgreSQL, SQLite's backup API on the "
        "embedded database) and the media folder, with a manifest for the drill."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, output, database, **options):
        try:
            manifest = backup_create(output=output, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "Backup written to %(folder)s: %(tables)s tables, %(rows)s rows, "
                "%(dossiers)s audit chains, %(files)s documents."
            )
            % {
                "folder": output,
                "tables": len(manifest["tables"]),
                "rows": sum(manifest["tables"].values()),
                "dossiers": len(manifest["audit_heads"]),
                "files": len(manifest["attachments"]),
            }
        )
