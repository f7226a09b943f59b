"""Automation over the API: rules (admins: CRUD, order, switch on after a dry run, run history, versions and
revert, export/import) and macros (staff: their own and shared ones; apply to one ticket or many — the queue's
bulk action calls `POST /macros/{id}/apply-bulk`). Every change goes through gongdan.automation.services."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from gongdan.accounts.models import User
from gongdan.accounts.services import require_admin
from gongdan.api.errors import errors_for
from gongdan.api.inputs import MAX_ID, IdPath, StrictInput, Version
from gongdan.automation import conditions as condition_fields
from gongdan.automation import selectors, services, triggers
from gongdan.automation.actions import TYPES
from gongdan.automation.models import ConfigVersion, Macro, Rule, RuleRun
from gongdan.core.domain_errors import NotFound, PermissionDenied, ValidationFailed
from gongdan.tickets.selectors import ticket_get

router = Router()


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _admin(request: HttpRequest) -> User:
    actor = actor_of(request)
    require_admin(actor)
    return actor


def _rule(pk: int) -> Rule:
    rule = Rule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound(_("Rule not found."))
    return rule


# --- schemas --------------------------------------------------------------------------------------------------


class RuleIn(StrictInput):
    name: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=500)
    trigger: str = Field(
        ..., max_length=60, description="See GET /automation/reference: a trigger key or `time`."
    )
    conditions: list[dict[str, Any]] = Field(default_factory=list, max_length=20,
                                             description='[{"field": "priority", "op": "eq", "value": "P1"}]')  # fmt: skip
    actions: list[dict[str, Any]] = Field(..., max_length=20,
                                          description='[{"type": "add_tags", "tags": ["urgent"]}] — docs/automation.md')  # fmt: skip
    wait_status: str = Field("", max_length=30, description="Time rules: the status the ticket waits in.")
    wait_business_days: int | None = Field(
        None, ge=1, le=365, description="Time rules: how many business days."
    )
    calendar: int | None = Field(
        None, ge=1, le=MAX_ID, description="Time rules: the business calendar (default: the first)."
    )


class RuleOut(Schema):
    id: int
    name: str
    description: str
    trigger: str
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    position: int
    is_active: bool
    wait_status: str
    wait_business_days: int | None
    calendar: int | None = Field(None, alias="calendar_id")
    version: int
    dry_run_version: int = Field(
        description="The version a dry run last tried; it must equal `version` to switch on."
    )
    loop_warning: str
    loop_warning_at: datetime | None
    updated_at: datetime


class ActiveIn(StrictInput):
    is_active: bool


class MoveIn(StrictInput):
    direction: Literal["up", "down"]


class DryRunIn(StrictInput):
    limit: int = Field(50, ge=1, le=500, description="How many recent tickets to try.")
    days: int = Field(30, ge=1, le=365, description="Tickets changed in the last so many days.")


class DryRunLineOut(Schema):
    number: str
    subject: str
    matched: bool
    changes: list[str]
    due_at: datetime | None


class DryRunOut(Schema):
    rule_id: int
    version: int
    tried: int
    matched: int
    lines: list[DryRunLineOut]


class RunOut(Schema):
    id: int
    ticket: str
    event_id: int | None
    episode: str
    rule_version: int
    outcome: str
    changes: list[str]
    message: str
    depth: int
    created_at: datetime


class RunQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(None, ge=1, le=MAX_ID, description="Keyset: runs older than this id.")


class VersionOut(Schema):
    version: int
    action: str
    actor: str | None
    created_at: datetime
    diff: dict[str, Any]
    snapshot: dict[str, Any]


class RevertIn(StrictInput):
    version: int = Field(..., ge=1, le=2**31)


class ReferenceOut(Schema):
    triggers: list[dict[str, str]]
    fields: list[dict[str, str]]
    operators: list[dict[str, str]]
    actions: list[dict[str, str]]


class ImportIn(Schema):
    """A file from `GET /automation/export`."""

    format: str = Field(..., max_length=60)
    exported_at: str | None = Field(None, max_length=60)
    rules: list[dict[str, Any]] = Field(default_factory=list, max_length=1000)
    macros: list[dict[str, Any]] = Field(default_factory=list, max_length=1000)


class ImportOut(Schema):
    rules_created: int
    rules_updated: int
    macros_created: int
    macros_updated: int


class MacroIn(StrictInput):
    name: str = Field(..., min_length=1, max_length=120)
    body: str = Field(
        "", max_length=10_000, description="The reply or note, with placeholders ({{number}} …)."
    )
    reply_kind: Literal["public", "note"] = "public"
    actions: list[dict[str, Any]] = Field(default_factory=list, max_length=20,
                                          description="Field changes: set_field, assign, add_tags, transition.")  # fmt: skip
    visibility: Literal["personal", "team", "everyone"] = "personal"
    team: int | None = Field(None, ge=1, le=MAX_ID)
    is_active: bool = True


class MacroOut(Schema):
    id: int
    name: str
    body: str
    reply_kind: str
    actions: list[dict[str, Any]]
    visibility: str
    team: int | None = Field(None, alias="team_id")
    owner: int = Field(alias="owner_id")
    is_active: bool
    version: int
    updated_at: datetime


class ApplyIn(StrictInput):
    ticket: str = Field(..., min_length=1, max_length=40, description="The ticket's number.")
    version: Version | None = Field(
        None,
        description="The ticket's version as you read it: changed since, the answer is 409 and nothing changes.",
    )


class BulkApplyIn(StrictInput):
    tickets: list[str] = Field(..., min_length=1, max_length=services.MAX_BULK, description="Ticket numbers.")
    versions: dict[str, Version] = Field(
        default_factory=dict,
        max_length=services.MAX_BULK,
        description="Each ticket's version as you read it (number → version). A ticket changed since is left as "
        "it was and reported with code `version_conflict`; a ticket not named here is applied to as it is now.",
    )


class ApplyResultOut(Schema):
    number: str
    ok: bool
    changes: list[str]
    error: str = Field(description="Why this ticket was left as it was (empty when ok).")
    code: str
    details: dict[str, Any]


class BulkApplyOut(Schema):
    applied: int
    failed: int
    results: list[ApplyResultOut]


def _run_out(run: RuleRun) -> dict[str, Any]:
    return {"id": run.pk, "ticket": run.ticket.number, "event_id": run.event_id, "episode": run.episode,
            "rule_version": run.rule_version, "outcome": run.outcome, "changes": run.changes_read,
            "message": run.message,
            "depth": run.depth, "created_at": run.created_at}  # fmt: skip


def _version_out(row: ConfigVersion) -> dict[str, Any]:
    return {"version": row.version, "action": row.action, "actor": row.actor.username if row.actor else None,
            "created_at": row.created_at, "diff": row.diff, "snapshot": row.snapshot}  # fmt: skip


def _rule_values(payload: RuleIn) -> dict[str, Any]:
    return payload.dict()


# --- rules ----------------------------------------------------------------------------------------------------


@router.get("/automation/reference", response={200: ReferenceOut, **errors_for(401, 403)},
            summary="Triggers, fields, operators and actions")  # fmt: skip
def reference(request: HttpRequest) -> dict[str, Any]:
    """What a rule's builder offers (labels in the caller's language)."""
    _admin(request)
    return {
        "triggers": [{"key": k, "label": v} for k, v in triggers.choices()],
        "fields": [{"key": k, "label": v} for k, v in condition_fields.field_choices()],
        "operators": [{"key": k, "label": str(v)} for k, v in condition_fields.OPERATORS.items()],
        "actions": [{"key": k, "label": str(v)} for k, v in TYPES.items()],
    }


@router.get(
    "/automation/rules", response={200: list[RuleOut], **errors_for(401, 403)}, summary="Rules, in order"
)
def rule_list(request: HttpRequest) -> list[Rule]:
    _admin(request)
    return list(selectors.rule_list())


@router.post(
    "/automation/rules", response={201: RuleOut, **errors_for(401, 403, 415, 422)}, summary="Create a rule"
)
def rule_create(request: HttpRequest, payload: RuleIn) -> Status:
    """Created switched off: dry-run it, then switch it on."""
    return Status(201, services.rule_create(actor=_admin(request), **_rule_values(payload)))


@router.get(
    "/automation/rules/{rule_id}", response={200: RuleOut, **errors_for(401, 403, 404)}, summary="A rule"
)
def rule_get(request: HttpRequest, rule_id: int = IdPath) -> Rule:
    _admin(request)
    return _rule(rule_id)


@router.put("/automation/rules/{rule_id}", response={200: RuleOut, **errors_for(401, 403, 404, 415, 422)},
            summary="Change a rule")  # fmt: skip
def rule_update(request: HttpRequest, payload: RuleIn, rule_id: int = IdPath) -> Rule:
    actor = _admin(request)
    return services.rule_update(actor=actor, rule=_rule(rule_id), **_rule_values(payload))


@router.delete("/automation/rules/{rule_id}", response={204: None, **errors_for(401, 403, 404)},
               summary="Delete a rule")  # fmt: skip
def rule_delete(request: HttpRequest, rule_id: int = IdPath) -> Status:
    actor = _admin(request)
    services.rule_delete(actor=actor, rule=_rule(rule_id))
    return Status(204, None)


@router.put("/automation/rules/{rule_id}/active", response={200: RuleOut, **errors_for(401, 403, 404, 409, 415, 422)},
            summary="Switch a rule on or off")  # fmt: skip
def rule_active(request: HttpRequest, payload: ActiveIn, rule_id: int = IdPath) -> Rule:
    """Switching on needs a dry run of the rule's current version first (409 `dry_run_required`)."""
    actor = _admin(request)
    return services.rule_set_active(actor=actor, rule=_rule(rule_id), is_active=payload.is_active)


