"""Outbound notifications in a real browser: an admin adds a notification rule, reads a webhook's delivery
log, and a person sets quiet hours on their profile (htmx card). Set GONGDAN_SHOTS=/some/dir to keep
screenshots (en and zh-Hans, desktop and 375 px)."""

from __future__ import annotations

import re

import pytest

from gongdan.notifications import services as notification_services
from gongdan.notifications.models import NotificationPreference, NotificationRule
from gongdan.outbox import services as outbox_services
from gongdan.outbox.models import DeliveryAttempt, OutboxMessage
from gongdan.tickets.services import ticket_create
from tests.e2e.test_notifications_browser import shot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def webhook_with_history(admin_user, agent, team):
    outbox_services.allow_list_set(actor=admin_user, entries=["127.0.0.1", "10.20.0.0/16"])
    bot = outbox_services.chat_bot_create(actor=admin_user, name="运维值班群", kind="dingtalk", secret="SECabc",
                                       url="http://127.0.0.1:9/robot/send?access_token=T")  # fmt: skip
    hook = outbox_services.webhook_create(
        actor=admin_user, name="ERP", url="http://127.0.0.1:9/gongdan/events"
    )
    notification_services.rule_create(actor=admin_user, name="P0 进值班群 / P0 pages to the ops chat", event="p0_page",
                             recipients=[], channels=[], chat_bots=[bot])  # fmt: skip
    notification_services.rule_create(actor=admin_user, name="状态同步到 ERP / Status to the ERP", event="state_changed",
                             recipients=[], channels=[], webhooks=[hook])  # fmt: skip
    ticket = ticket_create(actor=agent, subject="机房空调告警 / Server room AC alarm", team=team)
    for i, (state, codes) in enumerate([("sent", [500, 500, 200]), ("dead", [None]), ("failed", [503])]):
        message = OutboxMessage.objects.create(channel="webhook", address=hook.url, subject="ticket.status_changed",
                                               body_text="{}", webhook=hook, ticket=ticket, state=state,
                                               idempotency_key=f"msg_gd{500 + i}w{hook.pk}", attempts=len(codes))  # fmt: skip
        for n, code in enumerate(codes, start=1):
            DeliveryAttempt.objects.create(
                message=message, attempt=n, status_code=code, duration_ms=40 + n, succeeded=code == 200,
                response_excerpt='{"ok":true}' if code == 200 else ("upstream busy" if code else ""),
                error="" if code else "refused: 10.9.9.9 is a non-public address; allow-list it first")  # fmt: skip
    return hook


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh-hans", 375)])
def test_an_admin_adds_a_rule_and_reads_a_webhook_log(browser, live_server, admin_user, webhook_with_history,
                                                      language, width):  # fmt: skip
    from playwright.sync_api import expect

    admin_user.language = language
    admin_user.save(update_fields=["language"])
    context = browser.new_context(locale=language, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        sign_in(page, live_server, admin_user)
        page.goto(f"{live_server.url}/settings/notification-rules/")
        expect(page.locator("h1, .page-title").first).to_have_text(
            "Notification rules" if language == "en" else "通知规则"
        )
        shot(page, f"rules-{language}-{width}")
        page.goto(f"{live_server.url}/settings/notification-rules/new/")
        page.fill("#id_name", "Breach to NOC")
        page.select_option("#id_event", "sla_breached")
        page.check("input[name=recipients][value=team_lead]")
        page.check("input[name=channels][value=email]")
        page.fill("#id_fixed_address", "noc@example.org")
        shot(page, f"rule-form-{language}-{width}")
        page.locator("button[type=submit].btn-primary").click()
        page.wait_for_url(re.compile(r"/settings/notification-rules/$"))
        expect(page.locator("[data-rule]", has_text="Breach to NOC")).to_be_visible()
        assert NotificationRule.objects.get(name="Breach to NOC").fixed_address == "noc@example.org"
        page.goto(f"{live_server.url}/settings/webhooks/{webhook_with_history.pk}/")
        expect(page.locator("[data-delivery]")).to_have_count(3)
        expect(page.locator("code#hook-secret")).to_have_text(webhook_with_history.secret)
        shot(page, f"webhook-{language}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, "the log scrolls sideways"
        page.goto(f"{live_server.url}/settings/webhooks/")
        shot(page, f"webhooks-{language}-{width}")
        page.goto(f"{live_server.url}/settings/chat-bots/")
        shot(page, f"chat-bots-{language}-{width}")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width + 1, f"the page scrolls sideways at {width}px"
    finally:
        context.close()
    assert not [e for e in errors if "Content Security Policy" in e]


def test_a_person_sets_quiet_hours_on_their_profile(browser, live_server, agent):
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    agent.language = "zh-hans"
    agent.save(update_fields=["language"])
    try:
        sign_in(page, live_server, agent)
        page.goto(f"{live_server.url}/profile/")
        card = page.locator("#notification-preferences")
        expect(card).to_be_visible()
        card.locator("#id_email").uncheck()
        card.locator("#id_quiet_start").fill("22:00")
        card.locator("#id_quiet_end").fill("07:30")
        card.locator("button[type=submit]").click()
        expect(page.locator("#notification-preferences .alert-success")).to_be_visible()
        shot(page, "profile-notifications-zh-hans-375")
    finally:
        context.close()
    preference = NotificationPreference.objects.get(user=agent)
    assert preference.email is False and str(preference.quiet_start) == "22:00:00"
