"""Measure a generated site over real HTTP (gunicorn) and in-process.

    python -m bench.run [--database-url URL] [--data-dir DIR] [--label 1M-postgres]

(a) API ticket creation: N POST /api/v1/tickets from C keep-alive client threads → tickets/s, p50/p99.
(b) Reads, as the bench agent (two busy teams) and as an admin, each R times in a row → p50/p95:
    the queue's first page (web `/` and `/?view=my_team`, and the same through the API), a filtered list,
    a text search in Chinese and in English, and the ticket page (web and API).
    The same reads are also timed in-process through the selectors (no HTTP, no templates/JSON) to separate
    server overhead from database time.
Prints a table and appends it to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from bench import BENCH_ADMIN, BENCH_AGENT, PROJECT_DIR, setup_django

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


class Server:
    """A real gunicorn with the production settings (gongdan.project.gunicorn_conf), on loopback."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.port = port
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.log = open(Path(env["GONGDAN_DATA_DIR"]) / "gunicorn.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                gunicorn,
                "-c",
                "python:gongdan.project.gunicorn_conf",
                "gongdan.project.asgi:application",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            env=env,
            cwd=PROJECT_DIR,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not answer /healthz within 60s; see gunicorn.log in the data folder")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Client:
    """A keep-alive HTTP client for one thread."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port, self.headers = port, headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - started
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return response.status, data, elapsed
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection (or recycled a worker): reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError


class Failed(Exception):
    pass


def measure(name: str, fn: Callable[[int], float], count: int, warmup: int = 10) -> dict[str, float | str]:
    """p50/p95/p99 of `count` calls after `warmup`; a failed request marks the row instead of stopping."""
    try:
        for i in range(warmup):
            fn(i)
        timings = [fn(i) for i in range(count)]
    except Failed as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        nan = float("nan")
        return {"name": name, "n": "failed", "p50": nan, "p95": nan, "p99": nan, "max": nan}
    ms = [t * 1000 for t in timings]
    return {"name": name, "n": count, "p50": percentile(ms, 50), "p95": percentile(ms, 95),
            "p99": percentile(ms, 99), "max": max(ms)}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="defaults to DATABASE_URL, else SQLite in the data folder")
    parser.add_argument(
        "--data-dir", help="GONGDAN_DATA_DIR the generator used (its secret key signs sessions)"
    )
    parser.add_argument("--label", default="", help="e.g. 1M-postgres")
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--skip-create", action="store_true")
    parser.add_argument("--skip-http", action="store_true", help="in-process timings only")
    parser.add_argument("--no-write", action="store_true", help="print, do not append to RESULTS.md")
    parser.add_argument("--exclude", action="append", default=[], help="skip reads whose name contains this")
    args = parser.parse_args(argv)
    setup_django(args.database_url, args.data_dir)

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.utils import translation

    from gongdan.accounts.models import User
    from gongdan.api.services import api_token_create
    from gongdan.tickets.filters import TicketFilters, paginate
    from gongdan.tickets.models import Category, Priority, Ticket
    from gongdan.tickets.selectors import ticket_comments, ticket_get, ticket_list, ticket_timeline

    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if vendor == "postgresql" else "SELECT sqlite_version()")
        db_version = cursor.fetchone()[0].split(" on ")[0]
    tickets_total = Ticket.objects.count()
    agent = User.objects.get(username=BENCH_AGENT)
    admin = User.objects.get(username=BENCH_ADMIN)
    agent_teams = list(agent.teams.order_by("pk"))
    team = agent_teams[0]
    rng = random.Random(7)

    def session_for(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    # Ticket pages to open: tickets each actor can see, old and new, with their histories.
    def sample_numbers(actor: User) -> list[str]:
        qs = ticket_list(
            actor=actor, filters=TicketFilters.parse({"view": "my_team"} if actor == agent else {})
        )
        recent = list(qs.order_by("-updated_at", "-id").values_list("number", flat=True)[:2000])
        top_id = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 1
        old_ids = [rng.randint(1, top_id) for _ in range(args.reads)]
        old = list(ticket_list(actor=actor).filter(id__in=old_ids).values_list("number", flat=True))
        mix = rng.sample(recent, min(len(recent), args.reads // 2)) + old
        rng.shuffle(mix)
        return (mix * (args.reads // max(len(mix), 1) + 1))[: args.reads + 20]

    numbers = {"agent": sample_numbers(agent), "admin": sample_numbers(admin)}
    actors = {"agent": agent, "admin": admin}
    filtered = {"status": "open", "priority": "P2,P3", "team": str(team.pk)}
    reads = [
        # name, web path, API query (= the filters)
        ("queue: my teams", "/?view=my_team", {"view": "my_team"}),
        ("queue: / (all open I may see)", "/", {"view": "open"}),
        ("filtered list (status+priority+team)", "/?" + urlencode(filtered), filtered),
        ("search zh 打印机", "/?" + urlencode({"q": "打印机"}), {"q": "打印机"}),
        ("search en printer jam", "/?" + urlencode({"q": "printer jam"}), {"q": "printer jam"}),
        ("search zh 2 chars 蓝屏", "/?" + urlencode({"q": "蓝屏"}), {"q": "蓝屏"}),
    ]
    reads = [r for r in reads if not any(x in r[0] for x in args.exclude)]
    results: list[dict[str, float | str]] = []
    notes: list[str] = [f"excluded reads: {', '.join(args.exclude)}"] if args.exclude else []

    # ---- in-process: the selectors alone (database + ORM) -----------------------------------------------
    for who, actor in actors.items():
        with translation.override(actor.language):
            for name, _web, query in reads:
                params = dict(query)
                if who == "admin" and params.get("view") == "my_team":
                    continue  # an admin is in no team; "/" is the admin's queue

                def run_list(_i: int, params=params, actor=actor) -> float:
                    started = time.perf_counter()
                    filters = TicketFilters.parse(params)
                    paginate(ticket_list(actor=actor, filters=filters), filters, limit=25)
                    return time.perf_counter() - started

                results.append({**measure(f"{name} [{who}]", run_list, args.reads), "via": "selectors"})
            pages = numbers[who]

            def run_ticket(i: int, pages=pages, actor=actor) -> float:
                started = time.perf_counter()
                ticket = ticket_get(actor=actor, number=pages[i % len(pages)])
                list(ticket_timeline(actor=actor, ticket=ticket))
                list(ticket_comments(actor=actor, ticket=ticket))
                return time.perf_counter() - started

            results.append({**measure(f"ticket page [{who}]", run_ticket, args.reads), "via": "selectors"})
    connection.close()

    create_result = None
    if not args.skip_http:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "gongdan.project.settings",
            "PYTHONPATH": str(PROJECT_DIR / "src"),
            "GONGDAN_ACCESS_LOG": "0",
            "GONGDAN_LOG_LEVEL": "INFO",
        }
        port = free_port()
        tokens = {who: api_token_create(actor=actor, name="bench")[1] for who, actor in actors.items()}
        sessions = {who: session_for(actor) for who, actor in actors.items()}
        server = Server(env, port)
        notes.append(f"gunicorn: {server_shape()}")
        try:
            for who in actors:
                api = Client(port, {"Authorization": f"Bearer {tokens[who]}", "Accept": "application/json"})
                web = Client(port, {"Cookie": f"{settings.SESSION_COOKIE_NAME}={sessions[who]}"})
                for name, web_path, query in reads:
                    params = dict(query)
                    if who == "admin" and params.get("view") == "my_team":
                        continue
                    api_path = "/api/v1/tickets?" + urlencode({**params, "limit": 25})

                    def get(_i: int, client=api, path=api_path) -> float:
                        status, body, elapsed = client.request("GET", path)
                        if status != 200:
                            raise Failed(f"GET {path} → {status}: {body[:120]!r}")
                        return elapsed

                    results.append({**measure(f"{name} [{who}]", get, args.reads), "via": "HTTP API"})
                    status, _body, _t = web.request("GET", web_path)
                    if status == 200:

                        def get_web(_i: int, client=web, path=web_path) -> float:
                            status, body, elapsed = client.request("GET", path)
                            if status != 200:
                                raise Failed(f"GET {path} → {status}: {body[:120]!r}")
                            return elapsed

                        results.append({**measure(f"{name} [{who}]", get_web, args.reads), "via": "HTTP web"})
                    else:
                        notes.append(f"web {web_path} answered {status}: not measured")
                pages = numbers[who]
                for via, client, template in (
                    ("HTTP API", api, "/api/v1/tickets/{}"),
                    ("HTTP web", web, "/tickets/{}/"),
                ):

                    def get_page(i: int, client=client, template=template, pages=pages) -> float:
                        path = template.format(pages[i % len(pages)])
                        status, body, elapsed = client.request("GET", path)
                        if status != 200:
                            raise Failed(f"GET {path} → {status}: {body[:120]!r}")
                        return elapsed

                    status, _body, _t = client.request("GET", template.format(pages[0]))
                    if status == 200:
                        results.append({**measure(f"ticket page [{who}]", get_page, args.reads), "via": via})
                    else:
                        notes.append(f"{via} ticket page answered {status}: not measured")

            if not args.skip_create:
                create_result = run_creates(port, tokens["agent"], args, Category, Priority)
        finally:
            server.stop()

    print_and_save(args, vendor, db_version, tickets_total, results, create_result, notes)


def server_shape() -> str:
    from django.conf import settings

    from gongdan.project import gunicorn_conf

    return (
        f"{gunicorn_conf.workers} workers × {settings.GONGDAN_WEB_THREADS} requests at once "
        f"({gunicorn_conf.worker_class})"
    )


def run_creates(port: int, token: str, args, Category, Priority) -> dict[str, float]:
    from gongdan.tickets.services import fields_for_category

    # Categories whose form has no required field, so a bare {subject, description, category, priority} is valid.
    categories = [c.pk for c in Category.objects.filter(is_active=True)
                  if not any(f.required for f in fields_for_category(c))]  # fmt: skip
    priorities = list(Priority.objects.values_list("code", flat=True))
    subjects = [("{}楼打印机卡纸", "三楼打印机卡纸，已经重启过，还是不行。"), ("VPN 无法连接 #{}", "Cannot connect to VPN since this morning."),
                ("Printer jammed on floor {}", "Paper jam in tray 2, please send someone."),
                ("会议室 {} 投影仪无法投屏", "投影仪连接后没有信号。")]  # fmt: skip
    per_thread = args.creates // args.concurrency
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(args.concurrency + 1)

    def worker(index: int) -> None:
        client = Client(port, {"Authorization": f"Bearer {token}", "Accept": "application/json"})
        rng = random.Random(index)
        local: list[float] = []
        client.request("GET", "/api/v1/priorities")  # open the connection
        barrier.wait()
        for i in range(per_thread):
            subject, description = rng.choice(subjects)
            body = json.dumps({"subject": subject.format(i % 30 + 1), "description": description,
                               "category": rng.choice(categories), "priority": rng.choice(priorities)}).encode()  # fmt: skip
            try:
                status, data, elapsed = client.request("POST", "/api/v1/tickets", body)
            except OSError as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            local.append(elapsed)
            if status != 201:
                with lock:
                    errors.append(f"{status}: {data[:200]!r}")
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if errors:
        print(f"{len(errors)} creates failed, e.g. {errors[0]}", file=sys.stderr)
    ms = [x * 1000 for x in latencies] or [float("nan")]
    return {"n": args.creates, "errors": len(errors), "per_s": (args.creates - len(errors)) / wall,
            "p50": percentile(ms, 50), "p99": percentile(ms, 99), "max": max(ms), "concurrency": args.concurrency}  # fmt: skip


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    except OSError:
        mem = 0
    return f"{os.cpu_count()} cores ({cpu}), {mem} GB RAM, {platform.system()} {platform.release()}"


def print_and_save(args, vendor, db_version, tickets_total, results, create_result, notes) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### {args.label or vendor} — {tickets_total:,} tickets — {now}",
        "",
        f"- database: {db_version}; machine: {machine()}; load average before: {results_load['before']}, "
        f"after: {load()}",
        *[f"- {n}" for n in notes],
        "",
    ]
    if create_result:
        c = create_result
        lines += [
            f"**API ticket creation** (POST /api/v1/tickets, {c['n']:,} requests, concurrency {c['concurrency']}): "
            f"**{c['per_s']:.0f} tickets/s**, p50 {c['p50']:.1f} ms, p99 {c['p99']:.1f} ms, max {c['max']:.0f} ms, "
            f"errors {c['errors']}",
            "",
        ]
    lines += [
        "| read | via | n | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    order = {"HTTP web": 0, "HTTP API": 1, "selectors": 2}
    for r in sorted(
        results, key=lambda r: (str(r["name"]).split("[")[1], str(r["name"]), order[str(r["via"])])
    ):
        lines.append(f"| {r['name']} | {r['via']} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
                     f"{r['max']:.0f} |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        if not RESULTS.exists():
            RESULTS.write_text("# Benchmark results\n\nAppended by `python -m bench.run`; see README.md.\n\n")
        with RESULTS.open("a") as f:
            f.write("\n" + text)


results_load = {"before": load()}

if __name__ == "__main__":
    main()