@router.post("/automation/rules/{rule_id}/move", response={200: RuleOut, **errors_for(401, 403, 404, 415, 422)},
             summary="Move a rule up or down the order")  # fmt: skip
def rule_move(request: HttpRequest, payload: MoveIn, rule_id: int = IdPath) -> Rule:
    actor = _admin(request)
    return services.rule_move(actor=actor, rule=_rule(rule_id), direction=payload.direction)


@router.post("/automation/rules/{rule_id}/dry-run", response={200: DryRunOut, **errors_for(401, 403, 404, 415, 422)},
             summary="Dry run")  # fmt: skip
def rule_dry_run(request: HttpRequest, payload: DryRunIn, rule_id: int = IdPath) -> services.DryRun:
    """Which recent tickets the rule would match and what it would change on each. Changes no ticket."""
    actor = _admin(request)
    return services.rule_dry_run(actor=actor, rule=_rule(rule_id), limit=payload.limit, days=payload.days)


@router.get("/automation/rules/{rule_id}/runs", response={200: list[RunOut], **errors_for(401, 403, 404, 422)},
            summary="Run history")  # fmt: skip
def rule_runs(request: HttpRequest, query: Query[RunQuery], rule_id: int = IdPath) -> list[dict[str, Any]]:
    """What the rule did (or why not) on which ticket, newest first."""
    _admin(request)
    runs = selectors.rule_runs(rule=_rule(rule_id), limit=query.limit, before_id=query.before)
    return [_run_out(run) for run in runs]


