"""Write the site's configuration as one JSON file (or to stdout), for `config_import` on another site."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongdan.core.domain_errors import DomainError
from gongdan.transfer.services import config_export, section_choices


class Command(BaseCommand):
    help = "Export the configuration (categories and forms, routing, approval flows, automation…) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument("--section", action="append", choices=[k for k, _t in section_choices()],
                            help="A section to export (repeat for several; default: all).")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            content = config_export(actor=None, sections=options.get("section"))
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        text = json.dumps(content, ensure_ascii=False, indent=2)
        if options.get("output"):
            Path(options["output"]).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {options['output']}")
        else:
            self.stdout.write(text)
