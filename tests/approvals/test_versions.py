"""Approval flow versions: every save through the services is a version and one audit entry (the settings
screen adds none of its own), the versions screen shows what differs from the flow now, and a revert restores
a version through the same checks and is a version itself."""

from __future__ import annotations

import pytest

from gongdan.approvals import services
from gongdan.approvals.models import ApprovalFlow, FlowVersion
from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.api.conftest import ApiClient, assert_error
from tests.approvals.conftest import people_stage
from tests.factories import UserFactory


def _trail(flow_id: int) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="approvals.approvalflow", object_id=str(flow_id)).order_by("pk")
    )


def test_every_save_through_the_services_is_a_version_and_one_audit_entry(
    admin_user, make_flow, approver, team
):
    # Given a flow made with one stage, then a second stage, a change of name and a move
    flow = make_flow(people_stage(approver))
    services.stage_create(
        actor=admin_user, flow=flow, name="财务", approver_kind="team_leads", approver_team=team
    )
    services.flow_update(
        actor=admin_user,
        flow=flow,
        name="装修审批（新）",
        name_en=flow.name_en,
        code="reno",
        category=flow.category,
    )
    second = flow.stages.get(position=2)
    services.stage_move(actor=admin_user, stage=second, up=True)
    # Then each is a version, numbered in turn, by whom it was made
    versions = list(FlowVersion.objects.filter(flow_id=flow.pk).order_by("number"))
    assert [(v.number, v.action) for v in versions] == [
        (1, "created"),
        (2, "stages"),
        (3, "stages"),
        (4, "updated"),
        (5, "stages"),
    ]
    assert {v.actor for v in versions} == {admin_user}
    assert versions[-1].snapshot["stages"][0]["name"] == "财务"
    # And the audit trail has exactly one entry for each, naming what changed
    trail = _trail(flow.pk)
    assert [e.kind for e in trail] == ["config.create", "config.update", "config.update", "config.update",
                                       "config.update"]  # fmt: skip
    assert trail[3].detail["after"] == {"name": "装修审批（新）"}


def test_a_save_that_changes_nothing_is_no_version(admin_user, make_flow, approver):
    flow = make_flow(people_stage(approver))
    count = FlowVersion.objects.count()
    services.flow_update(actor=admin_user, flow=flow, name=flow.name, name_en=flow.name_en, code=flow.code,
                         category=flow.category)  # fmt: skip
    assert FlowVersion.objects.count() == count


def test_the_screen_audits_once_through_the_service(admin_browser, renovation):
    answer = admin_browser.post("/settings/approvals/new/", {"name": "装修审批", "code": "reno", "category": renovation.pk,
                                                             "start_on_create": "on", "is_active": "on", "order": 0})  # fmt: skip
    assert answer.status_code == 302
    flow = ApprovalFlow.objects.get(code="reno")
    admin_browser.post(f"/settings/approvals/{flow.pk}/", {"name": "装修审批 2", "code": "reno", "category": renovation.pk,
                                                           "start_on_create": "on", "is_active": "on", "order": 0})  # fmt: skip
    admin_browser.post(f"/settings/approvals/{flow.pk}/delete/")
    assert not ApprovalFlow.objects.filter(pk=flow.pk).exists()
    assert [e.kind for e in _trail(flow.pk)] == ["config.create", "config.update", "config.delete"]
    assert _trail(flow.pk)[2].detail["before"]["code"] == "reno"
    deleted = FlowVersion.objects.get(flow_id=flow.pk, number=3)
    assert deleted.action == "deleted" and deleted.snapshot["name"] == "装修审批 2"  # the history outlives it


def test_an_import_is_one_version(admin_user, make_flow, approver):
    flow = make_flow(people_stage(approver))
    data = services.flow_export(flow)
    data["stages"][0]["mode"] = "any"
    services.flow_import(actor=admin_user, data=data)
    last = FlowVersion.objects.filter(flow_id=flow.pk).first()
    assert last is not None and last.action == "imported" and last.snapshot["stages"][0]["mode"] == "any"
    assert FlowVersion.objects.filter(flow_id=flow.pk).count() == 3


