"""The seam through which a second factor joins the sign-in (decision 0120). Accounts knows nothing of how a
second factor works: the two-factor app (gongdan.mfa, a layer above) registers one `SecondFactorGate` from its
AppConfig.ready(), and the sign-in page and the two places that issue API tokens ask it. Without a gate,
every answer is "nothing more to do"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from gongdan.accounts.models import User


class SecondFactorGate(Protocol):
    def after_password(self, request: HttpRequest, user: User, next_url: str) -> HttpResponse | None:
        """The password was right: a response (the second step) instead of signing in, or None to sign in."""

    def check_session_token_issue(self, request: HttpRequest, user: User) -> None:
        """Raise a DomainError when this browser session may not create an API token."""

    def check_password_token_issue(self, request: HttpRequest, user: User, code: str) -> None:
        """Raise a DomainError when a token asked for with username + password (+ `code`) is refused."""


_gate: SecondFactorGate | None = None


def register_gate(gate: SecondFactorGate) -> None:
    global _gate
    _gate = gate


def after_password(request: HttpRequest, user: User, next_url: str) -> HttpResponse | None:
    return _gate.after_password(request, user, next_url) if _gate is not None else None


def check_session_token_issue(request: HttpRequest, user: User) -> None:
    if _gate is not None:
        _gate.check_session_token_issue(request, user)


def check_password_token_issue(request: HttpRequest, user: User, code: str) -> None:
    if _gate is not None:
        _gate.check_password_token_issue(request, user, code)