@router.get("/automation/rules/{rule_id}/versions", response={200: list[VersionOut], **errors_for(401, 403, 404)},
            summary="A rule's versions")  # fmt: skip
def rule_versions(request: HttpRequest, rule_id: int = IdPath) -> list[dict[str, Any]]:
    _admin(request)
    return [
        _version_out(v) for v in selectors.versions(kind=ConfigVersion.Kind.RULE, object_id=_rule(rule_id).pk)
    ]


@router.post("/automation/rules/{rule_id}/revert", response={200: RuleOut, **errors_for(401, 403, 404, 409, 415, 422)},
             summary="Revert a rule to a version")  # fmt: skip
def rule_revert(request: HttpRequest, payload: RevertIn, rule_id: int = IdPath) -> Rule:
    actor = _admin(request)
    return services.rule_revert(actor=actor, rule=_rule(rule_id), version=payload.version)


@router.get("/automation/export", response={200: dict[str, Any], **errors_for(401, 403)},
            summary="Export rules and shared macros")  # fmt: skip
def export(request: HttpRequest) -> dict[str, Any]:
    return services.config_export(actor=_admin(request))


@router.post("/automation/import", response={200: ImportOut, **errors_for(401, 403, 415, 422)},
             summary="Import rules and shared macros")  # fmt: skip
def import_(request: HttpRequest, payload: ImportIn) -> services.ImportSummary:
    """The body is a file from `GET /automation/export`. All or nothing; imported rules arrive switched off."""
    return services.config_import(actor=_admin(request), data=payload.dict())


# --- macros ---------------------------------------------------------------------------------------------------


def _macro(request: HttpRequest, pk: int) -> Macro:
    return selectors.macro_get(actor=actor_of(request), macro_id=pk)


