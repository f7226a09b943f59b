"""The asset page with 1M readings on its meters (target p95 < 100 ms), and its chart data per range.

    python -m bench.meters_page [--database-url URL] [--readings 1000000] [--meters 5] [--requests 200]

Builds a fresh site (SQLite file by default: /tmp/bench-meters.sqlite3, deleted first; for PostgreSQL pass an
empty database, e.g. postgres://postgres@127.0.0.1:5432/gd_bench_meters): one compressor with --meters meters
and --readings readings spread evenly over the last year, written through `readings_store` in batches of
10,000 (so the rollups are the ones ingestion keeps; the write rate is printed too), a few work orders. Then
signs in a staff member and times GET /assets/<code>/ (the meter card draws the 7-day chart from hourly
rollups) and the chart JSON of each range, in-process with Django's test client.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from bench import remove_sqlite_database, setup_django


def build(readings: int, meters_count: int) -> tuple[str, float]:
    from django.core.management import call_command
    from django.utils import timezone

    from gongdan.accounts.models import User
    from gongdan.assets.services import asset_create, asset_type_create
    from gongdan.meters.services import NewReading, meter_create, readings_store

    call_command("migrate", verbosity=0)
    User.objects.create(username="bench_agent", role="agent")
    kind = asset_type_create(actor=None, code="compressor", name="空压机", name_en="Air compressor")
    asset = asset_create(actor=None, code="AC-BENCH", name="Bench compressor", asset_type=kind)
    meters = [
        meter_create(
            actor=None,
            asset=asset,
            code=f"m{i}",
            name=f"Meter {i}",
            unit="°C",
            high_limit=1000,
            low_limit=-1000,
        )
        for i in range(meters_count)
    ]
    per_meter = readings // meters_count
    now = timezone.now()
    start = now - timedelta(days=365)
    step = timedelta(days=365) / per_meter
    started = time.perf_counter()
    batch: list[NewReading] = []
    for i in range(per_meter):
        at = start + i * step
        for meter in meters:
            batch.append(NewReading(meter.pk, at, 50 + (i % 97) - meter.pk))
        if len(batch) >= 10_000:
            readings_store(batch)
            batch = []
    if batch:
        readings_store(batch)
    elapsed = time.perf_counter() - started
    return asset.code, per_meter * meters_count / elapsed


def timed(client, url: str, n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-meters.sqlite3")
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--meters", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="measure the site a previous run built")
    args = parser.parse_args()
    if not args.reuse:
        remove_sqlite_database(args.database_url)
    setup_django(args.database_url, "/tmp/bench-meters-data")
    from django.conf import settings
    from django.test import Client

    from gongdan.accounts.models import User
    from gongdan.meters.models import Reading, Rollup

    settings.ALLOWED_HOSTS = ["*"]
    if args.reuse:
        code = "AC-BENCH"
        print(
            f"{Reading.objects.count():,} readings ({Rollup.objects.count():,} rollup rows) from a previous run"
        )
    else:
        code, rate = build(args.readings, args.meters)
        print(f"wrote {Reading.objects.count():,} readings ({Rollup.objects.count():,} rollup rows) "
              f"at {rate:,.0f} readings/s through readings_store")  # fmt: skip
    client = Client()
    client.force_login(User.objects.get(username="bench_agent"))
    p50, p95 = timed(client, f"/assets/{code}/", args.requests)
    print(f"asset page: p50 {p50:.1f} ms, p95 {p95:.1f} ms (budget p95 < 100 ms)")
    for r in ("24h", "7d", "30d", "1y"):
        p50, p95 = timed(client, f"/assets/{code}/meters/chart.json?range={r}", max(20, args.requests // 4))
        print(f"chart {r}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
