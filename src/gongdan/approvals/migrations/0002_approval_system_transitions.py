"""The lifecycle moves an approval makes (decision 0095): system transitions of the default workflow that no
person may take (no roles). A ticket waits for its approval in "pending on third party", goes back to the
requester when sent back, and leaves the wait approved (new, or assigned when it has an assignee) or
rejected (closed, with the reason)."""

from django.db import migrations

TRANSITIONS = [
    ("approval_wait", "等待审批", "Wait for approval", ["new", "assigned", "in_progress"], "pending_third_party"),
    ("approval_granted", "审批通过", "Approved", ["pending_third_party"], "new"),
    ("approval_granted_assigned", "审批通过", "Approved", ["pending_third_party"], "assigned"),
    ("approval_rejected", "审批驳回", "Rejected in approval", ["pending_third_party"], "closed"),
    ("approval_send_back", "退回补充", "Sent back for more information", ["pending_third_party"], "pending_requester"),
]


def seed(apps, schema_editor):
    WorkflowTransition = apps.get_model("tickets", "WorkflowTransition")
    order = 900
    for action, name, name_en, sources, target in TRANSITIONS:
        for source in sources:
            WorkflowTransition.objects.get_or_create(
                ticket_type=None,
                action=action,
                from_status=source,
                defaults={"name": name, "name_en": name_en, "to_status": target, "allowed_roles": [],
                          "requires_note": False, "order": order},
            )
            order += 1


def unseed(apps, schema_editor):
    WorkflowTransition = apps.get_model("tickets", "WorkflowTransition")
    WorkflowTransition.objects.filter(ticket_type=None, action__in=[t[0] for t in TRANSITIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_approval_flows_requests_and_delegations"), ("tickets", "0003_default_configuration")]

    operations = [migrations.RunPython(seed, unseed)]
