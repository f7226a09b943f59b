"""Running approval requests through the services: serial and parallel stages, rejection, send back and
resume, delegation, conditions on a field, and what each step writes on the ticket's timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongdan.accounts.models import User
from gongdan.approvals import selectors, services
from gongdan.approvals.models import ApprovalRequest, ApprovalTask, RequestStatus, TaskStatus
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.outbox.models import OutboxMessage
from gongdan.tickets import services as tickets
from gongdan.tickets.models import Ticket, TicketEvent
from tests.approvals.conftest import people_stage
from tests.factories import UserFactory


def task_of(ticket: Ticket, person) -> ApprovalTask:
    return ApprovalTask.objects.get(step__request__ticket=ticket, approver=person, status=TaskStatus.PENDING)


def kinds(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("pk").values_list("kind", flat=True))


def test_a_matching_ticket_waits_for_its_approval_and_approvers_are_mailed(make_flow, file_ticket, approver):
    # Given a one-stage flow on the renovation category
    make_flow(people_stage(approver))
    # When the requester files a renovation ticket
    ticket = file_ticket()
    # Then it waits in the pending state, the timeline says why and the approver got a mail with links
    assert ticket.status == "pending_third_party"
    assert kinds(ticket)[-2:] == ["approval_started", "transitioned"]
    mail = OutboxMessage.objects.get(kind="approval", address=approver.email)
    assert "/approvals/link/" in mail.body_text
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.PENDING


def test_a_ticket_of_another_category_needs_no_approval(make_flow, make_ticket, approver):
    make_flow(people_stage(approver))
    ticket = make_ticket()
    assert not ApprovalRequest.objects.filter(ticket=ticket).exists()
    assert Ticket.objects.get(pk=ticket.pk).status != "pending_third_party"


def test_serial_stages_advance_one_after_another_then_the_ticket_continues(
    make_flow, file_ticket, approver, approver_b
):
    # Given manager then director
    make_flow(people_stage(approver), people_stage(approver_b))
    ticket = file_ticket()
    # When the first approves, only the second is asked next
    services.approval_decide(
        actor=approver, task_id=task_of(ticket, approver).pk, decision="approve", comment="ok"
    )
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.PENDING
    second = task_of(ticket, approver_b)
    # When the second approves
    services.approval_decide(actor=approver_b, task_id=second.pk, decision="approve")
    # Then the request is approved and the ticket leaves the wait (new: it has no assignee)
    ticket.refresh_from_db()
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED
    assert ticket.status == "new"
    assert kinds(ticket).count("approval_decided") == 2
    assert kinds(ticket)[-2:] == ["approval_finished", "transitioned"]


def test_a_serial_stage_asks_its_people_in_turn(make_flow, file_ticket, approver, approver_b):
    make_flow(people_stage(approver, approver_b, mode="serial"))
    ticket = file_ticket()
    waiting = ApprovalTask.objects.get(step__request__ticket=ticket, approver=approver_b)
    assert waiting.status == TaskStatus.WAITING
    with pytest.raises(Conflict):
        services.approval_decide(actor=approver_b, task_id=waiting.pk, decision="approve")
    services.approval_decide(actor=approver, task_id=task_of(ticket, approver).pk, decision="approve")
    services.approval_decide(actor=approver_b, task_id=task_of(ticket, approver_b).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED


def test_parallel_all_of_needs_everyone(make_flow, file_ticket, approver, approver_b, approver_c):
    make_flow(people_stage(approver, approver_b, approver_c, mode="all"))
    ticket = file_ticket()
    for person in (approver, approver_b):
        services.approval_decide(actor=person, task_id=task_of(ticket, person).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.PENDING
    services.approval_decide(actor=approver_c, task_id=task_of(ticket, approver_c).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED


def test_parallel_any_of_is_done_with_the_first_approval_and_the_rest_are_released(
    make_flow, file_ticket, approver, approver_b
):
    make_flow(people_stage(approver, approver_b, mode="any"))
    ticket = file_ticket()
    other = task_of(ticket, approver_b)
    services.approval_decide(actor=approver, task_id=task_of(ticket, approver).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED
    other.refresh_from_db()
    assert other.status == TaskStatus.SKIPPED
    with pytest.raises(Conflict):
        services.approval_decide(actor=approver_b, task_id=other.pk, decision="approve")


def test_any_of_survives_one_rejection(make_flow, file_ticket, approver, approver_b):
    make_flow(people_stage(approver, approver_b, mode="any"))
    ticket = file_ticket()
    services.approval_decide(
        actor=approver, task_id=task_of(ticket, approver).pk, decision="reject", comment="no"
    )
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.PENDING
    services.approval_decide(actor=approver_b, task_id=task_of(ticket, approver_b).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED


def test_n_of_m_needs_n_approvals_and_fails_once_n_is_out_of_reach(
    make_flow, file_ticket, approver, approver_b, approver_c
):
    make_flow(people_stage(approver, approver_b, approver_c, mode="quorum", required_count=2))
    ticket = file_ticket()
    services.approval_decide(actor=approver, task_id=task_of(ticket, approver).pk, decision="approve")
    services.approval_decide(actor=approver_b, task_id=task_of(ticket, approver_b).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED

    second = file_ticket()
    services.approval_decide(
        actor=approver, task_id=task_of(second, approver).pk, decision="reject", comment="x"
    )
    assert ApprovalRequest.objects.get(ticket=second).status == RequestStatus.PENDING
    services.approval_decide(
        actor=approver_b, task_id=task_of(second, approver_b).pk, decision="reject", comment="y"
    )
    assert ApprovalRequest.objects.get(ticket=second).status == RequestStatus.REJECTED


def test_rejection_closes_the_ticket_with_the_reason(make_flow, file_ticket, approver, approver_b):
    make_flow(people_stage(approver), people_stage(approver_b))
    ticket = file_ticket()
    services.approval_decide(actor=approver, task_id=task_of(ticket, approver).pk, decision="reject",
                             comment="Load-bearing wall")  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    request = ApprovalRequest.objects.get(ticket=ticket)
    assert (request.status, request.outcome_comment) == (RequestStatus.REJECTED, "Load-bearing wall")
    moved = TicketEvent.objects.filter(ticket=ticket, kind="transitioned").last()
    assert moved.data["action"] == "approval_rejected" and "Load-bearing wall" in moved.data["note"]
    assert not ApprovalTask.objects.filter(step__request=request, approver=approver_b).exists()


def test_reject_and_send_back_need_a_comment_and_nothing_is_written_without_one(
    make_flow, file_ticket, approver
):
    make_flow(people_stage(approver))
    ticket = file_ticket()
    task = task_of(ticket, approver)
    for decision in ("reject", "send_back"):
        with pytest.raises(ValidationFailed) as refused:
            services.approval_decide(actor=approver, task_id=task.pk, decision=decision, comment="  ")
        assert "comment" in refused.value.details
    with pytest.raises(ValidationFailed) as refused:
        services.approval_decide(actor=approver, task_id=task.pk, decision="maybe")
    assert "decision" in refused.value.details
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING
    assert "approval_decided" not in kinds(ticket)


def test_only_the_approver_may_decide(make_flow, file_ticket, approver, approver_b, requester):
    make_flow(people_stage(approver))
    ticket = file_ticket()
    for stranger in (approver_b, requester):
        with pytest.raises(NotFound):
            services.approval_decide(actor=stranger, task_id=task_of(ticket, approver).pk, decision="approve")
    with pytest.raises(NotFound):
        services.approval_decide(actor=approver, task_id=999_999, decision="approve")


def test_send_back_waits_on_the_requester_and_their_reply_resumes_the_same_stage(
    make_flow, file_ticket, approver, approver_b, requester
):
    # Given a two-stage flow whose first approver asks for more information
    make_flow(people_stage(approver), people_stage(approver_b))
    ticket = file_ticket()
    first = task_of(ticket, approver)
    services.approval_decide(actor=approver, task_id=first.pk, decision="send_back", comment="Photos please")
    ticket.refresh_from_db()
    assert ticket.status == "pending_requester"
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.SENT_BACK
    first.refresh_from_db()
    assert (first.status, first.round) == (TaskStatus.PENDING, 2)  # the mailed link of round 1 is dead
    with pytest.raises(Conflict):  # nobody decides while it is back with the requester
        services.approval_decide(actor=approver, task_id=first.pk, decision="approve")
    # When the requester replies
    tickets.ticket_comment(actor=requester, ticket=ticket, body="Here are the photos")
    # Then the same stage waits again and the ticket is back in the approval wait
    ticket.refresh_from_db()
    assert ticket.status == "pending_third_party"
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.PENDING
    assert "approval_resumed" in kinds(ticket)
    services.approval_decide(actor=approver, task_id=first.pk, decision="approve")
    assert task_of(ticket, approver_b)  # on to the second stage


def test_a_stage_whose_condition_fails_is_skipped(make_flow, file_ticket, approver, approver_b):
    # Given a finance stage only for costs over 10,000
    make_flow(people_stage(approver), people_stage(approver_b, condition_field="cost", condition_operator="gt",
                                                   condition_value="10000"))  # fmt: skip
    cheap = file_ticket(cost=800)
    services.approval_decide(actor=approver, task_id=task_of(cheap, approver).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=cheap).status == RequestStatus.APPROVED
    assert not ApprovalTask.objects.filter(approver=approver_b).exists()

    dear = file_ticket(cost=25000)
    services.approval_decide(actor=approver, task_id=task_of(dear, approver).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=dear).status == RequestStatus.PENDING
    assert task_of(dear, approver_b)


def test_approvers_by_manager_organisation_head_and_team(make_flow, file_ticket, requester, approver, approver_b,
                                                         organisation, lead, team):  # fmt: skip
    requester.manager = approver
    requester.save(update_fields=["manager"])
    organisation.head = approver_b
    organisation.save(update_fields=["head"])
    make_flow({"approver_kind": "requester_manager"}, {"approver_kind": "organisation_head"},
              {"approver_kind": "team_leads", "approver_team": team})  # fmt: skip
    ticket = file_ticket()
    services.approval_decide(actor=approver, task_id=task_of(ticket, approver).pk, decision="approve")
    services.approval_decide(actor=approver_b, task_id=task_of(ticket, approver_b).pk, decision="approve")
    services.approval_decide(actor=lead, task_id=task_of(ticket, lead).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED


def test_a_stage_with_nobody_to_ask_goes_to_the_administrators(make_flow, file_ticket, admin_user):
    make_flow({"approver_kind": "requester_manager"})  # the requester has no manager recorded
    ticket = file_ticket()
    task = task_of(ticket, admin_user)
    services.approval_decide(actor=admin_user, task_id=task.pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED


def asked(ticket: Ticket) -> set[str]:
    """Whom the ticket's open stage asks (their tasks wait for them, and each got a mail)."""
    people = set(ApprovalTask.objects.filter(step__request__ticket=ticket, status=TaskStatus.PENDING)
                 .values_list("approver__username", flat=True))  # fmt: skip
    mailed = set(
        OutboxMessage.objects.filter(kind="approval", ticket=ticket).values_list("address", flat=True)
    )
    assert mailed == set(User.objects.filter(username__in=people).values_list("email", flat=True))
    return people


