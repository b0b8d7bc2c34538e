"""A demo certificate authority for the tests (one per session: key generation is
the slow part) and a fixture giving a person a signing certificate through the
real service, as an administrator's upload would."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from appraisal.documents.signing import demo_authority_create, demo_signer_create

SIGNER_PASSWORD = "mật-khẩu-ký-số"


@pytest.fixture(scope="session")
def demo_authority_keys():
    return demo_authority_create("CA thử nghiệm PositionFlow")


@pytest.fixture
def demo_authority(db, demo_authority_keys):
    """The authority, configured as a trust root."""
    from appraisal.models import TrustRoot

    pem = demo_authority_keys[1].public_bytes(serialization.Encoding.PEM).decode()
    TrustRoot.objects.create(name="CA thử nghiệm", certificate_pem=pem)
    return demo_authority_keys


@pytest.fixture
def signer_certificate(demo_authority):
    """``signer_certificate(user)`` uploads a valid certificate for ``user``."""
    from appraisal.services import signer_certificate_add

    def make(user, **extra):
        name = user.get_full_name() or user.get_username()
        data = demo_signer_create(demo_authority, name, SIGNER_PASSWORD, **extra)
        return signer_certificate_add(user=user, data=data, password=SIGNER_PASSWORD)

    return make
