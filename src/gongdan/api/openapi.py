"""The error answers every operation documents, added in one place to the OpenAPI document.

Some answers can come from any operation, whatever its view does: the shared checks in front of every view
(a NUL in the address, a body over the size limit or too slow, the bearer token, CSRF for the browser), the
JSON parser and the schemas (a body that is not JSON, nests too deeply or has the wrong type; a path or query
value that does not validate), the ticket or row named in the address not being there, and the
Idempotency-Key rules. They are derived here from what the document already says about the operation (its
security, method, parameters and body) instead of being listed by hand on each route; what only one view
does (409 conflicts, 412/428 versions, 429) it declares itself with `errors_for`.

Every answer listed has the one error shape (`ErrorOut`), except Open311's, which its specification fixes:
a list of `{code, description}` in JSON or XML."""

from __future__ import annotations

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})

# The `error.code` values each status carries, for the descriptions clients read.
CODES: dict[int, tuple[str, str]] = {
    400: ("Bad request", "`malformed_json`, `json_too_deep`, `body_required`, `bad_request`"),
    401: ("Not authenticated", "`not_authenticated` (with a `WWW-Authenticate` header)"),
    403: ("Forbidden", "`permission_denied`, `csrf_failed` (browser session without the CSRF header)"),
    404: ("Not found", "`not_found`: the ticket or row named in the address does not exist or is not yours"),
    408: ("Request timeout", "`request_timeout`: the body arrived too slowly"),
    409: ("Conflict", "a business-rule conflict (`version_conflict`, …) or `idempotency_in_progress`"),
    412: ("Precondition failed", "`precondition_failed`: If-Match names an older version"),
    413: ("Content too large", "`request_too_large`: the declared or received body is over the limit"),
    414: ("URI too long", "the address is longer than the web server reads (about 4 KB); in plain text"),
    415: ("Unsupported media type", "`unsupported_media_type`: send `Content-Type: application/json`"),
    422: ("Validation failed", "`validation_failed` with `details` per field (body, query or path)"),
    428: ("Precondition required", "`precondition_required`: send If-Match or `version`"),
    429: ("Too many requests", "`rate_limited` (with a `Retry-After` header)"),
}

OPEN311_ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}
OPEN311_XML = {"type": "string", "description": "The same, as Open311's XML."}


# Answered by the web server (gunicorn) before any of our code runs: its own plain text.
SERVER_TEXT = {"text/plain": {"schema": {"type": "string"}}}


def _error(status: int) -> dict[str, Any]:
    title, codes = CODES[status]
    content = SERVER_TEXT if status == 414 else {"application/json": {"schema": ERROR_REF}}
    return {"description": f"{title}: {codes}.", "content": content}


def _open311_error(status: int) -> dict[str, Any]:
    if status == 414:
        return _error(status)
    title, _codes = CODES[status]
    # The checks in front of every view answer in the shared shape; Open311's own refusals in its list.
    json_schema = {"anyOf": [OPEN311_ERRORS, ERROR_REF]} if status in (400, 413) else OPEN311_ERRORS
    return {
        "description": f"{title} (Open311's error list).",
        "content": {
            "application/json": {"schema": json_schema},
            "text/xml": {"schema": OPEN311_XML},
        },
    }


def statuses_for(method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses any operation shaped like this one can answer with."""
    parameters = operation.get("parameters", [])
    body = operation.get("requestBody")
    statuses = {400, 413, 414}  # a NUL in the address; a body or an address over the server's limits
    if body:
        statuses |= {408, 422}
        if "application/json" in body.get("content", {}):
            statuses.add(415)
    if parameters:
        statuses.add(422)
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if operation.get("security"):
        statuses.add(401)
        if method in UNSAFE_METHODS:
            statuses.add(403)
    if any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in parameters):
        statuses |= {409, 422}
    return statuses


def _is_open311(path: str) -> bool:
    return "/open311/" in path


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error answers each operation can give to `schema` (ninja's OpenAPI document), in place."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            # ninja keys responses by int; keep one kind of key so the document stays serialisable
            declared = {int(key): key for key in responses}
            statuses = statuses_for(method, operation) | {s for s in declared if s >= 400}
            if _is_open311(path):
                statuses |= {404, 429} | ({403} if method == "post" else set())
                statuses.discard(422)  # Open311 answers bad values with its own 400
                for status in (s for s in declared if s < 300):
                    responses[declared[status]] = {
                        "description": "OK, in the format the address names (`.json` or `.xml`).",
                        "content": {"application/json": {"schema": {}}, "text/xml": {"schema": OPEN311_XML}},
                    }
            for status in sorted(statuses):
                key = declared.get(status, status)
                if _is_open311(path):
                    responses[key] = _open311_error(status)
                elif key in responses and responses[key].get("content"):
                    responses[key]["description"] = _error(status)["description"]
                else:
                    responses[key] = _error(status)
    return schema
