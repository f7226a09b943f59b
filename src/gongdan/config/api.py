"""The REST API: one NinjaAPI at /api/v1 mounting each app's router, with one JSON error shape."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="Gongdan API", version="1", urls_namespace="api")
