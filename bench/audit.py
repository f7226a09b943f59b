"""Audit trail: what recording a change costs (target: an audit append adds < 1 ms p95 to a ticket change),
the verify's speed, and the chain under concurrent writers.

    python -m bench.audit [--database-url URL] [--changes 400] [--algorithm sm3|sha256] [--threads 4]

Builds a fresh site (SQLite file by default: /tmp/bench-audit.sqlite3, deleted first; for PostgreSQL pass an
empty database, e.g. postgres://postgres@127.0.0.1:5432/gd_bench_audit). Then, alternating so both see the
same machine load: --changes ticket edits (`ticket_edit`, its event, reactions) each in its own
transaction, alone and with an `audit_record` in the same transaction (one INSERT of the unchained entry;
the commit wakes the chainer at most once per window); prints p50/p95 of both and the difference, then what
the chainer costs per entry when it runs after the commits (the consumer's CPU, decision 0135). Then
--threads writers append at once, the chainer catches up and the chain is verified (linear, no fork), and
`verify_chain` is timed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

from bench import remove_sqlite_database, setup_django


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def build() -> dict:
    from django.core.management import call_command

    from gongdan.accounts.models import Team, User
    from gongdan.tickets.services import ticket_create

    call_command("migrate", verbosity=0)
    admin = User.objects.create(username="bench_admin", role="admin")
    requester = User.objects.create(username="bench_requester")
    team = Team.objects.create(name="基准", name_en="Bench")
    ticket = ticket_create(actor=admin, requester=requester, subject="bench 打印机", team=team)
    return {"admin": admin, "ticket": ticket}


def change_cost(site: dict, changes: int) -> None:
    from django.db import transaction

    from gongdan.audit import kinds
    from gongdan.audit.services import audit_chain_pending, audit_record
    from gongdan.tickets.models import Ticket
    from gongdan.tickets.services import ticket_edit

    admin = site["admin"]
    plain: list[float] = []
    audited: list[float] = []
    appends: list[float] = []  # the audit_record call itself, inside the change's transaction
    append_cpu: list[float] = []  # its CPU (time.process_time), which survives the machine's load

    def one(i: int, *, audit: bool) -> float:
        ticket = Ticket.objects.get(pk=site["ticket"].pk)
        started = time.perf_counter()
        with transaction.atomic():
            ticket = ticket_edit(actor=admin, ticket=ticket, changes={"subject": f"bench 打印机 {i}"})
            if audit:
                append_started, cpu_started = time.perf_counter(), time.process_time()
                audit_record(kind=kinds.CONFIG_UPDATE, actor=admin, object_type="tickets.ticket",
                             object_id=ticket.pk, detail={"before": {"subject": i - 1}, "after": {"subject": i}})  # fmt: skip
                appends.append((time.perf_counter() - append_started) * 1000)
                append_cpu.append((time.process_time() - cpu_started) * 1000)
        return (time.perf_counter() - started) * 1000

    for i in range(20):  # warm-up
        one(i, audit=i % 2 == 0)
    audit_chain_pending()
    appends.clear()
    append_cpu.clear()
    for i in range(changes):
        (audited if i % 2 else plain).append(one(1000 + i, audit=bool(i % 2)))
    p50_plain, p95_plain = statistics.median(plain), percentile(plain, 0.95)
    p50_audit, p95_audit = statistics.median(audited), percentile(audited, 0.95)
    added = p95_audit - p95_plain
    print(
        f"  ticket change alone:      p50 {p50_plain:.2f} ms, p95 {p95_plain:.2f} ms ({len(plain)} changes)"
    )
    print(
        f"  ticket change + audit:    p50 {p50_audit:.2f} ms, p95 {p95_audit:.2f} ms ({len(audited)} changes)"
    )
    print(
        f"  difference (noisy on a shared machine): p50 {p50_audit - p50_plain:+.2f} ms, p95 {added:+.2f} ms"
    )
    p95_append = percentile(appends, 0.95)
    print(f"  the append itself, inside the change's transaction: p50 {statistics.median(appends):.2f} ms,"
          f" p95 {p95_append:.2f} ms — target < 1 ms at p95: {'met' if p95_append < 1 else 'NOT met'}")  # fmt: skip
    print(f"  its CPU in this process: mean {statistics.fmean(append_cpu):.3f} ms per append"
          f" (process_time; the database server's share is not in it)")  # fmt: skip
    started = time.perf_counter()
    chained = audit_chain_pending()
    took = (time.perf_counter() - started) * 1000
    print(f"  the chainer after the commits: {chained} entries in {took:.1f} ms"
          f" ({took / max(chained, 1):.3f} ms per entry, in the consumer)")  # fmt: skip


def concurrent_appends(threads: int, each: int) -> None:
    from django.db import connection

    from gongdan.audit import kinds
    from gongdan.audit.services import audit_chain_pending, audit_record
    from gongdan.audit.verification import verify_chain

    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(each):
                audit_record(kind=kinds.SIGN_OUT, actor_username=f"writer{n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    print(f"  {threads} writers × {each} appends at once: {threads * each / elapsed:,.0f} appends/s,"
          f" errors: {len(errors)}")  # fmt: skip
    started = time.perf_counter()
    chained = audit_chain_pending()
    print(f"  the chainer caught up: {chained} entries in {(time.perf_counter() - started) * 1000:.0f} ms")
    started = time.perf_counter()
    verdict = verify_chain()
    took = time.perf_counter() - started
    print(f"  verify_chain: {verdict.checked:,} entries in {took * 1000:.0f} ms"
          f" ({verdict.checked / took:,.0f}/s) — {'holds' if verdict.ok else f'BROKEN at {verdict.broken}'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-audit.sqlite3")
    parser.add_argument("--changes", type=int, default=400)
    parser.add_argument("--algorithm", choices=["sm3", "sha256"], default="sm3")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--appends", type=int, default=100, help="appends per concurrent writer")
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    os.environ["GONGDAN_AUDIT_HASH"] = args.algorithm
    os.environ.setdefault("GONGDAN_FAST_PASSWORD_HASHER", "1")
    setup_django(args.database_url, "/tmp/bench-audit-data")
    from django.db import connection

    print(f"Audit bench on {connection.vendor}, {args.algorithm}:")
    print(f"  load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    site = build()
    change_cost(site, args.changes)
    concurrent_appends(args.threads, args.appends)


if __name__ == "__main__":
    main()
