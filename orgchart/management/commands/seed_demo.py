"""``manage.py seed_demo``: the demo province of Nghệ An with one login per role
(see ``orgchart.demo.demo_seed``). Prints the logins and their shared password."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from orgchart.demo import DEMO_PASSWORD, DEMO_TOTP_KEY, demo_seed


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Seed the demo province (Nghệ An): agencies, communes and their divisions, "
            "a sample position catalogue, an establishment and one login per role. "
            "Idempotent; prints the logins."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=_("Password of every demo login (default: %(default)s)."),
        )

    def handle(self, *args, password: str, **options):
        try:
            result = demo_seed(password=password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        units = result.admin_units
        self.stdout.write(
            _(
                "%(province)s: %(communes)s communes and wards; %(units)s units, "
                "%(entries)s sample catalogue entries, %(positions)s job positions "
                "and %(users)s users created."
            )
            % {
                "province": units["province"].name,
                "communes": units["communes"],
                "units": units["created"] + result.units_created,
                "entries": result.catalogue_created,
                "positions": result.positions_created,
                "users": result.users_created,
            }
        )
        header = [_("Username"), _("Password"), _("Role"), _("Scope")]
        rows = [[x.username, x.password, x.role, x.scope] for x in result.logins]
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Demo logins")))
        for row in [header, *rows]:
            cells = [str(row[i]).ljust(widths[i]) for i in range(3)]
            self.stdout.write("  ".join([*cells, str(row[3])]))
        self.stdout.write("")
        self.stdout.write(
            _(
                "director, committee and admin confirm each login with a code from "
                "an authenticator app (two-factor authentication). Add this key to "
                "any authenticator app (time-based, 6 digits, 30 seconds): %(key)s"
            )
            % {"key": DEMO_TOTP_KEY}
        )
