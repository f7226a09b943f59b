"""Business-rule failures with a stable code. The API turns them into JSON errors, the web UI into
messages; both show the same translated text."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 422
    code = "invalid"

    def __init__(
        self, message: Any, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class ValidationFailed(DomainError):
    """Field-level problems: details maps a field name to a list of messages."""

    status_code = 422
    code = "validation_failed"


class NotFound(DomainError):
    """Also what an actor gets for something that exists but that they may not see."""

    status_code = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"


class Conflict(DomainError):
    """The ticket changed since the caller read it (optimistic concurrency) or a state rule forbids it."""

    status_code = 409
    code = "conflict"


class PreconditionFailed(DomainError):
    status_code = 412
    code = "precondition_failed"
