"""MQTT ingestion with threshold evaluation: sustained readings/s (target ≥ 5,000) and reading-to-work-order
latency (target p99 < 2 s).

    python -m bench.meters_mqtt [--database-url URL] [--meters 100] [--messages 60000] [--rate 6000]

Starts a private Mosquitto (tests/meters/broker.py: own port, persistence, no in-flight cap) and the ingester
in this process (a thread, as `manage.py mqtt_ingest` runs it), on a fresh site (SQLite file by default:
/tmp/bench-meters-mqtt.sqlite3, deleted first). --meters meters each listen on their own topic with a high
limit of 100 and a hysteresis of 5. A publisher process sends --messages JSON messages (QoS 1) round-robin
over the topics at up to --rate per second, each stamped with the time it was sent; every 50th message per
meter leaves the limit (value 150) and the next returns (value 50), so work orders open all along the run.
Prints: readings/s from the first message sent to the last reading committed, and per work order the time
from its reading's stamp to the ticket's creation (p50/p99). The ingester's CPU is in the figure: it runs in
this process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench import remove_sqlite_database, setup_django


def publisher(port: int, meters: int, messages: int, rate: float, ready: multiprocessing.Event) -> None:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id="bench-publisher")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    ready.wait()
    started = time.monotonic()
    infos = []
    for i in range(messages):
        meter, round_ = i % meters, i // meters
        value = 150.0 if round_ % 50 == 49 else 50.0 + (i % 7)
        body = json.dumps({"v": value, "ts": time.time()})
        infos.append(client.publish(f"bench/m{meter}", body, qos=1))
        due = started + (i + 1) / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-meters-mqtt.sqlite3")
    parser.add_argument("--meters", type=int, default=100)
    parser.add_argument("--messages", type=int, default=60_000)
    parser.add_argument("--rate", type=float, default=6000)
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    setup_django(args.database_url, "/tmp/bench-meters-data")
    from django.core.management import call_command
    from django.db import connection
    from tests.meters.broker import Mosquitto

    from gongdan.assets.services import asset_create, asset_type_create
    from gongdan.meters.ingest import Ingester
    from gongdan.meters.models import Excursion, Reading
    from gongdan.meters.services import meter_create

    call_command("migrate", verbosity=0)
    kind = asset_type_create(actor=None, code="compressor", name="空压机", name_en="Air compressor")
    for i in range(args.meters):
        asset = asset_create(actor=None, code=f"AC-{i:03}", name=f"Compressor {i}", asset_type=kind)
        meter_create(actor=None, asset=asset, code="temp", name="Temperature", high_limit=100, hysteresis=5,
                     mqtt_topic=f"bench/m{i}", mqtt_value_path="$.v", mqtt_time_path="$.ts")  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="bench-mosquitto-"))
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
    time.sleep(0.5)
    ready = multiprocessing.Event()
    process = multiprocessing.Process(
        target=publisher, args=(broker.port, args.meters, args.messages, args.rate, ready)
    )
    process.start()
    time.sleep(1)
    first_sent, cpu_started = time.monotonic(), time.process_time()
    ready.set()
    deadline = first_sent + args.messages / 500 + 60
    while done["n"] < args.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    elapsed = done["last"] - first_sent
    cpu = (
        time.process_time() - cpu_started
    )  # the ingester's CPU (and this thread's polling), not the publisher's
    settle = (
        time.monotonic() + 60
    )  # the work orders open after their batch (decision 0172): let the last open
    while Excursion.objects.filter(awaiting_work_order=True).exists() and time.monotonic() < settle:
        time.sleep(0.1)
    process.join(60)
    stop.set()
    thread.join(30)
    broker.stop()
    stored = Reading.objects.count()
    print(f"{done['n']:,} of {args.messages:,} messages processed, {stored:,} readings stored in {elapsed:.1f} s: "
          f"{stored / elapsed:,.0f} readings/s (target ≥ 5,000) — publisher asked for {args.rate:,.0f}/s")  # fmt: skip
    print(f"ingester CPU {cpu:.1f} s: {stored / cpu:,.0f} readings per CPU second")
    awaiting = Excursion.objects.filter(awaiting_work_order=True).count()
    if awaiting:
        print(f"{awaiting} excursions still awaiting their work order at the end")
    latencies = []
    for excursion in Excursion.objects.select_related("ticket").exclude(ticket=None):
        latencies.append((excursion.ticket.created_at - excursion.started_at).total_seconds())
    if latencies:
        latencies.sort()
        p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
        print(f"{len(latencies)} work orders: reading → work order p50 {statistics.median(latencies) * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms (target p99 < 2 s)")  # fmt: skip
    connection.close()


if __name__ == "__main__":
    main()
