"""The asset's 3D model works offline in the phone app: after "my jobs" loads, the service worker has cached
the GLB of the open job's asset and the viewer script; with the network cut and the browser's HTTP cache
off, the job page still draws the model, answered by the service worker. Set GONGDAN_SHOTS=/some/dir to keep
screenshots."""

from __future__ import annotations

import re
import time

import pytest

from gongdan.assets.services import asset_create, asset_type_create, location_create
from gongdan.demo.compressor_model import compressor_glb
from gongdan.meters.services import twin_model_set
from gongdan.tickets.services import IncomingFile, ticket_assign, ticket_create
from tests.e2e.test_field import PHONE, shots, sign_in, wait_for_service_worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CACHED_URLS = (
    "async (name) => { const c = await caches.open(name); return (await c.keys()).map(r => r.url); }"
)


def wait_until_loaded(page, seconds: float = 240) -> None:
    """model-viewer's `loaded` turns true once the GLB is fetched and parsed; it loads once near the view
    (scrolled with a plain call: Playwright's own scrolling waits for the element to stop moving, which a
    loaded machine's renderer may not let it do)."""
    page.locator("#twin-viewer").evaluate("e => e.scrollIntoView()")
    deadline = time.monotonic() + seconds
    while not page.locator("#twin-viewer").evaluate("e => e.loaded === true"):
        assert time.monotonic() < deadline, "the 3D model did not load"
        page.wait_for_timeout(250)


@pytest.fixture
def job(requester, category, agent):
    site = location_create(actor=None, name="苏州工厂", kind="site")
    kind = asset_type_create(actor=None, name="空压机", name_en="Air compressor", code="compressor")
    twin_model_set(actor=None, asset_type=kind, incoming=IncomingFile("compressor.glb", compressor_glb()))
    asset = asset_create(actor=None, code="SZ-AC-01", name="1 号空压机", asset_type=kind, location=site)
    ticket = ticket_create(
        actor=requester, subject="空压机异响 Compressor noise", category=category, asset=asset
    )
    return ticket_assign(actor=agent, ticket=ticket, assignee=agent)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_job_page_draws_the_model_offline(browser, live_server, agent, job, language):
    agent.language = language
    agent.save(update_fields=["language"])
    # Scale 1: the model is drawn in software on a shared two-core machine.
    options = dict(PHONE, device_scale_factor=1, locale="zh-CN" if language == "zh-hans" else "en-US")
    context = browser.new_context(**options)
    context.set_default_timeout(240_000)
    page = context.new_page()
    sign_in(page, live_server, agent)
    wait_for_service_worker(page)

    # The jobs list asks the worker to keep the open jobs' models: the GLB and the viewer are cached.
    deadline = time.monotonic() + 60
    cached: list[str] = []
    while not (any(".glb?v=" in u for u in cached) and any("model-viewer" in u for u in cached)):
        assert time.monotonic() < deadline, f"the models were not cached: {cached}"
        page.wait_for_timeout(250)
        cached = page.evaluate(CACHED_URLS, "gongdan-field-models")

    # The job page once online (so the page itself is kept, as any page the technician opened).
    job_url = f"{live_server.url}/m/jobs/{job.number}/"
    page.goto(job_url)
    wait_until_loaded(page)
    deadline = time.monotonic() + 60
    while job_url not in page.evaluate(CACHED_URLS, "gongdan-field-pages"):
        assert time.monotonic() < deadline, "the job page was not kept"
        page.wait_for_timeout(250)

    # Offline, the browser's own HTTP cache off: the worker alone answers the page, the script and the model.
    cdp = context.new_cdp_session(page)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    context.set_offline(True)
    from_worker: dict[str, bool] = {}
    page.on("response", lambda r: from_worker.__setitem__(r.url, r.from_service_worker))
    page.goto(job_url)
    wait_until_loaded(page)
    assert page.locator("#twin-viewer").evaluate("e => e.loaded === true")
    glb = [u for u in from_worker if re.search(r"/models/\d+\.glb\?v=", u)]
    viewer = [u for u in from_worker if "model-viewer" in u]
    assert glb and all(from_worker[u] for u in glb + viewer), from_worker
    shots(page, f"field-job-3d-offline-{language}")
    context.set_offline(False)
    context.close()
