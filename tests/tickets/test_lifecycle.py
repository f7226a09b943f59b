"""The ticket lifecycle: states, the workflow as data, who may move a ticket, and the history it leaves."""

from __future__ import annotations

import re

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from gongdan.tickets.models import Status, Ticket, TicketEvent, TicketType, WorkflowTransition
from gongdan.tickets.services import (
    available_transitions,
    ticket_assign,
    ticket_comment,
    ticket_create,
    ticket_transition,
)

pytestmark = pytest.mark.django_db


def test_a_new_ticket_has_a_number_a_default_priority_and_its_category_team(requester, category, team):
    ticket = ticket_create(
        actor=requester, subject="  无法上网  ", description="整层楼都断网了", category=category
    )

    year = timezone.localtime().year
    assert re.fullmatch(rf"GD-{year}-\d{{6}}", ticket.number)
    assert ticket.subject == "无法上网"
    assert ticket.status == Status.NEW
    assert ticket.priority.code == "P2"
    assert ticket.team == team
    assert ticket.organisation == requester.organisation
    assert [e.kind for e in ticket.events.all()] == ["created"]


def test_the_full_happy_path_from_report_to_close(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="Printer jammed", category=category)
    ticket = ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    assert ticket.status == Status.ASSIGNED
    ticket = ticket_transition(actor=agent, ticket=ticket, action="start")
    assert ticket.status == Status.IN_PROGRESS
    ticket = ticket_transition(actor=agent, ticket=ticket, action="wait_requester")
    assert ticket.status == Status.PENDING_REQUESTER

    ticket_comment(actor=requester, ticket=ticket, body="Here is the photo you asked for")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS  # the requester's reply puts it back to work

    ticket = ticket_transition(actor=agent, ticket=ticket, action="resolve", note="Replaced the fuser")
    assert ticket.status == Status.RESOLVED
    assert ticket.resolution == "Replaced the fuser"
    assert ticket.resolved_at is not None
    ticket = ticket_transition(actor=requester, ticket=ticket, action="close")
    assert ticket.status == Status.CLOSED
    assert ticket.closed_at is not None

    kinds = list(ticket.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "assigned", "transitioned", "transitioned", "commented", "transitioned",
                     "transitioned", "transitioned"]  # fmt: skip


def test_resolving_without_a_note_is_refused_and_changes_nothing(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="VPN 无法连接", category=category)
    events_before = TicketEvent.objects.count()

    with pytest.raises(ValidationFailed) as error:
        ticket_transition(actor=agent, ticket=ticket, action="resolve", note="   ")

    assert error.value.code == "note_required"
    assert "note" in error.value.details
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert TicketEvent.objects.count() == events_before


def test_an_illegal_transition_is_refused_with_a_clear_message(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="Broken chair", category=category)

    with pytest.raises(Conflict) as error:
        ticket_transition(actor=agent, ticket=ticket, action="close")

    assert error.value.code == "illegal_transition"
    assert "Close" in error.value.message and "New" in error.value.message
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_an_unknown_action_is_a_validation_error(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="x", category=category)
    with pytest.raises(ValidationFailed) as error:
        ticket_transition(actor=agent, ticket=ticket, action="teleport")
    assert error.value.code == "unknown_action"


def test_a_requester_cannot_work_the_ticket_but_may_cancel_close_and_reopen(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="Projector flickers", category=category)
    with pytest.raises(PermissionDenied):
        ticket_transition(actor=requester, ticket=ticket, action="start")
    actions = {t.action for t in available_transitions(actor=requester, ticket=ticket)}
    assert actions == {"cancel"}

    ticket = ticket_transition(actor=agent, ticket=ticket, action="resolve", note="Replaced the lamp")
    assert {t.action for t in available_transitions(actor=requester, ticket=ticket)} == {"close", "reopen"}
    ticket = ticket_transition(actor=requester, ticket=ticket, action="reopen")
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.resolved_at is None


def test_reopen_after_close_clears_the_finish_times(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="Leaking pipe", category=category)
    ticket = ticket_transition(actor=agent, ticket=ticket, action="resolve", note="Fixed")
    ticket = ticket_transition(actor=agent, ticket=ticket, action="close")
    ticket = ticket_transition(actor=agent, ticket=ticket, action="reopen")
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.closed_at is None and ticket.resolved_at is None


def test_a_requester_reply_on_a_resolved_ticket_reopens_it(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="Air conditioning noisy", category=category)
    ticket = ticket_transition(actor=agent, ticket=ticket, action="resolve", note="Cleaned the filter")
    ticket_comment(actor=requester, ticket=ticket, body="Still noisy, sorry")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_a_closed_ticket_takes_no_public_reply_but_staff_may_still_note(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="Door lock", category=category)
    ticket = ticket_transition(actor=agent, ticket=ticket, action="resolve", note="New lock")
    ticket = ticket_transition(actor=agent, ticket=ticket, action="close")
    with pytest.raises(Conflict):
        ticket_comment(actor=requester, ticket=ticket, body="one more thing")
    note = ticket_comment(actor=agent, ticket=ticket, body="Invoice filed", is_internal=True)
    assert note.is_internal


