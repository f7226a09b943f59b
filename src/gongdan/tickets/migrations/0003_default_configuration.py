"""The configuration a new site starts with: priorities, ticket types, the default workflow, numbering.
All of it is data an admin edits afterwards."""

from django.db import migrations

PRIORITIES = [
    ("P0", 0, "紧急", "Critical", "#d63939"),
    ("P1", 1, "高", "High", "#f76707"),
    ("P2", 2, "中", "Medium", "#f59f00"),
    ("P3", 3, "低", "Low", "#4299e1"),
    ("P4", 4, "计划", "Planning", "#667382"),
]
TYPES = [
    ("incident", "故障", "Incident"),
    ("service_request", "服务请求", "Service request"),
    ("maintenance", "维修工单", "Maintenance work order"),
    ("complaint", "投诉", "Complaint"),
    ("change", "变更", "Change"),
]
OPEN = ["new", "assigned", "in_progress", "pending_requester", "pending_third_party"]
WORKING = ["new", "assigned", "in_progress"]
PENDING = ["pending_requester", "pending_third_party"]
AGENTS = ["agent"]
# (action, Chinese, English, from statuses, to status, roles, requires note)
TRANSITIONS = [
    ("start", "开始处理", "Start work", ["new", "assigned", *PENDING], "in_progress", AGENTS, False),
    ("wait_requester", "等待请求人", "Wait for requester", WORKING, "pending_requester", AGENTS, False),
    ("wait_third_party", "等待第三方", "Wait for third party", WORKING, "pending_third_party", AGENTS, False),
    ("resolve", "解决", "Resolve", OPEN, "resolved", AGENTS, True),
    ("close", "关闭", "Close", ["resolved"], "closed", ["agent", "requester"], False),
    ("reopen", "重新打开", "Reopen", ["resolved", "closed"], "in_progress", ["agent", "requester"], False),
    ("cancel", "取消", "Cancel", OPEN, "cancelled", ["agent", "requester"], False),
]


def seed(apps, schema_editor):
    Priority = apps.get_model("tickets", "Priority")
    TicketType = apps.get_model("tickets", "TicketType")
    WorkflowTransition = apps.get_model("tickets", "WorkflowTransition")
    TicketNumbering = apps.get_model("tickets", "TicketNumbering")
    for code, rank, name, name_en, colour in PRIORITIES:
        Priority.objects.get_or_create(
            code=code, defaults={"rank": rank, "name": name, "name_en": name_en, "colour": colour, "is_default": code == "P2"}
        )
    for order, (code, name, name_en) in enumerate(TYPES):
        TicketType.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})
    order = 0
    for action, name, name_en, sources, target, roles, requires_note in TRANSITIONS:
        for source in sources:
            WorkflowTransition.objects.get_or_create(
                ticket_type=None,
                action=action,
                from_status=source,
                defaults={"name": name, "name_en": name_en, "to_status": target, "allowed_roles": roles,
                          "requires_note": requires_note, "order": order},
            )
            order += 1
    TicketNumbering.objects.get_or_create(pk=1, defaults={"prefix": "GD", "include_year": True, "digits": 6})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_search_index")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
