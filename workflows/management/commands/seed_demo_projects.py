"""``manage.py seed_demo_projects``: job-position projects in every state of the
flow for the demo logins of ``seed_demo`` (run it after that command), so each role
finds work in its inbox or queue. Idempotent."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workflows.demo import demo_logins_get, demo_processes_seed

#: The demo logins of ``orgchart.demo.DEMO_USERS`` each step needs.
USERNAMES = (
    "officer",
    "unithead",
    "reception",
    "divisionhead",
    "appraiser",
    "director",
    "committee",
)


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Add demo job-position projects in every state of the flow (after "
            "seed_demo), so that every demo login finds work. Idempotent."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--unit",
            default="STP",
            help=_("Code of the unit the demo projects belong to (default: STP)."),
        )

    def handle(self, *args, unit: str, **options):
        users, target = demo_logins_get(usernames=USERNAMES, unit_code=unit)
        try:
            processes = demo_processes_seed(unit=target, users=users)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            _("%(count)s demo projects created for %(unit)s.")
            % {"count": len(processes), "unit": target.name}
        )
