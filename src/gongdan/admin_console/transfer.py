"""Configuration moved between sites as JSON (issue 15, item 7): the sections of the one export file. Each app
that owns configuration registers its sections from its AppConfig.ready() with `register_transfer_sections`:
how to write its rows as JSON items named by natural keys (codes, names, usernames — never ids) and how to
apply such items through its own services (create or update by the natural key). The transfer app above
reads the registry to export, preview (a dry run rolled back), import in one transaction, keep versions and
revert; this module only holds the registry, so a lower app never learns of the higher ones."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:  # the registry is below the apps: it names their types only for the checker
    from gongdan.accounts.models import User

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Change:
    """What applying one item did (or, in a dry run, would do): by section and natural key."""

    section: str
    key: str
    action: str  # CREATE, UPDATE or UNCHANGED
    fields: tuple[str, ...] = field(default=())  # what an update changed


Item = dict[str, Any]


@dataclass(frozen=True)
class TransferSection:
    key: str  # the file's section name: "categories", "automation_rules" …
    title: str | Promise
    order: int  # applied in this order (a section that names another's rows comes after it)
    export: Callable[[], list[Item]]
    apply: Callable[[User, list[Item]], list[Change]]  # through the app's services; raises ValidationFailed
    key_of: Callable[[Item], str]  # an item's natural key, as Change.key says it


_sections: dict[str, TransferSection] = {}


def register_transfer_sections(sections: Iterable[TransferSection]) -> None:
    for section in sections:
        held = _sections.get(section.key)
        if held is not None and held != section:
            raise ValueError(f"transfer section {section.key!r} is already registered")
        _sections[section.key] = section


def transfer_sections() -> list[TransferSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def changed_fields(before: Item, after: Item) -> tuple[str, ...]:
    """The keys whose values differ: what an update of an item changes."""
    return tuple(sorted(k for k in {*before, *after} if before.get(k) != after.get(k)))


def explained(error: Any) -> str:
    """A service's refusal as one line for an import report: its message and, when it says only "check the
    marked fields" (a screen would mark them), what each field's complaint is."""
    details = getattr(error, "details", None) or {}
    reasons = [
        f"{key}: {' '.join(str(m) for m in messages)}" for key, messages in details.items() if messages
    ]
    return " ".join([str(error.message), *(f"({r})" for r in reasons)]) if reasons else str(error.message)
