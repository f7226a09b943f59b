"""How every API answer is written as JSON: one encoder for ninja's own responses and for the ones the
views build themselves (idempotent creates, ETag'd tickets), so a client reads one format.

Date-times are RFC 3339 in UTC (`2026-12-06T19:04:56.338791Z`), as the OpenAPI document's
`format: date-time` promises; dates are `YYYY-MM-DD`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.http import HttpResponse
from ninja import Schema
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

CONTENT_TYPE = "application/json; charset=utf-8"


def rfc3339(value: datetime) -> str:
    """UTC with a `T` and a `Z`, microseconds kept when there are any."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # we store UTC (USE_TZ); a naive value is one of ours
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ApiJSONEncoder(NinjaJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return rfc3339(o)
        return super().default(o)


class ApiRenderer(JSONRenderer):
    encoder_class = ApiJSONEncoder
    json_dumps_params = {"ensure_ascii": False}


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, cls=ApiJSONEncoder)


def json_response(data: Any, *, status: int) -> HttpResponse:
    return HttpResponse(to_json(data), status=status, content_type=CONTENT_TYPE)


def dump(schema: type[Schema], obj: Any) -> dict[str, Any]:
    """`obj` read through its output schema, as ninja answers it: for the answers a view writes itself
    (idempotent replays, ETags). The schema is the one definition of the shape."""
    return schema.model_validate(obj).model_dump()
