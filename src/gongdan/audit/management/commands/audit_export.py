"""`./gongdan manage audit_export [--since-seq N] [--output FILE]`: the trail as JSON lines (recorded as a
data export)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongdan.audit import kinds
from gongdan.audit.export import json_lines
from gongdan.audit.models import AuditEntry
from gongdan.audit.services import audit_record


class Command(BaseCommand):
    help = "Write the audit trail as JSON lines, oldest first, to standard output or --output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since-seq", type=int, default=0, help="only entries after this sequence number"
        )
        parser.add_argument("--output", help="a file to write (default: standard output)")

    def handle(self, *args: Any, since_seq: int, output: str | None, **options: Any) -> None:
        rows = AuditEntry.objects.filter(seq__gt=since_seq).order_by("seq")
        audit_record(kind=kinds.DATA_EXPORT, actor_username="(command line)", object_type="audit.auditentry",
                     detail={"format": "jsonl", "since_seq": since_seq, "rows": rows.count(),
                             "output": output or "stdout"})  # fmt: skip
        lines = json_lines(rows.iterator(chunk_size=2000))
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.writelines(lines)
        else:
            for line in lines:
                self.stdout.write(line, ending="")
