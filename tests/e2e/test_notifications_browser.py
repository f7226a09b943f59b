"""Notifications in a real browser (fixtures from tests/notifications/conftest.py): the bell loads its count after the page, a page is acknowledged from My pages and
from the mail link. Set GONGDAN_SHOTS=/some/dir to keep screenshots of every screen (en, zh-Hans, 375 px)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from unittest import mock

import pytest
from django.utils import timezone

from gongdan.notifications.models import Notification
from gongdan.notifications.services import notify
from gongdan.oncall.links import ack_token
from gongdan.oncall.models import OnCallOverride, Page
from gongdan.oncall.services import page_on_call
from gongdan.tickets import pipeline
from tests.factories import PASSWORD
from tests.notifications import conftest as notification_fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# The notification tests' fixtures: a team's ticket, three on-call agents, their daily schedule.
ticket = notification_fixtures.ticket
oncall_people = notification_fixtures.oncall_people
schedule = notification_fixtures.schedule
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


@pytest.fixture
def paged_ticket(schedule, ticket, oncall_people, admin_user):
    moment = timezone.now()
    # Whoever the rotation gives today, make wang cover it so the test knows who is paged.
    OnCallOverride.objects.create(schedule=schedule, user=oncall_people[0], starts_at=moment - dt.timedelta(hours=1),
                                  ends_at=moment + dt.timedelta(days=2))  # fmt: skip
    notify(recipients=[oncall_people[0]], kind="sla_escalation", ticket=ticket,
           data={"target": "first_response", "step": "Team lead", "due_at": (moment + dt.timedelta(minutes=20)).isoformat(),
                 "percent": 80})  # fmt: skip
    notify(recipients=[oncall_people[0]], kind="ticket_assigned", ticket=ticket, data={"by": "Lead"})
    with mock.patch.object(timezone, "now", return_value=moment):
        page = page_on_call(ticket=ticket, reason="P0 core switch down")
    # The event consumers caught up, as on a live site a moment later (the notification rules may add a
    # notice of their own): what the bell shows does not depend on when the queue ran.
    pipeline.run()
    return page


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh-hans", 375)])
def test_bell_my_pages_and_acknowledge(browser, live_server, paged_ticket, oncall_people, language, width):
    from playwright.sync_api import expect

    wang = oncall_people[0]
    wang.language = language
    wang.save()
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, wang)
    unread = Notification.objects.filter(user=wang, read_at__isnull=True).count()
    assert unread >= 3  # the escalation, the assignment and the page at least
    # The bell's count arrives after the page (htmx, hx-trigger=load)
    expect(page.locator("#gd-bell [data-unread]")).to_have_text(str(unread))
    shot(page, f"queue-bell-{language}-{width}")
    page.locator("#gd-bell a").click()
    expect(page.locator("[data-notification]")).to_have_count(unread)
    shot(page, f"notifications-{language}-{width}")
    # Mark one read in place
    page.locator("[data-notification] form button").first.click()
    expect(page.locator("#gd-bell [data-unread]")).to_have_text(str(unread - 1))
    # My pages → acknowledge
    page.goto(f"{live_server.url}/notifications/pages/")
    shot(page, f"my-pages-{language}-{width}")
    page.locator(f"[data-page='{paged_ticket.pk}'] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    shot(page, f"my-pages-acknowledged-{language}-{width}")
    paged_ticket.refresh_from_db()
    assert paged_ticket.state == Page.State.ACKNOWLEDGED
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    context.close()


def test_the_mail_link_in_a_browser_and_the_settings_screens(
    browser, live_server, paged_ticket, oncall_people, admin_user, schedule
):
    from playwright.sync_api import expect

    wang = oncall_people[0]
    for language, width in (("en-US", 1280), ("zh-CN", 375)):
        context = browser.new_context(locale=language, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/notifications/pages/ack/{ack_token(paged_ticket.pk, wang.pk)}/")
        shot(page, f"ack-link-{language}-{width}")
        if language == "zh-CN":
            page.locator("form.card button[type=submit]").click()
            expect(page.locator("[data-message]")).to_be_visible()
            shot(page, f"ack-link-done-{language}-{width}")
        context.close()
    paged_ticket.refresh_from_db()
    assert paged_ticket.acknowledged_by == wang
    for language, width in (("en", 1280), ("zh-hans", 375)):
        admin_user.language = language
        admin_user.save()
        context = browser.new_context(locale="en-US", viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, live_server, admin_user)
        for name, path in (("oncall-list", "/settings/on-call/"), ("oncall-detail", f"/settings/on-call/{schedule.pk}/"),
                           ("oncall-edit", f"/settings/on-call/{schedule.pk}/edit/"), ("outbox", "/settings/outbox/")):  # fmt: skip
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            shot(page, f"{name}-{language}-{width}")
        context.close()
