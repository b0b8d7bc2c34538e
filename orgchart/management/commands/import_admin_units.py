"""``manage.py import_admin_units --province 40``: a province's People's Committee
and its commune-level People's Committees from the official list (see
``orgchart.demo.admin_units_import``)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from orgchart.demo import admin_units_import


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Create or update a province's People's Committee and every commune "
            "and ward People's Committee under it, with their official codes."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            type=int,
            required=True,
            help=_("Official code of the province (Nghệ An is 40)."),
        )

    def handle(self, *args, province: int, **options):
        try:
            result = admin_units_import(province_code=province)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            _(
                "%(province)s: %(communes)s communes and wards in the official list; "
                "%(created)s created, %(updated)s updated, %(unchanged)s unchanged."
            )
            % {
                "province": result["province"].name,
                "communes": result["communes"],
                "created": result["created"],
                "updated": result["updated"],
                "unchanged": result["unchanged"],
            }
        )
        if result["not_in_list"]:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "%(count)s open commune People's Committees are no longer in "
                        "the official list; they were left open (closing a unit "
                        "needs a reorganisation decision)."
                    )
                    % {"count": result["not_in_list"]}
                )
            )
