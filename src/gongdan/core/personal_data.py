"""What each app holds about a person, behind one small interface, so `gongdan.privacy` can export, erase and
age out personal data without reaching into other apps' models (decision 0131).

An app registers a `PersonalDataHolder` from its `AppConfig.ready()`. The privacy app calls every holder in
one transaction: `export` returns JSON-able records and the files to include; `erase` replaces or removes
what identifies the person and says how many rows it touched. `RetentionHolder`s purge the personal data
of closed tickets older than a cutoff, with a dry run that counts without changing anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Protocol


@dataclass(frozen=True)
class Person:
    """Whom a request is about: a user (a requester contact is a user too), and what identifies them in text."""

    user_id: int
    username: str
    email: str = ""
    phone: str = ""
    names: tuple[str, ...] = ()

    def identifiers(self) -> list[str]:
        """The strings that name this person in free text, longest first (so "Li Na" goes before "Li"): at least
        three characters, or two for a Chinese name (王芳), so short Latin fragments do not match every word."""
        found = {
            s.strip()
            for s in (self.username, self.email, self.phone, *self.names)
            if s and (len(s.strip()) >= 3 or (len(s.strip()) == 2 and not s.strip().isascii()))
        }
        return sorted(found, key=len, reverse=True)


@dataclass
class PersonalExport:
    records: dict[str, Any] = field(default_factory=dict)
    # (name inside the archive, a callable opening the file for reading)
    files: list[tuple[str, Callable[[], IO[bytes]]]] = field(default_factory=list)


class PersonalDataHolder(Protocol):
    label: str

    def export(self, person: Person) -> PersonalExport: ...

    def erase(self, person: Person, pseudonym: str) -> dict[str, int]: ...


class RetentionHolder(Protocol):
    label: str

    def purge(
        self, *, closed_before: datetime, category_cutoffs: dict[int, datetime], dry_run: bool
    ) -> dict[str, int]:
        """Remove personal data of tickets closed before `closed_before` (or, for a category listed in
        `category_cutoffs`, before its own cutoff). Returns counts; changes nothing on a dry run."""
        ...


_holders: list[PersonalDataHolder] = []
_retention: list[RetentionHolder] = []


def register_personal_data_holder(holder: PersonalDataHolder) -> None:
    if all(h.label != holder.label for h in _holders):
        _holders.append(holder)


def register_retention_holder(holder: RetentionHolder) -> None:
    if all(h.label != holder.label for h in _retention):
        _retention.append(holder)


def personal_data_holders() -> list[PersonalDataHolder]:
    return list(_holders)


def retention_holders() -> list[RetentionHolder]:
    return list(_retention)


def scrub(text: str, identifiers: Iterable[str], pseudonym: str) -> str:
    """`text` with every identifier replaced by the pseudonym (case-insensitive)."""
    for identifier in identifiers:
        text = re.sub(re.escape(identifier), pseudonym, text, flags=re.IGNORECASE)
    return text


def scrub_json(value: Any, identifiers: list[str], pseudonym: str) -> Any:
    """A JSON value with every string in it scrubbed."""
    if isinstance(value, str):
        return scrub(value, identifiers, pseudonym)
    if isinstance(value, list):
        return [scrub_json(v, identifiers, pseudonym) for v in value]
    if isinstance(value, dict):
        return {k: scrub_json(v, identifiers, pseudonym) for k, v in value.items()}
    return value


def json_needles(identifiers: list[str]) -> list[str]:
    """The identifiers as they may appear in a JSON column read as text (non-ASCII escaped on SQLite)."""
    escaped = [json.dumps(i)[1:-1] for i in identifiers]
    return list(dict.fromkeys([*identifiers, *escaped]))


def mentions(text: str, identifiers: Iterable[str]) -> bool:
    lowered = text.lower()
    return any(identifier.lower() in lowered for identifier in identifiers)
