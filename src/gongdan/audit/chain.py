"""The hash chain: each entry's hash is H(previous hash ‖ its canonical content), with H chosen per entry
(SM3, GB/T 32905-2016, or SHA-256; the setting GONGDAN_AUDIT_HASH picks it for new entries and each entry
records its own, so a site can switch without breaking the chain)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes

from gongdan.audit.models import AuditEntry, HashAlgorithm

GENESIS = "0" * 64  # what the first entry (and a chain with nothing before it) chains to

_ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {
    HashAlgorithm.SM3: hashes.SM3,
    HashAlgorithm.SHA256: hashes.SHA256,
}


def canonical(entry: AuditEntry) -> bytes:
    """The content a hash covers: every column but the hashes, as sorted compact JSON (UTF-8). Times are
    UTC to the microsecond, which both databases store exactly."""
    occurred_at = entry.occurred_at.astimezone(UTC) if entry.occurred_at.tzinfo else entry.occurred_at
    content: dict[str, Any] = {
        "seq": entry.seq,
        "occurred_at": occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "actor_role": entry.actor_role,
        "address": entry.address or "",
        "user_agent": entry.user_agent,
        "kind": entry.kind,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "detail": entry.detail,
        "algorithm": entry.algorithm,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(algorithm: str, prev_hash: str, content: bytes) -> str:
    try:
        hasher = hashes.Hash(_ALGORITHMS[algorithm]())
    except KeyError:
        raise ValueError(f"unknown audit hash algorithm {algorithm!r}") from None
    hasher.update(prev_hash.encode("ascii") + b"\n" + content)
    return hasher.finalize().hex()


def entry_hash(entry: AuditEntry) -> str:
    return digest(entry.algorithm, entry.prev_hash, canonical(entry))


@dataclass(frozen=True)
class Break:
    """The first link that does not hold, and why."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Verdict:
    checked: int
    first_seq: int | None
    last_seq: int | None
    broken: Break | None
    unchained: int = 0  # entries committed but not yet given their place (the chainer runs within a second)

    @property
    def ok(self) -> bool:
        return self.broken is None


def now_utc() -> datetime:
    return datetime.now(UTC)
