"""The trail as JSON lines: one object per entry, the same shape the syslog messages carry, with the hashes
so an exported file can be checked against the chain."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

from gongdan.audit.models import AuditEntry


def entry_record(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "occurred_at": entry.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "actor_role": entry.actor_role,
        "address": entry.address,
        "user_agent": entry.user_agent,
        "kind": entry.kind,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "detail": entry.detail,
        "algorithm": entry.algorithm,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def json_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    for entry in entries:
        yield json.dumps(entry_record(entry), ensure_ascii=False, sort_keys=True) + "\n"
