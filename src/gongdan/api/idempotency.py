"""`Idempotency-Key` on POST: a client that retries (timeout, lost connection) gets the first answer
again instead of a second ticket, comment or time entry.

The record is inserted first, inside the same transaction as the change; the unique (user, key)
constraint makes a concurrent duplicate wait for the first transaction and then find its answer (or,
if the first one failed and rolled back, do the work itself). Errors roll the record back, so a failed
request can be retried with the same key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.api.errors import ApiError
from gongdan.api.models import IdempotencyRecord
from gongdan.api.rendering import json_response, to_json

if TYPE_CHECKING:
    from gongdan.accounts.models import User

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Visible ASCII, as the OpenAPI document says (HTTP header values are ASCII; a UUID fits).
KEY_PATTERN = re.compile(rf"[!-~]{{1,{MAX_KEY_LENGTH}}}")
RETENTION = timedelta(hours=24)

# The header in the OpenAPI document of every operation that honours it (`openapi_extra=IDEMPOTENT`); the
# document then lists its 409 and 422 answers too (gongdan.api.openapi).
IDEMPOTENT: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "description": "Any unique value, e.g. a UUID: a retry with the same key and body gets the first "
            "answer again (header `Idempotent-Replayed: true`) instead of doing the work twice. Kept 24 hours.",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[!-~]+$"},
        }
    ]
}


def _request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\0")
    digest.update(request.path.encode())
    digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = json_response(record.response_body, status=record.status_code or 200)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(
    request: HttpRequest,
    user: User,
    produce: Callable[[], Any],
    respond: Callable[[Any], tuple[int, Any]] | None = None,
) -> HttpResponse:
    """Run `produce` at most once per (user, Idempotency-Key) and answer with `respond(result)` (→ status,
    JSON-able body); without `respond`, `produce` returns (status, body) itself.

    Without a key the response is built after the commit: a create holds the numbering lock until then,
    so every query and serialisation step kept out of the transaction lets the next creator in sooner.
    With a key the response is stored with the record in the same transaction."""
    respond = respond or (lambda result: result)
    key = request.headers.get(HEADER)
    if key is None:
        result = produce()  # a service call, atomic on its own: no savepoint inside an outer transaction
        status, body = respond(result)
        return json_response(body, status=status)
    key = key.strip()
    if not KEY_PATTERN.fullmatch(key):
        message = _("The Idempotency-Key must be 1 to %(max)d visible ASCII characters (no spaces).") % {
            "max": MAX_KEY_LENGTH
        }
        raise ApiError(message, status_code=422, code="invalid_idempotency_key",
                       details={HEADER: [message]})  # fmt: skip
    request_hash = _request_hash(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    method=request.method or "POST",
                    path=request.path[:500],
                    request_hash=request_hash,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if existing is None:  # the other attempt rolled back between our insert and read
                raise ApiError(
                    _("A request with this Idempotency-Key is being processed; retry shortly."),
                    status_code=409, code="idempotency_in_progress",
                ) from None  # fmt: skip
            if existing.request_hash != request_hash:
                message = _("This Idempotency-Key was already used for a different request.")
                raise ApiError(message, status_code=422, code="idempotency_key_reused",
                               details={HEADER: [message]}) from None  # fmt: skip
            if existing.status_code is None:
                raise ApiError(
                    _("A request with this Idempotency-Key is being processed; retry shortly."),
                    status_code=409, code="idempotency_in_progress",
                ) from None  # fmt: skip
            return _replay(existing)
        status, body = respond(produce())
        stored = json.loads(to_json(body))
        IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=status, response_body=stored)
    return json_response(stored, status=status)


def idempotency_records_purge(*, older_than: timedelta = RETENTION) -> int:
    """Delete records past the retention window; the periodic task calls this. Returns how many."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
