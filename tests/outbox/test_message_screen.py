"""The outbox's message screen: a message's text is readable in the product, escaped, and only its links to
this site can be followed (the demo's mail has no server to go to)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongdan.outbox import services as outbox
from gongdan.outbox.models import OutboxMessage

SITE = "http://gongdan.test"


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = SITE
    settings.GONGDAN_SMTP_URL = ""
    return SITE


def _message(body: str, subject: str = "Your sign-in link") -> OutboxMessage:
    return outbox.outbox_enqueue(
        channel=OutboxMessage.Channel.EMAIL, address="alice@example.com", subject=subject, body_text=body,
        idempotency_key=f"test-{abs(hash(body))}", kind="portal_sign_in",
    )  # fmt: skip


def test_the_message_screen_shows_the_body_and_makes_our_own_link_clickable(admin_browser, site_url):
    link = f"{SITE}/portal/sign-in/abc.DEF-123/"
    message = _message(f"Here is your link to sign in:\n\n{link}.\n\nIt works once.")
    # The list links each message to its screen
    listing = admin_browser.get(reverse("outbox:outbox")).content.decode()
    assert f'href="{reverse("outbox:outbox_message", args=[message.pk])}"' in listing
    # The message screen shows the text with the link (without the full stop after it) to follow
    page = admin_browser.get(reverse("outbox:outbox_message", args=[message.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<a href="{link}" rel="noreferrer">{link}</a>.' in html
    assert "It works once." in html
    assert "GONGDAN_SMTP_URL" in html  # why it waits here


def test_the_message_screen_escapes_html_and_leaves_other_sites_unlinked(admin_browser, site_url):
    message = _message(
        'Hello <script>alert(1)</script> <a href="http://evil.example/x">click</a>\n'
        f'http://evil.example/phish and {SITE}/portal/?q="><img src=x>',
        subject="<b>bold</b>",
    )
    html = admin_browser.get(reverse("outbox:outbox_message", args=[message.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="http://evil.example' not in html
    assert "http://evil.example/phish" in html  # shown as text
    assert "<img src=x>" not in html and "<b>bold</b>" not in html
    # our own link stops where the URL stops: the quote and what follows stay text
    assert f'<a href="{SITE}/portal/?q=" rel="noreferrer">' in html


def test_only_admins_read_messages_and_an_unknown_one_is_not_found(agent_client, admin_browser, site_url):
    message = _message("secret link")
    assert agent_client.get(reverse("outbox:outbox_message", args=[message.pk])).status_code in (302, 403)
    assert admin_browser.get(reverse("outbox:outbox_message", args=[message.pk + 1000])).status_code == 404
