"""Drawn workflows (decision 0150/0151): a definition's shape and graph are checked and the problems named;
publishing moves the open tickets of removed states by the admin's mapping, each with an event; the published
transitions' rules (roles, required fields, checks, an approval) are what `ticket_transition` enforces."""

from __future__ import annotations

import copy
import json

import pytest
from django.urls import reverse

from gongdan.approvals import services as approvals
from gongdan.approvals.models import ApprovalRequest, ApprovalTask, RequestStatus
from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from gongdan.tickets import events
from gongdan.tickets.models import (
    Status,
    Ticket,
    TicketEvent,
    TicketType,
    VersionStatus,
    WorkflowState,
    WorkflowTransition,
    WorkflowVersion,
)
from gongdan.tickets.services import ticket_transition, workflows
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def state(code, status, name=None):
    return {
        "code": code,
        "name": name or code,
        "name_en": (name or code).title(),
        "status": status,
        "x": 0,
        "y": 0,
    }


def move(action, source, target, roles=("agent",), **rules):
    return {"action": action, "name": action, "name_en": action, "from": source, "to": target,
            "roles": list(roles), "requires_note": rules.get("requires_note", False),
            "required_fields": rules.get("required_fields", []), "checks": rules.get("checks", []),
            "approval": rules.get("approval", "")}  # fmt: skip


THREE_STATES = {
    "states": [
        state("filed", "new", "已提交"),
        state("works", "in_progress", "施工中"),
        state("done", "resolved"),
    ],
    "transitions": [
        move("start", "filed", "works", roles=("agent",), required_fields=["assignee"]),
        move("finish", "works", "done", roles=("assignee",), checks=["has_category"]),
        move("reopen", "done", "works", roles=("requester", "agent")),
    ],
}


@pytest.fixture
def permit(db):
    return TicketType.objects.create(code="permit", name="装修审批", name_en="Renovation permit")


def publish(admin, ticket_type, definition, mapping=None):
    workflows.workflow_draft_save(actor=admin, ticket_type=ticket_type, definition=definition)
    return workflows.workflow_publish(actor=admin, ticket_type=ticket_type, mapping=mapping)


# --- the installed workflow -------------------------------------------------------------------------------


def test_the_default_workflow_is_installed_as_published_version_one_with_a_state_per_status():
    version = WorkflowVersion.objects.get(ticket_type=None, status=VersionStatus.PUBLISHED)

    assert version.number == 1
    assert [s["code"] for s in version.definition["states"]] == list(Status.values)
    rows = WorkflowTransition.objects.filter(ticket_type=None).count()
    assert len(version.definition["transitions"]) == rows  # the approval system transitions included
    assert workflows.workflow_problems(version.definition) == []


def test_republishing_the_installed_default_workflow_keeps_every_ticket_working(
    admin_user, make_ticket, agent
):
    ticket = make_ticket()
    definition = workflows.definition_in_use(None)

    publish(admin_user, None, definition)
    moved = ticket_transition(actor=agent, ticket=ticket, action="start")

    assert moved.status == Status.IN_PROGRESS and moved.state == "in_progress"
    assert WorkflowVersion.objects.get(ticket_type=None, number=1).status == VersionStatus.RETIRED


# --- the shape --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (lambda d: d["states"][0].update(code="Bad Code"), "states.0.code"),
        (lambda d: d["states"][1].update(code="filed"), "states.1.code"),
        (lambda d: d["states"][0].update(status="limbo"), "states.0.status"),
        (lambda d: d["states"][0].update(name=" "), "states.0.name"),
        (lambda d: d["transitions"][0].update(to="nowhere"), "transitions.0.to"),
        (lambda d: d["transitions"][0].update(to="filed"), "transitions.0.to"),
        (lambda d: d["transitions"][1].update(action="start", **{"from": "filed"}), "transitions.1.action"),
        (lambda d: d["transitions"][0].update(roles=["emperor"]), "transitions.0.roles"),
        (
            lambda d: d["transitions"][0].update(required_fields=["no_such_field"]),
            "transitions.0.required_fields",
        ),
        (lambda d: d["transitions"][0].update(checks=["moon_is_full"]), "transitions.0.checks"),
        (lambda d: d["transitions"][0].update(approval="no_such_flow"), "transitions.0.approval"),
    ],
)
def test_a_malformed_definition_is_refused_naming_the_place_and_nothing_is_saved(
    admin_user, permit, change, place
):
    definition = copy.deepcopy(THREE_STATES)
    change(definition)

    with pytest.raises(ValidationFailed) as refused:
        workflows.workflow_draft_save(actor=admin_user, ticket_type=permit, definition=definition)

    assert place in refused.value.details
    assert not WorkflowVersion.objects.filter(ticket_type=permit).exists()


