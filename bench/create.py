"""Creating tickets as a site runs: the real web server *and* the queue consumer, measured together.

    python -m bench.create --database-url URL --data-dir DIR [--redis-url redis://127.0.0.1:6379/3]
                           [--creates 1000] [--concurrency 1,2,4,8] [--rate 100] [--seconds 60]
                           [--storm 10000] [--label 100k-postgres] [--no-write]

On a generated site (bench.generate), with gunicorn (the production config) and `run_huey` started as
`./gongdan start` starts them:

1. **Statements per create**, in-process (`POST /api/v1/tickets` through Django's test client), listed.
2. **Throughput and latency** of N API creates from C keep-alive clients, for each C: tickets/s, p50/p99, and
   the CPU each create cost, split into the web server, the queue consumer (which also reads the events the
   creates wrote: notification rules, reports, surveys — measured until it has caught up) and the database
   (every postgres process), from /proc.
3. **Sustained creation** at --rate creates/s for --seconds: the event consumers' lag, sampled twice a second
   (events not yet read, and the age of the oldest).
4. **A P0 in an alert storm**: --storm alerts posted to an Alertmanager integration as fast as the server
   takes them, a P0 ticket created in the middle; how long until on-call is paged.

Prints the tables and appends them to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from bench import PROJECT_DIR, setup_django
from bench.run import RESULTS, Client, Server, free_port, load, percentile

CONSUMERS = ("notifications.rules", "portal.surveys", "reports.facts")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- CPU from /proc --------------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, str, float] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    ppid, utime, stime = int(fields[1]), int(fields[11]), int(fields[12])
    # With the CPU of children that ended and were reaped (cutime, cstime): a web worker recycled after
    # max_requests, a postgres backend whose connection closed, still count, with their parent.
    reaped = int(fields[13]) + int(fields[14])
    return ppid, name, (utime + stime + reaped) / CLOCK_TICKS


def processes() -> dict[int, tuple[int, str, float]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            found[int(entry)] = stat
    return found


def tree(root: int, table: dict[int, tuple[int, str, float]]) -> set[int]:
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _name, _cpu) in table.items():
            if ppid == parent and pid not in members:
                members.add(pid)
                frontier.append(pid)
    return members


class Cpu:
    """CPU seconds of the web server's process tree, the consumer's, and every postgres process."""

    def __init__(self, web_pid: int, consumer_pid: int) -> None:
        self.web_pid, self.consumer_pid = web_pid, consumer_pid

    def sample(self) -> dict[str, float]:
        table = processes()
        web = sum(table[p][2] for p in tree(self.web_pid, table) if p in table)
        consumer = sum(table[p][2] for p in tree(self.consumer_pid, table) if p in table)
        database = sum(cpu for _ppid, name, cpu in table.values() if name == "postgres")
        times = os.times()
        return {"web": web, "consumer": consumer, "database": database, "client": times.user + times.system}

    @staticmethod
    def per(before: dict[str, float], after: dict[str, float], count: int) -> dict[str, float]:
        return {k: (after[k] - before[k]) * 1000 / max(count, 1) for k in before}


# --- the site ---------------------------------------------------------------------------------------------


class Consumer:
    """`python -m gongdan run_huey`, as ./gongdan start runs it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.log = open(Path(env["GONGDAN_DATA_DIR"]) / "consumer.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gongdan", "run_huey"],
            env=env, cwd=PROJECT_DIR, stdout=self.log, stderr=self.log,
        )  # fmt: skip

    def stop(self) -> None:
        self.process.send_signal(2)
        try:
            self.process.wait(timeout=30)
        except Exception:
            self.process.kill()
        self.log.close()


def consumer_lag() -> tuple[int, float]:
    """Events the slowest consumer has not read, and the age in seconds of the oldest of them."""
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    from gongdan.tickets.models import EventCursor, TicketEvent

    try:
        positions = list(
            EventCursor.objects.filter(name__in=CONSUMERS).values_list("last_event_id", flat=True)
        )
        low = min(positions) if positions else 0
        top = TicketEvent.objects.aggregate(top=Max("pk"))["top"] or 0
        oldest = (
            TicketEvent.objects.filter(pk__gt=low).order_by("pk").values_list("created_at", flat=True).first()
        )
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        return top - low, max(0.0, age)
    finally:
        connection.close()


