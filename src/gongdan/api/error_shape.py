"""The API's error shape, `{"error": {"code", "message", "details"}}`, without ninja: the middleware and the
sign-in views answer /api/ requests in it, and importing them must not load ninja and pydantic (decision
0176). gongdan.api.errors builds on it for the API itself."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from gongdan.core.domain_errors import DomainError

CONTENT_TYPE = "application/json; charset=utf-8"


class ApiError(DomainError):
    """An edge failure with its own status (401, 413, 415, 428, 429 …) in the shared shape."""

    def __init__(
        self,
        message: Any,
        *,
        status_code: int,
        code: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, code=code, details=details)
        self.status_code = status_code
        self.headers = headers or {}


def error_body(code: str, message: Any, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": str(message),
            "details": {str(k): [str(m) for m in v] for k, v in (details or {}).items()},
        }
    }


def error_response(
    status: int,
    code: str,
    message: Any,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    response = HttpResponse(
        json.dumps(error_body(code, message, details), ensure_ascii=False),
        status=status,
        content_type=CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response
