"""The equipment register in a browser: a team lead creates an asset (its type's fields arrive by htmx),
prints its label, and its QR address opens on an emulated phone (390×844): the asset page for staff, the
requester portal for anyone else. Screens in en and zh-Hans, desktop and phone width; set
GONGDAN_SHOTS=/some/dir to keep screenshots."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from gongdan.assets.models import Asset
from gongdan.assets.services import asset_create, asset_field_create, asset_type_create, location_create
from gongdan.maintenance.services import asset_down_from_ticket
from gongdan.tickets.services import ticket_create, ticket_transition
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130 Mobile Safari/537.36",
}


@pytest.fixture
def plant(db):
    site = location_create(actor=None, name="苏州工厂 Suzhou Plant", kind="site")
    hall = location_create(actor=None, name="空压站 Compressor station", kind="building", parent=site)
    kind = asset_type_create(actor=None, name="空压机", name_en="Air compressor", code="compressor")
    asset_field_create(actor=None, asset_type=kind, key="power_kw", label="额定功率 (kW)",
                       label_en="Rated power (kW)", field_type="number", required=True)  # fmt: skip
    line_type = asset_type_create(actor=None, name="生产线", name_en="Production line", code="line")
    return {"site": site, "hall": hall, "kind": kind, "line_type": line_type}


def shots(page, name: str) -> None:
    folder = os.environ.get("GONGDAN_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/?next=/assets/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(re.compile(r"/assets/$"))


@pytest.fixture(autouse=True)
def _patient_expectations():
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def test_create_an_asset_print_its_label_and_open_its_code_on_a_phone(
    browser, live_server, lead, agent, plant
):
    from playwright.sync_api import expect

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, lead)
    page.goto(f"{live_server.url}/assets/new/")
    page.fill("#id_code", "SZ-AC-01")
    page.fill("#id_name", "Screw compressor 1")
    page.select_option("#id_asset_type", str(plant["kind"].pk))
    expect(page.locator("#id_cf_power_kw")).to_be_visible()  # the type's field, swapped in by htmx
    page.select_option("#id_criticality", "A")
    page.select_option("#id_location", str(plant["hall"].pk))
    page.fill("#id_cf_power_kw", "75")
    shots(page, "asset-form-en")
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/assets/SZ-AC-01/$"))
    expect(page.locator("h1")).to_contain_text("Screw compressor 1")
    asset = Asset.objects.get(code="SZ-AC-01")
    assert asset.custom_values == {"power_kw": 75}

    # Print its label: a PNG with the QR code of /a/SZ-AC-01/.
    with context.expect_page() as opened:
        page.locator("#print-label").click()
    label = opened.value
    label.wait_for_load_state()
    response = label.request.get(label.url)
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    label.close()
    context.close()

    # Anyone else who scans it lands on the requester portal.
    phone = browser.new_context(locale="en-US", **PHONE)
    anonymous = phone.new_page()
    anonymous.goto(f"{live_server.url}/a/SZ-AC-01/")
    expect(anonymous).to_have_url(re.compile(r"/portal/"))
    phone.close()

    # A technician who scans it on the phone gets the asset page, and reports a problem from it.
    phone = browser.new_context(locale="en-US", **PHONE)
    technician = phone.new_page()
    sign_in(technician, live_server, agent)
    technician.goto(f"{live_server.url}/a/sz-ac-01/")
    expect(technician).to_have_url(re.compile(r"/assets/SZ-AC-01/$"))
    width = technician.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the asset page scrolls sideways on a phone ({width}px)"
    with technician.expect_navigation():
        technician.locator("#report-problem").click()
    expect(technician.locator("#id_asset")).to_have_value("SZ-AC-01")
    technician.fill("input[name=subject]", "空压机高温停机 Compressor tripped")
    with technician.expect_navigation():
        technician.locator("main form button[type=submit]").last.click()
    ticket = asset.tickets.get()
    assert ticket.location == plant["hall"]
    phone.close()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_register_screens_in_both_languages_and_at_phone_width(
    browser, live_server, lead, plant, language
):
    from playwright.sync_api import expect

    lead.language = language
    lead.save(update_fields=["language"])
    line = asset_create(actor=None, code="SZ-L1", name="装配线 A Assembly line A", asset_type=plant["line_type"],
                        criticality="A", location=plant["site"])  # fmt: skip
    machine = asset_create(actor=None, code="SZ-AC-01", name="1 号螺杆空压机 Screw compressor 1",
                           asset_type=plant["kind"], criticality="A", location=plant["hall"], parent=line,
                           custom_values={"power_kw": 75}, manufacturer="Atlas Copco", model_name="GA 75")  # fmt: skip
    asset_create(actor=None, code="SZ-AC-01-M1", name="主电机 Main motor", asset_type=plant["kind"],
                 location=plant["hall"], parent=machine, custom_values={"power_kw": 75})  # fmt: skip
    ticket = ticket_create(actor=lead, subject="空压机高温停机 Compressor tripped", asset=machine, assignee=lead,
                           team=lead.memberships.first().team)  # fmt: skip
    asset_down_from_ticket(actor=lead, ticket=ticket)
    ticket = ticket_transition(actor=lead, ticket=ticket, action="start")
    ticket_transition(actor=lead, ticket=ticket, action="resolve", note="fixed")
    open_ticket = ticket_create(actor=lead, subject="空压机异响 Compressor noisy", asset=machine, assignee=lead,
                                team=lead.memberships.first().team)  # fmt: skip
    suffix = "zh" if language == "zh-hans" else "en"
    for size, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)):
        options = {"viewport": viewport} if size == "desktop" else dict(PHONE)
        context = browser.new_context(locale="zh-CN" if suffix == "zh" else "en-US", **options)
        page = context.new_page()
        sign_in(page, live_server, lead)
        page.goto(f"{live_server.url}/assets/")
        expect(page.locator("#asset-results")).to_contain_text("SZ-AC-01")
        shots(page, f"assets-list-{suffix}-{size}")
        page.goto(f"{live_server.url}/assets/?view=tree")
        shots(page, f"assets-tree-{suffix}-{size}")
        page.goto(f"{live_server.url}/assets/SZ-AC-01/")
        expect(page.locator("#asset-figures")).to_be_visible()
        expect(page.locator("#asset-downtime")).to_contain_text(ticket.number)
        shots(page, f"asset-page-{suffix}-{size}")
        page.goto(f"{live_server.url}/assets/SZ-AC-01/edit/")
        shots(page, f"asset-edit-{suffix}-{size}")
        page.goto(f"{live_server.url}/tickets/{open_ticket.number}/")
        expect(page.locator("#ticket-asset")).to_be_visible()
        shots(page, f"ticket-asset-panel-{suffix}-{size}")
        page.goto(f"{live_server.url}/settings/asset-types/")
        shots(page, f"asset-types-{suffix}-{size}")
        if size == "phone":
            for path in ("/assets/", "/assets/SZ-AC-01/"):
                page.goto(f"{live_server.url}{path}")
                width = page.evaluate("document.documentElement.scrollWidth")
                wide = page.evaluate(
                    """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))"""
                )
                assert width <= 390, f"{path} scrolls sideways on a phone ({width}px): {wide}"
        if suffix == "zh":
            page.goto(f"{live_server.url}/assets/SZ-AC-01/")
            body = page.locator("main").inner_text()
            for english in (
                "Details",
                "Components",
                "Work orders",
                "Downtime",
                "Report a problem",
                "Print label",
            ):
                assert english not in body, english
        context.close()
