"""Shipping the trail to a SIEM: each entry as one RFC 5424 message, after its transaction committed.

GONGDAN_AUDIT_SYSLOG is `udp://host:514` or `tcp://host:601` (TCP frames messages by octet counting,
RFC 6587 §3.4.1). The facility is 13 ("log audit"); the severity is notice (5), warning (4) for failed and
locked-out sign-ins. MSGID is the entry's kind; the structured data `[gongdan@32473 …]` carries its
sequence number and hash (32473 is the private enterprise number RFC 5612 reserves for examples; a site
with its own may set GONGDAN_AUDIT_SYSLOG_SDID); MSG is the entry as the JSON line the export writes.

A cursor row (locked while a batch is sent) says how far shipping got, so entries leave in order, at
least once, from however many queue workers."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gongdan.audit import kinds
from gongdan.audit.export import entry_record
from gongdan.audit.models import AuditEntry, SyslogCursor

FACILITY_LOG_AUDIT = 13
NOTICE, WARNING = 5, 4
BATCH = 500
TIMEOUT = 5.0
BOM = "\ufeff"


def _sd_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _hostname() -> str:
    host = urlsplit(str(getattr(settings, "SITE_URL", ""))).hostname or socket.gethostname() or "-"
    return "".join(ch for ch in host if 33 <= ord(ch) <= 126)[:255] or "-"


def format_message(entry: AuditEntry, *, hostname: str | None = None) -> bytes:
    severity = WARNING if entry.kind in (kinds.SIGN_IN_FAILURE, kinds.SIGN_IN_LOCKOUT) else NOTICE
    pri = FACILITY_LOG_AUDIT * 8 + severity
    timestamp = entry.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    sd_id = str(getattr(settings, "GONGDAN_AUDIT_SYSLOG_SDID", "gongdan@32473"))
    structured = (
        f'[{sd_id} seq="{entry.seq}" algorithm="{entry.algorithm}" hash="{_sd_escape(entry.hash)}"'
        f' actor="{_sd_escape(entry.actor_username)}" address="{entry.address or ""}"]'
    )
    body = json.dumps(entry_record(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    header = f"<{pri}>1 {timestamp} {hostname or _hostname()} gongdan - {entry.kind} {structured} "
    return (header + BOM + body).encode()


def _send(messages: Iterable[bytes]) -> None:
    target = urlsplit(str(settings.GONGDAN_AUDIT_SYSLOG))
    if target.scheme not in ("udp", "tcp") or not target.hostname:
        raise ValueError("GONGDAN_AUDIT_SYSLOG must look like udp://host:514 or tcp://host:601")
    port = target.port or (514 if target.scheme == "udp" else 601)
    if target.scheme == "udp":
        with socket.socket(
            socket.AF_INET6 if ":" in target.hostname else socket.AF_INET, socket.SOCK_DGRAM
        ) as sock:
            for message in messages:
                sock.sendto(message, (target.hostname, port))
        return
    with socket.create_connection((target.hostname, port), timeout=TIMEOUT) as sock:
        sock.sendall(b"".join(str(len(message)).encode() + b" " + message for message in messages))


def ship_pending() -> int:
    """Send every entry after the cursor; returns how many were sent."""
    if not getattr(settings, "GONGDAN_AUDIT_SYSLOG", ""):
        return 0
    hostname = _hostname()
    sent = 0
    while True:
        with transaction.atomic():
            cursor = SyslogCursor.objects.select_for_update().filter(pk=1).first()
            if cursor is None:
                SyslogCursor.objects.get_or_create(pk=1)
                cursor = SyslogCursor.objects.select_for_update().get(pk=1)
            batch = list(AuditEntry.objects.filter(seq__gt=cursor.seq).order_by("seq")[:BATCH])
            if not batch:
                return sent
            _send([format_message(entry, hostname=hostname) for entry in batch])
            SyslogCursor.objects.filter(pk=1).update(seq=batch[-1].seq, updated_at=timezone.now())
            sent += len(batch)
