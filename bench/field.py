"""The field app over a slow phone network: transfer size and load time of "my jobs" (budget < 200 KB).

    python -m bench.field --url http://127.0.0.1:8000 [--username agent001] [--password …] [--jobs-page /m/]

Drives Debian's chromium (Playwright) as a mid-range phone: 390×844 at 2×, 4× CPU slowdown, and the
"regular 3G" profile Lighthouse uses (1.6 Mbit/s down, 750 kbit/s up, 300 ms round trip). Signs in, then
loads "my jobs" twice:
- never opened (empty caches): what a technician's first visit pulls;
- after install (the service worker holds the app shell): what every later visit pulls.
Prints bytes over the network (CDP encoded lengths; responses the service worker fetched from the network
counted by their Content-Length) and the time to the load event. Against a site built by bench.generate
the agent has a full queue; any running Gongdan works (start it with ./gongdan start).
"""

from __future__ import annotations

import argparse
import os
import shutil
import time

from bench import BENCH_AGENT, BENCH_PASSWORD

BUDGET = 200 * 1024
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
REGULAR_3G = {
    "offline": False,
    "latency": 300,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 750e3 / 8,
}


def measure(page, url: str) -> tuple[int, int, float]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", REGULAR_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    responses: dict[str, dict] = {}
    sizes: dict[str, int] = {}
    cdp.on("Network.responseReceived", lambda e: responses.__setitem__(e["requestId"], e["response"]))
    cdp.on(
        "Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"]))
    )
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    elapsed = time.perf_counter() - started
    page.wait_for_load_state("networkidle")
    total = count = 0
    for request_id, response in responses.items():
        if not response.get("fromServiceWorker"):
            total, count = total + sizes.get(request_id, 0), count + 1
        elif response.get("serviceWorkerResponseSource") == "network":
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            total += int(headers.get("content-length", 0)) + sum(
                len(k) + len(v) + 4 for k, v in headers.items()
            )
            count += 1
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    cdp.detach()
    return total, count, elapsed


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default=BENCH_AGENT)
    parser.add_argument("--password", default=BENCH_PASSWORD)
    parser.add_argument("--jobs-page", default="/m/")
    args = parser.parse_args()
    chromium = os.environ.get("GONGDAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    base = args.url.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.goto(f"{base}/login/?next={args.jobs_page}")
        page.fill("#id_username", args.username)
        page.fill("#id_password", args.password)
        page.locator("#id_password").press("Enter")
        page.wait_for_url(f"**{args.jobs_page}")
        fresh = browser.new_context(**PHONE, storage_state=context.storage_state())
        phone = fresh.new_page()
        cold = measure(phone, f"{base}{args.jobs_page}")
        deadline = time.monotonic() + 30
        while not phone.evaluate(
            "() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)"
        ):
            if time.monotonic() > deadline:
                raise SystemExit("the service worker never took control of the page")
            phone.wait_for_timeout(200)
        warm = measure(phone, f"{base}{args.jobs_page}")
        jobs = phone.locator(".fa-job").count()
        browser.close()
    print(f"my jobs ({jobs} jobs listed), regular 3G, 4x CPU slowdown, budget {BUDGET // 1024} KB")
    for label, (size, count, seconds) in (("never opened", cold), ("after install", warm)):
        verdict = "ok" if size < BUDGET else "OVER BUDGET"
        print(
            f"  {label:<14} {size / 1024:7.1f} KB in {count:2d} responses, load {seconds * 1000:6.0f} ms  {verdict}"
        )


if __name__ == "__main__":
    main()
