"""``manage.py seed_demo_certificates``: a demo certificate authority and a
signing certificate for every director and committee member of the demo."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from appraisal.documents.demo import demo_certificates_seed


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Create a demo certificate authority (trusted) and a signing "
            "certificate for each director and committee member who has none. "
            "For the demo only. Idempotent."
        )

    def handle(self, *args, **options):
        pem = settings.BASE_DIR / "var" / "demo-ca.pem"
        result = demo_certificates_seed(pem_path=pem)
        self.stdout.write(
            _("Demo certificate authority: %(name)s (%(path)s)")
            % {"name": result["authority"], "path": pem}
        )
        for username in result["issued"]:
            self.stdout.write(
                _("Signing certificate issued for %(user)s") % {"user": username}
            )
