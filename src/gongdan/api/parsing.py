"""Request bodies: JSON only (multipart only where an endpoint takes files), parsed strictly."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.parser import Parser

from gongdan.api.errors import ApiError, error_response

# Deeper than any body we take (custom fields, alert labels) and far from Python's recursion limit, which
# the parser, the schemas and the NUL check would otherwise reach (a 500) on a body nested 1,000 deep.
MAX_JSON_DEPTH = 32


def _reject_constant(value: str) -> Any:
    raise ValueError(value)


def too_deep() -> ApiError:
    return ApiError(
        _("The JSON body is nested too deeply (at most %(max)d levels).") % {"max": MAX_JSON_DEPTH},
        status_code=400,
        code="json_too_deep",
    )


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest more than `limit` levels; walked with a stack, not recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads_json(body: bytes | str, *, strict: bool = True) -> Any:
    """Parse a request body, refusing what is not JSON (400 malformed_json) and what nests deeper than
    MAX_JSON_DEPTH (400 json_too_deep). `strict` also refuses NaN and Infinity, which JSON does not have."""
    try:
        value = json.loads(body, parse_constant=_reject_constant) if strict else json.loads(body)
    except RecursionError:
        raise too_deep() from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(
            _("The request body is not valid JSON."), status_code=400, code="malformed_json"
        ) from exc
    if _deeper_than(value, MAX_JSON_DEPTH):
        raise too_deep()
    return value


class StrictJsonParser(Parser):
    """Refuses bodies that are not `application/json` (415), NaN/Infinity (not JSON) and deep nesting."""

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = (request.content_type or "").lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise ApiError(
                _("Send the body as JSON with “Content-Type: application/json”."),
                status_code=415,
                code="unsupported_media_type",
            )
        return loads_json(request.body)


MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and the small form fields beside the file


def declared_body_at_most(limit: Callable[[], int]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """For ninja's `decorate_view`: refuse a request whose declared Content-Length passes `limit()` bytes
    with 413 before anything reads its body. Upload endpoints need it: their multipart body is parsed into
    files (which Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count) before the view runs."""

    def decorator(run: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(run)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            allowed = limit()
            if declared > allowed:
                return error_response(
                    413,
                    "request_too_large",
                    _("The request body is too large (at most %(max)d bytes).") % {"max": allowed},
                    headers={"Connection": "close"},
                )
            return run(request, *args, **kwargs)

        return guarded

    return decorator
