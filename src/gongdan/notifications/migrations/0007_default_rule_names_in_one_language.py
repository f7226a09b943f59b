"""The default rules' names were both languages at once ("新工单通知团队 / New ticket → team"): each is now
stored as its English name and shown in the reader's language (NotificationRule.display_name). Rules an admin
has renamed keep their names."""

from django.db import migrations

RENAMES = [
    ("新工单通知团队 / New ticket → team", "New ticket → team"),
    ("新工单回执 / New ticket → requester", "New ticket → requester"),
    ("指派通知处理人 / Assigned → assignee", "Assigned → assignee"),
    ("公开回复通知申请人 / Public reply → requester", "Public reply → requester"),
    ("公开回复通知处理人 / Public reply → assignee", "Public reply → assignee"),
    ("状态变更通知申请人 / Status changed → requester", "Status changed → requester"),
]


def rename(apps, schema_editor, pairs):
    Rule = apps.get_model("notifications", "NotificationRule")
    for old, new in pairs:
        if not Rule.objects.filter(name=new).exists():
            Rule.objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor):
    rename(apps, schema_editor, RENAMES)


def backwards(apps, schema_editor):
    rename(apps, schema_editor, [(new, old) for old, new in RENAMES])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_rules_read_events_through_the_shared_pipeline")]

    operations = [migrations.RunPython(forwards, backwards)]
