"""Reporting without an account in a browser: a team lead creates an asset open to such reports and prints
its label; a passer-by opens the label's QR address on an emulated phone (390×844), reports a problem with a
photo without signing in, sees the tracking link at once and adds a note through it. The form and the
tracking page in en and zh-Hans at phone width; set GONGDAN_SHOTS=/some/dir to keep screenshots."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from gongdan.assets.models import Asset, PublicReporting
from gongdan.assets.services import asset_create, asset_type_create, location_create
from gongdan.field.labels import asset_label_url
from gongdan.portal.models import WalkUpReport
from gongdan.tickets.models import Attachment, Comment, Ticket
from tests.e2e.test_assets import PHONE, shots, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _patient_expectations():
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def estate(db):
    site = location_create(actor=None, name="翠湖花园 Green Lake Residences", kind="site")
    lobby = location_create(actor=None, name="1 号楼大堂 Building 1 lobby", kind="area", parent=site)
    kind = asset_type_create(actor=None, name="电梯", name_en="Lift", code="lift")
    return {"site": site, "lobby": lobby, "kind": kind}


def photo_file() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, format="JPEG")
    return {"name": "door.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def no_sideways_scroll(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{what} scrolls sideways on a phone ({width}px)"


def test_create_an_asset_print_its_label_and_report_from_its_code_without_an_account(
    browser, live_server, lead, estate
):
    from playwright.sync_api import expect

    # A team lead adds the lift, open to reports without an account, and prints its label.
    desk = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    sign_in(page, live_server, lead)
    page.goto(f"{live_server.url}/assets/new/")
    page.fill("#id_code", "GL-1-LIFT-A")
    page.fill("#id_name", "Building 1 lift A")
    page.select_option("#id_asset_type", str(estate["kind"].pk))
    page.select_option("#id_location", str(estate["lobby"].pk))
    page.select_option("#id_public_reporting", PublicReporting.ALLOWED)
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/assets/GL-1-LIFT-A/$"))
    expect(page.locator("[data-public-reports]")).to_have_attribute("data-public-reports", "allowed")
    asset = Asset.objects.get(code="GL-1-LIFT-A")
    assert asset.public_reporting == PublicReporting.ALLOWED
    with desk.expect_page() as opened:
        page.locator("#print-label").click()
    label = opened.value
    label.wait_for_load_state()
    response = label.request.get(label.url)
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    desk.close()

    # The label's QR code carries /a/<code>/: a passer-by opens it on a phone, signed out.
    code_url = asset_label_url(asset).replace("http://testserver", "").split("/a/", 1)[1]
    phone = browser.new_context(locale="en-US", **PHONE)
    visitor = phone.new_page()
    visitor.goto(f"{live_server.url}/a/{code_url}")
    expect(visitor).to_have_url(re.compile(r"/portal/report/\?asset=GL-1-LIFT-A$"))
    expect(visitor.locator("h1")).to_have_text("Report a problem with this machine")
    expect(visitor.locator("#walk-up-place")).to_contain_text("Building 1 lift A")
    no_sideways_scroll(visitor, "the report form")
    visitor.fill("#id_description", "The door closes too fast and hit my stroller.")
    visitor.set_input_files("#id_photo", files=[photo_file()])
    visitor.fill("#id_name", "Lucy Chen")
    visitor.fill("#id_phone", "12345")  # not a number we can call back
    with visitor.expect_navigation():
        visitor.locator("[data-submit-walk-up]").click()
    expect(visitor.locator("#id_phone")).to_have_attribute("aria-invalid", "true")
    assert Ticket.objects.count() == 0
    visitor.fill("#id_phone", "138 1234 5678")
    visitor.set_input_files("#id_photo", files=[photo_file()])
    with visitor.expect_navigation():
        visitor.locator("[data-submit-walk-up]").click()

    # The tracking page at once: the number, the link to keep, the photo.
    expect(visitor).to_have_url(re.compile(r"/portal/t/[A-Za-z0-9_-]+/\?new=1$"))
    ticket = Ticket.objects.get()
    assert (ticket.asset, ticket.location, ticket.channel) == (asset, estate["lobby"], "portal")
    assert WalkUpReport.objects.get(ticket=ticket).phone == "+8613812345678"
    assert Attachment.objects.get(ticket=ticket).is_image
    expect(visitor.locator("[data-tracking-number]")).to_have_text(ticket.number)
    link = visitor.locator("[data-tracking-link]").input_value()
    assert link.endswith(visitor.url.split("?")[0].split(live_server.url, 1)[1])
    expect(visitor.locator("[data-photo]")).to_have_count(1)
    no_sideways_scroll(visitor, "the tracking page")

    # A note through the link, as the reporter.
    visitor.fill("#id_body", "It happened again at 18:00.")
    with visitor.expect_navigation():
        visitor.locator("[data-reply]").click()
    expect(visitor.locator("[data-comment]")).to_contain_text("It happened again at 18:00.")
    assert Comment.objects.get(ticket=ticket).author == ticket.requester
    phone.close()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_form_and_the_tracking_page_at_phone_width(browser, live_server, estate, language):
    from playwright.sync_api import expect

    asset = asset_create(actor=None, code="GL-PUMP-01", name="生活供水泵 1 Domestic water pump 1",
                         asset_type=estate["kind"], location=estate["lobby"],
                         public_reporting=PublicReporting.ALLOWED)  # fmt: skip
    phone = browser.new_context(locale="zh-CN" if language == "zh-hans" else "en-US", **PHONE)
    visitor = phone.new_page()
    visitor.goto(f"{live_server.url}/a/{asset.code}/")
    expect(visitor.locator("h1")).to_have_text(
        "报修这台设备" if language == "zh-hans" else "Report a problem with this machine"
    )
    no_sideways_scroll(visitor, "the report form")
    shots(visitor, f"walk-up-form-{language}-phone")
    visitor.fill("#id_description", "水泵声音很大 The pump is very loud")
    visitor.fill("#id_name", "王先生")
    visitor.fill("#id_phone", "+86 139 1234 5678")
    visitor.fill("#id_email", "wang@example.com")
    visitor.set_input_files("#id_photo", files=[photo_file()])
    with visitor.expect_navigation():
        visitor.locator("[data-submit-walk-up]").click()
    expect(visitor.locator("[data-tracking-number]")).to_be_visible()
    expect(visitor.locator("[data-submitted]")).to_contain_text(
        "谢谢，我们已收到您的报修。" if language == "zh-hans" else "Thank you, we have your report."
    )
    no_sideways_scroll(visitor, "the tracking page")
    shots(visitor, f"walk-up-track-{language}-phone")
    phone.close()
