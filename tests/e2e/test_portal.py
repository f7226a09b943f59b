"""The requester's portal in a real browser: a new requester scans a "report a problem here" QR code,
signs in by the mailed link, files a request with a photo, gets the number, sees the agent's reply,
marks it fixed and rates it. Set GONGDAN_SHOTS=/some/dir to keep screenshots (en desktop, zh-Hans phone)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from PIL import Image

from gongdan.assets.models import Location
from gongdan.outbox.models import OutboxMessage
from gongdan.portal.models import Survey
from gongdan.portal.services import survey_scan
from gongdan.tickets.models import Attachment, Ticket
from gongdan.tickets.services import ticket_comment, ticket_transition
from tests.factories import CategoryFactory, CustomFieldFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("GONGDAN_SHOTS", "")
LINK = re.compile(r"https?://[^\s\"<>]+(/portal/(?:sign-in|survey)/[^\s\"<>]+/)")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def photo(tmp_path: Path) -> Path:
    path = tmp_path / "leak.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "#0f766e").save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def mailed_link(address: str, kind: str) -> str:
    message = OutboxMessage.objects.filter(address=address, kind=kind).latest("pk")
    found = LINK.search(message.body_text)
    assert found, message.body_text
    return found.group(1)


@pytest.mark.parametrize(("locale", "width"), [("en-US", 1280), ("zh-CN", 375)])
def test_new_requester_reports_follows_confirms_and_rates(
    browser, live_server, agent, team, tmp_path, locale, width
):
    from playwright.sync_api import expect

    cache.clear()
    tag = f"{locale}-{width}"
    email = f"resident-{width}@example.com"
    room = Location.objects.create(name="Room 204", kind="room", full_name="Building B / Room 204")
    plumbing = CategoryFactory(name="漏水", name_en="Water leak", default_team=team,
                               template="Where is the water coming from?")  # fmt: skip
    CustomFieldFactory(category=plumbing, key="urgent", label="是否影响使用", label_en="Can you still use the room?",
                       field_type="choice", required=True,
                       choices=[{"value": "yes", "label": "可以", "label_en": "Yes"},
                                {"value": "no", "label": "不可以", "label_en": "No"}])  # fmt: skip
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # The QR code on the wall opens the form for this room: first, the email sign-in.
    page.goto(f"{live_server.url}/portal/new/?location={room.pk}&category={plumbing.pk}")
    expect(page).to_have_url(re.compile(r"/portal/sign-in/\?next="))
    shot(page, f"portal-sign-in-{tag}")
    page.fill("#id_email", email)
    page.locator("[data-send-link]").click()
    expect(page.locator("[data-check-mail]")).to_be_visible()
    shot(page, f"portal-check-mail-{tag}")
    page.goto(live_server.url + mailed_link(email, "portal_sign_in"))
    shot(page, f"portal-link-confirm-{tag}")
    page.locator("[data-continue]").click()

    # Signed in, back on the form with the room and the category already chosen.
    expect(page).to_have_url(re.compile(r"/portal/new/\?location="))
    expect(page.locator("#id_location")).to_have_value(str(room.pk))
    expect(page.locator("#id_category")).to_have_value(str(plumbing.pk))
    expect(page.locator("#id_description")).to_have_value("Where is the water coming from?")
    page.fill("#id_subject", "Water dripping from the ceiling")
    page.fill("#id_description", "From the light fitting, since last night.")
    page.select_option("#id_cf_urgent", "no")
    page.set_input_files("#id_files", str(photo(tmp_path)))
    shot(page, f"portal-new-{tag}")
    page.locator("[data-submit-request]").click()

    # The number on screen, the photo on the timeline, and by email.
    number = page.locator("[data-tracking-number]")
    expect(number).to_be_visible()
    ticket = Ticket.objects.get(requester__email=email)
    expect(number).to_have_text(ticket.number)
    expect(page.locator("[data-photo]")).to_be_visible()
    assert ticket.location == room and ticket.custom_values == {"urgent": "no"} and ticket.channel == "portal"
    assert Attachment.objects.get(ticket=ticket).is_image
    assert OutboxMessage.objects.filter(address=email, kind="portal_submitted").exists()
    shot(page, f"portal-submitted-{tag}")

    # Typing a similar problem again suggests the open request instead (htmx, debounced).
    page.goto(f"{live_server.url}/portal/new/")
    page.locator("#id_subject").press_sequentially("ceiling water", delay=30)
    expect(page.locator("[data-suggestions]")).to_contain_text(ticket.number)
    shot(page, f"portal-suggestions-{tag}")

    # An agent replies and resolves (through the same services the agent screens use).
    ticket_comment(actor=agent, ticket=ticket, body="A plumber comes at 3 pm today.")
    ticket_comment(actor=agent, ticket=ticket, body="Tenant sounds stressed", is_internal=True)
    ticket_transition(
        actor=agent, ticket=ticket, action="resolve", note="Replaced the seal of the upstairs bath."
    )
    survey_scan()  # the minute's scan asks for the rating by email
    assert Survey.objects.filter(ticket=ticket).count() == 1

    page.goto(f"{live_server.url}/portal/")
    expect(page.locator(f"[data-request='{ticket.number}'] [data-status]")).to_have_attribute(
        "data-status", "resolved"
    )
    shot(page, f"portal-my-requests-{tag}")
    page.locator(f"[data-request='{ticket.number}'] a").click()
    expect(page.locator("[data-comment]").first).to_contain_text("A plumber comes at 3 pm today.")
    assert "stressed" not in page.content()
    shot(page, f"portal-resolved-{tag}")
    page.locator("[data-fixed]").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "closed")
    page.fill("#survey-comment", "Fast and tidy")
    shot(page, f"portal-rate-{tag}")
    page.locator("[data-rating='5']").click()
    expect(page.locator("[data-survey-done]")).to_be_visible()
    shot(page, f"portal-thanks-{tag}")
    event = ticket.events.get(kind="csat_rated")
    assert event.data == {"rating": 5, "comment": "Fast and tidy"}

    # The rating link from the mail is now used up.
    page.goto(live_server.url + mailed_link(email, "csat_request"))
    expect(page.locator("[data-survey-done]")).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    context.close()


def test_portal_pages_for_signed_out_visitors(browser, live_server, db):
    from playwright.sync_api import expect

    for locale, width in (("en-US", 1280), ("zh-CN", 375), ("zh-CN", 1280), ("en-US", 375)):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/portal/")
        expect(page.locator("html")).to_have_attribute("lang", "en" if locale == "en-US" else "zh-hans")
        expect(page.locator(".pt-hero")).to_be_visible()
        shot(page, f"portal-home-{locale}-{width}")
        page.goto(f"{live_server.url}/portal/lookup/")
        shot(page, f"portal-lookup-{locale}-{width}")
        context.close()