def test_only_an_administrator_saves_a_draft(agent, permit):
    with pytest.raises(PermissionDenied):
        workflows.workflow_draft_save(actor=agent, ticket_type=permit, definition=THREE_STATES)


# --- the graph --------------------------------------------------------------------------------------------


def test_validation_names_unreachable_states_dead_ends_and_states_with_no_way_to_done():
    definition = workflows.clean_definition({
        "states": [state("filed", "new", "已提交"), state("island", "in_progress", "孤岛"),
                   state("stuck", "pending_requester", "卡住"), state("loop_a", "in_progress", "循环甲"),
                   state("loop_b", "in_progress", "循环乙"), state("done", "resolved", "完成")],
        "transitions": [move("wait", "filed", "stuck"), move("go", "filed", "loop_a"),
                        move("ping", "loop_a", "loop_b"), move("pong", "loop_b", "loop_a"),
                        move("finish", "filed", "done"), move("leave", "island", "done")],
    })  # fmt: skip

    problems = {(p.code, p.state) for p in workflows.workflow_problems(definition)}

    assert problems == {("unreachable", "island"), ("dead_end", "stuck"), ("no_way_to_done", "loop_a"),
                        ("no_way_to_done", "loop_b")}  # fmt: skip
    messages = " ".join(p.message for p in workflows.workflow_problems(definition))
    assert "孤岛" in messages and "卡住" in messages and "循环甲" in messages


def test_a_workflow_without_a_done_state_or_a_start_is_reported():
    definition = workflows.clean_definition(
        {"states": [state("a", "in_progress"), state("b", "pending_requester")],
         "transitions": [move("x", "a", "b"), move("y", "b", "a")]}
    )  # fmt: skip

    codes = {p.code for p in workflows.workflow_problems(definition)}

    assert {"no_done_state", "no_start_state"} <= codes


def test_a_draft_with_problems_is_not_published(admin_user, permit):
    broken = copy.deepcopy(THREE_STATES)
    broken["transitions"] = broken["transitions"][:1]  # "works" is now a dead end, nothing reaches "done"
    workflows.workflow_draft_save(actor=admin_user, ticket_type=permit, definition=broken)

    with pytest.raises(ValidationFailed) as refused:
        workflows.workflow_publish(actor=admin_user, ticket_type=permit)

    assert refused.value.code == "workflow_invalid"
    assert not WorkflowState.objects.filter(ticket_type=permit).exists()


# --- publishing -------------------------------------------------------------------------------------------


def test_publishing_moves_open_tickets_of_removed_states_by_the_mapping_each_with_an_event(
    admin_user, permit, make_ticket, agent
):
    publish(admin_user, permit, THREE_STATES)
    waiting = make_ticket(ticket_type=permit, assignee=agent)
    in_works = ticket_transition(actor=agent, ticket=waiting, action="start")
    assert (in_works.state, in_works.status) == ("works", Status.IN_PROGRESS)
    second = make_ticket("Second", ticket_type=permit)
    renamed = copy.deepcopy(THREE_STATES)
    renamed["states"][1] = state("building", "pending_third_party", "施工（等待材料）")
    for t in renamed["transitions"]:
        t["from"] = "building" if t["from"] == "works" else t["from"]
        t["to"] = "building" if t["to"] == "works" else t["to"]
    workflows.workflow_draft_save(actor=admin_user, ticket_type=permit, definition=renamed)

    # Given open tickets in "works", which the new version removes: publishing without a mapping is refused
    with pytest.raises(ValidationFailed) as refused:
        workflows.workflow_publish(actor=admin_user, ticket_type=permit)
    assert refused.value.code == "mapping_required" and "mapping.works" in refused.value.details
    with pytest.raises(ValidationFailed) as refused:
        workflows.workflow_publish(actor=admin_user, ticket_type=permit, mapping={"works": "done"})
    assert refused.value.code == "mapping_invalid"  # open tickets are not finished by a publish
    assert Ticket.objects.get(pk=waiting.pk).state == "works"

    version = workflows.workflow_publish(actor=admin_user, ticket_type=permit, mapping={"works": "building"})

    moved = Ticket.objects.get(pk=waiting.pk)
    assert (moved.state, moved.status) == ("building", Status.PENDING_THIRD_PARTY)
    event = TicketEvent.objects.filter(ticket=moved, kind=events.TRANSITIONED).latest("pk")
    assert event.data["action"] == "workflow_published" and event.actor == admin_user
    assert (event.data["from_state"], event.data["to_state"]) == ("works", "building")
    assert Ticket.objects.get(pk=second.pk).state == "filed"  # kept: its state is still there
    assert version.moved == {"mapping": {"works": "building"}, "tickets": 1}
    assert WorkflowVersion.objects.get(ticket_type=permit, number=1).status == VersionStatus.RETIRED
    entry = AuditEntry.objects.filter(kind=workflows.AUDIT_PUBLISH).latest("pk")
    assert entry.detail["diff"]["states"]["removed"] == ["works"] and entry.detail["moved"]["tickets"] == 1


