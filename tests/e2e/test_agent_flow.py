"""An agent signs in, reports a ticket with a photo, replies, resolves it, and switches the UI to Chinese."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from gongdan.tickets.models import Status, Ticket
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def photo(tmp_path):
    path = tmp_path / "卡纸照片.png"
    image = Image.new("RGB", (320, 200), "#3b82f6")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_agent_reports_replies_resolves_and_switches_language(page, live_server, agent, category, tmp_path):
    from playwright.sync_api import expect

    # Sign in.
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", agent.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))

    # Report a ticket with a photo.
    page.goto(f"{live_server.url}/tickets/new/")
    page.fill("input[name=subject]", "三楼打印机卡纸 / Printer jammed on floor 3")
    page.select_option("select[name=category]", str(category.pk))
    # typed at once, before the category's form has loaded: the text must survive its arrival
    page.fill("textarea[name=description]", "Paper is stuck in **tray 2**.")
    page.wait_for_load_state("networkidle")
    expect(page.locator("textarea[name=description]")).to_have_value("Paper is stuck in **tray 2**.")
    page.set_input_files("input[name=files]", str(photo(tmp_path)))
    page.get_by_role("button", name="Create ticket").click()
    expect(page).to_have_url(re.compile(r"/tickets/GD-\d{4}-\d{6}/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.locator("img[src*='/attachments/']").first).to_be_visible()
    expect(page.locator("strong", has_text="tray 2")).to_be_visible()

    # Reply.
    page.fill("#reply-body", "I'm on my way with a new fuser.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("I'm on my way with a new fuser.")).to_be_visible()

    # Resolve: the note is asked for.
    page.locator("summary", has_text="Resolve").click()
    page.fill("#note-resolve", "Replaced the fuser unit.")
    page.locator("details[open] button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Resolved")

    # Switch the interface to Chinese.
    page.locator(".gd-language a[data-bs-toggle=dropdown]").click()
    page.locator(".gd-language button[lang=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("body")).to_contain_text("已解决")

    ticket = Ticket.objects.get(number=number)
    assert ticket.status == Status.RESOLVED
    assert ticket.resolution == "Replaced the fuser unit."
    assert ticket.attachments.filter(is_image=True).count() == 1
    assert ticket.comments.filter(body__contains="new fuser").exists()
    agent.refresh_from_db()
    assert agent.language == "zh-hans"