def wait_caught_up(timeout: float = 600) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        events, _age = consumer_lag()
        if events == 0:
            return time.monotonic() - started
        time.sleep(0.25)
    raise SystemExit("the consumers did not catch up within the timeout; see consumer.log")


# --- measurements -----------------------------------------------------------------------------------------


def statements_per_create(category_id: int) -> tuple[int, list[str]]:
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    from gongdan.accounts.models import User
    from gongdan.api.services import api_token_create

    agent = User.objects.get(username="agent001")
    _token, raw = api_token_create(actor=agent, name="bench-statements")
    client = TestClient()
    body = json.dumps({"subject": "打印机卡纸 statements", "description": "三楼", "category": category_id})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for _ in range(3):
        client.post("/api/v1/tickets", body, content_type="application/json", **headers)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/tickets", body, content_type="application/json", **headers)
    assert response.status_code == 201, response.content
    return len(queries.captured_queries), [q["sql"][:110] for q in queries.captured_queries]


def bodies(categories: list[int], count: int, rng: random.Random) -> list[bytes]:
    subjects = [
        "{}楼打印机卡纸",
        "VPN 无法连接 #{}",
        "Printer jammed on floor {}",
        "会议室 {} 投影仪无法投屏",
    ]
    return [
        json.dumps({"subject": rng.choice(subjects).format(rng.randint(1, 30)),
                    "description": "已经重启过，还是不行。 Restarted, still broken.",
                    "category": rng.choice(categories), "priority": rng.choice(["P2", "P3", "P3", "P4"])}).encode()
        for _ in range(count)
    ]  # fmt: skip


