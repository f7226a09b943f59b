"""GET /healthz: is the database answering, is the queue reachable."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from huey.contrib.djhuey import HUEY


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    db: dict[str, object] = {"backend": connection.vendor}
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db.update(state="ok", latency_ms=round((time.perf_counter() - started) * 1000, 2))
    except Exception as exc:  # any failure means "down", reported, not raised
        db.update(state="error", error=exc.__class__.__name__)
    queue: dict[str, object] = {"backend": "redis" if settings.REDIS_URL else "sqlite"}
    try:
        queue.update(state="ok", pending=HUEY.pending_count())
    except Exception as exc:
        queue.update(state="error", error=exc.__class__.__name__)
    healthy = db["state"] == "ok" and queue["state"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": db, "queue": queue},
        status=200 if healthy else 503,
    )
