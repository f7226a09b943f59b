"""Automation in a real browser: an admin builds a rule with the htmx builder (rows added without a page load),
tries it with a dry run and switches it on; an agent applies a macro from the ticket page. Set
GONGDAN_SHOTS=/some/dir to keep screenshots of every screen (en, zh-Hans, 390 px)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from gongdan.automation import services
from gongdan.automation.models import Rule
from gongdan.tickets.models import Priority
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


def test_an_admin_builds_a_rule_dry_runs_it_and_switches_it_on(page, live_server, admin_user, make_ticket):
    make_ticket("Core switch down", priority=Priority.objects.get(code="P1"))
    sign_in(page, live_server, admin_user)
    page.goto(f"{live_server.url}/settings/automation/rules/new/")
    page.fill("#id_name", "P1 urgent")
    page.locator("button[name=add_condition]").click()
    row = page.locator("[data-condition]")
    row.locator("select[name$='-field']").select_option("priority")
    row.locator("input[name$='-value']").fill("P1")
    page.select_option("#new-action", "add_tags")
    page.locator("button[name=add_action]").click()
    page.locator("[data-action] input[name$='-tags']").fill("urgent")
    page.select_option("#new-action", "notify")
    page.locator("button[name=add_action]").click()
    notify = page.locator("[data-action]").nth(1)
    notify.locator("input[value=team_lead]").check()
    notify.locator("textarea").fill("P1 {{number}}: {{subject}}")
    shot(page, "rule-form-en")
    page.locator(".card-footer button.btn-primary").click()
    page.wait_for_url(re.compile(r"/dry-run/$"))
    page.locator("form button.btn-primary").first.click()
    page.wait_for_selector("#dry-run-result")
    assert "1 of 1 tickets would match" in page.inner_text("#dry-run-result")
    shot(page, "dry-run-en")
    page.locator("button.btn-success").click()
    page.wait_for_url(re.compile(r"/settings/automation/rules/$"))
    rule = Rule.objects.get()
    assert rule.is_active and rule.actions[1]["recipients"] == ["team_lead"]


@pytest.mark.skipif(not SHOTS, reason="screenshots only when GONGDAN_SHOTS is set")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_screens_for_review(browser, live_server, admin_user, agent, make_ticket, language):
    admin_user.language = agent.language = language
    admin_user.save(update_fields=["language"])
    agent.save(update_fields=["language"])
    rule = services.rule_create(actor=admin_user, name="P1 urgent · P1 加急", trigger="created",
                                conditions=[{"field": "priority", "op": "in", "value": ["P0", "P1"]}],
                                actions=[{"type": "add_tags", "tags": ["urgent"]},
                                         {"type": "notify", "recipients": ["team_lead"], "message": "P1 {{number}}"}])  # fmt: skip
    services.rule_create(actor=admin_user, name="Waiting 3 days · 等待 3 天", trigger="time", wait_status="pending_requester",
                         wait_business_days=3, actions=[{"type": "reply", "body": "Any news on {{number}}?"}])  # fmt: skip
    services.macro_create(actor=admin_user, name="需要更多信息 · Need more information", body="Hello {{requester}}",
                          visibility="everyone")  # fmt: skip
    ticket = make_ticket("打印机卡纸 Printer jammed", priority=Priority.objects.get(code="P1"))
    suffix = "en" if language == "en" else "zh"
    for width, label in ((1280, "desktop"), (390, "phone")):
        context = browser.new_context(viewport={"width": width, "height": 844})
        page = context.new_page()
        sign_in(page, live_server, admin_user)
        for path, name in ((f"/settings/automation/rules/{rule.pk}/", "rule-form"), ("/settings/automation/rules/", "rules"),
                           (f"/settings/automation/rules/{rule.pk}/dry-run/", "dry-run"),
                           ("/settings/automation/macros/", "macros"), ("/settings/automation/transfer/", "transfer")):  # fmt: skip
            page.goto(f"{live_server.url}{path}")
            if name == "dry-run":
                page.locator("form button.btn-primary").first.click()
                page.wait_for_selector("#dry-run-result")
            shot(page, f"{name}-{suffix}-{label}")
        context.close()
        context = browser.new_context(viewport={"width": width, "height": 844})
        page = context.new_page()
        sign_in(page, live_server, agent)
        page.goto(f"{live_server.url}/tickets/{ticket.number}/")
        page.locator("#ticket-macros").scroll_into_view_if_needed()
        shot(page, f"ticket-macros-{suffix}-{label}")
        context.close()


def _two_tickets_and_a_macro(admin_user, make_ticket):
    macro = services.macro_create(actor=admin_user, name="需要截图 · Need a screenshot", visibility="everyone",
                                  body="Hello {{requester}}, could you send a screenshot of the error?",
                                  actions=[{"type": "set_field", "field": "priority", "value": "P2"}])  # fmt: skip
    return macro, [make_ticket("VPN 连不上 / VPN down"), make_ticket("邮件退信 / Mail bounces")]


def test_an_agent_applies_a_macro_to_two_ticked_tickets_from_the_keyboard(
    page, live_server, admin_user, agent, make_ticket
):
    from playwright.sync_api import expect

    macro, tickets = _two_tickets_and_a_macro(admin_user, make_ticket)
    other = make_ticket("Not ticked")
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/?view=all")
    page.wait_for_load_state("networkidle")
    # the two rows ticked with the space bar: the bulk bar opens with the macro picker
    for ticket in tickets:
        box = page.locator("tr", has_text=ticket.number).locator("input[name=ticket]")
        box.focus()
        page.keyboard.press("Space")
    picker = page.locator("#bulk-macro")
    expect(picker).to_be_visible()
    expect(picker.locator("option")).to_have_text(["需要截图 · Need a screenshot · 2 actions"])
    picker.focus()
    page.keyboard.press("Tab")  # to its Apply button
    expect(page.locator("[data-bulk-macro] button[value=macro]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text(f"Macro “{macro.name}” applied to 2 tickets.")
    for ticket in tickets:
        page.goto(f"{live_server.url}/tickets/{ticket.number}/")
        expect(page.locator("main")).to_contain_text("could you send a screenshot of the error?")
        ticket.refresh_from_db()
        assert ticket.priority.code == "P2"
    other.refresh_from_db()
    assert not other.comments.exists()


@pytest.mark.skipif(not SHOTS, reason="screenshots only when GONGDAN_SHOTS is set")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_bulk_macro_screens_for_review(browser, live_server, admin_user, agent, make_ticket, language):
    agent.language = language
    agent.save(update_fields=["language"])
    _two_tickets_and_a_macro(admin_user, make_ticket)
    services.macro_create(actor=agent, name="已解决请确认 · Resolved, please confirm", body="{{agent}}",
                          visibility="personal", actions=[{"type": "transition", "action": "resolve"}])  # fmt: skip
    suffix = "en" if language == "en" else "zh"
    for width, height, label in ((1440, 900, "desktop"), (390, 844, "phone")):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server, agent)
        page.goto(f"{live_server.url}/?view=all")
        page.wait_for_load_state("networkidle")
        for box in page.locator("input[name=ticket]").all():
            box.check()
        page.locator("#bulk-macro").wait_for()
        page.screenshot(path=f"{SHOTS}/queue-bulk-macro-{suffix}-{label}.png")
        context.close()
