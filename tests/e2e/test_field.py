"""A technician on an emulated phone (390×844, geolocation granted) works a job in the field app:
accept, check in, upload a photo, go offline, add a note, come back online (the note is synced exactly
once), finish with a signature. Also: the first load of "my jobs" stays within its transfer budget, and
a refused location still checks in. Set GONGDAN_SHOTS=/some/dir to keep screenshots (en, zh-Hans)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PIL import Image

from gongdan.assets.services import location_create
from gongdan.field.models import GeoStatus, Visit
from gongdan.tickets.models import Attachment, Comment, Status, TicketEvent
from gongdan.tickets.services import ticket_assign, ticket_create
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130 Mobile Safari/537.36",
}
ON_SITE = {"latitude": 31.2216, "longitude": 121.5441, "accuracy": 15}
BUDGET_BYTES = 200 * 1024


@pytest.fixture
def job(requester, category, agent):
    site = location_create(
        actor=None, name="浦东园区", kind="site", latitude="31.221500", longitude="121.544000"
    )
    room = location_create(actor=None, parent=site, name="B2-301", kind="room")
    ticket = ticket_create(actor=requester, subject="空调漏水 AC leaking", category=category, location=room)
    return ticket_assign(actor=agent, ticket=ticket, assignee=agent)


@pytest.fixture(autouse=True)
def _patient_expectations():
    """Two cores shared by many test runs: give the browser's assertions the pages' own timeout."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def phone_context(browser, live_server, *, geolocation: bool = True, locale: str = "en-US"):
    options = dict(PHONE, locale=locale)
    if geolocation:
        options.update(geolocation=ON_SITE, permissions=["geolocation"])
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    return context


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/?next=/m/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(re.compile(r"/m/$"))


def wait_for_service_worker(page, timeout_s: float = 15) -> None:
    """Until the app's service worker controls the page (polled: the strict CSP forbids the eval that
    wait_for_function would need)."""
    import time

    deadline = time.monotonic() + timeout_s
    while not page.evaluate("() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)"):
        assert time.monotonic() < deadline, "the service worker never took control of the page"
        page.wait_for_timeout(100)


def big_photo(tmp_path) -> Path:
    """A 4000×3000 camera-sized JPEG full of detail, so shrinking on the phone has work to do."""
    image = Image.effect_noise((4000, 3000), 80).convert("RGB")
    path = tmp_path / "IMG_20261127_101500.jpg"
    image.save(path, format="JPEG", quality=95)
    return path


