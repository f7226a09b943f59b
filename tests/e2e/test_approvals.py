"""Approvals in a real browser: a requester files a 装修审批 in the portal; the property manager approves it on
an emulated phone (390×844) in the field app's Approvals tab; the ticket leaves the wait and the requester
sees the approval in the portal. Set GONGDAN_SHOTS=/some/dir to keep screenshots (also of My approvals and
the flow's settings screen), in English and Chinese."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from gongdan.approvals import services
from gongdan.approvals.models import ApprovalRequest, RequestStatus
from gongdan.tickets.models import Ticket
from tests.factories import PASSWORD, CategoryFactory, CustomFieldFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("GONGDAN_SHOTS", "")
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def sign_in(page, live_server, user, next_path: str) -> None:
    page.goto(f"{live_server.url}/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(re.compile(re.escape(next_path.split("?")[0])))


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_renovation_request_is_approved_on_the_phone_and_the_requester_sees_it(
    browser, live_server, locale
):
    from playwright.sync_api import expect

    language = "en" if locale == "en-US" else "zh-hans"
    tag = language
    # Given a property team whose lead approves renovations, and an owner
    property_team = TeamFactory(name="物业", name_en="Property management")
    manager = UserFactory(username=f"pm_{tag}", role="team_lead", display_name="赵经理", language=language)
    property_team.memberships.create(user=manager, team_role="lead")
    owner = UserFactory(
        username=f"owner_{tag}", role="requester", display_name="业主王先生", language=language
    )
    admin = UserFactory(username=f"admin_{tag}", role="admin", language=language)
    renovation = CategoryFactory(name="装修申请", name_en="Renovation request", default_team=property_team)
    CustomFieldFactory(category=renovation, key="deposit", label="押金（元）", label_en="Deposit (CNY)",
                       field_type="number", required=True)  # fmt: skip
    flow = services.flow_create(actor=admin, name="装修审批", name_en="Renovation approval", code=f"reno-{tag}",
                                category=renovation)  # fmt: skip
    services.stage_create(actor=admin, flow=flow, name="物业经理", name_en="Property manager",
                          approver_kind="team_leads", approver_team=property_team, mode="any", deadline_hours=8)  # fmt: skip
    services.stage_create(actor=admin, flow=flow, name="财务复核", name_en="Finance check", approver_kind="people",
                          approver_people=[admin], condition_field="deposit", condition_operator="gt",
                          condition_value="10000")  # fmt: skip

    # The owner files the request in the portal
    owner_context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    owner_page = owner_context.new_page()
    owner_page.set_default_timeout(60_000)
    sign_in(owner_page, live_server, owner, f"/portal/new/?category={renovation.pk}")
    owner_page.fill("#id_subject", "Kitchen renovation, unit 3-1202")
    owner_page.fill("#id_description", "New cabinets and floor tiles, two weeks.")
    owner_page.fill("#id_cf_deposit", "5000")
    owner_page.locator("[data-submit-request]").click()
    expect(owner_page.locator("[data-tracking-number]")).to_be_visible()
    ticket = Ticket.objects.get(requester=owner)
    assert ticket.status == "pending_third_party"
    owner_page.goto(f"{live_server.url}/portal/requests/{ticket.number}/")
    expect(owner_page.locator("[data-approvals] [data-approval-status]")).to_have_attribute(
        "data-approval-status", "pending"
    )
    shot(owner_page, f"approvals-portal-waiting-{tag}")

    # The property manager approves on the phone
    phone_context = browser.new_context(locale=locale, **PHONE)
    phone = phone_context.new_page()
    phone.set_default_timeout(60_000)
    sign_in(phone, live_server, manager, "/m/approvals/")
    row = phone.locator("#fa-approvals [data-task]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(ticket.number)
    shot(phone, f"approvals-phone-list-{tag}")
    row.locator("a").click()
    expect(phone.locator(".fa-facts")).to_contain_text("5000")
    shot(phone, f"approvals-phone-decide-{tag}")
    phone.fill("textarea[name=comment]", "Deposit received, go ahead.")
    phone.locator("button[value=approve]").click()
    expect(phone.locator("[data-decided]")).to_be_visible()
    shot(phone, f"approvals-phone-done-{tag}")
    # The web page for approvers, at phone width too
    phone.goto(f"{live_server.url}/approvals/")
    shot(phone, f"approvals-web-mine-phone-{tag}")

    # The ticket advances (the finance check is skipped: 5000 is under its threshold) and the owner sees it
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED
    owner_page.reload()
    expect(owner_page.locator("[data-approvals] [data-approval-status]")).to_have_attribute(
        "data-approval-status", "approved"
    )
    expect(owner_page.locator("[data-approvals]")).to_contain_text("Deposit received, go ahead.")
    expect(owner_page.locator("[data-approvals] [data-step-status='skipped']")).to_have_count(1)
    shot(owner_page, f"approvals-portal-approved-{tag}")

    # The admin's flow screen with its stage editor, on a desktop and a phone
    for name, options in (("desktop", {"viewport": {"width": 1280, "height": 900}}), ("phone", PHONE)):
        admin_context = browser.new_context(locale=locale, **options)
        admin_page = admin_context.new_page()
        admin_page.set_default_timeout(60_000)
        sign_in(admin_page, live_server, admin, f"/settings/approvals/{flow.pk}/")
        expect(admin_page.locator(".approval-stage-list [data-stage]")).to_have_count(2)
        shot(admin_page, f"approvals-settings-flow-{name}-{tag}")
        admin_page.goto(f"{live_server.url}/settings/approvals/")
        shot(admin_page, f"approvals-settings-list-{name}-{tag}")
        admin_context.close()
    owner_context.close()
    phone_context.close()
