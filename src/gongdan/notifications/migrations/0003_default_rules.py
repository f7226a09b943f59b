"""Default notification rules and the rule engine's cursor.

The defaults cover what people expect from a helpdesk without doubling what is already sent elsewhere:
SLA warnings and breaches are sent by the SLA engine's escalation steps, and P0 pages by on-call paging,
so no default rule listens to those events (an admin can add one, for a chat bot say). The cursor starts
after the events already in the database, so installing this does not notify about old history."""

from django.db import migrations

DEFAULT_RULES = [
    # name, event, recipients, channels, active
    ("新工单通知团队 / New ticket → team", "created", ["team"], ["in_app"], True),
    ("新工单回执 / New ticket → requester", "created", ["requester"], ["email"], False),
    ("指派通知处理人 / Assigned → assignee", "assigned", ["assignee"], ["email", "in_app"], True),
    ("公开回复通知申请人 / Public reply → requester", "commented", ["requester"], ["email"], True),
    ("公开回复通知处理人 / Public reply → assignee", "commented", ["assignee"], ["email", "in_app"], True),
    ("状态变更通知申请人 / Status changed → requester", "state_changed", ["requester"], ["email"], True),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("notifications", "NotificationRule")
    Cursor = apps.get_model("notifications", "RuleCursor")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    for name, event, recipients, channels, active in DEFAULT_RULES:
        Rule.objects.get_or_create(
            name=name, defaults={"event": event, "recipients": recipients, "channels": channels, "is_active": active}
        )
    last = TicketEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    Cursor.objects.get_or_create(name="rules", defaults={"last_event_id": last})


def unseed(apps, schema_editor):
    apps.get_model("notifications", "NotificationRule").objects.filter(name__in=[r[0] for r in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_rules_chat_bots_webhooks"),
        ("tickets", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
