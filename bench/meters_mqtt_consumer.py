"""The Huey consumer as a site runs it (`manage.py run_huey`), for `bench.meters_mqtt`, with one addition: each
ticket's commit time is written to BENCH_COMMITS_FILE (`ticket id <tab> time.time()`), so the bench measures
reading → work order up to the moment the work order is visible to others, not up to its creation."""

from __future__ import annotations

import os
import time

from bench import setup_django


def record_commits(path: str) -> None:
    """From now on, append each new ticket's id and commit time to `path` (this process only)."""
    from django.db import transaction
    from django.db.models.signals import post_save

    from gongdan.tickets.models import Ticket

    out = open(path, "a", buffering=1)  # noqa: SIM115 — kept open for the process's life, line-buffered

    def created(sender: type, instance: Ticket, created: bool, **kwargs: object) -> None:
        if created:
            pk = instance.pk
            transaction.on_commit(lambda: out.write(f"{pk}\t{time.time()}\n"))

    post_save.connect(created, sender=Ticket, weak=False, dispatch_uid="bench-commits")


def main() -> None:
    setup_django(None)
    from django.core.management import call_command

    record_commits(os.environ["BENCH_COMMITS_FILE"])
    call_command("run_huey")


if __name__ == "__main__":
    main()
