"""Workflows travel in the configuration file: each type's published workflow, its transitions naming approval
flows by code. Importing makes it the type's draft, never the published version (publishing needs the admin's
mapping); a file equal to what is in use changes nothing; a file naming what the site lacks is refused by
section, row and field with nothing written."""

from __future__ import annotations

import copy
import json

import pytest

from gongdan.approvals import services as approvals
from gongdan.core.domain_errors import ValidationFailed
from gongdan.tickets.models import TicketType, VersionStatus, WorkflowVersion
from gongdan.tickets.services import workflows
from gongdan.transfer import services
from tests.tickets.test_workflows import THREE_STATES, move, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def permit(db):
    return TicketType.objects.create(code="permit", name="装修审批", name_en="Renovation permit")


@pytest.fixture
def guarded(admin_user, permit, team):
    """The permit workflow, its finish guarded by the approval flow "reno"."""
    approvals.flow_create(actor=admin_user, name="装修审批", code="reno", ticket_type=permit)
    approvals.stage_create(actor=admin_user, flow=approvals.ApprovalFlow.objects.get(code="reno"), name="经理",
                           approver_kind="team_leads", approver_team=team)  # fmt: skip
    definition = copy.deepcopy(THREE_STATES)
    definition["transitions"][1] = move("finish", "works", "done", roles=("assignee",), approval="reno")
    return publish(admin_user, permit, definition)


def _workflows(data: dict) -> dict:
    return {i["ticket_type"] or "default": i for i in data["sections"]["workflows"]}


def test_published_workflows_export_and_an_import_elsewhere_makes_them_drafts(admin_user, permit, guarded):
    exported = json.loads(json.dumps(services.config_export(actor=admin_user, sections=["approval_flows", "workflows"]),
                                     ensure_ascii=False))  # fmt: skip
    item = _workflows(exported)["permit"]
    assert item["definition"]["transitions"][1]["approval"] == "reno"
    assert "default" in _workflows(exported)
    # Given the other site has the type but no workflow of its own for it
    WorkflowVersion.objects.filter(ticket_type=permit).delete()
    # When the file is imported
    report = services.config_import(actor=admin_user, data=exported)
    # Then the type has a draft equal to the exported workflow, and nothing is published for it
    changes = {(c.section, c.key): c.action for c in report.changes}
    assert changes[("workflows", "permit")] == "create" and changes[("workflows", "default")] == "unchanged"
    draft = workflows.draft_version(permit)
    assert draft is not None and draft.definition == item["definition"]
    assert workflows.published_version(permit) is None
    # And importing the same file again changes nothing (the draft is waiting already)
    again = services.config_import(actor=admin_user, data=exported, dry_run=True)
    assert {(c.section, c.key): c.action for c in again.changes}[("workflows", "permit")] == "unchanged"
    # Publishing it is the admin's step, as for any draft
    assert workflows.workflow_publish(actor=admin_user, ticket_type=permit).status == VersionStatus.PUBLISHED


def test_a_changed_workflow_in_the_file_becomes_a_draft_beside_the_published_one(admin_user, permit, guarded):
    data = services.config_export(actor=admin_user, sections=["workflows"])
    _workflows(data)["permit"]["definition"]["states"][1]["name"] = "施工"
    report = services.config_import(actor=admin_user, data=data)
    change = next(c for c in report.changes if c.key == "permit")
    assert (change.action, change.fields) == ("update", ("states",))
    assert workflows.published_version(permit).definition["states"][1]["name"] == "施工中"  # still in use
    assert workflows.draft_version(permit).definition["states"][1]["name"] == "施工"


@pytest.mark.parametrize(
    ("spoil", "detail"),
    [
        (lambda i: i.update(ticket_type="nowhere"), "workflows.nowhere.ticket_type"),
        (lambda i: i["definition"]["transitions"][1].update(approval="gone"),
         "workflows.permit.definition.transitions.1.approval"),
        (lambda i: i["definition"]["states"][0].update(status="sleeping"),
         "workflows.permit.definition.states.0.status"),
        (lambda i: i.update(definition="not a diagram"), "workflows.permit.definition.definition"),
    ],
)  # fmt: skip
def test_a_workflow_naming_what_the_site_lacks_is_refused_by_name_and_writes_nothing(
    admin_user, permit, guarded, spoil, detail
):
    data = services.config_export(actor=admin_user, sections=["workflows"])
    data["sections"]["categories"] = []
    spoil(_workflows(data)["permit"])
    count = WorkflowVersion.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.config_import(actor=admin_user, data=data)
    assert detail in refused.value.details
    assert "Workflow" in str(refused.value.message)
    assert WorkflowVersion.objects.count() == count and workflows.draft_version(permit) is None
