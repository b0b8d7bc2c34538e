"""For Django's test client (the tests and the benchmarks), never for a request:
a ``force_login`` stands for a finished login, so a person who uses two-factor
authentication (or whose role must) has their session marked confirmed by a real
confirmed device, as ``django_otp.login`` does after the code page."""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from .services import totp_device_get, two_factor_required


def client_second_step_done(client, user) -> None:
    """Mark ``client``'s session (already logged in as ``user``) as past the
    second step, with the person's app, set up for them if their role requires
    one and they have none; a person without either needs nothing."""
    device = totp_device_get(user)
    if device is None and two_factor_required(user):
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