def test_the_versions_screen_shows_what_differs_from_now_and_reverts(admin_browser, admin_user, make_flow,
                                                                     approver, approver_b):  # fmt: skip
    # Given a flow whose one stage named approver A, then B
    flow = make_flow(people_stage(approver))
    stage = flow.stages.get()
    services.stage_delete(actor=admin_user, stage=stage)
    services.stage_create(actor=admin_user, flow=flow, name="经理", **people_stage(approver_b))
    # When the admin looks at the versions
    page = admin_browser.get(f"/settings/approvals/{flow.pk}/versions/")
    html = page.content.decode()
    # Then version 2 (A's stage) shows A then, B now; the latest is the same as now
    assert page.status_code == 200
    assert html.count("data-version=") == 4
    assert "approver_a" in html and "approver_b" in html and "Stage 1 · people" in html
    # When they revert to version 2
    answer = admin_browser.post(f"/settings/approvals/{flow.pk}/revert/", {"version": "2"})
    assert answer.status_code == 302
    # Then the stage names A again, and the revert is version 5, from version 2, audited
    assert [p.username for p in flow.stages.get().approver_people.all()] == ["approver_a"]
    latest = FlowVersion.objects.filter(flow_id=flow.pk).first()
    assert (latest.number, latest.action, latest.reverted_from) == (5, "reverted", 2)
    assert _trail(flow.pk)[-1].detail["after"]["stages"][0]["approver_people"] == ["approver_a"]


def test_a_revert_to_a_version_naming_someone_gone_is_refused_by_name(admin_user, make_flow, approver_b):
    gone = UserFactory(username="gone_person", role="team_lead")
    flow = make_flow(people_stage(gone))
    services.stage_delete(actor=admin_user, stage=flow.stages.get())
    services.stage_create(actor=admin_user, flow=flow, name="经理", **people_stage(approver_b))
    gone.delete()
    count = FlowVersion.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.flow_revert(actor=admin_user, flow=flow, number=2)
    assert "gone_person" in str(refused.value.message)
    assert [p.username for p in flow.stages.get().approver_people.all()] == ["approver_b"]  # nothing written
    assert FlowVersion.objects.count() == count


def test_revert_guards(admin_browser, admin_user, agent, make_flow, approver):
    flow = make_flow(people_stage(approver))
    with pytest.raises(NotFound):
        services.flow_revert(actor=admin_user, flow=flow, number=99)
    with pytest.raises(Conflict):
        services.flow_revert(actor=admin_user, flow=flow, number=2)  # it is what the flow is now
    with pytest.raises(PermissionDenied):
        services.flow_revert(actor=agent, flow=flow, number=1)
    for bad in ("nope", "9" * 30, "١"):  # not a number, past any integer column, a non-ASCII digit
        answer = admin_browser.post(f"/settings/approvals/{flow.pk}/revert/", {"version": bad}, follow=True)
        assert answer.status_code == 200 and "That version does not exist." in answer.content.decode()


def test_erasing_an_approver_takes_their_username_out_of_the_flows_versions(admin_user, make_flow, approver_b,
                                                                           django_capture_on_commit_callbacks):  # fmt: skip
    from gongdan.privacy import services as privacy

    gone = UserFactory(username="li_leaving", role="team_lead")
    flow = make_flow(people_stage(gone, approver_b))
    assert "li_leaving" in str(FlowVersion.objects.filter(flow_id=flow.pk).first().snapshot)
    with django_capture_on_commit_callbacks(execute=True):
        erasure = privacy.person_erase(actor=admin_user, user=gone, confirm="li_leaving")
    for version in FlowVersion.objects.filter(flow_id=flow.pk):
        assert "li_leaving" not in str(version.snapshot)
    people = FlowVersion.objects.filter(flow_id=flow.pk).first().snapshot["stages"][0]["approver_people"]
    assert set(people) == {erasure.pseudonym, "approver_b"}


