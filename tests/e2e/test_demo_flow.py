"""The demo works for a requester with nothing but the product: the administrator reads the portal's sign-in
mail on the outbox screen (no mail server in the demo) and hands over its link; the requester follows it, files
a request, and the demo's routing rules give it to an agent of the right team at once."""

from __future__ import annotations

import re
import time
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from gongdan.accounts.models import User
from gongdan.tickets.models import Category, Ticket
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_demo_requester_follows_the_mailed_link_from_the_outbox_and_is_routed_within_5_s(
    browser, live_server, settings, monkeypatch
):
    from playwright.sync_api import expect

    # Given the demo site (small), with mail kept in the outbox, and its administrator
    cache.clear()
    settings.SITE_URL = live_server.url
    settings.GONGDAN_SMTP_URL = ""
    monkeypatch.setenv("GONGDAN_DEMO_PASSWORD", "Demo-Gongdan-2026")
    call_command("load_demo", tickets=12, stdout=StringIO(), stderr=StringIO())
    UserFactory(username="site.admin", role="admin", language="en", is_staff=True, is_superuser=True)
    requester = User.objects.get(username="sarah.lee")
    printer = Category.objects.get(name_en="Printer")

    # The requester asks for a sign-in link on the portal
    visitor = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    phone = visitor.new_page()
    phone.set_default_timeout(15_000)
    phone.goto(f"{live_server.url}/portal/sign-in/")
    phone.fill("#id_email", requester.email)
    phone.locator("[data-send-link]").click()
    expect(phone.locator("[data-check-mail]")).to_be_visible()

    # The administrator opens the outbox, then the message, and finds the link to follow
    office = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 900})
    desk = office.new_page()
    desk.set_default_timeout(15_000)
    desk.goto(f"{live_server.url}/login/")
    desk.fill("#id_username", "site.admin")
    desk.fill("#id_password", PASSWORD)
    desk.locator("button.btn-primary[type=submit]").click()
    desk.goto(f"{live_server.url}/settings/outbox/")
    desk.locator("tr[data-message] a", has_text="sign-in link").first.click()
    link = desk.locator("[data-mail-body] a")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert href and re.fullmatch(re.escape(live_server.url) + r"/portal/sign-in/[^/]+/", href), href
    assert requester.email in desk.locator("dd").first.inner_text()

    # The requester follows it, and files a request about a printer
    phone.goto(href)
    phone.locator("[data-continue]").click()
    expect(phone).to_have_url(re.compile(r"/portal/"))
    phone.goto(f"{live_server.url}/portal/new/")
    phone.select_option("#id_category", str(printer.pk))
    phone.fill("#id_subject", "The printer on 3F jams")
    phone.fill("#id_description", "Every second page since this morning.")
    started = time.monotonic()
    phone.locator("[data-submit-request]").click()
    expect(phone.locator("[data-tracking-number]")).to_be_visible()

    # Then within 5 s it is with an agent of the printer's team, as the demo's routing rule says
    ticket = Ticket.objects.get(requester=requester, subject="The printer on 3F jams")
    while ticket.assignee_id is None and time.monotonic() - started < 5:
        time.sleep(0.2)
        ticket.refresh_from_db()
    assert ticket.assignee_id is not None, "not routed within 5 s"
    assert time.monotonic() - started < 5
    assert ticket.team == printer.default_team and ticket.channel == "portal"
    assert ticket.assignee.memberships.filter(team=printer.default_team).exists()
    visitor.close()
    office.close()
