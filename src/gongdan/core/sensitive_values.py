"""Custom values an admin marked sensitive, kept in a JSON column of custom values (a ticket's, an asset's):
each sealed one is the JSON text of the clean value, sealed as a string by `gongdan.core.field_crypto`
(SM4-GCM or AES-256-GCM, decision 0130), so the column stays a JSON object whose other values remain
searchable. Any sealed value opens on the way out whatever its field's flag says now.

What to seal, who may reveal and what the audit trail records stay with the app that owns the values; this
module is only the shape of a sealed value and the rules every owner shares: a list, an export or the API
shows the mask, a client that sends the mask back means "unchanged", a rotation re-seals what is stale.
"""

from __future__ import annotations

import json
from typing import Any

from gongdan.core import field_crypto

MASK = "••••••"
UNREADABLE = "[?]"


def seal_values(values: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    """`values` with those under `keys` sealed (already sealed ones left as they are)."""
    return {
        key: field_crypto.encrypt(json.dumps(value, ensure_ascii=False))
        if key in keys and value is not None and not field_crypto.is_encrypted(value)
        else value
        for key, value in values.items()
    }


def open_value(value: Any) -> Any:
    if not field_crypto.is_encrypted(value):
        return value
    try:
        return json.loads(field_crypto.decrypt(value))
    except field_crypto.UndecryptableValue:
        return UNREADABLE


def open_values(values: dict[str, Any] | None) -> dict[str, Any]:
    """The clear values (for the services and for whoever may see them)."""
    return {key: open_value(value) for key, value in (values or {}).items()}


def masked_values(values: dict[str, Any] | None) -> dict[str, Any]:
    """What a list, an export or the API shows: every sealed value as the mask."""
    return {key: MASK if field_crypto.is_encrypted(value) else value for key, value in (values or {}).items()}


def sealed_keys(values: dict[str, Any] | None) -> set[str]:
    return {key for key, value in (values or {}).items() if field_crypto.is_encrypted(value)}


def history_values(values: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    """What an append-only history keeps of the values: sensitive ones as the mask only."""
    return {
        key: MASK if key in keys or field_crypto.is_encrypted(value) else value
        for key, value in values.items()
    }


def drop_masks(given: dict[str, Any] | None, keys: set[str]) -> dict[str, Any] | None:
    """A client that sends back the mask it was shown (or the sealed text it read) means "unchanged"."""
    if given is None:
        return None
    return {
        key: value
        for key, value in given.items()
        if not ((key in keys and value == MASK) or field_crypto.is_encrypted(value))
    }


def stale_values(values: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    """The clear values a rotation must (re-)seal: sealed under an older key or cipher, or clear under a
    sensitive key. A sealed value no configured key opens is left as it is."""
    stale = {
        key: value for key, value in values.items()
        if (field_crypto.is_encrypted(value) and not field_crypto.is_current(value))
        or (key in keys and value is not None and not field_crypto.is_encrypted(value))
    }  # fmt: skip
    opened = {k: open_value(v) for k, v in stale.items()}
    return {k: v for k, v in opened.items() if v != UNREADABLE}