def test_a_stage_by_role_asks_the_active_people_holding_it(make_flow, file_ticket, manager, requester, agent):
    # Given two managers, one of them switched off, and people of other roles
    UserFactory(username="manager_b", role="manager")
    UserFactory(username="manager_gone", role="manager", is_active=False)
    UserFactory(username="requester_b", role="requester")
    make_flow({"approver_kind": "role", "approver_role": "manager"})
    # When a renovation is filed
    ticket = file_ticket()
    # Then exactly the active managers are asked and mailed: not the switched-off one, not requesters or agents
    assert ticket.status == "pending_third_party"
    assert asked(ticket) == {"manager", "manager_b"}
    # And the stage (all of them, the default) needs both
    services.approval_decide(actor=manager, task_id=task_of(ticket, manager).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.PENDING
    manager_b = User.objects.get(username="manager_b")
    services.approval_decide(actor=manager_b, task_id=task_of(ticket, manager_b).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED


def test_a_stage_by_team_members_asks_that_teams_members(
    make_flow, file_ticket, team, agent, lead, other_agent
):
    # Given a team with an agent, a lead and a switched-off member, and another team's agent
    gone = UserFactory(username="gone_member", role="agent", is_active=False)
    team.memberships.create(user=gone)
    make_flow({"approver_kind": "team_members", "approver_team": team, "mode": "any"})
    # When a renovation is filed
    ticket = file_ticket()
    # Then the team's active members are asked, leads included, and nobody from another team
    assert asked(ticket) == {"agent", "lead"}
    # And the first of them to approve settles an "any one" stage; the other's task is released
    services.approval_decide(actor=agent, task_id=task_of(ticket, agent).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED
    assert not ApprovalTask.objects.filter(step__request__ticket=ticket, status=TaskStatus.PENDING).exists()


def test_nobody_is_asked_to_approve_their_own_request(
    make_flow, make_ticket, renovation, manager, admin_user
):
    # Given a stage asking the managers, and a second manager
    manager_b = UserFactory(username="manager_b", role="manager")
    make_flow({"approver_kind": "role", "approver_role": "manager"})
    # When a manager files a renovation for themselves
    ticket = make_ticket(
        "Repaint my office", actor=manager, requester=manager, team=None, category=renovation
    )
    # Then only the other manager is asked
    assert asked(ticket) == {"manager_b"}
    # And once the other manager is switched off, the next request goes to the administrators, not to its requester
    services.approval_decide(actor=manager_b, task_id=task_of(ticket, manager_b).pk, decision="approve")
    manager_b.is_active = False
    manager_b.save(update_fields=["is_active"])
    second = make_ticket("Repaint the hall", actor=manager, requester=manager, team=None, category=renovation)
    assert asked(second) == {"admin"}
    with pytest.raises(NotFound):  # and cannot decide the administrator's task
        services.approval_decide(actor=manager, task_id=task_of(second, admin_user).pk, decision="approve")


@pytest.mark.parametrize("kind", ["role", "team_members"])
def test_a_role_or_team_with_nobody_active_sends_the_stage_to_the_administrators(
    make_flow, file_ticket, admin_user, other_team, kind
):
    # Given a stage asking a role or a team whose only holder is switched off
    if kind == "role":
        UserFactory(username="manager_gone", role="manager", is_active=False)
        stage = {"approver_kind": "role", "approver_role": "manager"}
    else:
        other_team.memberships.create(user=UserFactory(username="gone_member", role="agent", is_active=False))
        stage = {"approver_kind": "team_members", "approver_team": other_team}
    make_flow(stage)
    # When a renovation is filed
    ticket = file_ticket()
    # Then it still waits, never passes unapproved: the administrators are asked and mailed instead
    assert ticket.status == "pending_third_party"
    assert asked(ticket) == {"admin"}
    services.approval_decide(actor=admin_user, task_id=task_of(ticket, admin_user).pk, decision="approve")
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED
    assert Ticket.objects.get(pk=ticket.pk).status == "new"


def test_a_delegate_decides_on_behalf_while_the_delegation_runs(make_flow, file_ticket, approver, approver_b):
    now = timezone.now()
    delegation = services.delegation_create(actor=approver, delegate=approver_b, starts_at=now - dt.timedelta(hours=1),
                                            ends_at=now + dt.timedelta(days=3))  # fmt: skip
    make_flow(people_stage(approver))
    ticket = file_ticket()
    # The delegate was mailed too, and decides; the decision records on whose behalf
    assert OutboxMessage.objects.filter(kind="approval", address=approver_b.email).exists()
    task = services.approval_decide(
        actor=approver_b, task_id=task_of(ticket, approver).pk, decision="approve"
    )
    assert (task.approver_id, task.decided_by_id, task.on_behalf) == (approver.pk, approver_b.pk, True)
    event = TicketEvent.objects.get(ticket=ticket, kind="approval_decided")
    assert event.data["on_behalf_of"] == approver.name
    # After the delegation ends, the delegate may no longer decide
    services.delegation_end(actor=approver, delegation=delegation)
    second = file_ticket()
    with pytest.raises(NotFound):
        services.approval_decide(actor=approver_b, task_id=task_of(second, approver).pk, decision="approve")


def test_a_delegation_is_checked(approver, approver_b):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as refused:
        services.delegation_create(
            actor=approver, delegate=approver, starts_at=now, ends_at=now + dt.timedelta(days=1)
        )
    assert "delegate" in refused.value.details
    with pytest.raises(ValidationFailed) as refused:
        services.delegation_create(
            actor=approver, delegate=approver_b, starts_at=now, ends_at=now - dt.timedelta(days=1)
        )
    assert "ends_at" in refused.value.details


def test_an_agent_asks_for_approval_and_only_one_runs_at_a_time(make_flow, make_ticket, renovation, agent, approver,
                                                                requester):  # fmt: skip
    flow = make_flow(people_stage(approver), start_on_create=False)
    ticket = make_ticket(category=renovation)
    assert not ApprovalRequest.objects.filter(ticket=ticket).exists()
    with pytest.raises(PermissionDenied):  # a requester may not start one
        services.approval_start(actor=requester, ticket=ticket, flow=flow)
    services.approval_start(actor=agent, ticket=ticket)
    with pytest.raises(Conflict):
        services.approval_start(actor=agent, ticket=ticket)
    assert Ticket.objects.get(pk=ticket.pk).status == "pending_third_party"


def test_resolving_the_ticket_cancels_its_open_approval(make_flow, file_ticket, agent, approver):
    make_flow(people_stage(approver))
    ticket = file_ticket()
    tickets.ticket_transition(actor=None, ticket=ticket, action="cancel", note="Withdrawn")
    request = ApprovalRequest.objects.get(ticket=ticket)
    assert request.status == RequestStatus.CANCELLED
    with pytest.raises(Conflict):
        services.approval_decide(actor=approver, task_id=ApprovalTask.objects.get(step__request=request).pk,
                                 decision="approve")  # fmt: skip


def test_a_requester_who_is_the_approvers_delegate_cannot_decide_their_own_request(
    make_flow, file_ticket, approver, requester
):
    # Given an approver who delegated to the person who then files a request the approver must decide
    now = timezone.now()
    services.delegation_create(actor=approver, delegate=requester, starts_at=now - dt.timedelta(hours=1),
                               ends_at=now + dt.timedelta(days=3))  # fmt: skip
    make_flow(people_stage(approver))
    ticket = file_ticket()
    task = task_of(ticket, approver)
    # Then the request is not in the requester's approvals, and deciding it is refused as if it did not exist
    assert selectors.my_pending_tasks(actor=requester) == []
    assert selectors.my_pending_count(actor=requester) == 0
    with pytest.raises(NotFound):
        selectors.task_for_decision(actor=requester, task_id=task.pk)
    with pytest.raises(NotFound):
        services.approval_decide(actor=requester, task_id=task.pk, decision="approve")
    assert ApprovalTask.objects.get(pk=task.pk).status == TaskStatus.PENDING
    # While the approver still has it
    assert [t.pk for t in selectors.my_pending_tasks(actor=approver)] == [task.pk]
