"""The demo's digital signatures: a demo certificate authority, configured as a
trust root, and a signing certificate for every director and committee member
(never for production: a province uses the certificates of the Government's
specialised digital-signature service)."""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from orgchart.permissions import Role

from ..models import SignerCertificate, TrustRoot
from .signing import demo_authority_create, demo_signer_create

DEMO_AUTHORITY = "PositionFlow demo CA"


@transaction.atomic
def demo_certificates_seed(*, pem_path: Path | None = None) -> dict:
    """Create the demo authority (once) and a certificate for each director and
    committee member without a current one. Each certificate's password is random
    and only stored encrypted. Returns what was created."""
    from ..services.documents import signer_certificate_add

    missing = [
        user
        for user in get_user_model()
        .objects.filter(
            is_active=True, groups__name__in=[Role.DIRECTOR, Role.COMMITTEE]
        )
        .distinct()
        .order_by("username")
        if not SignerCertificate.objects.filter(
            user=user, active=True, not_after__gt=timezone.now()
        ).exists()
    ]
    existing = TrustRoot.objects.filter(name__startswith=DEMO_AUTHORITY).first()
    if existing is not None and not missing:
        return {"authority": existing.name, "issued": []}
    # The authority's key is not kept: a later run makes a new authority for the
    # certificates still missing, trusted beside the first one.
    key, certificate = demo_authority_create(DEMO_AUTHORITY)
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    name = DEMO_AUTHORITY
    if existing is not None:
        name = f"{DEMO_AUTHORITY} {timezone.now():%Y-%m-%d %H:%M:%S}"
    root = TrustRoot.objects.create(name=name, certificate_pem=pem)
    issued = []
    for user in missing:
        password = secrets.token_urlsafe(16)
        common_name = user.get_full_name() or user.get_username()
        data = demo_signer_create((key, certificate), common_name, password)
        signer_certificate_add(user=user, data=data, password=password)
        issued.append(user.get_username())
    if pem_path is not None:
        pem_path.parent.mkdir(parents=True, exist_ok=True)
        pem_path.write_text(pem)
    return {"authority": root.name, "issued": issued}
