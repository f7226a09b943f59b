"""Routing decision time with 1,000 agents and 200 rules (target p99 < 20 ms).

    python -m bench.routing [--database-url URL] [--tickets 500] [--agents 1000] [--rules 200]

Builds a fresh site in the given database (SQLite file by default: /tmp/bench-routing.sqlite3; for
PostgreSQL pass an empty database, e.g. postgres://postgres@127.0.0.1:5432/gd_bench_routing): 1,000 agents
in 10 teams of 100 plus an "all hands" team of everyone (--big-team: the matching rules target it), 10 % away, a third on shift schedules, skills and
positions for all; 200 rules of which the matching ones sit at the end (worst case for first-match); 3,000
open tickets already assigned. Then creates --tickets tickets through `ticket_create` and times the routing
call inside it (`route_ticket`: rule matching + strategy + the team lock + the assignment write and its event).
Prints p50/p95/p99 per strategy and overall.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import defaultdict
from datetime import time as clock
from decimal import Decimal

from bench import setup_django


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def build(agents: int, rules: int, seed: int, big_team: bool) -> dict:
    from django.core.management import call_command

    from gongdan.accounts.models import AgentSkill, Membership, Organisation, Skill, Team, User
    from gongdan.assets.models import Location
    from gongdan.routing import services
    from gongdan.routing.models import AgentPresence
    from gongdan.tickets.models import Category, Priority, Ticket, TicketType

    rng = random.Random(seed)
    call_command("migrate", verbosity=0)
    admin = User.objects.create(username="bench_routing_admin", role="admin", is_superuser=True)
    requester = User.objects.create(username="bench_routing_requester")
    vip = Organisation.objects.create(name="VIP 客户", service_tier="vip")
    teams = [Team.objects.create(name=f"组 {n}", name_en=f"Team {n}") for n in range(10)]
    everyone = Team.objects.create(name="全员", name_en="All hands")
    skills = [Skill.objects.create(name=f"技能 {n}") for n in range(15)]
    users = User.objects.bulk_create(
        User(username=f"r_agent{n:04d}", display_name=f"坐席 {n}", role="agent", password="!")
        for n in range(agents)
    )
    Membership.objects.bulk_create(
        [Membership(team=teams[n % 10], user=u) for n, u in enumerate(users)]
        + [Membership(team=everyone, user=u) for u in users]
    )
    AgentSkill.objects.bulk_create(
        AgentSkill(user=u, skill=s, level=rng.randint(1, 5)) for u in users for s in rng.sample(skills, 3)
    )
    day = services.schedule_save(actor=admin, name="24h", time_zone="Asia/Shanghai",
                                 periods={d: [(clock(0), clock(23, 59))] for d in range(7)})  # fmt: skip
    night = services.schedule_save(actor=admin, name="夜班", time_zone="Asia/Shanghai",
                                   periods={d: [(clock(20), clock(8))] for d in range(7)})  # fmt: skip
    AgentPresence.objects.bulk_create(
        AgentPresence(
            user=u,
            status="away" if n % 10 == 0 else "available",
            schedule=(day if n % 3 == 0 else night if n % 3 == 1 else None),
            latitude=Decimal(f"{rng.uniform(22, 40):.6f}"),
            longitude=Decimal(f"{rng.uniform(110, 122):.6f}"),
        )
        for n, u in enumerate(users)
    )
    site = Location.objects.create(
        name="上海园区", latitude=Decimal("31.2304"), longitude=Decimal("121.4737")
    )
    site.path = f"/{site.pk}/"
    site.save()
    root = Category.objects.create(name="网络故障", name_en="Network")
    root.path = f"/{root.pk}/"
    root.save()
    leaves = []
    for n in range(8):
        leaf = Category.objects.create(name=f"网络 {n}", parent=root)
        leaf.path = f"{root.path}{leaf.pk}/"
        leaf.save()
        leaves.append(leaf)
    from gongdan.routing.models import SkillRequirement

    SkillRequirement.objects.create(category=root, skill=skills[0], min_level=1)
    priorities = list(Priority.objects.all())
    incident = TicketType.objects.get(code="incident")
    # 3,000 open tickets already held by agents (the load the strategies count)
    Ticket.objects.bulk_create(
        Ticket(number=f"PRE-{n:06d}", subject="已有工单", ticket_type=incident, priority=rng.choice(priorities),
               status="assigned", requester=requester, assignee=rng.choice(users), team=everyone)
        for n in range(3000)
    )  # fmt: skip
    # 200 rules: the first rules - 5 never match (words, custom fields, other channels, a night window on a
    # weekday nobody files on…), the last 5 match and use each strategy.
    kinds = [
        lambda n: [{"kind": "words", "words": [f"不会出现的词{n}"]}],
        lambda n: [{"kind": "custom_field", "key": f"field{n}", "values": ["x"]}],
        lambda n: [{"kind": "channel", "values": ["monitoring"]}, {"kind": "category", "values": [root.pk]}],
        lambda n: [{"kind": "service_tier", "values": ["priority"]}],
        lambda n: [{"kind": "organisation", "values": [vip.pk]}, {"kind": "words", "words": ["从不"]}],
    ]
    for n in range(rules - 5):
        services.rule_create(actor=admin, name=f"规则 {n}", team=teams[n % 10], conditions=kinds[n % 5](n))
    target = (lambda n: everyone) if big_team else (lambda n: teams[n])
    services.rule_create(actor=admin, name="VIP", team=target(0), strategy="least_loaded", max_open_per_agent=50,
                         conditions=[{"kind": "service_tier", "values": ["vip"]}])  # fmt: skip
    services.rule_create(actor=admin, name="网络技能", team=target(2), strategy="skills",
                         conditions=[{"kind": "category", "values": [leaves[0].pk, leaves[1].pk]}])  # fmt: skip
    services.rule_create(actor=admin, name="现场", team=target(3), strategy="nearest",
                         conditions=[{"kind": "words", "words": ["现场"]}])  # fmt: skip
    services.rule_create(actor=admin, name="轮流", team=target(1), strategy="round_robin",
                         conditions=[{"kind": "category", "values": [root.pk]}, {"kind": "channel", "values": ["email"]}])  # fmt: skip
    services.rule_create(
        actor=admin, name="兜底", team=target(4), strategy="least_loaded", max_open_per_agent=20
    )
    return {"requester": requester, "vip": vip, "leaves": leaves, "site": site, "rng": rng}


def run(tickets: int, site: dict) -> dict[str, list[float]]:
    from gongdan.accounts.models import User
    from gongdan.routing import services
    from gongdan.tickets.services import ticket_create

    timings: dict[str, list[float]] = defaultdict(list)
    original, original_decide = services.route_ticket, services.decide

    def timed(**kwargs):
        started, cpu = time.perf_counter(), time.process_time()
        decision = original(**kwargs)
        timings[decision.strategy or "no_rule"].append((time.perf_counter() - started) * 1000)
        # CPU time of this process: on a machine shared with other work it shows the cost without the
        # waiting for a core (on SQLite that is all of it; on PostgreSQL the server's share is not in it).
        timings["(cpu, this process)"].append((time.process_time() - cpu) * 1000)
        return decision

    def timed_decide(*args, **kwargs):
        started, cpu = time.perf_counter(), time.process_time()
        decision = original_decide(*args, **kwargs)
        timings["(decision only)"].append((time.perf_counter() - started) * 1000)
        timings["(decision only, cpu)"].append((time.process_time() - cpu) * 1000)
        return decision

    services.route_ticket, services.decide = timed, timed_decide
    rng = site["rng"]
    vip_requester = User.objects.create(username="bench_vip", organisation=site["vip"])
    try:
        for n in range(tickets):
            shape = n % 4
            ticket_create(
                actor=vip_requester if shape == 0 else site["requester"],
                subject=("现场 空调漏水" if shape == 2 else f"断网 {n}"),
                category=rng.choice(site["leaves"][:2] if shape == 1 else site["leaves"]),
                location=site["site"] if shape == 2 else None,
                channel="email" if shape == 3 else "web",
            )
    finally:
        services.route_ticket, services.decide = original, original_decide
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-routing.sqlite3")
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--big-team",
        action="store_true",
        help="worst case: every matching rule targets one team holding all agents (default: teams of 100)",
    )
    args = parser.parse_args()
    if args.database_url.startswith("sqlite:///"):
        path = args.database_url.removeprefix("sqlite:///")
        if os.path.exists(path):
            os.remove(path)
    setup_django(args.database_url, "/tmp/bench-routing-data")
    from django.db import connection

    started = time.perf_counter()
    site = build(args.agents, args.rules, args.seed, args.big_team)
    if connection.vendor == "postgresql":
        # A live site's tables have statistics (autovacuum analyses them); a freshly built one has none yet,
        # and without them PostgreSQL may scan every staff member to find one team's.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    shape = "one team of all agents" if args.big_team else "teams of 100"
    print(f"built {args.agents} agents ({shape}), {args.rules} rules on {connection.vendor} "
          f"in {time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    timings = run(args.tickets, site)
    everything = [t for name, values in timings.items() if not name.startswith("(") for t in values]
    print(f"{'strategy':<22} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in [*sorted(timings.items()), ("all (+ write)", everything)]:
        print(f"{name:<22} {len(values):>5} {statistics.median(values):>8.2f} {percentile(values, 95):>8.2f} "
              f"{percentile(values, 99):>8.2f} {max(values):>8.2f}")  # fmt: skip
    p99 = percentile(everything, 99)
    print(f"p99 {p99:.2f} ms — target < 20 ms: {'met' if p99 < 20 else 'NOT met'}")


if __name__ == "__main__":
    main()
