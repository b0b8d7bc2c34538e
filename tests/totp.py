"""What an authenticator app does: the 6-digit code of a TOTP secret (RFC 6238),
computed here from the device's secret, as the phone would. A code is accepted
once, so for a device that already accepted this period's code the next one is
given (the device allows one period ahead), waiting for the clock when even
that one was used."""

from __future__ import annotations

import time
from base64 import b32decode

from django_otp.oath import hotp


def code_for_key(key: bytes, *, step: int = 30, offset: int = 0) -> str:
    counter = int(time.time()) // step + offset
    return f"{hotp(key, counter, 6):06d}"


def code_for_secret(secret: str) -> str:
    """The code of a key as the set-up page shows it (base32, in groups)."""
    return code_for_key(b32decode("".join(secret.split())))


def next_code(device) -> str:
    """A code ``device`` (a TOTPDevice) accepts now."""
    while True:
        device.refresh_from_db()
        now = (int(time.time()) - device.t0) // device.step + device.drift
        counter = max(now - device.tolerance, device.last_t + 1)
        if counter <= now + device.tolerance:
            return f"{hotp(device.bin_key, counter, device.digits):0{device.digits}d}"
        time.sleep(1)
