"""The authenticator app: enrolment with a QR code and a confirming code, ten single-use recovery codes kept
hashed, the second step of signing in, and wrong codes counted by the same lockout as wrong passwords."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongdan.audit.models import AuditEntry
from gongdan.mfa import services
from gongdan.mfa.models import RecoveryCode
from tests.clients import signed_in
from tests.mfa.conftest import code_for, enrol_totp, password_step

pytestmark = pytest.mark.django_db


def test_enrolment_shows_a_qr_code_and_the_secret_then_a_right_code_confirms_and_shows_ten_codes_once(agent):
    client = signed_in(agent)

    page = client.get(reverse("mfa:totp_setup"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "data:image/svg+xml" in html and "data-totp-secret" in html
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    confirmed = client.post(reverse("mfa:totp_setup"), {"code": code_for(device)})
    assert confirmed.status_code == 200
    assert confirmed.headers["Cache-Control"] == "no-store"
    codes = list(confirmed.content.decode().split('<code class="fs-3">')[1:])
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=agent).confirmed
    assert RecoveryCode.objects.filter(user=agent, used_at__isnull=True).count() == 10
    assert set(AuditEntry.objects.filter(actor=agent).values_list("kind", flat=True)) >= {
        "mfa.enrol",
        "mfa.recovery_codes",
    }


def test_recovery_codes_are_stored_only_as_keyed_hashes(agent):
    _device, codes = enrol_totp(agent)

    stored = list(RecoveryCode.objects.filter(user=agent).values_list("code_hash", flat=True))

    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code.replace("-", "") not in "".join(stored) for code in codes)
    assert all(len(value) == 64 for value in stored)


def test_a_wrong_code_does_not_confirm_the_app(agent):
    client = signed_in(agent)
    client.get(reverse("mfa:totp_setup"))

    response = client.post(reverse("mfa:totp_setup"), {"code": "000000"})

    assert response.status_code == 422
    assert "not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=agent, confirmed=True).exists()
    assert not RecoveryCode.objects.filter(user=agent).exists()


def test_sign_in_asks_for_the_code_after_the_password_and_signs_in_only_with_it(agent):
    device, _codes = enrol_totp(agent)
    client = Client()

    after_password = password_step(client, agent, next_url="/tickets/")

    assert after_password.status_code == 302 and after_password.url == reverse("mfa:verify")
    assert SESSION_KEY not in client.session  # not signed in yet
    assert client.get(reverse("tickets:queue")).status_code == 302
    assert client.get(reverse("mfa:verify")).status_code == 200
    signed = client.post(reverse("mfa:verify"), {"code": code_for(device, steps_ahead=1)})
    assert signed.status_code == 302 and signed.url == "/tickets/"
    assert int(client.session[SESSION_KEY]) == agent.pk
    entry = AuditEntry.objects.filter(kind="sign_in.mfa").latest("seq")
    assert entry.detail["result"] == "passed" and entry.detail["method"] == "totp"


def test_a_code_is_not_accepted_twice(agent):
    device, _codes = enrol_totp(agent)
    code = code_for(device, steps_ahead=1)
    first = Client()
    password_step(first, agent)
    assert first.post(reverse("mfa:verify"), {"code": code}).status_code == 302

    second = Client()
    password_step(second, agent)
    replay = second.post(reverse("mfa:verify"), {"code": code})

    assert replay.status_code == 400
    assert SESSION_KEY not in second.session


def test_a_recovery_code_signs_in_once(agent):
    _device, codes = enrol_totp(agent)
    client = Client()
    password_step(client, agent)
    assert client.post(reverse("mfa:verify"), {"code": codes[0].upper()}).status_code == 302

    again = Client()
    password_step(again, agent)
    assert again.post(reverse("mfa:verify"), {"code": codes[0]}).status_code == 400
    assert RecoveryCode.objects.filter(user=agent, used_at__isnull=True).count() == 9


def test_wrong_codes_lock_the_account_like_wrong_passwords(agent, settings):
    device, _codes = enrol_totp(agent)
    client = Client()
    password_step(client, agent)

    statuses = [client.post(reverse("mfa:verify"), {"code": "123456"}).status_code
                for _ in range(settings.AXES_FAILURE_LIMIT)]  # fmt: skip

    assert statuses[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    # the right code is refused now, and so is the password on the first step
    assert client.post(reverse("mfa:verify"), {"code": code_for(device, steps_ahead=1)}).status_code == 429
    assert password_step(Client(), agent).status_code == 429
    assert AuditEntry.objects.filter(kind="sign_in.failure", actor_username="agent").count() >= 9


def test_the_second_step_lapses_when_the_password_changes_meanwhile(agent):
    device, _codes = enrol_totp(agent)
    client = Client()
    password_step(client, agent)
    agent.set_password("another long passphrase 42")
    agent.save()

    response = client.post(reverse("mfa:verify"), {"code": code_for(device, steps_ahead=1)})

    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert SESSION_KEY not in client.session


def test_the_second_step_without_a_password_step_goes_back_to_sign_in():
    response = Client().get(reverse("mfa:verify"))

    assert response.status_code == 302 and response.url == reverse("accounts:login")


def test_removing_the_app_needs_a_current_code(agent):
    _device, codes = enrol_totp(agent)
    client = signed_in(agent)

    refused = client.post(reverse("mfa:remove"), {"what": "totp", "code": "111111"})
    assert refused.status_code == 422
    assert TOTPDevice.objects.filter(user=agent).exists()

    removed = client.post(reverse("mfa:remove"), {"what": "totp", "code": codes[1]})
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert not RecoveryCode.objects.filter(user=agent).exists()  # no factor left, no codes left
    assert AuditEntry.objects.filter(kind="mfa.remove", actor=agent).exists()


def test_regenerating_recovery_codes_cancels_the_old_ones(agent):
    _device, codes = enrol_totp(agent)

    fresh = services.recovery_codes_regenerate(user=agent, code=codes[0])

    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert services.second_factor_check(user=agent, code=codes[1]) is None
    assert services.second_factor_check(user=agent, code=fresh[1]) == "recovery"


def test_the_overview_page_lists_the_factors(agent):
    enrol_totp(agent)

    page = signed_in(agent).get(reverse("mfa:enrol"))

    assert page.status_code == 200
    assert "10" in page.content.decode()


@pytest.mark.parametrize(
    ("what", "status", "message"),
    [
        ("", 400, "Choose what to remove"),
        ("passkey:999999", 404, "not found"),
        ("passkey:x", 404, "not found"),
    ],
)
def test_removing_something_unknown_is_a_clear_4xx_and_removes_nothing(agent, what, status, message):
    agent.language = "en"
    agent.save(update_fields=["language"])
    _device, codes = enrol_totp(agent)
    client = signed_in(agent)

    response = client.post(reverse("mfa:remove"), {"what": what, "code": codes[0]})

    assert response.status_code == status
    assert message in response.content.decode()
    assert TOTPDevice.objects.filter(user=agent, confirmed=True).exists()
    assert RecoveryCode.objects.filter(user=agent, used_at__isnull=True).count() == 10
