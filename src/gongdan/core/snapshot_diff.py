"""What changed between two snapshots of a configuration row (a version and the one before, or a version and
the row as it is now), as one line per changed value: `{"stages.2.mode": [before, after]}`.

Nested objects and lists are followed down to their plain values so that a changed stage or a changed state
shows as the one value that changed, not as the whole list twice. Used by the versions screens of approval
flows; automation rules and macros keep a flat diff of their own fields, which is this with nothing nested."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MISSING = None  # a value a snapshot does not have reads as null on the screen and in the API


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Every plain value of `value` by its dotted path; lists count from 1, as the screens number rows."""
    if isinstance(value, Mapping):
        items: list[tuple[str, Any]] = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list) and any(isinstance(v, Mapping | list) for v in value):
        items = [(str(i), v) for i, v in enumerate(value, start=1)]
    else:
        return {prefix: value} if prefix else {}
    flat: dict[str, Any] = {}
    for key, inner in items:
        path = f"{prefix}.{key}" if prefix else key
        if (
            isinstance(inner, Mapping | list)
            and inner
            and (isinstance(inner, Mapping) or any(isinstance(v, Mapping | list) for v in inner))
        ):
            flat.update(flatten(inner, path))
        else:
            flat[path] = inner
    return flat


def snapshot_diff(
    before: Mapping[str, Any], after: Mapping[str, Any], *, whole_over: int = 3
) -> dict[str, list[Any]]:
    """`{path: [before, after]}` for every value that differs, in path order. A row of a list (a stage) that
    differs in more than `whole_over` values — another stage moved into its place, or a new one — is one line
    with the whole row on each side, which reads better than a dozen of its fields."""
    old, new = flatten(before), flatten(after)
    changed = [p for p in sorted({*old, *new}, key=_natural) if old.get(p, MISSING) != new.get(p, MISSING)]
    rows: dict[str, int] = {}
    for path in changed:
        if (row := _row_of(path)) is not None:
            rows[row] = rows.get(row, 0) + 1
    result: dict[str, list[Any]] = {}
    for path in changed:
        row = _row_of(path)
        if row is not None and rows[row] > whole_over:
            result.setdefault(row, [_at(before, row), _at(after, row)])
        else:
            result[path] = [old.get(path, MISSING), new.get(path, MISSING)]
    return result


def _row_of(path: str) -> str | None:
    """`stages.2` for `stages.2.mode`: the list row a value belongs to (None for a top-level value)."""
    parts = path.split(".")
    for index in range(len(parts) - 1, 0, -1):
        if parts[index].isdigit():
            return ".".join(parts[: index + 1]) if index + 1 < len(parts) else None
    return None


def _at(value: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and 0 < int(part) <= len(value):
            value = value[int(part) - 1]
        else:
            return MISSING
    return value


def _natural(path: str) -> list[tuple[int, Any]]:
    """stages.2 before stages.10."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in path.split(".")]
