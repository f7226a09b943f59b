"""Bulk operations other apps add to the queue's bulk bar (the automation's "Apply macro").

The tickets app imports none of the apps above it (the layers in pyproject.toml): such an app registers its
operation from its AppConfig.ready(). The queue renders the operation's own partial in the bulk bar and, when
an agent submits it, hands it the ticked numbers with the version of each row the agent saw; the operation
changes each ticket through its own services and says what it did and what it skipped, and why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from gongdan.accounts.models import User


@dataclass
class BulkOutcome:
    """What one bulk operation did: how many tickets it changed (and a sentence saying so) and the numbers it
    left as they were, each with the reason."""

    changed: int
    summary: str
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class BulkOperation:
    """`key` is the submit button's `operation` value; `template` renders the operation's part of the bulk bar
    from `context(actor)`; `run(actor, post, numbers, versions)` raises a DomainError for a bad choice (nothing
    changed) or returns the outcome."""

    key: str
    template: str
    context: Callable[[User], dict[str, Any]]
    run: Callable[[User, QueryDict, list[str], Mapping[str, int]], BulkOutcome]


_operations: dict[str, BulkOperation] = {}


def register_bulk_operation(operation: BulkOperation) -> None:
    held = _operations.get(operation.key)
    if held is not None and held != operation:
        raise ValueError(f"a bulk operation {operation.key!r} is already registered")
    _operations[operation.key] = operation


def bulk_operation(key: str) -> BulkOperation | None:
    return _operations.get(key)


def bulk_operations() -> list[BulkOperation]:
    return list(_operations.values())
