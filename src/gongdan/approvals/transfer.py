"""Approval flows as a section of the configuration file (admin_console.transfer): each flow as its own
export (`flow_export`, named by code), applied by `flow_import` — created, or its stages replaced."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from gongdan.accounts.models import User
from gongdan.admin_console.transfer import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Change,
    Item,
    TransferSection,
    changed_fields,
)
from gongdan.approvals import selectors, services
from gongdan.approvals.models import ApprovalFlow

FORMAT = "gongdan.approval_flow/1"


def _code(item: Item) -> str:
    return str(item.get("code") or "").strip().lower()


def export_flows() -> list[Item]:
    return [services.flow_snapshot(f) for f in selectors.flow_list()]


def apply_flows(actor: User, items: list[Item]) -> list[Change]:
    changes = []
    for item in items:
        code = _code(item)
        existing = ApprovalFlow.objects.filter(code=code).first() if code else None
        if existing is not None:
            before = services.flow_snapshot(existing)
            diff = changed_fields(before, {**before, **item})
            if not diff:
                changes.append(Change("approval_flows", code, UNCHANGED))
                continue
        services.flow_import(actor=actor, data={**item, "format": FORMAT})
        changes.append(Change("approval_flows", code, CREATE if existing is None else UPDATE,
                              () if existing is None else diff))  # fmt: skip
    return changes


SECTIONS = (
    TransferSection(key="approval_flows", title=gettext_lazy("Approval flows"), order=50, export=export_flows,
                    apply=apply_flows, key_of=_code),
)  # fmt: skip