def test_a_version_exports_and_imports_as_the_draft_of_another_type(admin_user, permit):
    version = publish(admin_user, permit, THREE_STATES)
    other = TicketType.objects.create(code="other", name="其他")

    draft = workflows.workflow_import(actor=admin_user, ticket_type=other, data=json.loads(json.dumps(
        workflows.workflow_export(version))))  # fmt: skip

    assert draft.status == VersionStatus.DRAFT and draft.definition == version.definition
    with pytest.raises(ValidationFailed):
        workflows.workflow_import(actor=admin_user, ticket_type=other, data={"format": "something/else"})


def test_the_diff_names_added_removed_and_changed_parts():
    after = copy.deepcopy(THREE_STATES)
    after["states"][0]["name"] = "已受理"
    after["states"][0]["x"] = 500  # moving a state on the diagram is no change
    after["transitions"].pop()

    diff = workflows.workflow_diff(THREE_STATES, after)

    assert diff["states"]["changed"] == [("filed", ["name"])]
    assert diff["transitions"]["removed"] == ["reopen@done"]


# --- the rules of a transition ----------------------------------------------------------------------------


def test_roles_required_fields_and_checks_are_enforced_by_the_one_door(
    admin_user, permit, make_ticket, agent, requester, category
):
    publish(admin_user, permit, THREE_STATES)
    ticket = make_ticket(ticket_type=permit, team=None)
    assert ticket.state == "filed"

    with pytest.raises(PermissionDenied):
        ticket_transition(actor=requester, ticket=ticket, action="start")
    with pytest.raises(ValidationFailed) as missing:
        ticket_transition(actor=agent, ticket=ticket, action="start")
    assert missing.value.code == "fields_required" and "assignee" in missing.value.details

    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    started = ticket_transition(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk), action="start")
    with pytest.raises(Conflict) as failed:
        ticket_transition(actor=agent, ticket=started, action="finish")
    assert failed.value.code == "check_failed"

    Ticket.objects.filter(pk=ticket.pk).update(category=category)
    finished = ticket_transition(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk), action="finish")
    assert (finished.state, finished.status) == ("done", Status.RESOLVED)


def test_a_transition_with_an_approval_asks_for_it_and_moves_when_it_is_granted(
    admin_user, permit, make_ticket, agent, requester
):
    approver = UserFactory(username="pm", role="team_lead")
    flow = approvals.flow_create(actor=admin_user, name="装修审批", name_en="Renovation", code="reno",
                                 ticket_type=permit, start_on_create=False)  # fmt: skip
    approvals.stage_create(actor=admin_user, flow=flow, name="物业经理", name_en="Property manager",
                           approver_kind="people", approver_people=[approver], mode="all")  # fmt: skip
    definition = copy.deepcopy(THREE_STATES)
    definition["transitions"][0] = move(
        "start", "filed", "works", roles=("requester", "agent"), approval="reno"
    )
    publish(admin_user, permit, definition)
    ticket = make_ticket(ticket_type=permit, actor=requester, team=None)

    # When the requester takes the transition, the approval is asked for and the ticket stays
    stayed = ticket_transition(actor=requester, ticket=ticket, action="start")
    assert stayed.state == "filed"
    request = ApprovalRequest.objects.get(ticket=ticket)
    assert (request.status, request.target_action) == (RequestStatus.PENDING, "start")
    with pytest.raises(Conflict) as again:
        ticket_transition(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk), action="start")
    assert again.value.code == "approval_running"

    # Then the approver approves and the ticket moves along the transition by itself
    task = ApprovalTask.objects.get(step__request=request)
    approvals.approval_decide(actor=approver, task_id=task.pk, decision="approve", comment="同意")

    moved = Ticket.objects.get(pk=ticket.pk)
    assert (moved.state, moved.status) == ("works", Status.IN_PROGRESS)
    last = TicketEvent.objects.filter(ticket=moved, kind=events.TRANSITIONED).latest("pk")
    assert last.actor is None and last.data["action"] == "start"


