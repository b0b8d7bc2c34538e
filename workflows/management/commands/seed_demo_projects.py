"""``manage.py seed_demo_projects``: job-position projects in every state of the
flow for the demo logins of ``seed_demo`` (run it after that command), so each role
finds work in its inbox or queue. Idempotent."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from orgchart.models import Unit
from workflows.demo import demo_processes_seed

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
        users = {
            user.username: user
            for user in get_user_model().objects.filter(username__in=USERNAMES)
        }
        missing = sorted(set(USERNAMES) - set(users))
        if missing:
            raise CommandError(
                _("Run seed_demo first; missing demo logins: %(names)s.")
                % {"names": ", ".join(missing)}
            )
        target = Unit.objects.filter(code=unit, valid_to__isnull=True).first()
        if target is None:
            raise CommandError(_("No open unit with code %(code)s.") % {"code": unit})
        try:
            processes = demo_processes_seed(unit=target, users=users)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            _("%(count)s demo projects created for %(unit)s.")
            % {"count": len(processes), "unit": target.name}
        )