def transferred(page, action) -> tuple[int, int]:
    """Bytes that crossed the network while `action` ran, and in how many responses.

    From CDP's network events: encoded lengths (compressed body + headers). A response the service
    worker fetched from the network for the page (`serviceWorkerResponseSource` "network": the pages,
    network-first) is counted with its Content-Length plus its headers; one it answered from its cache
    ("cache-storage": the app shell) crossed no network and counts nothing."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    responses: dict[str, dict] = {}
    sizes: dict[str, int] = {}

    def received(event):
        responses[event["requestId"]] = event["response"]

    def finished(event):
        sizes[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    action()
    page.wait_for_load_state("networkidle")
    cdp.detach()
    total = count = 0
    for request_id, response in responses.items():
        if not response.get("fromServiceWorker"):
            total, count = total + sizes.get(request_id, 0), count + 1
        elif response.get("serviceWorkerResponseSource") == "network":
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            header_bytes = sum(len(k) + len(v) + 4 for k, v in headers.items())
            total, count = total + int(headers.get("content-length", 0)) + header_bytes, count + 1
    return total, count


def shots(page, name: str) -> None:
    folder = os.environ.get("GONGDAN_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=False)


def test_technician_works_a_job_on_the_phone_through_a_dead_spot(browser, live_server, agent, job, tmp_path):
    from playwright.sync_api import expect

    context = phone_context(browser, live_server)
    page = context.new_page()
    sign_in(page, live_server, agent)

    # "My jobs": the job is there; the service worker installs and takes the page over.
    expect(page.locator(".fa-job", has_text=job.number)).to_be_visible()
    wait_for_service_worker(page)
    shots(page, "field-jobs-en")

    # Budget: "my jobs" on a phone that has never opened the app (same session, empty caches), then
    # the first load after install (the shell comes from the service worker's cache).
    fresh = browser.new_context(**dict(PHONE, storage_state=context.storage_state()))
    fresh_page = fresh.new_page()
    cold_bytes, cold_requests = transferred(fresh_page, lambda: fresh_page.goto(f"{live_server.url}/m/"))
    wait_for_service_worker(fresh_page)
    warm_bytes, warm_requests = transferred(fresh_page, lambda: fresh_page.goto(f"{live_server.url}/m/"))
    fresh.close()
    print(
        f"\n[field budget] my jobs, never opened: {cold_bytes / 1024:.1f} KB in {cold_requests} responses; "
        f"after install: {warm_bytes / 1024:.1f} KB in {warm_requests} (budget {BUDGET_BYTES // 1024} KB)"
    )
    assert warm_bytes < BUDGET_BYTES and cold_bytes < BUDGET_BYTES
    assert warm_requests < cold_requests  # the shell no longer comes over the network

    # Accept, then start: checked in with the phone's position.
    page.locator(".fa-job", has_text=job.number).click()
    with page.expect_navigation():  # done: the page reloads with what comes next
        page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("button", name="Accept")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("button", name="Start · check in").click()
    expect(page.locator(".fa-chip-ok", has_text="checked in now")).to_be_visible()
    expect(page.locator(".fa-visits")).to_contain_text("from the job")
    visit = Visit.objects.get(ticket=job)
    assert (
        visit.start_geo == GeoStatus.SHARED
        and visit.start_distance_m is not None
        and visit.start_distance_m < 50
    )

    # A photo from the camera, shrunk on the phone before upload.
    page.set_input_files('input[data-queue="photo"]', str(big_photo(tmp_path)))
    expect(page.locator(".fa-photos img")).to_have_count(1)
    photo = Attachment.objects.get(ticket=job)
    with Image.open(photo.file.path) as stored:
        assert max(stored.size) <= 1600 and stored.format == "JPEG"
    assert photo.size < big_photo(tmp_path).stat().st_size / 4

    # A dead spot: the note waits on the phone, and the header says so.
    context.set_offline(True)
    page.fill("#fa-note", "阀门锈死，已更换 — valve seized, replaced")
    page.get_by_role("button", name="Save note").click()
    expect(page.locator("#fa-sync")).to_have_text("1 to sync")
    expect(page.locator("#fa-pending-list")).to_contain_text("valve seized")
    page.locator("#fa-pending-card").scroll_into_view_if_needed()
    shots(page, "field-offline-en")
    assert not Comment.objects.filter(ticket=job).exists()

    # Back online: synced, exactly once, and shown once.
    context.set_offline(False)
    expect(page.locator("#fa-sync")).to_be_hidden(timeout=30_000)
    expect(page.locator(".fa-note", has_text="valve seized")).to_have_count(1)
    assert Comment.objects.filter(ticket=job, body__contains="valve seized").count() == 1
    page.reload()
    expect(page.locator(".fa-note", has_text="valve seized")).to_have_count(1)
    page.evaluate("() => window.scrollTo(0, 0)")
    shots(page, "field-job-en")

    # Finish with the customer's signature.
    page.get_by_role("link", name="Finish").click()
    page.fill("#fa-resolution", "Replaced the seized valve and tested for 10 minutes.")
    pad = page.locator("#fa-signature").bounding_box()
    page.mouse.move(pad["x"] + 30, pad["y"] + pad["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(pad["x"] + 30 + step * 25, pad["y"] + pad["height"] * (0.6 - 0.3 * (step % 2)))
    page.mouse.up()
    page.fill("#fa-signer", "王女士")
    shots(page, "field-finish-en")
    page.get_by_role("button", name="Finish the job").click()
    page.wait_for_url(re.compile(rf"/m/jobs/{job.number}/$"))
    expect(page.locator("#fa-status")).to_have_text("Resolved")

    job.refresh_from_db()
    assert job.status == Status.RESOLVED
    signed = TicketEvent.objects.get(ticket=job, kind="field_signed")
    signature = Attachment.objects.get(pk=signed.data["attachment"])
    with Image.open(signature.file.path) as drawn:
        assert drawn.format == "PNG" and drawn.convert("L").getextrema()[0] < 100  # ink on the pad
    assert signed.data["signer_name"] == "王女士"
    assert Visit.objects.get(ticket=job).end_reason == "finish"
    context.close()


def test_refused_location_still_checks_in_as_not_shared(browser, live_server, agent, job):
    from playwright.sync_api import expect

    context = phone_context(browser, live_server, geolocation=False)
    page = context.new_page()
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/m/jobs/{job.number}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start · check in").click()
    expect(page.locator("#fa-geo-note")).to_be_visible()
    expect(page.locator(".fa-visits")).to_contain_text("not shared")
    visit = Visit.objects.get(ticket=job)
    assert visit.start_geo in (GeoStatus.DENIED, GeoStatus.UNAVAILABLE) and visit.start_latitude is None
    context.close()


def test_chinese_phone_screens(browser, live_server, agent, job):
    """The same screens in zh-Hans: no English left on them (screenshots when GONGDAN_SHOTS is set)."""
    from playwright.sync_api import expect

    agent.language = "zh-hans"
    agent.save(update_fields=["language"])
    context = phone_context(browser, live_server, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, agent)
    expect(page.locator(".fa-title")).to_have_text("我的工单")
    shots(page, "field-jobs-zh")
    page.goto(f"{live_server.url}/m/jobs/{job.number}/")
    with page.expect_navigation():
        page.get_by_role("button", name="开始 · 签到").click()
    expect(page.locator(".fa-chip-ok")).to_be_visible()
    shots(page, "field-job-zh")
    page.goto(f"{live_server.url}/m/scan/")
    expect(page.locator("label[for=fa-code]")).to_have_text("编码或工单号")
    shots(page, "field-scan-zh")
    context.close()


def test_report_here_code_opens_the_portal_form_with_the_place(browser, live_server, requester, settings):
    """The public label's address, as a requester's phone camera would open it."""
    from gongdan.field.labels import label_url

    settings.SITE_URL = live_server.url
    place = location_create(actor=None, name="3号楼大堂 Lobby, building 3", kind="area", code="B3-LOBBY")
    address = label_url(place, "report")
    assert address == f"{live_server.url}/portal/new/?location={place.pk}"
    context = phone_context(browser, live_server, geolocation=False)
    page = context.new_page()
    response = page.goto(address)
    assert response is not None and response.status == 200
    # A visitor who is not signed in is asked for their address first; the location rides along to the form
    # (tests/e2e/test_portal.py follows the mailed link back and finds it filled in).
    assert "/portal/sign-in/" in page.url and f"location%3D{place.pk}" in page.url, page.url
    context.close()
