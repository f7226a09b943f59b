"""Preventive maintenance scheduling: the next 90 days of work orders for 50,000 assets with 100,000 plans
(target < 60 s, and a re-run that creates nothing).

    python -m bench.pm_generate [--database-url URL] [--assets 50000] [--plans 100000] [--days 90] [--open 200]

Builds a fresh site in the given database (SQLite file by default: /tmp/bench-pm.sqlite3; for PostgreSQL pass
an empty database, e.g. postgres://postgres@127.0.0.1:5432/gd_bench_pm): the assets in 10 types, and plans
on them: 40 % monthly, 20 % weekly on Monday and Thursday, 20 % quarterly, all fixed, half of them on a
business calendar with the Chinese public holidays (dates moved to working days); 20 % floating every 60
days. Then times `pm_generate` (one read of the plans, their assets and the rows already written, batched
inserts), runs it again (must create nothing), and opens `--open` due tickets through `ticket_create` (each
with routing and SLA, as every ticket) to give the per-ticket cost of the daily opening.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta

from bench import remove_sqlite_database, setup_django


def build(assets: int, plans: int, seed: int) -> None:
    from django.core.management import call_command

    from gongdan.accounts.models import Team, User
    from gongdan.assets.models import Asset, AssetType, Location
    from gongdan.maintenance.models import PmPlan
    from gongdan.sla.models import BusinessCalendar, CalendarDay

    rng = random.Random(seed)
    call_command("migrate", verbosity=0)
    requester = User.objects.create(username="bench_pm_requester", role="admin")
    team = Team.objects.create(name="设备组", name_en="Equipment")
    calendar = BusinessCalendar.objects.create(
        name="中国工作日", weekly_hours={str(d): [[540, 1080]] for d in range(5)}
    )
    today = date.today()
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar=calendar, date=today + timedelta(days=d), kind="holiday", name="假日")
        for d in rng.sample(range(120), 12)
    )
    site = Location.objects.create(name="工厂", kind="site")
    types = [AssetType.objects.create(name=f"类型 {n}", code=f"type{n}") for n in range(10)]
    Asset.objects.bulk_create(
        (
            Asset(code=f"EQ-{n:06d}", name=f"设备 {n}", asset_type=types[n % 10], location=site)
            for n in range(assets)
        ),
        batch_size=5000,
    )
    asset_ids = list(Asset.objects.values_list("pk", flat=True))
    rows = []
    for n in range(plans):
        kind = n % 10
        start = today + timedelta(days=rng.randrange(60))
        plan = PmPlan(name=f"计划 {n}", asset_id=asset_ids[n % len(asset_ids)], starts_on=start, requester=requester,
                      team=team, lead_days=rng.choice([0, 3, 7]))  # fmt: skip
        if kind < 4:
            plan.frequency, plan.every = "months", 1
        elif kind < 6:
            plan.frequency, plan.every, plan.weekdays = "weeks", 1, [0, 3]
        elif kind < 8:
            plan.frequency, plan.every = "months", 3
        else:
            plan.frequency, plan.every, plan.schedule = "days", 60, "floating"
        if n % 2:
            plan.calendar = calendar
        rows.append(plan)
    PmPlan.objects.bulk_create(rows, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-pm.sqlite3")
    parser.add_argument("--assets", type=int, default=50_000)
    parser.add_argument("--plans", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--open", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    setup_django(args.database_url, "/tmp/bench-pm-data")

    from gongdan.maintenance.models import PmWorkOrder
    from gongdan.maintenance.services.pm import pm_generate, pm_open_due

    started = time.perf_counter()
    build(args.assets, args.plans, args.seed)
    print(f"built {args.assets} assets and {args.plans} plans in {time.perf_counter() - started:.1f} s")

    started, cpu = time.perf_counter(), time.process_time()
    first = pm_generate(days=args.days)
    first_s, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"pm_generate --days {args.days}: {first.created} work orders in {first_s:.1f} s, {first_cpu:.1f} s "
          "of this process's CPU (target < 60 s)")  # fmt: skip

    started, cpu = time.perf_counter(), time.process_time()
    again = pm_generate(days=args.days)
    again_s, again_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"re-run: {again.created} created in {again_s:.1f} s, {again_cpu:.1f} s CPU (must be 0)")
    total = PmWorkOrder.objects.count()
    if again.created or total != first.created:
        raise SystemExit(f"not idempotent: re-run created {again.created}, {total} rows for {first.created}")

    started = time.perf_counter()
    opened = pm_open_due(limit=args.open)
    open_s = time.perf_counter() - started
    if opened:
        print(f"opened {opened} tickets in {open_s:.1f} s: {open_s / opened * 1000:.1f} ms per ticket")


if __name__ == "__main__":
    main()
