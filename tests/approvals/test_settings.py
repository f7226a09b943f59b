"""The flow settings screens (admins): create a flow, add, reorder and remove stages, every guard with its field
error and nothing written, export and import between sites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongdan.approvals import services
from gongdan.approvals.models import ApprovalFlow, ApprovalStage
from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from tests.approvals.conftest import people_stage


def test_an_admin_builds_a_flow_with_its_stages(admin_browser, renovation, team, approver):
    answer = admin_browser.post("/settings/approvals/new/", {"name": "装修审批", "name_en": "Renovation", "code": "reno",
                                                             "category": renovation.pk, "start_on_create": "on",
                                                             "is_active": "on", "order": 0})  # fmt: skip
    assert answer.status_code == 302
    flow = ApprovalFlow.objects.get(code="reno")
    stage_url = f"/settings/approvals/{flow.pk}/stages/"
    assert admin_browser.post(stage_url, {"name": "物业经理", "approver_kind": "team_leads", "approver_team": team.pk,
                                          "mode": "any", "required_count": 1}).status_code == 302  # fmt: skip
    assert admin_browser.post(stage_url, {"name": "财务", "approver_kind": "people", "approver_people": "approver_a",
                                          "mode": "all", "required_count": 1, "condition_field": "cost",
                                          "condition_operator": "gt", "condition_value": "10000"}).status_code == 302  # fmt: skip
    stages = list(flow.stages.order_by("position"))
    assert [s.name for s in stages] == ["物业经理", "财务"]
    assert list(stages[1].approver_people.all()) == [approver]
    admin_browser.post(f"/settings/approvals/stages/{stages[1].pk}/move/", {"direction": "up"})
    assert list(flow.stages.order_by("position").values_list("name", flat=True)) == ["财务", "物业经理"]
    page = admin_browser.get(f"/settings/approvals/{flow.pk}/")
    assert page.status_code == 200 and page.content.decode().count("data-stage=") == 2
    admin_browser.post(f"/settings/approvals/stages/{stages[0].pk}/delete/")
    assert flow.stages.count() == 1
    assert admin_browser.get("/settings/approvals/").status_code == 200


def test_a_flow_for_every_ticket_is_refused_next_to_the_field(admin_browser):
    answer = admin_browser.post("/settings/approvals/new/", {"name": "Everything", "code": "all", "order": 0})
    assert answer.status_code == 422
    assert (
        'data-field-error="ticket_type"' in answer.content.decode()
        or "ticket_type" in answer.content.decode()
    )
    assert not ApprovalFlow.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"approver_kind": "team_leads"}, "approver_team"),
        ({"approver_kind": "role"}, "approver_role"),
        ({"approver_kind": "people", "approver_people": "nobody_here"}, "approver_people"),
        ({"approver_kind": "people"}, "approver_people"),
        ({"approver_kind": "requester_manager", "condition_field": "cost"}, "condition_operator"),
        ({"approver_kind": "requester_manager", "escalate_after_hours": 4}, "escalate_after_hours"),
    ],
)
def test_a_stage_guard_names_its_field_and_writes_nothing(admin_browser, make_flow, values, field):
    flow = make_flow()
    answer = admin_browser.post(f"/settings/approvals/{flow.pk}/stages/",
                                {"name": "阶段", "mode": "all", "required_count": 1, **values})  # fmt: skip
    assert answer.status_code == 422
    assert f'data-field-error="{field}"' in answer.content.decode()
    assert not ApprovalStage.objects.exists()


def test_only_admins_change_flows(agent, agent_client, make_flow):
    flow = make_flow()
    assert agent_client.get("/settings/approvals/").status_code in (302, 403)
    with pytest.raises(PermissionDenied):
        services.flow_update(actor=agent, flow=flow, name="x", code="x", category=flow.category)


def test_a_flow_that_ran_is_kept(make_flow, file_ticket, approver, admin_user):
    flow = make_flow(people_stage(approver))
    file_ticket()
    with pytest.raises(Conflict):
        services.flow_delete(actor=admin_user, flow=flow)


def test_export_then_import_on_another_site_recreates_the_flow(admin_browser, make_flow, approver, team):
    flow = make_flow(people_stage(approver, mode="quorum", required_count=1, deadline_hours=8),
                     {"approver_kind": "team_leads", "approver_team": team})  # fmt: skip
    exported = admin_browser.get(f"/settings/approvals/{flow.pk}/export.json")
    data = exported.json()
    assert data["stages"][0]["approver_people"] == ["approver_a"]
    ApprovalFlow.objects.all().delete()
    upload = SimpleUploadedFile(
        "flow.json", json.dumps(data, ensure_ascii=False).encode(), "application/json"
    )
    answer = admin_browser.post("/settings/approvals/import/", {"file": upload})
    assert answer.status_code == 302
    again = ApprovalFlow.objects.get(code="reno")
    assert services.flow_export(again) == data


def test_an_import_that_names_what_is_not_here_writes_nothing(admin_browser, make_flow, approver):
    data = services.flow_export(make_flow(people_stage(approver)))
    ApprovalFlow.objects.all().delete()
    data["stages"][0]["approver_people"] = ["someone_else"]
    upload = SimpleUploadedFile("flow.json", json.dumps(data).encode(), "application/json")
    answer = admin_browser.post("/settings/approvals/import/", {"file": upload})
    assert answer.status_code == 422 and "someone_else" in answer.content.decode()
    assert not ApprovalFlow.objects.exists()
    garbage = SimpleUploadedFile("flow.json", b"not json", "application/json")
    assert admin_browser.post("/settings/approvals/import/", {"file": garbage}).status_code == 422


def test_the_shipped_examples_import_where_their_names_exist(admin_user, team):
    with pytest.raises(ValidationFailed):  # a site without 设施维修 or 装修申请 is told what is missing
        services.flow_import(actor=admin_user, data=json.loads(services_example("renovation.json")))
    assert not ApprovalFlow.objects.exists()


def services_example(name: str) -> str:
    return (Path(services.__file__).parent / "examples" / name).read_text(encoding="utf-8")
