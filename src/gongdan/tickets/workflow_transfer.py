"""Workflows as a section of the configuration file (admin_console.transfer): each ticket type's published
workflow (and the default workflow), named by the type's code ("default" for the default one); its transitions
name approval flows, checks and fields by their codes already.

An imported workflow becomes the type's DRAFT, never the published version: publishing moves open tickets out
of removed states, which needs the admin's mapping (decision 0186). A file whose workflow equals the one in use,
or the draft already waiting, changes nothing."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.accounts.models import User
from gongdan.admin_console.transfer import CREATE, UNCHANGED, UPDATE, Change, Item, TransferSection, explained
from gongdan.core.domain_errors import ValidationFailed
from gongdan.tickets.models import TicketType, VersionStatus, WorkflowVersion
from gongdan.tickets.services import workflows

SECTION = "workflows"
DEFAULT_KEY = "default"


def _key(item: Item) -> str:
    code = item.get("ticket_type")
    return str(code) if code not in (None, "") else DEFAULT_KEY


def export_workflows() -> list[Item]:
    versions = {
        v.ticket_type.code if v.ticket_type else None: v
        for v in WorkflowVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("ticket_type")
    }
    items = []
    for code in [None, *TicketType.objects.order_by("order", "code").values_list("code", flat=True)]:
        version = versions.get(code)
        if version is not None:
            items.append({"ticket_type": code, "definition": version.definition})
    return items


def _refuse(key: str, field: str, message: str) -> ValidationFailed:
    text = _("Workflow “%(key)s”: %(message)s") % {"key": key, "message": message}
    return ValidationFailed(text, details={f"{SECTION}.{key}.{field}": [message]})


def _owner(item: Item, key: str) -> TicketType | None:
    code = item.get("ticket_type")
    if code in (None, ""):
        return None
    found = TicketType.objects.filter(code=code).first() if isinstance(code, str) else None
    if found is None:
        raise _refuse(key, "ticket_type", _("“%(value)s” does not exist on this site.") % {"value": code})
    return found


def _definition(item: Item, key: str) -> dict[str, Any]:
    try:
        return workflows.clean_definition(item.get("definition"))
    except ValidationFailed as exc:
        raise ValidationFailed(
            _("Workflow “%(key)s”: %(message)s") % {"key": key, "message": explained(exc)},
            details={f"{SECTION}.{key}.definition.{k}": v for k, v in exc.details.items()},
        ) from None


def apply_workflows(actor: User, items: list[Item]) -> list[Change]:
    changes = []
    for item in items:
        key = _key(item)
        ticket_type = _owner(item, key)
        definition = _definition(item, key)
        published = workflows.published_version(ticket_type)
        draft = workflows.draft_version(ticket_type)
        if any(
            v is not None and workflows.clean_definition(v.definition) == definition
            for v in (published, draft)
        ):
            changes.append(Change(SECTION, key, UNCHANGED))
            continue
        held = draft or published
        before = held.definition if held is not None else {}
        diff = workflows.workflow_diff(before, definition)
        fields = tuple(part for part in ("states", "transitions") if any(diff[part].values()))
        workflows.workflow_draft_save(actor=actor, ticket_type=ticket_type, definition=definition,
                                      note=_("Imported with the configuration file"))  # fmt: skip
        changes.append(Change(SECTION, key, UPDATE if published or draft else CREATE, fields or ("diagram",)))
    return changes


SECTIONS = (
    TransferSection(key=SECTION, title=gettext_lazy("Workflows (imported as drafts)"), order=55,
                    export=export_workflows, apply=apply_workflows, key_of=_key),
)  # fmt: skip
