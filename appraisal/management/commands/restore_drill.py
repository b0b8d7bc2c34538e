"""``manage.py restore_drill DIR``: restore a backup into a scratch database and
folder, verify it against its manifest, drop the scratch copies
(``appraisal.backup``). Exit status 1, naming each problem, if it does not
verify."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from appraisal.backup import BackupError, restore_drill


class Command(BaseCommand):
    help = (
        "Restore a backup into a scratch database and folder and verify row "
        "counts, audit chains and document hashes against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path)
        parser.add_argument(
            "--scratch-db",
            default=None,
            help="Name of the scratch database (a file path on SQLite).",
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the scratch copies."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, backup, scratch_db, keep, database, **options):
        try:
            report = restore_drill(
                backup=backup, scratch_db=scratch_db, keep=keep, using=database
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "Restored into %(db)s: %(tables)s tables, %(rows)s rows, "
                "%(entries)s audit entries of %(dossiers)s dossiers, "
                "%(files)s documents checked."
            )
            % {
                "db": report.scratch_db,
                "tables": report.tables,
                "rows": report.rows,
                "entries": report.audit_entries,
                "dossiers": report.dossiers,
                "files": report.files,
            }
        )
        if keep:
            self.stdout.write(_("The scratch copies are kept (--keep)."))
        for problem in report.problems:
            self.stderr.write(problem.message)
        if not report.ok:
            raise CommandError(
                _("The restore drill failed: %(count)s problems.")
                % {"count": len(report.problems)}
            )
        self.stdout.write(
            _("The restore drill passed: the backup matches its manifest.")
        )
