"""Two-factor authentication (xác thực hai lớp): who must use it, setting up an
authenticator app, checking a code, the one-time backup codes and the
administrator's reset.

A second factor is a TOTP device (RFC 6238: a 6-digit code that changes every
30 seconds, from an authenticator app holding a shared secret) and a set of
one-time backup codes for a lost phone (django-otp's static device). Each
device throttles itself: after a wrong code the next try must wait 1, 2, 4, 8 …
seconds, and that count survives logging in again with the password. A TOTP
code is accepted once (a code already used, or an earlier one, is refused).
Required for the roles of ``orgchart.permissions.TWO_FACTOR_ROLES``, staff and
superusers; optional for everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..permissions import TWO_FACTOR_ROLES

TOTP_DIGITS = 6
WRONG_CODE = gettext_lazy(
    "The code is wrong or has already been used. Type the code your app shows now."
)


def two_factor_required(user) -> bool:
    """Whether ``user`` may not work without a second factor."""
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=TWO_FACTOR_ROLES).exists()


def totp_device_get(user) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@dataclass(frozen=True)
class TwoFactorStatus:
    required: bool
    device: TOTPDevice | None
    backup_codes_left: int

    @property
    def enabled(self) -> bool:
        return self.device is not None


def two_factor_status(user) -> TwoFactorStatus:
    return TwoFactorStatus(
        required=two_factor_required(user),
        device=totp_device_get(user),
        backup_codes_left=StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count(),
    )


def totp_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed device whose secret the person is adding to their app.

    Opening the page again shows the same secret, so a code from an app that
    already scanned it still confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=_("Authenticator app"), confirmed=False
        )
    return device


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _throttled(locked_until) -> ValidationError:
    until = timezone.localtime(locked_until)
    return ValidationError(
        _(
            "Too many wrong codes in a row. Wait until %(time)s, then type "
            "the code your app shows at that moment."
        )
        % {"time": formats.time_format(until, "H:i:s")},
        code="throttled",
    )


def _verify(device: Device, code: str) -> None:
    """``device`` accepts ``code``, or ``ValidationError`` says why not: tried too
    soon after wrong codes, or wrong (already used included). The device's row
    is locked meanwhile, so two requests can neither both use one code nor both
    slip past the throttle."""
    locked_until = None
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, details = locked.verify_is_allowed()
        if not allowed:
            locked_until = (details or {}).get("locked_until") or timezone.now()
            accepted = False
        else:
            accepted = locked.verify_token(code)
    device.refresh_from_db()
    if locked_until is not None:
        raise _throttled(locked_until)
    if not accepted:
        raise ValidationError(WRONG_CODE, code="wrong_code")


def totp_enrolment_confirm(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app being set up with a code it shows; it replaces any app
    set up before, and a fresh set of backup codes replaces the old ones.
    Returns the device and the backup codes (shown once, never again)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationError(
            _("Start again: open the set-up page and scan the new code."),
            code="no_enrolment",
        )
    code = _normalised(code)
    if not (code.isdigit() and len(code) == TOTP_DIGITS):
        raise ValidationError(WRONG_CODE, code="wrong_code")
    _verify(device, code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = backup_codes_renew(user=user)
    return device, codes


def backup_codes_renew(*, user) -> list[str]:
    """A new set of one-time backup codes; the previous ones stop working."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=_("Backup codes"))
        codes = [
            StaticToken.random_token() for _n in range(settings.TWO_FACTOR_BACKUP_CODES)
        ]
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=code) for code in codes
        )
    return codes


def code_verify(*, user, code: str) -> Device:
    """The device that accepts ``code`` for ``user``: a 6-digit code from the
    app, or one of the backup codes (then used up). Raises ``ValidationError``
    when it is wrong, already used, or tried too soon after wrong ones."""
    code = _normalised(code)
    if code.isdigit() and len(code) == TOTP_DIGITS:
        device = totp_device_get(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise ValidationError(
            WRONG_CODE,
            code="wrong_code",
        )
    _verify(device, code)
    return device


def two_factor_disable(*, user) -> None:
    """A person for whom it is optional turns two-factor authentication off."""
    if two_factor_required(user):
        raise ValidationError(
            _(
                "Your role must confirm each login with a code: it cannot be "
                "turned off."
            ),
            code="required",
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def two_factor_reset(*, user) -> int:
    """The administrator's reset for a lost phone: the person's app and backup
    codes are removed; at the next login a person whose role requires two-factor
    authentication sets up a new app, anyone else logs in with the password.
    Returns the number of devices removed."""
    with transaction.atomic():
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            devices = model.objects.filter(user=user)
            removed += devices.count()
            devices.delete()
    return removed


def demo_app_ensure(*, user, key: bytes) -> TOTPDevice:
    """The demo's logins: a confirmed app with the documented demo key
    (``orgchart.demo.DEMO_TOTP_KEY``), kept as it is when already there so its
    used codes stay used. Never for a real installation's people."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True, key=key.hex()).first()
    if device is None:
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user, name=_("Authenticator app"), key=key.hex(), confirmed=True
        )
    return device
