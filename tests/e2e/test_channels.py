"""The mail intake screens in a real browser: an admin adds a mailbox, reads the incoming mail log, and retries
a quarantined mail. Set GONGDAN_SHOTS=/some/dir to keep screenshots (en at 1280 px, zh-Hans at 375 px)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from gongdan.channels import services
from gongdan.channels.models import InboundMail, Mailbox
from tests.channels.conftest import make_mail
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("GONGDAN_SHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("button.btn-primary[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh-hans", 375)])
def test_an_admin_adds_a_mailbox_and_retries_a_quarantined_mail(
    browser, live_server, admin_user, team, language, width
):
    from playwright.sync_api import expect

    # Given some mail already handled: tickets, an auto-reply, and one quarantined while the team was off
    existing = Mailbox.objects.create(name="IT 服务台", address="it@example.test", host="imap.example.test",
                                      username="it@example.test", password="p", default_team=team,
                                      last_error="connect: imap.example.test:993: timed out")  # fmt: skip
    services.mail_receive(mailbox=existing, raw=make_mail(subject="打印机卡纸").as_bytes())
    services.mail_receive(
        mailbox=existing,
        raw=make_mail(subject="自动回复：休假中", headers={"Auto-Submitted": "auto-replied"}).as_bytes(),
    )
    team.is_active = False
    team.save()
    quarantined = services.mail_receive(mailbox=existing, raw=make_mail(subject="显示器不亮", body="屏幕一直黑屏，重启也没用。",
                                                                          sender="Li Lei <li.lei@customer.example>").as_bytes())  # fmt: skip
    assert quarantined.state == InboundMail.State.QUARANTINED
    admin_user.language = language
    admin_user.save()
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, admin_user)

    # When the admin adds a mailbox through the form
    page.goto(f"{live_server.url}/settings/mailboxes/new/")
    page.fill("#id_name", f"Support {language}")
    page.fill("#id_address", f"support-{language}@example.test")
    page.fill("#id_host", "outlook.office365.com")
    page.fill("#id_username", f"support-{language}@example.test")
    page.select_option("#id_auth_method", "xoauth2_refresh")
    page.fill(
        "#id_oauth_token_url", "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    )
    page.fill("#id_oauth_client_id", "0f1e2d3c-client")
    page.fill("#id_oauth_refresh_token", "very-secret-refresh-token")
    shot(page, f"mailbox-form-{language}-{width}")
    page.locator("form.card button[type=submit]").click()

    # Then it is listed, and its secret is nowhere on the page
    expect(page.locator("[data-mailbox]")).to_have_count(2)
    assert "very-secret-refresh-token" not in page.content()
    expect(page.locator("[data-mailbox-error]")).to_contain_text("timed out")
    shot(page, f"mailbox-list-{language}-{width}")

    # And the incoming mail log shows each outcome; the quarantined mail can be inspected and retried
    page.goto(f"{live_server.url}/settings/incoming-mail/")
    expect(page.locator("[data-mail]")).to_have_count(3)
    shot(page, f"incoming-mail-{language}-{width}")
    page.locator(f"[data-mail='{quarantined.pk}'] a").first.click()
    expect(page.locator("[data-mail-preview]")).to_contain_text("屏幕一直黑屏")
    expect(page.locator("[data-mail-state]")).to_have_attribute("data-mail-state", "quarantined")
    shot(page, f"quarantined-mail-{language}-{width}")
    team.is_active = True
    team.save()
    page.locator("form button.btn-primary").click()
    expect(page.locator("[data-mail-state]")).to_have_attribute("data-mail-state", "ticket")
    shot(page, f"quarantined-mail-retried-{language}-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1  # nothing wider than a phone
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    context.close()
