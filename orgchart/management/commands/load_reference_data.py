"""``manage.py load_reference_data``: salary groups, ranks and professional titles,
position categories from the project's CSV files (see ``orgchart.demo``)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from orgchart.demo import DATA_DIR, reference_data_load


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Load salary groups, ranks and professional titles, and position "
            "categories from the CSV files (idempotent: rows are matched by code)."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=DATA_DIR,
            help=_("Folder holding the CSV files (default: the project's own)."),
        )

    def handle(self, *args, data_dir: Path, **options):
        try:
            result = reference_data_load(data_dir=data_dir)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        labels = {
            "salary_groups": _("Salary groups"),
            "ranks": _("Ranks and professional titles"),
            "categories": _("Position categories"),
        }
        for key, label in labels.items():
            tally = result[key]
            self.stdout.write(
                _(
                    "%(what)s: %(created)s created, %(updated)s updated, "
                    "%(unchanged)s unchanged."
                )
                % {
                    "what": label,
                    "created": tally.created,
                    "updated": tally.updated,
                    "unchanged": tally.unchanged,
                }
            )
