"""Write every automation rule and shared macro as JSON (to a file or stdout), for `automation_import` on another
site (a test site → production)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongdan.automation.services import config_export


class Command(BaseCommand):
    help = "Export automation rules and shared macros as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args: Any, **options: Any) -> None:
        text = json.dumps(config_export(actor=None), ensure_ascii=False, indent=2)
        if options.get("output"):
            Path(options["output"]).write_text(text + "\n", encoding="utf-8")
            self.stdout.write(f"Wrote {options['output']}")
        else:
            self.stdout.write(text)
