"""MQTT ingestion with threshold evaluation: sustained readings/s (target ≥ 5,000) and reading-to-work-order
latency (target p99 < 2 s), with the work orders opened as a site opens them: by the queue's consumer.

    python -m bench.meters_mqtt [--database-url URL] [--redis-url URL] [--meters 100] [--messages 60000]
                                [--rate 6000] [--excursion-rate 12/min | 2% | 0.02]

Starts a private Mosquitto (tests/meters/broker.py: own port, persistence, no in-flight cap), a real Huey
consumer process (`bench.meters_mqtt_consumer`: `run_huey` with each ticket's commit time recorded; Huey's
SQLite queue in the data folder, or Redis with --redis-url) and the ingester in this process (a thread, as
`manage.py mqtt_ingest` runs it), on a fresh site (SQLite file by default: /tmp/bench-meters-mqtt.sqlite3,
deleted first; a PostgreSQL database is dropped and created). --meters meters each listen on their own topic
with a high limit of 100 and a hysteresis of 5. A publisher process sends --messages JSON messages (QoS 1)
round-robin over the topics at up to --rate per second (--publishers processes share them), each stamped when
its client has room for it (a publisher that cannot keep up waits rather than stamp a backlog).
--excursion-rate says how many of them leave the limit (value 150; the meter's next message returns to normal): a share of
the messages (`2%`, the stress case: 1,200 work orders in 60,000 readings) or a number per minute of
publishing across all meters (`12/min`, the default: what a plant with a hundred sensors might see), spread
evenly over the run.

Prints: readings/s from the first message sent to the last reading committed; reading → work order from the
reading's publish stamp to its ticket's commit (p50/p99/max); the CPU seconds of the ingester (this process)
and of the consumer (its /proc figures), which survive a loaded machine better than the wall figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import PROJECT_DIR, remove_sqlite_database, setup_django

DATA_DIR = "/tmp/bench-meters-data"


def excursion_indexes(messages: int, meters: int, rate: float, spec: str) -> list[int]:
    """Which messages leave the limit: evenly spread, never two rounds running on one meter (each is its own
    excursion, so one work order each)."""
    if spec.endswith("/min"):
        count = round(float(spec.removesuffix("/min")) * messages / rate / 60)
    else:
        share = float(spec.removesuffix("%")) / 100 if spec.endswith("%") else float(spec)
        count = round(share * messages)
    chosen: set[int] = set()
    if count <= 0:
        return []
    step = messages / count
    for k in range(count):
        index = int((k + 0.5) * step)
        while index in chosen or index - meters in chosen or index + meters in chosen:
            index += 1
        if index < messages - meters:
            chosen.add(index)
    return sorted(chosen)


def publisher(
    port: int,
    meters: int,
    messages: int,
    rate: float,
    out_of_limit: list[int],
    ready: multiprocessing.Event,
    part: int = 0,
    parts: int = 1,
) -> None:
    """Publish messages part, part + parts, part + 2 × parts … at rate / parts per second. A message is stamped
    when the client has room for it (at most 1,000 in flight and 100 queued): a publisher that cannot keep up
    waits instead of piling up messages whose stamps grow old before they leave this process."""
    import paho.mqtt.client as mqtt

    high = set(out_of_limit)
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-publisher-{part}"
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(1100)
    client.connect("127.0.0.1", port)
    client.loop_start()
    ready.wait()
    started = time.monotonic()
    infos = []
    for n, i in enumerate(range(part, messages, parts)):
        value = 150.0 if i in high else 50.0 + (i % 7)
        while True:
            body = json.dumps({"v": value, "ts": time.time()})
            info = client.publish(f"bench/m{i % meters}", body, qos=1)
            if info.rc != mqtt.MQTT_ERR_QUEUE_SIZE:
                break
            time.sleep(0.001)
        infos.append(info)
        due = started + (n + 1) * parts / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


def fresh_postgres_database(url: str) -> None:
    """A benchmark on PostgreSQL starts from an empty database of the URL's name (dropped and created)."""
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (and its threads) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(ordered: list[float], share: float) -> float:
    return ordered[max(0, int(len(ordered) * share + 0.5) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-meters-mqtt.sqlite3")
    parser.add_argument("--redis-url", default="", help="the queue in Redis (default: Huey's SQLite file)")
    parser.add_argument("--meters", type=int, default=100)
    parser.add_argument("--messages", type=int, default=60_000)
    parser.add_argument("--rate", type=float, default=6000)
    parser.add_argument("--publishers", type=int, default=2, help="publisher processes (default 2)")
    parser.add_argument("--excursion-rate", default="12/min", help="2%%, 0.02 or 12/min (default)")
    args = parser.parse_args()
    out_of_limit = excursion_indexes(args.messages, args.meters, args.rate, args.excursion_rate)
    remove_sqlite_database(args.database_url)
    if args.database_url.startswith(("postgres://", "postgresql://")):
        fresh_postgres_database(args.database_url)
    shutil.rmtree(DATA_DIR, ignore_errors=True)
    os.environ["REDIS_URL"] = args.redis_url
    os.environ["GONGDAN_HUEY_IMMEDIATE"] = "0"
    setup_django(args.database_url, DATA_DIR)
    from django.core.management import call_command
    from django.db import connection
    from huey.contrib.djhuey import HUEY
    from tests.meters.broker import Mosquitto

    from bench.meters_mqtt_consumer import record_commits
    from gongdan.assets.services import asset_create, asset_type_create
    from gongdan.meters.ingest import Ingester
    from gongdan.meters.models import Excursion, Reading
    from gongdan.meters.services import meter_create

    call_command("migrate", verbosity=0)
    HUEY.flush()  # a Redis queue left over from an earlier run
    kind = asset_type_create(actor=None, code="compressor", name="空压机", name_en="Air compressor")
    for i in range(args.meters):
        asset = asset_create(actor=None, code=f"AC-{i:03}", name=f"Compressor {i}", asset_type=kind)
        meter_create(actor=None, asset=asset, code="temp", name="Temperature", high_limit=100, hysteresis=5,
                     mqtt_topic=f"bench/m{i}", mqtt_value_path="$.v", mqtt_time_path="$.ts")  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="bench-mosquitto-"))
    commits = folder / "commits.tsv"
    record_commits(str(commits))  # a work order the ingester's sweep opens here is timed the same way
    consumer_log = (folder / "consumer.log").open("w")
    consumer = subprocess.Popen(
        [sys.executable, "-m", "bench.meters_mqtt_consumer"], cwd=PROJECT_DIR, stdout=consumer_log,
        stderr=subprocess.STDOUT, env={**os.environ, "BENCH_COMMITS_FILE": str(commits)},
    )  # fmt: skip
    broker = Mosquitto(folder)
    broker.start()
    done = {"n": 0, "last": 0.0}

    def counted(n: int) -> None:
        done["n"] += n
        done["last"] = time.monotonic()

    ingester = Ingester(broker.url, "bench-ingest", on_batch=counted, refresh_every=3600)
    stop = threading.Event()
    thread = threading.Thread(target=ingester.run, args=(stop,), daemon=True)
    thread.start()
    assert ingester.connected.wait(10)
    time.sleep(3)  # the consumer is up
    ready = multiprocessing.Event()
    processes = [
        multiprocessing.Process(
            target=publisher,
            args=(
                broker.port,
                args.meters,
                args.messages,
                args.rate,
                out_of_limit,
                ready,
                k,
                args.publishers,
            ),
        )
        for k in range(args.publishers)
    ]
    for process in processes:
        process.start()
    time.sleep(1)
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    first_sent, cpu_started, consumer_started = (
        time.monotonic(),
        time.process_time(),
        cpu_seconds(consumer.pid),
    )
    ready.set()
    deadline = first_sent + args.messages / 500 + 60
    while done["n"] < args.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    elapsed = done["last"] - first_sent
    cpu = time.process_time() - cpu_started  # the ingester's two threads (and this one's polling)
    settle = time.monotonic() + 120  # the consumer may still be opening work orders
    while Excursion.objects.filter(awaiting_work_order=True).exists() and time.monotonic() < settle:
        time.sleep(0.1)
    time.sleep(0.5)
    consumer_cpu = cpu_seconds(consumer.pid) - consumer_started
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    for process in processes:
        process.join(60)
    stop.set()
    thread.join(30)
    consumer.terminate()
    consumer.wait(30)
    broker.stop()
    consumer_log.close()
    stored = Reading.objects.count()
    print(f"the consumer's log: {folder / 'consumer.log'}")
    print(f"load average {' '.join(load_before)} before, {' '.join(load_after)} after; {connection.vendor}, "
          f"queue {'Redis' if args.redis_url else 'SQLite'}")  # fmt: skip
    print(f"{done['n']:,} of {args.messages:,} messages processed, {stored:,} readings stored in {elapsed:.1f} s: "
          f"{stored / elapsed:,.0f} readings/s (target ≥ 5,000) — publishers asked for {args.rate:,.0f}/s")  # fmt: skip
    print(f"CPU: ingester {cpu:.1f} s ({stored / cpu:,.0f} readings per CPU second), "
          f"consumer {consumer_cpu:.1f} s")  # fmt: skip
    awaiting = Excursion.objects.filter(awaiting_work_order=True).count()
    if awaiting:
        print(f"{awaiting} excursions still awaiting their work order at the end")
    committed = {}
    for line in commits.read_text().splitlines():
        pk, at = line.split("\t")
        committed[int(pk)] = float(at)
    latencies = sorted(
        committed[e.ticket_id] - e.started_at.timestamp()
        for e in Excursion.objects.exclude(ticket=None).only("ticket_id", "started_at")
    )
    print(f"{len(out_of_limit)} out-of-limit readings published ({args.excursion_rate}), "
          f"{len(latencies)} work orders opened")  # fmt: skip
    if latencies:
        print(f"reading → work order (publish → ticket committed): p50 {statistics.median(latencies) * 1000:,.0f} ms, "
              f"p99 {percentile(latencies, 0.99) * 1000:,.0f} ms, max {latencies[-1] * 1000:,.0f} ms "
              f"(target p99 < 2 s)")  # fmt: skip
        if len(latencies) < 100:
            print("  (fewer than 100 work orders: the p99 is close to the maximum)")
    connection.close()


if __name__ == "__main__":
    main()
