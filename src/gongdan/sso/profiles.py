"""What a provider told us about the person signing in, in one shape for every kind of provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExternalProfile:
    subject: str  # the provider's stable id of the person
    username: str = ""  # what they are called there (preferred_username, LDAP uid, WeCom userid…)
    email: str = ""
    phone: str = ""
    display_name: str = ""
    claims: dict[str, Any] = field(default_factory=dict)  # what the mapping rules read (groups, department…)


class SignInRefused(Exception):
    """A sign-in through a provider that must not go on. `code` is stable (audit, tests); `message` is for the
    person, translated, and says what to do without revealing what the provider answered."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
