"""The system transitions approvals added (0002) belong to the default workflow's published version too, so
the editor shows them and publishing the next version keeps them (decision 0150)."""

from django.db import migrations

ACTIONS = ("approval_wait", "approval_granted", "approval_granted_assigned", "approval_rejected", "approval_send_back")


def add(apps, schema_editor):
    WorkflowTransition = apps.get_model("tickets", "WorkflowTransition")
    WorkflowVersion = apps.get_model("tickets", "WorkflowVersion")
    version = WorkflowVersion.objects.filter(ticket_type=None, status="published").first()
    if version is None:
        return
    definition = dict(version.definition)
    transitions = list(definition.get("transitions", []))
    present = {(t["action"], t["from"]) for t in transitions}
    for row in WorkflowTransition.objects.filter(ticket_type=None, action__in=ACTIONS).order_by("order", "pk"):
        if (row.action, row.from_status) in present:
            continue
        transitions.append({"action": row.action, "name": row.name, "name_en": row.name_en,
                            "from": row.from_status, "to": row.to_status, "roles": [], "requires_note": False,
                            "required_fields": [], "checks": [], "approval": ""})  # fmt: skip
    definition["transitions"] = transitions
    version.definition = definition
    version.save(update_fields=["definition"])


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0002_approval_system_transitions"),
        ("tickets", "0018_workflow_as_installed"),
    ]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
