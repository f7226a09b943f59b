"""One JSON error shape for everything under /api/v1 (rule 6):

    {"error": {"code": "...", "message": "...", "details": {"field": ["msg", ...]}}}

Domain errors keep their status and code; ninja's own failures (validation, unparsable bodies, auth,
throttling, unknown routes, wrong methods) and Django's request-size guards are translated here; anything
else is a bug, logged and answered with a JSON 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from gongdan.api.error_shape import CONTENT_TYPE, ApiError, error_body, error_response
from gongdan.core.domain_errors import DomainError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("gongdan.api")

__all__ = ["CONTENT_TYPE", "ApiError", "error_body", "error_response"]


class ErrorDetail(Schema):
    code: str
    message: str
    details: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorDetail


def errors_for(*codes: int) -> dict[int, Any]:
    """Document the error answers an operation can give (they all share ErrorOut)."""
    return dict.fromkeys(codes, ErrorOut)


def _normalise_details(details: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in details.items():
        messages = value if isinstance(value, list | tuple) else [value]
        out[str(key)] = [str(m) for m in messages]
    return out


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "payload", "subject") → "subject"; ("query", "limit") → "limit"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "form", "file", "cookie"):
        source = parts[0]
        parts = parts[1:]
        # a body schema parameter is wrapped in its argument name: drop it
        if source in ("body", "form") and parts and parts[0] in ("payload", "data"):
            parts = parts[1:]
    return ".".join(parts) or "body"


PYDANTIC_MESSAGES = {
    "extra_forbidden": lambda e: _("Unknown field."),
    "missing": lambda e: _("This field is required."),
    "int_type": lambda e: _("Must be a whole number."),
    "int_parsing": lambda e: _("Must be a whole number."),
    "int_from_float": lambda e: _("Must be a whole number."),
    "bool_type": lambda e: _("Must be true or false."),
    "bool_parsing": lambda e: _("Must be true or false."),
    "string_type": lambda e: _("Must be text."),
    "list_type": lambda e: _("Must be a list."),
    "dict_type": lambda e: _("Must be an object."),
    "model_type": lambda e: _("Must be an object."),
    "model_attributes_type": lambda e: _("Must be an object."),
    "datetime_type": lambda e: _("Must be a date-time (ISO 8601)."),
    "datetime_parsing": lambda e: _("Must be a date-time (ISO 8601)."),
    "datetime_from_date_parsing": lambda e: _("Must be a date-time (ISO 8601)."),
    "date_type": lambda e: _("Must be a date (YYYY-MM-DD)."),
    "date_parsing": lambda e: _("Must be a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": lambda e: _("Must be a date (YYYY-MM-DD)."),
    "greater_than_equal": lambda e: _("Must be at least %(limit)s.") % {"limit": e["ctx"]["ge"]},
    "greater_than": lambda e: _("Must be greater than %(limit)s.") % {"limit": e["ctx"]["gt"]},
    "less_than_equal": lambda e: _("Must be at most %(limit)s.") % {"limit": e["ctx"]["le"]},
    "less_than": lambda e: _("Must be less than %(limit)s.") % {"limit": e["ctx"]["lt"]},
    "string_too_long": lambda e: _("At most %(max)s characters.") % {"max": e["ctx"]["max_length"]},
    "string_too_short": lambda e: _("At least %(min)s characters.") % {"min": e["ctx"]["min_length"]},
    "too_long": lambda e: _("At most %(max)s items.") % {"max": e["ctx"]["max_length"]},
    "literal_error": lambda e: _("Must be one of: %(values)s.") % {"values": e["ctx"]["expected"]},
    "enum": lambda e: _("Must be one of: %(values)s.") % {"values": e["ctx"]["expected"]},
    "json_invalid": lambda e: _("Not valid JSON."),
    "value_error": lambda e: str(e["ctx"]["error"]),
    "string_pattern_mismatch": lambda e: _("Has an invalid format."),
}


def _pydantic_message(error: dict[str, Any]) -> str:
    make = PYDANTIC_MESSAGES.get(error.get("type", ""))
    if make is not None:
        try:
            return str(make(error))
        except (KeyError, TypeError):
            pass
    return str(error.get("msg") or _("Invalid value."))


def validation_details(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    details: dict[str, list[str]] = {}
    for error in errors:
        field = _field_name(error.get("loc") or ())
        message = _pydantic_message(error)
        if message not in details.setdefault(field, []):
            details[field].append(message)
    return details


def handle_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(
        exc.status_code,
        exc.code,
        exc.message,
        _normalise_details(exc.details),
        headers=getattr(exc, "headers", None),
    )


def handle_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = validation_details(exc.errors)
    if "body" in details and any(e.get("type") == "missing" for e in exc.errors) and len(details) == 1:
        return error_response(400, "body_required", _("The request needs a JSON body."), details)
    return error_response(422, "validation_failed", _("Some fields are not valid."), details)


def handle_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, DomainError):
        return handle_domain_error(request, cause)
    if isinstance(cause, RequestDataTooBig):
        return handle_too_big(request, cause)
    if isinstance(exc, Throttled):
        headers = {"Retry-After": str(int(exc.wait))} if exc.wait else None
        return error_response(429, "rate_limited", _("Too many requests; try again later."), headers=headers)
    if isinstance(exc, AuthenticationError):
        return error_response(
            401,
            "not_authenticated",
            _("Sign in or send a valid “Authorization: Bearer <token>” header."),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if exc.status_code == 400 and cause is not None:
        return error_response(400, "malformed_json", _("The request body is not valid JSON."))
    if exc.status_code == 403 and "CSRF" in str(exc):
        return error_response(403, "csrf_failed", _("CSRF check failed: send the X-CSRFToken header."))
    return error_response(exc.status_code, "http_error", str(exc))


def handle_not_found(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    return error_response(404, "not_found", _("Nothing here: check the address and the method."))


def handle_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        413, "request_too_large", _("The request body is too large."), headers={"Connection": "close"}
    )


def handle_too_many_fields(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(413, "request_too_large", _("The request has too many fields."))


def handle_bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(400, "bad_request", _("The request could not be read."))


def handle_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "server_error", _("Something went wrong on our side; it has been logged."))


type Handler = Callable[[HttpRequest, Any], HttpResponse]  # ninja types the error as "the error or its class"

HANDLERS: list[tuple[type[Exception], Handler]] = [
    (DomainError, handle_domain_error),
    (ValidationError, handle_validation_error),
    (HttpError, handle_http_error),
    (Http404, handle_not_found),
    (RequestDataTooBig, handle_too_big),
    (TooManyFieldsSent, handle_too_many_fields),
    (MultiPartParserError, handle_bad_request),
    (BadRequest, handle_bad_request),
    (SuspiciousOperation, handle_bad_request),
    (Exception, handle_unexpected),
]


def install(api: NinjaAPI) -> None:
    for exc_class, handler in HANDLERS:
        api.add_exception_handler(exc_class, handler)
