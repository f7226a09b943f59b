"""Request bodies: JSON only (multipart only where an endpoint takes files), parsed strictly."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.parser import Parser

from gongdan.api.errors import ApiError


def _reject_constant(value: str) -> Any:
    raise ValueError(value)


class StrictJsonParser(Parser):
    """Refuses bodies that are not `application/json` (415) and NaN/Infinity (not JSON)."""

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = (request.content_type or "").lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise ApiError(
                _("Send the body as JSON with “Content-Type: application/json”."),
                status_code=415,
                code="unsupported_media_type",
            )
        try:
            return json.loads(request.body, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(
                _("The request body is not valid JSON."), status_code=400, code="malformed_json"
            ) from exc
