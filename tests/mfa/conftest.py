from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from gongdan.mfa import services
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _enforced(settings):
    settings.GONGDAN_MFA_ENFORCED = True


def code_for(device, *, steps_ahead: int = 0) -> str:
    """The code the phone shows now (or `steps_ahead` periods later: a code once accepted is not accepted
    again, so a second sign-in in the same 30 s uses the next period's, within the tolerance of one)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def enrol_totp(user):
    """A user with a confirmed authenticator app, through the services; returns (device, recovery codes)."""
    device = services.totp_enrol_start(user=user)
    codes = services.totp_enrol_confirm(user=user, code=code_for(device))
    device.refresh_from_db()
    # Room for a few sign-ins within one test: each takes the next period's code (tolerance 1 is the default).
    device.tolerance = 4
    device.save(update_fields=["tolerance"])
    return device, codes


def password_step(client: Client, user, next_url: str = ""):
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)
