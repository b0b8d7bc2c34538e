"""``manage.py setup_roles``: create the product's role groups and their global
permissions (``orgchart.services.roles_ensure``)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from orgchart.permissions import ROLE_LABELS
from orgchart.services import roles_ensure


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Create the role groups of PositionFlow with their global permissions "
            "(idempotent)."
        )

    def handle(self, *args, **options):
        for group in roles_ensure():
            self.stdout.write(
                _("%(group)s (%(label)s): %(count)s global permissions")
                % {
                    "group": group.name,
                    "label": ROLE_LABELS.get(group.name, group.name),
                    "count": group.permissions.count(),
                }
            )
