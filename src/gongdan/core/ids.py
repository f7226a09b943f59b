"""Row ids that arrive as text, in a query string or a form: only ASCII digits, and no larger than the
database's bigint holds. A bigger number reaches the database as an overflow (a 500, not a 4xx), and "²" or
"١٢" pass `str.isdigit()` without being ids."""

from __future__ import annotations

from collections.abc import Iterable

MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """The id written in `value`, or None when it is not one (empty, not digits, or too large)."""
    text = str(value if value is not None else "").strip()
    if not text or len(text) > len(str(MAX_ID)) or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def parse_ids(values: Iterable[object]) -> list[int] | None:
    """Every id in `values`, or None when any of them is not one."""
    ids = [parse_id(value) for value in values]
    return None if None in ids else [number for number in ids if number is not None]
