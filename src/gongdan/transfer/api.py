"""The configuration transfer in the REST API (admins): export, import (with `dry_run` for the preview),
the versions and going back to one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from gongdan.accounts.models import User
from gongdan.accounts.services import require_admin
from gongdan.api.errors import errors_for
from gongdan.api.inputs import IdPath
from gongdan.transfer import services
from gongdan.transfer.models import ConfigurationVersion

router = Router()


def _admin(request: HttpRequest) -> User:
    actor: User = request.auth  # type: ignore[attr-defined]
    require_admin(actor)
    return actor


class ExportQuery(Schema):
    section: list[str] | None = Field(None, max_length=50, description="Sections to export (all when absent)")


class ImportIn(Schema):
    """A file from `GET /configuration/export`."""

    format: str = Field(..., max_length=60)
    exported_at: str | None = Field(None, max_length=60)
    sections: dict[str, list[dict[str, Any]]] = Field(..., max_length=50)


class ChangeOut(Schema):
    section: str
    key: str = Field(description="The row's natural key: a name, a code or a category's path")
    action: str = Field(description="create, update or unchanged")
    fields: list[str]


class ImportOut(Schema):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    version: int | None = Field(None, description="The version that keeps the result (not on a dry run)")
    changes: list[ChangeOut]


class ConfigurationVersionOut(Schema):
    number: int
    reason: str
    note: str
    actor: str | None
    created_at: datetime
    changes: list[dict[str, Any]]


def _report(report: services.ImportReport) -> dict[str, Any]:
    return {"dry_run": report.dry_run, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "version": report.version.number if report.version else None,
            "changes": [{"section": c.section, "key": c.key, "action": c.action, "fields": list(c.fields)}
                        for c in report.changes]}  # fmt: skip


@router.get("/configuration/export", response={200: dict[str, Any], **errors_for(401, 403, 422)},
            summary="Export the configuration")  # fmt: skip
def export(request: HttpRequest, query: Query[ExportQuery]) -> dict[str, Any]:
    return services.config_export(actor=_admin(request), sections=query.section)


@router.post("/configuration/import", response={200: ImportOut, **errors_for(401, 403, 415, 422)},
             summary="Import a configuration file")  # fmt: skip
def import_(request: HttpRequest, payload: ImportIn, dry_run: bool = False) -> dict[str, Any]:
    """All or nothing: a refused item rolls the whole file back and is named in the error. With
    `dry_run=true` nothing is written and the answer says what the import would do."""
    report = services.config_import(actor=_admin(request), data=payload.dict(), dry_run=dry_run)
    return _report(report)


@router.get("/configuration/versions", response={200: list[ConfigurationVersionOut], **errors_for(401, 403)},
            summary="Versions of the configuration")  # fmt: skip
def versions(request: HttpRequest) -> list[dict[str, Any]]:
    _admin(request)
    rows = ConfigurationVersion.objects.select_related("actor").defer("content")[:100]
    return [{"number": v.number, "reason": v.reason, "note": v.note, "actor": v.actor.username if v.actor else None,
             "created_at": v.created_at, "changes": v.changes} for v in rows]  # fmt: skip


@router.post("/configuration/versions/{number}/revert", response={200: ImportOut, **errors_for(401, 403, 404, 422)},
             summary="Go back to a version")  # fmt: skip
def revert(request: HttpRequest, number: int = IdPath) -> dict[str, Any]:
    actor = _admin(request)
    version = get_object_or_404(ConfigurationVersion, number=number)
    return _report(services.version_revert(actor=actor, version=version))
