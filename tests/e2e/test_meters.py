"""Meters in a browser: the asset page draws the meter chart and the asset's 3D model (model-viewer) with a
red hotspot on the meter that is out of limits; the work order it opened shows the same model. Screens in
en and zh-Hans at 1440×900 and 390×844; set GONGDAN_SHOTS=/some/dir to keep screenshots."""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from gongdan.assets.services import asset_create, asset_type_create, location_create
from gongdan.demo.compressor_model import compressor_glb
from gongdan.meters.services import NewReading, meter_create, readings_store, twin_model_set
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import IncomingFile
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def compressor(db):
    site = location_create(actor=None, name="苏州工厂 Suzhou Plant", kind="site")
    kind = asset_type_create(actor=None, name="空压机", name_en="Air compressor", code="compressor")
    asset = asset_create(actor=None, code="SZ-AC-01", name="1 号螺杆空压机 Screw compressor 1", asset_type=kind,
                         location=site, criticality="A")  # fmt: skip
    twin_model_set(actor=None, asset_type=kind, incoming=IncomingFile("compressor.glb", compressor_glb()))
    temp = meter_create(actor=None, asset=asset, code="temp", name="排气温度 Discharge temperature",
                        kind="temperature", unit="°C", high_limit=105, hysteresis=3, model_node="airend")  # fmt: skip
    pressure = meter_create(actor=None, asset=asset, code="pressure", name="出口压力 Outlet pressure",
                            kind="pressure", unit="bar", low_limit=6.5, high_limit=9, model_node="tank")  # fmt: skip
    now = timezone.now()
    rows = [NewReading(pressure.pk, now - timedelta(minutes=10 * i), 7.6 + (i % 5) / 10) for i in range(140)]
    rows += [NewReading(temp.pk, now - timedelta(minutes=10 * i), 88 + (i % 9)) for i in range(1, 140)]
    readings_store(rows)
    readings_store([NewReading(temp.pk, now, 109.5)])  # out of limits now: a work order opens
    return asset


def wait_until_loaded(page, seconds: float = 40) -> None:
    """model-viewer's `loaded` turns true once the GLB is fetched and parsed (polled: the page's CSP forbids
    the string evaluation wait_for_function uses)."""
    page.locator("#twin-viewer").scroll_into_view_if_needed()  # model-viewer loads once it is near the view
    deadline = time.monotonic() + seconds
    while not page.locator("#twin-viewer").evaluate("e => e.loaded === true"):
        assert time.monotonic() < deadline, "the 3D model did not load"
        page.wait_for_timeout(250)


def shots(page, name: str) -> None:
    folder = os.environ.get("GONGDAN_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_asset_page_shows_the_3d_model_with_a_red_hotspot_and_the_chart(browser, live_server, agent,
                                                                            compressor, language):  # fmt: skip
    from playwright.sync_api import expect

    agent.language = language
    agent.save(update_fields=["language"])
    for name, viewport in (
        ("desktop", {"width": 1440, "height": 900}),
        ("phone", {"width": 390, "height": 844}),
    ):
        context = browser.new_context(locale="zh-CN" if language == "zh-hans" else "en-US", viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(60_000)  # a loaded machine: the first page may take long
        page.goto(f"{live_server.url}/login/?next=/assets/SZ-AC-01/")
        page.fill("#id_username", agent.username)
        page.fill("#id_password", PASSWORD)
        page.locator("#id_password").press("Enter")
        page.wait_for_url(re.compile(r"/assets/SZ-AC-01/$"))

        wait_until_loaded(page)
        alarm = page.locator('.gd-hotspot[data-key="meter-temp"]')
        expect(alarm).to_have_class(re.compile("gd-hotspot-alarm"))
        expect(alarm).to_contain_text("109.5")
        assert alarm.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(214, 57, 57)"
        calm = page.locator('.gd-hotspot[data-key="meter-pressure"]')
        expect(calm).not_to_have_class(re.compile("gd-hotspot-alarm"))
        expect(page.locator("#meter-charts svg").first).to_be_visible()  # ECharts drew the chart
        expect(page.locator("#meter-temp")).to_have_class(re.compile("table-danger"))
        shots(page, f"asset-meters-3d-{language}-{name}")
        context.close()


def test_the_work_order_page_shows_the_model_too(browser, live_server, agent, compressor):
    from playwright.sync_api import expect

    ticket = Ticket.objects.get()
    context = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/?next=/tickets/{ticket.number}/")
    page.fill("#id_username", agent.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    wait_until_loaded(page)
    expect(page.locator('.gd-hotspot[data-key="meter-temp"]')).to_have_class(re.compile("gd-hotspot-alarm"))
    expect(page.locator(".timeline, #timeline, body")).to_contain_text("meter out of limits")
    shots(page, "work-order-3d-en-desktop")
    context.close()
