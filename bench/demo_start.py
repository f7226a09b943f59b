"""How soon the demo answers: `./gongdan start --demo` to the first page served, and the first pages' times
during the first minute after a demo load.

    python -m bench.demo_start [--tickets 300] [--seconds 60] [--starts 5] [--drop-caches] [--data-dir DIR]

1. Load (not timed): a fresh data folder gets migrated, its administrator and the demo (`--tickets`), with
   GONGDAN_DEMO_PASSWORD set so the benchmark can sign in. The first page's minute is measured right after this
   load, when a backlog of the load's tasks and mails would be waiting for the queue consumer.
2. Start: `./gongdan start --demo` on a free loopback port, with the environment already built (the set-up's
   checks still run, as they do for anyone) and after one untimed start (which records the fingerprints of
   the static files and migrations in the data folder, and the files to read ahead beside the environment).
   Timed from the command's start to the first `200` of `GET /login/` (polled every 20 ms): the time a person
   waits for the first page. `--starts` timed starts (default 5, `--rest` seconds apart) give the median and
   each figure; `--drop-caches` (Linux, as root) empties the system's file cache before each: a cold start.
3. Load on the first pages for `--seconds` (default 60): a signed-in agent (li.na) asks, one after the other,
   for the queue, a ticket page, the dashboard, and a requester (sarah.lee) for the portal; each time is
   recorded. Prints count, median, p95 and worst per page and over all, and the queue consumer's backlog.

The budgets (issue 16): first page < 1 s after the start, first-page p95 < 300 ms during the first minute.
Run it at a reduced size on a shared machine (`--tickets 60 --seconds 20`) and say so with the figures.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-Demo-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        GONGDAN_DATA_DIR=str(data_dir),
        GONGDAN_PORT=str(port),
        GONGDAN_DEMO_PASSWORD=PASSWORD,
        GONGDAN_ACCESS_LOG="0",
        DJANGO_SETTINGS_MODULE="gongdan.project.settings",
    )
    return env


def load(data_dir: Path, tickets: int) -> float:
    env = environment(data_dir, 8000)
    started = time.perf_counter()
    steps = (["collectstatic", "--noinput", "-v0"], ["migrate", "--noinput", "-v0"], ["bootstrap"],
             ["load_demo", "--tickets", str(tickets)])  # fmt: skip
    for args in steps:
        subprocess.run([str(ROOT / "gongdan"), "manage", *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


class Session:
    """A signed-in browser without the browser: cookies, CSRF, one GET at a time."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, float, str]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                body = response.read().decode("utf-8", "replace")
                status = response.status
        except urllib.error.HTTPError as exc:
            body, status = "", exc.code
        return status, time.perf_counter() - started, body

    def sign_in(self, username: str) -> None:
        self.get("/login/")
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
        request = urllib.request.Request(
            self.base + "/login/", data=data.encode(), headers={"Referer": self.base}
        )
        with self.opener.open(request, timeout=30) as response:
            response.read()


def first_page(base: str, process: subprocess.Popen[bytes], started: float) -> float:
    while process.poll() is None:
        try:
            with urllib.request.urlopen(base + "/login/", timeout=5) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.02)
    raise SystemExit(f"./gongdan start exited with {process.returncode} before serving a page")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def drop_caches() -> None:
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError as error:
        raise SystemExit(f"--drop-caches needs Linux and root: {error}") from error


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--settle",
        type=float,
        default=20.0,
        help="seconds of rest between the untimed start and the timed one (default 20)",
    )
    parser.add_argument("--starts", type=int, default=5, help="timed starts, one after another (default 5)")
    parser.add_argument(
        "--rest", type=float, default=5.0, help="seconds between the timed starts (default 5)"
    )
    parser.add_argument(
        "--drop-caches",
        action="store_true",
        help="drop the system's file cache before each timed start (Linux, as root): a cold start",
    )
    options = parser.parse_args()
    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="gd-demo-start-"))
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    print(f"loading the demo ({options.tickets} tickets) into {data_dir}…", flush=True)
    print(f"  loaded in {load(data_dir, options.tickets):.1f} s (not part of the figures)", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    warm_up = subprocess.Popen([str(ROOT / "gongdan"), "start", "--demo"], cwd=ROOT, env=environment(data_dir, port),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        print(
            f"  first start (not timed): {first_page(base, warm_up, time.perf_counter()):.1f} s", flush=True
        )
    finally:
        stop(warm_up)
    # A site is started on a machine at rest, not in the wake of the demo load this bench itself just ran.
    time.sleep(options.settle)
    print(
        f"  load average at the timed starts: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}",
        flush=True,
    )
    times_to_first_page: list[float] = []
    for attempt in range(options.starts):
        if attempt:
            time.sleep(options.rest)
        if options.drop_caches:
            drop_caches()
        started = time.perf_counter()
        process = subprocess.Popen([str(ROOT / "gongdan"), "start", "--demo"], cwd=ROOT,
                                   env=environment(data_dir, port), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        try:
            times_to_first_page.append(first_page(base, process, started))
        except BaseException:
            stop(process)
            raise
        if attempt < options.starts - 1:
            stop(process)
    cache = "file cache dropped before each" if options.drop_caches else "file cache as the machine left it"
    print(
        f"./gongdan start --demo → first page (GET /login/ 200), {options.starts} starts ({cache}): "
        f"median {statistics.median(times_to_first_page) * 1000:.0f} ms, "
        f"{' '.join(f'{t * 1000:.0f}' for t in times_to_first_page)} ms"
    )
    try:
        agent, requester = Session(base), Session(base)
        agent.sign_in("li.na")
        requester.sign_in("sarah.lee")
        status, _elapsed, queue_html = agent.get("/")
        number = re.search(r"/tickets/([A-Z]+-\d{4}-\d+)/", queue_html)
        pages = [(agent, "/"), (agent, "/reports/"), (requester, "/portal/")]
        if number:
            pages.insert(1, (agent, f"/tickets/{number.group(1)}/"))
        times: dict[str, list[float]] = {path: [] for _session, path in pages}
        failures = 0
        until = time.perf_counter() + options.seconds
        while time.perf_counter() < until:
            for session, path in pages:
                status, elapsed, _body = session.get(path)
                times[path].append(elapsed)
                failures += status != 200
        everything = [t for series in times.values() for t in series]
        print(f"first pages for {options.seconds:.0f} s after the start ({len(everything)} requests, "
              f"{failures} not 200):")  # fmt: skip
        for path, series in [*times.items(), ("all", everything)]:
            print(f"  {path:32} n={len(series):4}  median {statistics.median(series) * 1000:6.1f} ms  "
                  f"p95 {percentile(series, 0.95) * 1000:6.1f} ms  worst {max(series) * 1000:6.1f} ms")  # fmt: skip
        _status, _elapsed, health = Session(base).get("/healthz")
        print(
            f"  queue backlog at the end: {json.loads(health or '{}').get('queue', {}).get('pending')} tasks"
        )
    finally:
        stop(process)
    if not options.data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