def _staff(request: HttpRequest) -> User:
    actor = actor_of(request)
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff use macros."))
    return actor


@router.get("/macros", response={200: list[MacroOut], **errors_for(401, 403)}, summary="Macros I may apply")
def macro_list(request: HttpRequest) -> list[Macro]:
    return list(selectors.macros_usable(actor=_staff(request)))


@router.post("/macros", response={201: MacroOut, **errors_for(401, 403, 415, 422)}, summary="Create a macro")
def macro_create(request: HttpRequest, payload: MacroIn) -> Status:
    return Status(201, services.macro_create(actor=_staff(request), **payload.dict()))


@router.get("/macros/{macro_id}", response={200: MacroOut, **errors_for(401, 403, 404)}, summary="A macro")
def macro_get(request: HttpRequest, macro_id: int = IdPath) -> Macro:
    _staff(request)
    return _macro(request, macro_id)


@router.put("/macros/{macro_id}", response={200: MacroOut, **errors_for(401, 403, 404, 415, 422)},
            summary="Change a macro")  # fmt: skip
def macro_update(request: HttpRequest, payload: MacroIn, macro_id: int = IdPath) -> Macro:
    actor = _staff(request)
    return services.macro_update(actor=actor, macro=_macro(request, macro_id), **payload.dict())


@router.delete(
    "/macros/{macro_id}", response={204: None, **errors_for(401, 403, 404)}, summary="Delete a macro"
)
def macro_delete(request: HttpRequest, macro_id: int = IdPath) -> Status:
    actor = _staff(request)
    services.macro_delete(actor=actor, macro=_macro(request, macro_id))
    return Status(204, None)


@router.get("/macros/{macro_id}/versions", response={200: list[VersionOut], **errors_for(401, 403, 404)},
            summary="A macro's versions")  # fmt: skip
def macro_versions(request: HttpRequest, macro_id: int = IdPath) -> list[dict[str, Any]]:
    _staff(request)
    macro = _macro(request, macro_id)
    return [_version_out(v) for v in selectors.versions(kind=ConfigVersion.Kind.MACRO, object_id=macro.pk)]


@router.post("/macros/{macro_id}/revert", response={200: MacroOut, **errors_for(401, 403, 404, 415, 422)},
             summary="Revert a macro to a version")  # fmt: skip
def macro_revert(request: HttpRequest, payload: RevertIn, macro_id: int = IdPath) -> Macro:
    actor = _staff(request)
    return services.macro_revert(actor=actor, macro=_macro(request, macro_id), version=payload.version)


@router.post("/macros/{macro_id}/apply", response={200: ApplyResultOut, **errors_for(401, 403, 404, 409, 415, 422)},
             summary="Apply a macro to a ticket")  # fmt: skip
def macro_apply(request: HttpRequest, payload: ApplyIn, macro_id: int = IdPath) -> services.MacroResult:
    """All of it or nothing: a refused field value answers 422 and leaves the ticket as it was."""
    actor = _staff(request)
    macro = selectors.macros_usable(actor=actor).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound(_("Macro not found."))
    ticket = ticket_get(actor=actor, number=payload.ticket)
    return services.macro_apply(actor=actor, macro=macro, ticket=ticket, expected_version=payload.version)


@router.post("/macros/{macro_id}/apply-bulk", response={200: BulkApplyOut, **errors_for(401, 403, 404, 415, 422)},
             summary="Apply a macro to many tickets")  # fmt: skip
def macro_apply_bulk(request: HttpRequest, payload: BulkApplyIn, macro_id: int = IdPath) -> dict[str, Any]:
    """Each ticket on its own: those that refuse a change are left as they were and listed with the reason."""
    actor = _staff(request)
    macro = selectors.macros_usable(actor=actor).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound(_("Macro not found."))
    versions = {number.strip(): version for number, version in payload.versions.items()}
    strays = sorted(set(versions) - {number.strip() for number in payload.tickets})
    if strays:
        message = _("These tickets have a version but are not among the tickets: %(numbers)s.") % {
            "numbers": ", ".join(strays)
        }
        raise ValidationFailed(message, details={"versions": [message]})
    results = services.macro_apply_bulk(actor=actor, macro=macro, numbers=payload.tickets, versions=versions)
    applied = sum(1 for r in results if r.ok)
    return {"applied": applied, "failed": len(results) - applied, "results": results}
