"""Every workflow in use becomes version 1, published, equal to today's behaviour (decision 0150): the default
workflow gets one state per system status (a state's code is the status it stands for, so a ticket's empty
`state` means the state named like its status and no ticket row is rewritten), and each ticket type with
transitions of its own gets the same states and its own transitions."""

from django.db import migrations

STATUSES = [
    ("new", "新建", "New"),
    ("assigned", "已分派", "Assigned"),
    ("in_progress", "处理中", "In progress"),
    ("pending_requester", "等待申请人", "Pending on requester"),
    ("pending_third_party", "等待第三方", "Pending on third party"),
    ("resolved", "已解决", "Resolved"),
    ("closed", "已关闭", "Closed"),
    ("cancelled", "已取消", "Cancelled"),
]
COLUMNS = {"new": 0, "assigned": 1, "in_progress": 2, "pending_requester": 2, "pending_third_party": 3,
           "resolved": 3, "closed": 4, "cancelled": 4}  # fmt: skip
ROWS = {"new": 0, "assigned": 0, "in_progress": 0, "pending_requester": 2, "pending_third_party": 2,
        "resolved": 0, "closed": 0, "cancelled": 2}  # fmt: skip


def definition_from_rows(transitions):
    states = [
        {"code": code, "name": name, "name_en": name_en, "status": code,
         "x": 80 + COLUMNS[code] * 200, "y": 80 + ROWS[code] * 120}
        for code, name, name_en in STATUSES
    ]  # fmt: skip
    return {
        "states": states,
        "transitions": [
            {"action": t.action, "name": t.name, "name_en": t.name_en,
             "from": t.from_state or t.from_status, "to": t.to_state or t.to_status,
             "roles": list(t.allowed_roles), "requires_note": t.requires_note,
             "required_fields": list(t.required_fields), "checks": list(t.checks), "approval": t.approval}
            for t in transitions
        ],
    }  # fmt: skip


def seed(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    WorkflowState = apps.get_model("tickets", "WorkflowState")
    WorkflowTransition = apps.get_model("tickets", "WorkflowTransition")
    WorkflowVersion = apps.get_model("tickets", "WorkflowVersion")
    owners = [None, *TicketType.objects.filter(
        pk__in=WorkflowTransition.objects.filter(ticket_type__isnull=False).values("ticket_type"))]  # fmt: skip
    for owner in owners:
        if WorkflowVersion.objects.filter(ticket_type=owner).exists():
            continue
        for order, (code, name, name_en) in enumerate(STATUSES):
            WorkflowState.objects.get_or_create(
                ticket_type=owner, code=code, defaults={"name": name, "name_en": name_en, "status": code, "order": order}
            )
        rows = WorkflowTransition.objects.filter(ticket_type=owner).order_by("order", "pk")
        WorkflowVersion.objects.create(ticket_type=owner, number=1, status="published",
                                       definition=definition_from_rows(rows), note="as installed")  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("tickets", "0017_workflow_versions_and_states")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
