"""What the session limits (decision 0118) add to a signed-in request: the idle and lifetime check, the policy
read from the per-process cache, and the once-a-minute write of last-seen.

    python -m bench.session_policy [--database-url URL] [--rounds 300]

Builds a fresh site (SQLite file by default), signs an agent in, then fetches a light signed-in page
(`/profile/`) `--rounds` times with the middleware and as many times without it, alternating so both see the
same machine load. Reports p50/p95 of each and the statements each request ran. Budget: < 1 ms p95 added,
no statement added on a request that does not write last-seen.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench import remove_sqlite_database, setup_django

MIDDLEWARE = "gongdan.accounts.session_policy.SessionPolicyMiddleware"


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-session-policy.sqlite3")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    setup_django(args.database_url, "/tmp/bench-session-policy-data")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from gongdan.accounts import services

    call_command("migrate", verbosity=0)
    password = "violet tide pools under the sky 4"
    services.user_create(actor=None, username="bench_session", password=password, role="agent")
    client = Client()
    assert client.login(username="bench_session", password=password)
    without = override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != MIDDLEWARE])

    def fetch() -> tuple[float, int]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/profile/")
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        return elapsed, len(queries)

    fetch()  # warm the caches
    timings: dict[str, list[float]] = {"with": [], "without": []}
    statements: dict[str, int] = {}
    for _round in range(args.rounds):
        elapsed, count = fetch()
        timings["with"].append(elapsed)
        statements["with"] = count
        with without:
            elapsed, count = fetch()
        timings["without"].append(elapsed)
        statements["without"] = count
    for name, values in timings.items():
        print(f"{name:>8} the session limits: p50 {statistics.median(values):6.2f} ms  p95 {p95(values):6.2f} ms"
              f"  statements {statements[name]}")  # fmt: skip
    print(f"added p95: {p95(timings['with']) - p95(timings['without']):+.2f} ms")


if __name__ == "__main__":
    main()
