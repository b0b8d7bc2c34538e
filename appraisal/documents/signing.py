"""Digital signatures of the official documents (Decree 130/2018/NĐ-CP on digital
signatures; Decree 30/2020/NĐ-CP Art. 13 and Appendix I: an electronic document is
signed by the competent person with a digital signature): PAdES signatures made
with pyHanko from a signer's PKCS#12 certificate, verified against the trust roots
an administrator configures.

A PKCS#12 archive and its password are kept encrypted with a key derived from the
setting ``APPRAISAL_SIGNING_KEY`` (``SECRET_KEY`` by default): a copy of the
database alone gives neither the key nor the password.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import hashlib
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings

__all__ = [
    "CertificateProblem",
    "LoadedCertificate",
    "SignatureCheck",
    "demo_authority_create",
    "demo_signer_create",
    "pdf_sign",
    "pdf_signatures_check",
    "pkcs12_load",
    "secret_decrypt",
    "secret_encrypt",
]


class CertificateProblem(Exception):
    """A certificate that cannot sign: wrong password, no key, expired, or not
    issued by a configured trust root. ``code`` says which."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _fernet() -> Fernet:
    secret = getattr(settings, "APPRAISAL_SIGNING_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(b"positionflow-signing:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def secret_encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def secret_decrypt(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise CertificateProblem("undecryptable") from exc


@dataclass(frozen=True)
class LoadedCertificate:
    """What a PKCS#12 archive holds, read with its password."""

    key: object
    certificate: x509.Certificate
    chain: list[x509.Certificate]

    @property
    def subject(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return names[0].value if names else self.certificate.subject.rfc4514_string()

    @property
    def not_before(self) -> datetime.datetime:
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> datetime.datetime:
        return self.certificate.not_valid_after_utc

    @property
    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()


def pkcs12_load(
    data: bytes, password: str, *, trust_roots_pem: list[bytes], at=None
) -> LoadedCertificate:
    """Open a PKCS#12 archive and check that it can sign now: it opens with the
    password, holds a private key, is within its validity and was issued by one
    of the trust roots. Raises :class:`CertificateProblem` otherwise."""
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(
            bytes(data), password.encode() if password else None
        )
    except (ValueError, TypeError) as exc:
        raise CertificateProblem("unreadable") from exc
    if key is None or cert is None:
        raise CertificateProblem("no_key")
    loaded = LoadedCertificate(key=key, certificate=cert, chain=list(chain or []))
    at = at or datetime.datetime.now(datetime.UTC)
    if not (loaded.not_before <= at <= loaded.not_after):
        raise CertificateProblem("expired")
    roots = [x509.load_pem_x509_certificate(pem) for pem in trust_roots_pem]
    if not any(_issued_by(cert, root) for root in roots):
        raise CertificateProblem("untrusted")
    return loaded


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, Exception):  # noqa: BLE001 - any failure: no
        return False
    return True


def _outside_event_loop(function):
    """Run ``function`` where no asyncio event loop is running: pyHanko's
    synchronous API starts its own loop, which an already running one (an ASGI
    server's thread, a test driving a browser) forbids."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function()
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(function).result()


def pdf_sign(
    pdf: bytes, loaded: LoadedCertificate, *, field: str, reason: str
) -> bytes:
    """Sign ``pdf`` (PAdES baseline B) in a new signature field; the bytes of the
    signed file are returned, the input is not changed."""
    return _outside_event_loop(lambda: _pdf_sign(pdf, loaded, field, reason))


def _pdf_sign(pdf: bytes, loaded: LoadedCertificate, field: str, reason: str):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(
            loaded.certificate.public_bytes(serialization.Encoding.DER)
        ),
        signing_key=_asn1_key(loaded.key),
        cert_registry=SimpleCertificateStore.from_certs(
            [
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                for c in loaded.chain
            ]
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        reason=reason,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    signers.PdfSigner(meta, signer=signer).sign_pdf(writer, output=out)
    return out.getvalue()


def _asn1_key(key):
    from asn1crypto import keys as asn1_keys

    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return asn1_keys.PrivateKeyInfo.load(der)


@dataclass(frozen=True)
class SignatureCheck:
    """One signature of a PDF as a person reads it: who signed, when, and whether
    the file is unchanged since and the signer's certificate chains to a trust
    root."""

    field: str
    signer: str
    signed_at: datetime.datetime | None
    intact: bool
    trusted: bool
    #: The stored file itself could not be read (lost from the media storage).
    missing: bool = False

    @property
    def valid(self) -> bool:
        return self.intact and self.trusted and not self.missing


def pdf_signatures_check(pdf: bytes, *, trust_roots_pem: list[bytes]) -> list:
    """Every signature of ``pdf``, checked against the trust roots. A file that
    no longer parses, or whose signed bytes changed, gives an invalid check."""
    return _outside_event_loop(lambda: _pdf_signatures_check(pdf, trust_roots_pem))


def _pdf_signatures_check(pdf: bytes, trust_roots_pem: list[bytes]) -> list:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = [asn1_x509.Certificate.load(_pem_to_der(pem)) for pem in trust_roots_pem]
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - a damaged file is simply not valid
        return [SignatureCheck("", "", None, intact=False, trusted=False)]
    checks = []
    for sig in embedded:
        try:
            status = validate_pdf_signature(
                sig, ValidationContext(trust_roots=roots, allow_fetching=False)
            )
            cert = status.signing_cert
            checks.append(
                SignatureCheck(
                    field=sig.field_name,
                    signer=cert.subject.native.get("common_name", "")
                    if cert is not None
                    else "",
                    signed_at=status.signer_reported_dt,
                    intact=bool(status.intact and status.valid),
                    trusted=bool(status.trusted),
                )
            )
        except Exception:  # noqa: BLE001 - an unreadable signature is invalid
            checks.append(
                SignatureCheck(sig.field_name, "", None, intact=False, trusted=False)
            )
    return checks


def _pem_to_der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


# --- a demo certificate authority (the demo and the tests, never production) ----


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PositionFlow demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, authority: bool) -> x509.KeyUsage:
    """An authority signs certificates; a signer signs documents (non-repudiation,
    as a signature on an official document requires)."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not authority,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=authority,
        crl_sign=authority,
        encipher_only=False,
        decipher_only=False,
    )


def demo_authority_create(common_name: str, *, days: int = 3650):
    """A self-signed certificate authority: ``(key, certificate)``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(authority=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def demo_signer_create(
    authority, common_name: str, password: str, *, days: int = 730, valid_from=None
) -> bytes:
    """A signer certificate issued by ``authority`` (``(key, certificate)``), as a
    PKCS#12 archive protected by ``password``."""
    ca_key, ca_cert = authority
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = valid_from or datetime.datetime.now(datetime.UTC) - datetime.timedelta(
        days=1
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(authority=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        common_name.encode(),
        key,
        cert,
        [ca_cert],
        serialization.BestAvailableEncryption(password.encode()),
    )