def test_cancel_by_the_requester(requester, category):
    ticket = ticket_create(actor=requester, subject="Never mind", category=category)
    ticket = ticket_transition(actor=requester, ticket=ticket, action="cancel")
    assert ticket.status == Status.CANCELLED


def test_transitions_are_data_a_type_can_have_its_own_workflow(requester, agent, category):
    change = TicketType.objects.get(code="change")
    # A change request may only be resolved by an admin in this site's workflow.
    WorkflowTransition.objects.create(
        ticket_type=change, action="resolve", from_status="new", to_status="resolved",
        allowed_roles=["admin"], requires_note=True, name="批准并完成", name_en="Approve and complete",
    )  # fmt: skip
    ticket = ticket_create(actor=agent, requester=requester, subject="Upgrade core switch", ticket_type=change,
                           category=category)  # fmt: skip

    assert [t.action for t in available_transitions(actor=agent, ticket=ticket)] == []
    with pytest.raises(PermissionDenied):
        ticket_transition(actor=agent, ticket=ticket, action="resolve", note="done")


def test_assignment_moves_new_to_assigned_and_back(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="Mouse broken", category=category)
    ticket = ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    assert ticket.status == Status.ASSIGNED
    ticket = ticket_assign(actor=agent, ticket=ticket, assignee=None)
    assert ticket.status == Status.NEW and ticket.assignee is None
    event = ticket.events.filter(kind="assigned").last()
    assert event.data["from"]["assignee"]["id"] == agent.pk and event.data["to"]["assignee"] is None


def test_only_team_members_can_be_assigned(requester, agent, other_agent, category):
    ticket = ticket_create(actor=requester, subject="Network down", category=category)
    with pytest.raises(ValidationFailed) as error:
        ticket_assign(actor=agent, ticket=ticket, assignee=other_agent)
    assert "assignee" in error.value.details
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_requesters_cannot_be_assignees(requester, other_requester, agent):
    ticket = ticket_create(actor=agent, requester=requester, subject="Desk move")
    with pytest.raises(ValidationFailed):
        ticket_assign(actor=agent, ticket=ticket, assignee=other_requester, team=None)


def test_a_requester_cannot_set_staff_fields_when_reporting(requester, agent, team):
    with pytest.raises(PermissionDenied) as error:
        ticket_create(actor=requester, subject="Please hurry", assignee=agent, team=team)
    assert set(error.value.details) == {"assignee", "team"}
    assert not Ticket.objects.exists()


def test_a_requester_cannot_report_for_someone_else(requester, other_requester):
    with pytest.raises(PermissionDenied):
        ticket_create(actor=requester, requester=other_requester, subject="For Bob")


def test_subject_is_required_and_limited(requester):
    with pytest.raises(ValidationFailed) as error:
        ticket_create(actor=requester, subject="   ")
    assert "subject" in error.value.details
    with pytest.raises(ValidationFailed):
        ticket_create(actor=requester, subject="x" * 201)
    assert not Ticket.objects.exists()


def test_events_record_before_and_after_of_field_changes(requester, agent, category):
    from gongdan.tickets.models import Priority
    from gongdan.tickets.services import ticket_update

    ticket = ticket_create(actor=requester, subject="Old subject", category=category)
    p1 = Priority.objects.get(code="P1")
    ticket = ticket_update(actor=agent, ticket=ticket, changes={"subject": "New subject", "priority": p1,
                                                                  "tags": ["打印机", "Floor-3"]})  # fmt: skip
    event = ticket.events.get(kind="updated")
    changes = event.data["changes"]
    assert changes["subject"] == {"from": "Old subject", "to": "New subject"}
    assert changes["priority"]["to"]["id"] == p1.pk
    assert changes["tags"] == {"from": [], "to": ["floor-3", "打印机"]}
    assert event.actor == agent
    assert ticket.version == 2


def test_the_database_refuses_to_rewrite_history(requester, category):
    ticket = ticket_create(actor=requester, subject="History", category=category)
    event = ticket.events.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(pk=event.pk).update(kind="forged")
    assert TicketEvent.objects.get(pk=event.pk).kind == "created"


def test_a_ticket_with_history_cannot_be_deleted_even_through_the_orm(requester, agent, category):
    # The history is append-only: its events refuse DELETE (audit migration 0002), so the ticket stays.
    ticket = ticket_create(actor=requester, subject="Spam", category=category)
    ticket_comment(actor=agent, ticket=ticket, body="spam, deleting")
    with pytest.raises(DatabaseError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).delete()
    assert TicketEvent.objects.filter(ticket=ticket).count() == 2
