"""Field encryption: what sealing and opening one value costs with SM4-GCM and AES-256-GCM, and how fast
`rotate_field_keys` re-seals sensitive custom values.

    python -m bench.field_encryption [--database-url URL] [--values 20000] [--tickets 2000]

First the cipher alone: --values seals and opens of an 18-character ID number per cipher, alternating so both
see the same machine load; p50/p95 in microseconds. Then a fresh site (SQLite file by default:
/tmp/bench-fieldcrypt.sqlite3, deleted first; for PostgreSQL pass an empty database) with --tickets tickets
carrying a sensitive value under one key; the key is rotated and the re-seal timed (tickets per second), and
a second run is timed too (nothing to do: it only reads).
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import time

from bench import remove_sqlite_database, setup_django

KEY_OLD = "old:" + base64.urlsafe_b64encode(b"o" * 32).decode()
KEY_NEW = "new:" + base64.urlsafe_b64encode(b"n" * 32).decode()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cipher_cost(values: int) -> None:
    from django.conf import settings

    from gongdan.core import field_crypto

    timings: dict[str, dict[str, list[float]]] = {
        c: {"seal": [], "open": []} for c in field_crypto.ALGORITHMS
    }
    settings.GONGDAN_FIELD_KEYS = KEY_OLD
    for i in range(values):
        for cipher in field_crypto.ALGORITHMS:
            settings.GONGDAN_FIELD_CIPHER = cipher
            started = time.perf_counter()
            sealed = field_crypto.encrypt(f"11010119900307{i % 10000:04d}")
            middle = time.perf_counter()
            field_crypto.decrypt(sealed)
            ended = time.perf_counter()
            timings[cipher]["seal"].append((middle - started) * 1e6)
            timings[cipher]["open"].append((ended - middle) * 1e6)
    for cipher, kinds in timings.items():
        for kind, samples in kinds.items():
            print(
                f"{cipher}-gcm {kind}: p50 {statistics.median(samples):.1f} µs, p95 {percentile(samples, 0.95):.1f} µs"
            )


def rotation_cost(tickets: int) -> None:
    from django.conf import settings
    from django.core.management import call_command

    from gongdan.accounts.models import User
    from gongdan.tickets.models import Category, CustomField, Ticket, TicketType
    from gongdan.tickets.services import default_priority
    from gongdan.tickets.services.sensitive_values import seal_values, ticket_custom_values_reseal

    call_command("migrate", verbosity=0)
    settings.GONGDAN_FIELD_KEYS = KEY_OLD
    settings.GONGDAN_FIELD_CIPHER = "sm4"
    requester = User.objects.create(username="bench_requester")
    category = Category.objects.create(name="门禁卡", name_en="Access card", path="/")
    CustomField.objects.create(category=category, key="id_number", label="身份证号", sensitive=True)
    ticket_type = TicketType.objects.first()
    priority = default_priority()
    rows = [
        Ticket(number=f"B-{i}", subject="bench", requester=requester, category=category, ticket_type=ticket_type,
               priority=priority, custom_values=seal_values({"id_number": f"11010119900307{i:04d}"}, {"id_number"}))
        for i in range(tickets)
    ]  # fmt: skip
    Ticket.objects.bulk_create(rows, batch_size=500)
    settings.GONGDAN_FIELD_KEYS = f"{KEY_NEW},{KEY_OLD}"
    started = time.perf_counter()
    changed = ticket_custom_values_reseal()
    took = time.perf_counter() - started
    print(f"rotation: {changed} tickets re-sealed in {took:.2f} s ({changed / took:.0f} tickets/s)")
    started = time.perf_counter()
    again = ticket_custom_values_reseal()
    print(f"second run: {again} re-sealed in {time.perf_counter() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-fieldcrypt.sqlite3")
    parser.add_argument("--values", type=int, default=20000)
    parser.add_argument("--tickets", type=int, default=2000)
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    os.environ.setdefault("GONGDAN_FAST_PASSWORD_HASHER", "1")
    setup_django(args.database_url, "/tmp/bench-fieldcrypt-data")
    cipher_cost(args.values)
    rotation_cost(args.tickets)


if __name__ == "__main__":
    main()
