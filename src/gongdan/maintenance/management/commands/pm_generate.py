"""`./gongdan manage pm_generate --days 90`: schedule the preventive maintenance work orders due in the coming
days and open the tickets whose lead time has come. Safe to run again: it creates nothing twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongdan.maintenance.services.pm import pm_generate, pm_open_due


class Command(BaseCommand):
    help = "Schedule preventive maintenance work orders for the coming days and open those now due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=90, help="How many days ahead to schedule (1–731).")
        parser.add_argument("--no-open", action="store_true", help="Schedule only; open no tickets.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if not 1 <= days <= 731:
            self.stderr.write("--days must be between 1 and 731.")
            raise SystemExit(2)
        generated = pm_generate(days=days)
        opened = 0 if options["no_open"] else pm_open_due()
        self.stdout.write(
            f"{generated.created} work orders scheduled, {generated.moved} moved by their meter, "
            f"{opened} tickets opened."
        )
