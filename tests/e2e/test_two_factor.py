"""Two-factor sign-in in a real browser: enrol an authenticator app (the code computed here from the key the
page shows), sign out, sign in with the password and then a code; and a passkey registered and used through
Chromium's virtual authenticator (CDP WebAuthn). Set GONGDAN_SHOTS=/some/dir for the screenshots of the
enrolment, code and policy pages in both languages at 1440×900 and 390×844."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from gongdan.accounts.models import Role
from gongdan.mfa import services
from gongdan.mfa.models import Passkey
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _patient_expectations():
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def code_from(secret_text: str, *, steps_ahead: int = 0) -> str:
    totp = TOTP(base64.b32decode(secret_text.replace(" ", "")))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def password_step(page, live_server, username: str) -> None:
    page.set_default_timeout(45_000)  # the first page of a live server on a busy machine
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_load_state()


def sign_out(page) -> None:
    page.click("[aria-label='Your account']")
    page.click("button:has-text('Sign out')")


def test_enrol_an_authenticator_app_sign_out_and_sign_in_with_its_code(page, live_server, agent):
    from playwright.sync_api import expect

    agent.language = "en"
    agent.save(update_fields=["language"])
    password_step(page, live_server, "agent")
    page.click("[aria-label='Your account']")
    page.click("a:has-text('Two-factor sign-in')")
    page.click("a:has-text('Set up an authenticator app')")
    expect(page.locator("img.gd-totp-qr")).to_be_visible()
    secret = page.locator("[data-totp-secret]").inner_text()
    page.fill("input[name=code]", code_from(secret))
    page.click("button:has-text('Confirm')")
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    page.click("a:has-text('I have saved them')")
    sign_out(page)

    password_step(page, live_server, "agent")
    expect(page).to_have_url(f"{live_server.url}/login/verify/")
    page.fill("input[name=code]", code_from(secret, steps_ahead=1))
    page.click("button:has-text('Verify and sign in')")

    expect(page.locator("[aria-label='Your account']")).to_be_visible()
    assert "/login" not in page.url


def virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": False, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True,
    }})  # fmt: skip


def test_register_a_passkey_and_sign_in_with_it(page, live_server, agent):
    from playwright.sync_api import expect

    agent.language = "en"
    agent.save(update_fields=["language"])
    virtual_authenticator(page)
    password_step(page, live_server, "agent")
    page.goto(f"{live_server.url}/account/two-factor/")
    page.fill("input[name=name]", "Virtual key")
    page.click("button:has-text('Add a passkey')")
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    assert Passkey.objects.filter(user=agent, name="Virtual key").exists()
    page.click("a:has-text('I have saved them')")
    expect(page.locator("[data-passkey-list]")).to_contain_text("Virtual key")
    sign_out(page)

    password_step(page, live_server, "agent")
    expect(page).to_have_url(f"{live_server.url}/login/verify/")
    page.click("button:has-text('Use a passkey')")

    expect(page.locator("[aria-label='Your account']")).to_be_visible()
    assert Passkey.objects.get(user=agent).sign_count >= 1


@pytest.mark.skipif(not os.environ.get("GONGDAN_SHOTS"), reason="screenshots only when GONGDAN_SHOTS is set")
def test_screenshots_of_the_two_factor_pages(browser, live_server, agent):
    folder = Path(os.environ["GONGDAN_SHOTS"])
    folder.mkdir(parents=True, exist_ok=True)
    security = UserFactory(username="qin.an", display_name="秦安", role=Role.SECURITY_ADMIN)
    services.mfa_policy_update(actor=security, required_roles=[Role.TEAM_LEAD, Role.MANAGER])
    for language, locale in (("en", "en-US"), ("zh-hans", "zh-CN")):
        for user in (agent, security):
            user.language = language
            user.save(update_fields=["language"])
        for width, height in ((1440, 900), (390, 844)):
            tag = f"{'zh' if language == 'zh-hans' else 'en'}-{width}"
            context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
            page = context.new_page()
            password_step(page, live_server, "agent")
            page.goto(f"{live_server.url}/account/two-factor/app/")
            page.screenshot(path=str(folder / f"mfa-enrol-{tag}.png"), full_page=True)
            page.goto(f"{live_server.url}/account/two-factor/")
            page.screenshot(path=str(folder / f"mfa-overview-{tag}.png"), full_page=True)
            context.close()
            context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
            page = context.new_page()
            password_step(page, live_server, "qin.an")
            page.goto(f"{live_server.url}/security/two-factor/")
            page.screenshot(path=str(folder / f"mfa-policy-{tag}.png"), full_page=True)
            context.close()
    # the code page needs someone with a factor
    device = services.totp_enrol_start(user=agent)
    totp = TOTP(device.bin_key)
    services.totp_enrol_confirm(user=agent, code=f"{totp.token():06d}")
    for language, locale in (("en", "en-US"), ("zh-hans", "zh-CN")):
        for width, height in ((1440, 900), (390, 844)):
            tag = f"{'zh' if language == 'zh-hans' else 'en'}-{width}"
            context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
            page = context.new_page()
            password_step(page, live_server, "agent")
            page.screenshot(path=str(folder / f"mfa-code-{tag}.png"), full_page=True)
            context.close()