def test_a_changed_stage_reads_in_words_not_codes(admin_browser, admin_user, make_flow, approver):
    # Given a stage by people, then the same place taken by a stage of managers with a deadline
    flow = make_flow(people_stage(approver))
    services.stage_delete(actor=admin_user, stage=flow.stages.get())
    services.stage_create(actor=admin_user, flow=flow, name="经理", name_en="Managers", approver_kind="role",
                          approver_role="manager", mode="any", deadline_hours=16)  # fmt: skip
    # When the admin reads the versions in English
    html = admin_browser.get(
        f"/settings/approvals/{flow.pk}/versions/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    # Then the stage's mode, kind of approver, role and deadline are words
    assert "Everyone with a role" in html and "Any one of them" in html and "16 working hours" in html
    assert "Manager" in html
    for code in ("· role ·", "· any ·", "· manager ·", "team_members"):
        assert code not in html


def test_versions_over_the_api_and_a_revert_through_the_same_checks(admin_user, agent, make_flow, approver,
                                                                    approver_b):  # fmt: skip
    # Given a flow whose one stage named approver A, then B
    flow = make_flow(people_stage(approver))
    services.stage_delete(actor=admin_user, stage=flow.stages.get())
    services.stage_create(actor=admin_user, flow=flow, name="经理", **people_stage(approver_b))
    api = ApiClient(admin_user)
    # When an administrator reads the versions
    answer = api.get(f"approvals/flows/{flow.pk}/versions")
    assert answer.status_code == 200, answer.content
    versions = answer.json()
    # Then they come newest first, the latest is the flow now, and version 2 says what a revert would change
    assert [v["version"] for v in versions] == [4, 3, 2, 1]
    assert versions[0]["is_current"] and versions[0]["changes"] == []
    two = versions[2]
    assert (two["action"], two["actor"], two["is_current"]) == ("stages", "admin", False)
    assert two["snapshot"]["stages"][0]["approver_people"] == ["approver_a"]
    assert {"field": "Stage 1 · people", "then": "approver_a", "now": "approver_b"} in [
        {k: c[k] for k in ("field", "then", "now")} for c in two["changes"]
    ]
    # When they revert to it, the flow names A again and the revert is version 5, from 2
    reverted = api.post(f"approvals/flows/{flow.pk}/revert", {"version": 2})
    assert reverted.status_code == 200, reverted.content
    assert reverted.json()["definition"]["stages"][0]["approver_people"] == ["approver_a"]
    latest = api.get(f"approvals/flows/{flow.pk}/versions").json()[0]
    assert (latest["version"], latest["action"], latest["reverted_from"]) == (5, "reverted", 2)

    # Refused, nothing written: a version that does not exist, the version the flow is now, not a version,
    # an agent, no one signed in, a flow that does not exist
    count = FlowVersion.objects.count()
    assert_error(api.post(f"approvals/flows/{flow.pk}/revert", {"version": 99}), 404)
    assert_error(api.post(f"approvals/flows/{flow.pk}/revert", {"version": 5}), 409)
    for bad in (0, -1, "two", 1.5, 2**31):
        assert_error(api.post(f"approvals/flows/{flow.pk}/revert", {"version": bad}), 422)
    assert_error(ApiClient(agent).get(f"approvals/flows/{flow.pk}/versions"), 403)
    assert_error(ApiClient(agent).post(f"approvals/flows/{flow.pk}/revert", {"version": 2}), 403)
    assert_error(ApiClient().get(f"approvals/flows/{flow.pk}/versions"), 401)
    assert_error(api.get("approvals/flows/999999/versions"), 404)
    assert FlowVersion.objects.count() == count
