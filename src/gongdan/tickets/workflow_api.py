"""The workflows part of the REST API (administrators): read the workflows and their versions, save a draft,
validate a definition, publish the draft with a mapping for the open tickets of removed states, restore an old
version as the draft (revert). The same services as the editor (tickets.services.workflows) do the work and
write the audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema

from gongdan.accounts.models import User
from gongdan.api.errors import errors_for
from gongdan.api.inputs import StrictInput
from gongdan.core.domain_errors import NotFound, PermissionDenied
from gongdan.tickets.models import TicketType, VersionStatus, WorkflowVersion
from gongdan.tickets.services import workflows

router = Router()
DEFAULT_KEY = "default"
KeyPath: Any = Path(..., min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$",
                    description='A ticket type\'s code, or "default" for the default workflow')  # fmt: skip


def _admin(request: HttpRequest) -> User:
    actor: User = request.auth  # type: ignore[attr-defined]
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators change workflows."))
    return actor


def _owner(key: str) -> TicketType | None:
    if key == DEFAULT_KEY:
        return None
    found = TicketType.objects.filter(code=key).first()
    if found is None:
        raise NotFound(_("No such ticket type."))
    return found


class WorkflowVersionOut(Schema):
    number: int
    status: str
    note: str
    created_by: str | None
    published_by: str | None
    published_at: datetime | None
    definition: dict[str, Any]


class WorkflowOut(Schema):
    key: str = Field(description='The ticket type\'s code, or "default"')
    name: str
    published: int | None = Field(description="The published version's number")
    draft: int | None = Field(description="The draft's number, when there is one")


class WorkflowDetailOut(WorkflowOut):
    versions: list[WorkflowVersionOut]


class ProblemOut(Schema):
    code: str = Field(description="unreachable, dead_end, no_way_to_done, no_done_state or no_start_state")
    state: str
    message: str


class CheckOut(Schema):
    problems: list[ProblemOut]
    stranded: dict[str, int] = Field(description="Open tickets in states the definition removes, by state")


class DraftIn(StrictInput):
    definition: dict[str, Any] = Field(description="states and transitions (see docs/workflows.md)")
    note: str = Field("", max_length=300)


class DefinitionIn(StrictInput):
    definition: dict[str, Any]


class DraftOut(CheckOut):
    version: int


class PublishIn(StrictInput):
    mapping: dict[str, str] = Field(
        default_factory=dict,
        description="For each removed state holding open tickets, the state they move to",
    )


class PublishOut(Schema):
    version: int
    moved: int = Field(description="How many open tickets moved")


def _version_out(v: WorkflowVersion) -> dict[str, Any]:
    return {"number": v.number, "status": v.status, "note": v.note,
            "created_by": v.created_by.username if v.created_by else None,
            "published_by": v.published_by.username if v.published_by else None,
            "published_at": v.published_at, "definition": v.definition}  # fmt: skip


def _problems(definition: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"code": p.code, "state": p.state, "message": p.message}
        for p in workflows.workflow_problems(definition)
    ]


@router.get("/workflows", response={200: list[WorkflowOut], **errors_for(401, 403)}, summary="Workflows")
def workflow_list(request: HttpRequest) -> list[dict[str, Any]]:
    _admin(request)
    versions = list(WorkflowVersion.objects.filter(status__in=(VersionStatus.PUBLISHED, VersionStatus.DRAFT))
                    .values_list("ticket_type_id", "status", "number"))  # fmt: skip
    result = []
    for ticket_type in [None, *TicketType.objects.order_by("order", "code")]:
        pk = getattr(ticket_type, "pk", None)
        mine = {status: number for type_id, status, number in versions if type_id == pk}
        result.append({"key": ticket_type.code if ticket_type else DEFAULT_KEY,
                       "name": ticket_type.label if ticket_type else _("Default workflow"),
                       "published": mine.get(VersionStatus.PUBLISHED), "draft": mine.get(VersionStatus.DRAFT)})  # fmt: skip
    return result


@router.get(
    "/workflows/{key}", response={200: WorkflowDetailOut, **errors_for(401, 403, 404)}, summary="A workflow"
)
def workflow_detail(request: HttpRequest, key: str = KeyPath) -> dict[str, Any]:
    _admin(request)
    ticket_type = _owner(key)
    versions = list(
        WorkflowVersion.objects.filter(workflows._owner_key(ticket_type))
        .select_related("created_by", "published_by")
        .order_by("-number")
    )
    return {
        "key": key,
        "name": ticket_type.label if ticket_type else _("Default workflow"),
        "published": next((v.number for v in versions if v.status == VersionStatus.PUBLISHED), None),
        "draft": next((v.number for v in versions if v.status == VersionStatus.DRAFT), None),
        "versions": [_version_out(v) for v in versions],
    }


@router.put(
    "/workflows/{key}/draft",
    response={200: DraftOut, **errors_for(401, 403, 404, 422)},
    summary="Save the draft",
)
def workflow_draft(request: HttpRequest, payload: DraftIn, key: str = KeyPath) -> dict[str, Any]:
    actor = _admin(request)
    ticket_type = _owner(key)
    draft = workflows.workflow_draft_save(
        actor=actor, ticket_type=ticket_type, definition=payload.definition, note=payload.note
    )
    return {"version": draft.number, "problems": _problems(draft.definition),
            "stranded": workflows.stranded_states(ticket_type, draft.definition)}  # fmt: skip


@router.post(
    "/workflows/{key}/validate",
    response={200: CheckOut, **errors_for(401, 403, 404, 422)},
    summary="Validate a definition",
)
def workflow_validate(request: HttpRequest, payload: DefinitionIn, key: str = KeyPath) -> dict[str, Any]:
    _admin(request)
    ticket_type = _owner(key)
    definition = workflows.clean_definition(payload.definition)
    return {"problems": _problems(definition), "stranded": workflows.stranded_states(ticket_type, definition)}


@router.post(
    "/workflows/{key}/publish",
    response={200: PublishOut, **errors_for(401, 403, 404, 409, 422)},
    summary="Publish the draft",
)
def workflow_publish(request: HttpRequest, payload: PublishIn, key: str = KeyPath) -> dict[str, Any]:
    actor = _admin(request)
    version = workflows.workflow_publish(actor=actor, ticket_type=_owner(key), mapping=payload.mapping)
    return {"version": version.number, "moved": int(version.moved.get("tickets", 0))}


class RestoreOut(DraftOut):
    restored: int = Field(description="The version whose definition the draft now is")


@router.post(
    "/workflows/{key}/versions/{number}/restore",
    response={200: RestoreOut, **errors_for(401, 403, 404, 409, 422)},
    summary="Restore a version as the draft",
)
def workflow_restore(
    request: HttpRequest, key: str = KeyPath, number: int = Path(..., ge=1, le=2**31 - 1)
) -> dict[str, Any]:
    """Revert: the version's definition becomes the draft (replacing the draft there is); publish it as
    usual. 409 `already_draft` for the draft itself; 422 when it names what this site no longer has."""
    actor = _admin(request)
    ticket_type = _owner(key)
    draft = workflows.workflow_restore(actor=actor, ticket_type=ticket_type, number=number)
    return {"version": draft.number, "restored": number, "problems": _problems(draft.definition),
            "stranded": workflows.stranded_states(ticket_type, draft.definition)}  # fmt: skip
