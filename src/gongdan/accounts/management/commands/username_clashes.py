"""`./gongdan manage username_clashes`: list usernames that look alike (the same UTS #39 skeleton), which
the site held before new ones were checked. Exits 1 while any remain, so a deployment check can notice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gongdan.accounts.selectors import username_clashes


class Command(BaseCommand):
    help = "List usernames that can be mistaken for one another (rename one of each group)."

    def handle(self, *args: Any, **options: Any) -> None:
        groups = username_clashes()
        for names in groups:
            self.stdout.write(", ".join(repr(name) for name in names))
        if groups:
            self.stderr.write(f"{len(groups)} group(s) of look-alike usernames")
            raise SystemExit(1)
        self.stdout.write("No look-alike usernames.")
