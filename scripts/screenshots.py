"""Retake the screenshots in docs/screenshots/: the queue, a ticket, the portal and the phone app, in English and
Chinese, at 1440×900 and 390×844, from the demo site as `./gongdan start --demo` serves it.

    .venv/bin/python scripts/screenshots.py [--data-dir /tmp/gd-shots] [--tickets 300] [--out docs/screenshots]

A data folder that already holds the demo is reused (its password must be GONGDAN_DEMO_PASSWORD below);
otherwise one is made (migrate, administrator, demo load). The site is started with `./gongdan start --demo` on
a free loopback port, signed in as the demo's people (li.na and david.miller at the desk, chen.jing and
sarah.lee on the portal), and each screen is saved as JPEG (quality 80) to keep the repository small. Needs
Playwright and Debian's chromium (`./gongdan test` installs both for the browser tests).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Demo-Gongdan-2026"
SIZES = {"1440": {"width": 1440, "height": 900}, "390": {"width": 390, "height": 844}}
# who shows each screen in each language: (screen, language) → username
PEOPLE = {
    ("queue", "zh"): "li.na", ("queue", "en"): "david.miller",
    ("ticket", "zh"): "li.na", ("ticket", "en"): "david.miller",
    ("portal", "zh"): "chen.jing", ("portal", "en"): "sarah.lee",
    ("phone", "zh"): "li.na", ("phone", "en"): "david.miller",
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(GONGDAN_DATA_DIR=str(data_dir), GONGDAN_PORT=str(port), GONGDAN_DEMO_PASSWORD=PASSWORD,
               GONGDAN_ACCESS_LOG="0", DJANGO_SETTINGS_MODULE="gongdan.project.settings")  # fmt: skip
    return env


def prepare(data_dir: Path, tickets: int) -> None:
    if (data_dir / "gongdan.sqlite3").exists():
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    env = environment(data_dir, 8000)
    for args in (["migrate", "--noinput", "-v0"], ["bootstrap"], ["load_demo", "--tickets", str(tickets)]):
        subprocess.run([str(ROOT / "gongdan"), "manage", *args], cwd=ROOT, env=env, check=True)


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 900  # a busy machine starts slowly
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit("the demo site did not start")


def take(base: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for (screen, language), username in PEOPLE.items():
            for size, viewport in SIZES.items():
                context = browser.new_context(viewport=viewport, locale="zh-CN" if language == "zh" else "en-US",
                                              device_scale_factor=1)  # fmt: skip
                page = context.new_page()
                page.set_default_timeout(30_000)
                page.goto(f"{base}/login/")
                page.fill("#id_username", username)
                page.fill("#id_password", PASSWORD)
                page.locator("button.btn-primary[type=submit]").click()
                page.wait_for_load_state("networkidle")
                if screen == "queue":
                    page.goto(f"{base}/")
                elif screen == "ticket":
                    page.goto(f"{base}/")
                    href = page.locator("a[href^='/tickets/'][href*='-']").first.get_attribute("href") or "/"
                    page.goto(base + href)
                elif screen == "portal":
                    page.goto(f"{base}/portal/")
                    requests = page.locator("[data-request] a")
                    if requests.count():
                        requests.first.click()
                else:
                    page.goto(f"{base}/m/")
                page.wait_for_load_state("networkidle")
                path = out / f"{screen}-{language}-{size}.jpg"
                page.screenshot(path=str(path), type="jpeg", quality=80)
                saved.append(path)
                context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/gd-screenshots"))
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    options = parser.parse_args()
    prepare(options.data_dir, options.tickets)
    options.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([str(ROOT / "gongdan"), "start", "--demo"], cwd=ROOT,
                               env=environment(options.data_dir, port), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        wait_for(f"{base}/healthz", process)
        for path in take(base, options.out):
            print(
                f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size // 1024} KiB"
            )
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
