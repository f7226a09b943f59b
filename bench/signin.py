"""What the sign-in lockout (decision 0080) adds to a sign-in: the lease, axes's checks and records.

    python -m bench.signin [--database-url URL] [--rounds 300]

Builds a fresh site (SQLite file by default: /tmp/bench-signin.sqlite3; for PostgreSQL pass an empty
database), then signs one user in through the sign-in page `--rounds` times with the lockout on and as many
times with it off (Django's ModelBackend alone), alternating so both see the same machine load. The password
hasher is the fast test one (MD5), so the figures show the lockout's own cost, not PBKDF2's. Also times a
wrong password (recorded by axes, answered before any delay starts). Budget: < 5 ms p95 added.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench import remove_sqlite_database, setup_django


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-signin.sqlite3")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    os.environ["GONGDAN_FAST_PASSWORD_HASHER"] = "1"
    os.environ.setdefault("GONGDAN_LOG_LEVEL", "WARNING")
    setup_django(args.database_url, "/tmp/bench-signin-data")
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from gongdan.accounts.models import User

    call_command("migrate", verbosity=0)
    User.objects.create_user("bench_signin", password="bench-signin-pass-1", role="agent")
    without_lockout = override_settings(
        AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"], AXES_ENABLED=False
    )

    def sign_in(password: str = "bench-signin-pass-1") -> tuple[float, int]:
        client = Client(REMOTE_ADDR="198.51.100.10")
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.post("/login/", {"username": "bench_signin", "password": password})
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code in (302, 200), response.status_code
        return elapsed, len(queries)

    for _ in range(20):  # warm up both paths
        sign_in()
        with without_lockout:
            sign_in()
    on: list[float] = []
    off: list[float] = []
    for _ in range(args.rounds):
        on.append(sign_in()[0])
        with without_lockout:
            off.append(sign_in()[0])
    _t, queries_on = sign_in()
    with without_lockout:
        _t, queries_off = sign_in()
    wrong = [sign_in("wrong")[0] for _ in range(2)]  # below the delay's threshold
    print(f"{connection.vendor}, {args.rounds} sign-ins each, load average {os.getloadavg()[0]:.1f}")
    print(f"lockout on : p50 {statistics.median(on):6.2f} ms  p95 {p95(on):6.2f} ms  ({queries_on} queries)")
    print(
        f"lockout off: p50 {statistics.median(off):6.2f} ms  p95 {p95(off):6.2f} ms  ({queries_off} queries)"
    )
    print(f"added      : p50 {statistics.median(on) - statistics.median(off):6.2f} ms  "
          f"p95 {p95(on) - p95(off):6.2f} ms  (budget < 5 ms p95)")  # fmt: skip
    print(f"a wrong password (recorded, no delay yet): {statistics.mean(wrong):.2f} ms")


if __name__ == "__main__":
    main()
