"""``manage.py seed_demo_staffing``: next year's staffing cycle opened through the
flow for the demo logins of ``seed_demo`` (run it after that command): every
agency, public service unit and commune is asked; the demo unit's proposal is
accepted, one of its divisions' waits for review and the other's was sent back
for revision. Idempotent."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.demo import demo_logins_get
from workflows.staffing_demo import demo_staffing_seed

#: The demo logins of ``orgchart.demo.DEMO_USERS`` the cycle needs.
USERNAMES = (
    "officer",
    "unithead",
    "appraiser",
    "divisionhead",
    "director",
    "committee",
)


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Open next year's demo staffing cycle through the flow (after "
            "seed_demo), with a few units' proposals answered. Idempotent."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            default=timezone.localdate().year + 1,
            help=_("Year of the plan (default: next year)."),
        )
        parser.add_argument(
            "--unit",
            default="STP",
            help=_("Code of the demo unit whose proposals answer (default: STP)."),
        )

    def handle(self, *args, year: int, unit: str, **options):
        users, _unit = demo_logins_get(usernames=USERNAMES, unit_code=unit)
        try:
            process = demo_staffing_seed(users=users, year=year, unit_code=unit)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if process is None:
            self.stdout.write(
                _("The staffing plan of %(year)s is already open.") % {"year": year}
            )
            return
        self.stdout.write(
            _("The staffing plan of %(year)s is open: %(count)s units are asked.")
            % {"year": year, "count": process.plan.proposals.count()}
        )
