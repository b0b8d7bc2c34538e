"""``manage.py seed_demo_consolidation``: a unit consolidation in progress for the
demo logins of ``seed_demo`` (run it after that command), modelled on the
expansion of Vinh City and waiting at the appraisal step. Idempotent."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workflows.consolidation_demo import (
    SUCCESSOR,
    USERNAMES,
    demo_consolidation_seed,
)
from workflows.demo import demo_logins_get


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Propose the demo unit consolidation through the flow (after "
            "seed_demo) and leave it at the appraisal step. Idempotent."
        )

    def handle(self, *args, **options):
        users, _unit = demo_logins_get(usernames=USERNAMES, unit_code=f"P{SUCCESSOR}")
        try:
            process = demo_consolidation_seed(users=users)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if process is None:
            self.stdout.write(_("The demo consolidation is already there."))
            return
        self.stdout.write(
            _("The demo consolidation “%(title)s” waits for its appraisal.")
            % {"title": process.consolidation.title}
        )