def burst(port: int, token: str, payloads: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    chunks = [payloads[i::concurrency] for i in range(concurrency)]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def send(chunk: list[bytes]) -> list[float]:
        client = Client(port, headers)
        timings = []
        for body in chunk:
            status, data, elapsed = client.request("POST", "/api/v1/tickets", body)
            if status != 201:
                raise SystemExit(f"create answered {status}: {data[:200]!r}")
            timings.append(elapsed * 1000)
        return timings

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        timings = [t for chunk in pool.map(send, chunks) for t in chunk]
    return time.perf_counter() - started, timings


def sustained(port: int, token: str, payloads: list[bytes], rate: float, seconds: float) -> dict[str, float]:
    """Creates at a steady `rate` (paced senders), sampling the consumers' lag meanwhile."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    stop = threading.Event()
    samples: list[tuple[int, float]] = []

    def monitor() -> None:
        while not stop.is_set():
            samples.append(consumer_lag())
            stop.wait(0.5)

    senders = 8
    interval = senders / rate
    total = int(rate * seconds)
    sent = [0]
    lock = threading.Lock()
    errors: list[str] = []
    started = time.monotonic()

    def send(n: int) -> None:
        client = Client(port, headers)
        next_at = started + n * (1 / rate)
        while True:
            with lock:
                if sent[0] >= total:
                    return
                index = sent[0]
                sent[0] += 1
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            status, data, _elapsed = client.request(
                "POST", "/api/v1/tickets", payloads[index % len(payloads)]
            )
            if status != 201:
                errors.append(f"{status}: {data[:100]!r}")
            next_at += interval

    watcher = threading.Thread(target=monitor, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(send, range(senders)))
    elapsed = time.monotonic() - started
    drained = wait_caught_up()
    stop.set()
    watcher.join()
    ages = [age for _events, age in samples]
    events = [e for e, _age in samples]
    return {"achieved": total / elapsed, "seconds": elapsed, "lag_p50": percentile(ages, 50),
            "lag_p95": percentile(ages, 95), "lag_max": max(ages or [0]), "events_max": max(events or [0]),
            "drain": drained, "errors": len(errors)}  # fmt: skip


def storm(port: int, token: str, alerts: int, team_id: int) -> dict[str, float]:
    """--storm alerts to an Alertmanager integration; a P0 ticket created half-way; seconds until it pages."""
    from django.db import connection

    from bench.alert_intake import groups
    from gongdan.accounts.models import User
    from gongdan.integrations.services import integration_create
    from gongdan.oncall.models import Page

    admin = User.objects.get(username="bench_admin")
    integration, secret = integration_create(
        actor=admin, kind="alertmanager", name=f"Storm {time.time():.0f}"
    )
    connection.close()
    fingerprints = max(1, alerts // 5)
    posts = groups(alerts, fingerprints, 100)
    url = f"/api/v1/integrations/{integration.slug}/alertmanager"
    p0 = json.dumps({"subject": "核心交换机宕机 Core switch down", "description": "All floors offline.",
                     "priority": "P0", "team": team_id}).encode()  # fmt: skip
    paged: dict[str, float] = {}

    def send(chunk: list[bytes]) -> None:
        client = Client(port, {"Authorization": f"Bearer {secret}"})
        for body in chunk:
            client.request("POST", url, body)

    def p0_in_the_middle() -> None:
        time.sleep(max(1.0, len(posts) / 40))  # about half-way through at the server's pace
        status, data, _t = Client(port, {"Authorization": f"Bearer {token}"}).request(
            "POST", "/api/v1/tickets", p0
        )
        assert status == 201, data
        number = json.loads(data)["number"]
        created = time.monotonic()
        while time.monotonic() - created < 300:
            if Page.objects.filter(ticket__number=number).exists():
                paged["seconds"] = time.monotonic() - created
                break
            time.sleep(0.2)
        connection.close()

    started = time.monotonic()
    watcher = threading.Thread(target=p0_in_the_middle)
    watcher.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, [posts[i::4] for i in range(4)]))
    posted = time.monotonic() - started
    watcher.join()
    return {"alerts": alerts, "posts": len(posts), "posted_s": posted, "alerts_per_s": alerts / posted,
            "paged_s": paged.get("seconds", float("nan"))}  # fmt: skip


def oncall_for(team_id: int) -> None:
    """A rotation for the team so a P0 has someone to page (the generator makes none)."""
    from datetime import date
    from datetime import time as day_time

    from gongdan.accounts.models import Team
    from gongdan.oncall.models import OnCallSchedule
    from gongdan.oncall.services import oncall_schedule_create

    team = Team.objects.get(pk=team_id)
    if OnCallSchedule.objects.filter(team=team).exists():
        return
    people = [m.user for m in team.memberships.select_related("user")[:4]]
    oncall_schedule_create(actor=None, name=f"{team.label} on-call", team=team, time_zone="Asia/Shanghai",
                           rotation_days=7, handoff_time=day_time(9, 0), start_date=date(2026, 1, 5),
                           repeat_interval_minutes=5, escalate_after_repeats=2, max_repeats=6, primary=people[:3],
                           backup=people[3:])  # fmt: skip


# --- main -------------------------------------------------------------------------------------------------


def table(rows: Iterable[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.create", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--data-dir")
    parser.add_argument("--redis-url", default="", help="run the queue on Redis, as production does")
    parser.add_argument("--label", default="")
    parser.add_argument("--creates", type=int, default=1000)
    parser.add_argument("--concurrency", default="1,2,4,8")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--storm", type=int, default=10_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
        os.environ["GONGDAN_QUEUE_NAME"] = f"bench-{os.getpid()}"
    setup_django(args.database_url, args.data_dir)

    from django.conf import settings
    from django.db import connection

    from gongdan.accounts.models import User
    from gongdan.api.services import api_token_create
    from gongdan.tickets.models import Category, Ticket
    from gongdan.tickets.services import fields_for_category

    settings.ALLOWED_HOSTS = ["*"]
    vendor = connection.vendor
    rng = random.Random(11)
    categories = [c.pk for c in Category.objects.filter(is_active=True, default_team__isnull=False)
                  if not any(f.required for f in fields_for_category(c))]  # fmt: skip
    agent = User.objects.get(username="agent001")
    team_id = agent.memberships.order_by("pk").values_list("team_id", flat=True).first()
    oncall_for(team_id)
    statements, listing = statements_per_create(categories[0])
    token = api_token_create(actor=User.objects.get(username="bench_admin"), name="bench-create")[1]
    tickets_before = Ticket.objects.count()
    connection.close()

    env = {**os.environ, "GONGDAN_DATA_DIR": os.environ["GONGDAN_DATA_DIR"], "DJANGO_SETTINGS_MODULE": "gongdan.project.settings", "PYTHONPATH": str(PROJECT_DIR / "src"),
        "GONGDAN_ACCESS_LOG": "0", "GONGDAN_LOG_LEVEL": "WARNING", "GONGDAN_ALLOWED_HOSTS": "*"}  # fmt: skip
    port = free_port()
    server = Server(env, port)
    consumer = Consumer(env)
    cpu = Cpu(server.process.pid, consumer.process.pid)
    out: list[str] = []
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out.append(f"### Creating tickets with the consumer running — {args.label or vendor} ({when})\n")
    out.append(f"{tickets_before:,} tickets; queue on {'Redis' if args.redis_url else 'SQLite (embedded)'}; "
               f"load average before: {load()}\n")  # fmt: skip
    out.append(
        f"**Statements per API create: {statements}** ({'; '.join(s.split(' ')[0] for s in listing)})\n"
    )
    try:
        time.sleep(3)
        wait_caught_up()
        # Warm the workers (per-process caches, connections) before measuring.
        burst(port, token, bodies(categories, 80, rng), 8)
        wait_caught_up()
        rows = []
        for concurrency in [int(c) for c in args.concurrency.split(",")]:
            payloads = bodies(categories, args.creates, rng)
            before = cpu.sample()
            seconds, timings = burst(port, token, payloads, concurrency)
            during = cpu.sample()
            drained = wait_caught_up()
            after = cpu.sample()
            per = Cpu.per(before, after, len(payloads))
            consumer_during = Cpu.per(before, during, len(payloads))["consumer"]
            rows.append([str(concurrency), f"{len(payloads) / seconds:.0f}", f"{percentile(timings, 50):.0f}",
                         f"{percentile(timings, 99):.0f}", f"{per['web']:.1f}", f"{per['consumer']:.2f}",
                         f"{consumer_during:.2f}", f"{per['database']:.1f}", f"{per['client']:.1f}",
                         f"{sum(per.values()):.1f}", f"{drained:.1f}"])  # fmt: skip
            print(rows[-1], flush=True)
        out.append(table(rows, ["clients", "tickets/s", "p50 ms", "p99 ms", "CPU/create: web ms", "consumer ms",
                                "(consumer ms during)", "database ms", "client ms", "total ms",
                                "consumers caught up after (s)"]))  # fmt: skip
        out.append("")
        if args.rate and args.seconds:
            result = sustained(port, token, bodies(categories, 2000, rng), args.rate, args.seconds)
            print(result, flush=True)
            out.append(f"**Sustained {args.rate:.0f} creates/s for {args.seconds:.0f} s** (achieved "
                       f"{result['achieved']:.1f}/s, {result['errors']} errors): the consumers' lag, age of the "
                       f"oldest unread event: p50 {result['lag_p50']:.1f} s, p95 {result['lag_p95']:.1f} s, max "
                       f"{result['lag_max']:.1f} s (at most {result['events_max']:,.0f} events behind); "
                       f"caught up {result['drain']:.1f} s after the last create.\n")  # fmt: skip
        if args.storm:
            result = storm(port, token, args.storm, team_id)
            print(result, flush=True)
            out.append(f"**A P0 in an alert storm**: {result['alerts']:,} alerts in {result['posts']} POSTs took "
                       f"{result['posted_s']:.1f} s ({result['alerts_per_s']:.0f} alerts/s); the P0 created "
                       f"half-way paged on-call **{result['paged_s']:.1f} s** after its creation.\n")  # fmt: skip
        out.append(f"Load average after: {load()}\n")
    finally:
        consumer.stop()
        server.stop()
    report = "\n".join(out)
    print(report)
    if not args.no_write:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write("\n" + report + "\n")


if __name__ == "__main__":
    main()