def test_a_rejected_approval_leaves_the_ticket_where_it_was(admin_user, permit, make_ticket, requester):
    approver = UserFactory(username="pm2", role="team_lead")
    flow = approvals.flow_create(actor=admin_user, name="审批", code="reno2", ticket_type=permit,
                                 start_on_create=False)  # fmt: skip
    approvals.stage_create(actor=admin_user, flow=flow, name="经理", approver_kind="people",
                           approver_people=[approver], mode="all")  # fmt: skip
    definition = copy.deepcopy(THREE_STATES)
    definition["transitions"][0] = move("start", "filed", "works", roles=("requester",), approval="reno2")
    publish(admin_user, permit, definition)
    ticket = make_ticket(ticket_type=permit, actor=requester, team=None)
    ticket_transition(actor=requester, ticket=ticket, action="start")
    task = ApprovalTask.objects.get(step__request__ticket=ticket)

    approvals.approval_decide(actor=approver, task_id=task.pk, decision="reject", comment="图纸不全")

    assert Ticket.objects.get(pk=ticket.pk).state == "filed"
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.REJECTED


def test_the_available_transitions_follow_the_drawn_state(admin_user, permit, make_ticket, agent):
    from gongdan.tickets.services import available_transitions

    publish(admin_user, permit, THREE_STATES)
    ticket = make_ticket(ticket_type=permit)

    assert [t.action for t in available_transitions(actor=agent, ticket=ticket)] == ["start"]


# --- the editor's screens -----------------------------------------------------------------------------------


def test_the_editor_saves_a_draft_validates_and_publishes_through_json(admin_browser, permit):
    url = reverse("tickets:workflow_edit", args=["permit"])
    page = admin_browser.get(url)
    assert page.status_code == 200 and b'id="wf-config"' in page.content and b"cytoscape" in page.content

    bad = admin_browser.post(reverse("tickets:workflow_draft", args=["permit"]),
                             {"definition": {"states": []}}, content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and "states" in bad.json()["details"]
    not_json = admin_browser.post(
        reverse("tickets:workflow_validate", args=["permit"]), "{", content_type="application/json"
    )
    assert not_json.status_code == 422

    checked = admin_browser.post(reverse("tickets:workflow_validate", args=["permit"]),
                                 {"definition": THREE_STATES}, content_type="application/json")  # fmt: skip
    assert checked.json() == {"problems": [], "stranded": {}}
    saved = admin_browser.post(reverse("tickets:workflow_draft", args=["permit"]),
                               {"definition": THREE_STATES, "note": "first"}, content_type="application/json")  # fmt: skip
    assert saved.status_code == 200 and saved.json()["version"] == 1
    published = admin_browser.post(reverse("tickets:workflow_publish", args=["permit"]), {"mapping": {}},
                                   content_type="application/json")  # fmt: skip
    assert published.status_code == 200
    assert WorkflowVersion.objects.get(ticket_type=permit).status == VersionStatus.PUBLISHED

    versions = admin_browser.get(reverse("tickets:workflow_versions", args=["permit"])).content.decode()
    assert 'data-version="1"' in versions
    exported = admin_browser.get(reverse("tickets:workflow_export", args=["permit", 1]))
    assert exported.json()["format"] == workflows.EXPORT_FORMAT


def test_the_editor_of_an_unknown_type_is_not_found(admin_browser):
    assert admin_browser.get(reverse("tickets:workflow_edit", args=["nope"])).status_code == 404


def test_the_workflow_list_reads_a_fixed_number_of_queries(admin_browser, django_assert_max_num_queries):
    for index in range(5):
        TicketType.objects.create(code=f"t{index}", name=f"类型{index}")
    admin_browser.get(reverse("tickets:workflow"))

    with django_assert_max_num_queries(12):
        response = admin_browser.get(reverse("tickets:workflow"))
    assert response.status_code == 200
