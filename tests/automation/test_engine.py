"""The rules engine on ticket events: each trigger, the actions through the ticket services, the order, at most
once per event, the run history and the loop guard."""

from __future__ import annotations

import pytest

from gongdan.automation.engine import handle_events, process_events
from gongdan.automation.models import CausedEvent, Rule, RuleRun
from gongdan.notifications.models import Notification
from gongdan.outbox.models import OutboxMessage, Webhook
from gongdan.tickets.models import Priority, Ticket, TicketEvent
from gongdan.tickets.services import append_event, lock_ticket, ticket_comment, ticket_edit, ticket_transition
from tests.factories import CustomFieldFactory

pytestmark = pytest.mark.django_db


def tags(ticket) -> list[str]:
    return sorted(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True))


def test_a_p1_ticket_created_gets_the_urgent_tag_and_the_team_lead_hears_of_it(
    make_rule, make_ticket, lead, settle
):
    # Given "P1 created → tag urgent, notify the team lead"
    make_rule("P1 urgent", "created", [
        {"type": "add_tags", "tags": ["urgent"]},
        {"type": "notify", "recipients": ["team_lead"], "message": "P1 {{number}}: {{subject}}"},
    ], [{"field": "priority", "op": "eq", "value": "P1"}])  # fmt: skip
    p1 = make_ticket("Core switch down", priority=Priority.objects.get(code="P1"))
    p3 = make_ticket("Mouse squeaks", priority=Priority.objects.get(code="P3"))
    # When the engine reads the events
    settle()
    # Then only the P1 ticket is tagged, and the lead has a notice naming it
    assert tags(p1) == ["urgent"]
    assert tags(p3) == []
    notice = Notification.objects.get(user=lead, kind="automation_notice")
    assert notice.data["message"] == f"P1 {p1.number}: Core switch down"
    run = RuleRun.objects.get(ticket=p1)
    assert run.outcome == "applied" and len(run.changes_read) == 2
    assert run.changes["zh-hans"][0] == "添加标签 urgent"


@pytest.mark.parametrize(
    ("trigger", "act"),
    [
        ("updated", lambda t, agent: ticket_edit(actor=agent, ticket=t, changes={"subject": "New subject"})),
        ("commented", lambda t, agent: ticket_comment(actor=agent, ticket=t, body="Looking at it")),
        ("note_added", lambda t, agent: ticket_comment(actor=agent, ticket=t, body="psst", is_internal=True)),
        ("state_changed", lambda t, agent: ticket_transition(actor=agent, ticket=t, action="start")),
    ],
)
def test_each_event_trigger_fires_on_its_own_event(make_rule, make_ticket, agent, settle, trigger, act):
    ticket = make_ticket(assignee=agent)
    settle()
    make_rule("Tag it", trigger, [{"type": "add_tags", "tags": [trigger]}])
    act(ticket, agent)
    settle()
    assert tags(ticket) == [trigger]


def test_rules_run_in_their_order_and_later_rules_see_earlier_changes(make_rule, make_ticket, settle):
    make_rule("First: raise to P2", "created", [{"type": "set_field", "field": "priority", "value": "P2"}])
    make_rule("Second: tag what is P2", "created", [{"type": "add_tags", "tags": ["p2"]}],
              [{"field": "priority", "op": "eq", "value": "P2"}])  # fmt: skip
    ticket = make_ticket(priority=Priority.objects.get(code="P4"))
    settle()
    ticket.refresh_from_db()
    assert ticket.priority.code == "P2"
    assert tags(ticket) == ["p2"]
    first, second = RuleRun.objects.order_by("pk")
    assert (first.rule.name, second.rule.name) == ("First: raise to P2", "Second: tag what is P2")


def test_a_rule_runs_at_most_once_per_event_even_when_the_batch_is_handed_again(
    make_rule, make_ticket, settle
):
    rule = make_rule("Note", "created", [{"type": "note", "body": "Seen {{number}}"}])
    ticket = make_ticket()
    settle()
    event = TicketEvent.objects.get(ticket=ticket, kind="created")
    # A retried batch (the cursor moved back) hands the same event again
    assert handle_events([event]) == 0
    assert RuleRun.objects.filter(rule=rule, event=event).count() == 1
    assert ticket.comments.filter(is_internal=True).count() == 1


def test_actions_go_through_the_services_and_a_refused_action_leaves_nothing_half_done(
    make_rule, make_ticket, settle
):
    # Given a rule whose second action the ticket services refuse (the ticket's form has no such field)
    rule = make_rule("Tag then set", "created",
                     [{"type": "add_tags", "tags": ["done"]}, {"type": "set_field", "field": "custom.nope", "value": "1"}])  # fmt: skip
    ticket = make_ticket()
    settle()
    # Then neither happened, and the run says why
    assert tags(ticket) == []
    run = RuleRun.objects.get(rule=rule)
    assert run.outcome == "failed"
    assert run.message == "Some fields are not valid."
    assert run.changes_read == ["add tags done", "set nope to “1”"]


def test_a_public_reply_from_a_template_a_webhook_and_sub_tickets(make_rule, make_ticket, requester, settle):
    hook = Webhook.objects.create(name="CMDB", url="https://cmdb.example/hook", secret="s" * 32)
    make_rule("Onboarding", "created", [
        {"type": "reply", "body": "Hello {{requester}}, we have {{number}}."},
        {"type": "webhook", "webhook": hook.pk},
        {"type": "subtickets", "items": "Create the account for {{number}}\nHand over the laptop"},
    ], [{"field": "subject", "op": "contains", "value": "onboarding"}])  # fmt: skip
    ticket = make_ticket("Onboarding: new hire")
    settle()
    reply = ticket.comments.get()
    assert not reply.is_internal
    assert reply.body == f"Hello {requester.name}, we have {ticket.number}."
    message = OutboxMessage.objects.get(channel="webhook")
    assert message.webhook == hook and '"automation.rule_applied"' in message.body_text
    children = Ticket.objects.filter(parent=ticket).order_by("pk")
    assert [c.subject for c in children] == [
        f"Create the account for {ticket.number}",
        "Hand over the laptop",
    ]


def test_assign_and_set_a_custom_field(make_rule, make_ticket, other_team, other_agent, category, settle):
    CustomFieldFactory(category=category, key="floor", field_type="text")
    make_rule("Facilities", "created", [
        {"type": "assign", "team": other_team.pk, "assignee": other_agent.pk},
        {"type": "set_field", "field": "custom.floor", "value": "3"},
    ], [{"field": "category", "op": "eq", "value": str(category.pk)}])  # fmt: skip
    ticket = make_ticket(category=category)
    settle()
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (other_team, other_agent)
    assert ticket.custom_values == {"floor": "3"}


def test_two_rules_that_feed_each_other_are_stopped_with_a_warning_on_the_rule_and_the_ticket(
    make_rule, make_ticket, settle
):
    # Given A: P3 → P2 and B: P2 → P3 (each change triggers the other)
    a = make_rule("A", "updated", [{"type": "set_field", "field": "priority", "value": "P2"}],
                  [{"field": "priority", "op": "eq", "value": "P3"}])  # fmt: skip
    b = make_rule("B", "updated", [{"type": "set_field", "field": "priority", "value": "P3"}],
                  [{"field": "priority", "op": "eq", "value": "P2"}])  # fmt: skip
    ticket = make_ticket(priority=Priority.objects.get(code="P4"))
    settle()
    ticket_edit(actor=ticket.created_by, ticket=ticket, changes={"priority": Priority.objects.get(code="P3")})
    settle(rounds=20)
    # Then both ran on the change (in their order), and each was stopped when what it caused came back to it:
    # the chain settles instead of flipping the priority for ever
    outcomes = list(RuleRun.objects.order_by("pk").values_list("rule__name", "outcome", "depth"))
    assert outcomes == [("A", "applied", 0), ("B", "applied", 0), ("A", "loop_stopped", 1), ("A", "applied", 1),
                        ("B", "loop_stopped", 1), ("B", "loop_stopped", 2)]  # fmt: skip
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.loop_warning.startswith("Stopped a loop: A → A")
    assert b.loop_warning.startswith("Stopped a loop: B → A → B")
    stopped = TicketEvent.objects.filter(ticket=ticket, kind="automation_loop_stopped")
    assert {e.data["rule"]["id"] for e in stopped} == {a.pk, b.pk}
    assert CausedEvent.objects.filter(chain=[b.pk, a.pk]).exists()


def test_a_rule_whose_own_change_matches_it_again_finds_nothing_to_do_and_is_no_loop(
    make_rule, make_ticket, settle
):
    rule = make_rule("Tag P1 updates", "updated", [{"type": "add_tags", "tags": ["hot"]}])
    ticket = make_ticket()
    settle()
    ticket_edit(actor=ticket.created_by, ticket=ticket, changes={"subject": "Changed"})
    settle()
    assert list(RuleRun.objects.order_by("pk").values_list("outcome", flat=True)) == ["applied", "nothing"]
    rule.refresh_from_db()
    assert rule.loop_warning == ""


def test_an_inactive_rule_does_nothing(make_rule, make_ticket, settle):
    make_rule("Off", "created", [{"type": "add_tags", "tags": ["x"]}], active=False)
    ticket = make_ticket()
    settle()
    assert tags(ticket) == [] and not RuleRun.objects.exists()
    assert Rule.objects.get().is_active is False


def test_the_engine_leaves_old_history_alone(make_rule, make_ticket):
    make_ticket()
    process_events()
    make_rule("Late", "created", [{"type": "add_tags", "tags": ["x"]}])
    assert process_events()["runs"] == 0


def test_a_long_chain_of_different_rules_is_stopped_at_the_depth_limit(make_rule, make_ticket, settle):
    # Given six rules, each adding a tag that the next one waits for, ordered so that each acts on the event the
    # one before it caused (in one event's pass, a later rule already sees an earlier rule's change)
    for index in reversed(range(6)):
        condition = [{"field": "tags", "op": "contains", "value": f"t{index}"}] if index else []
        make_rule(f"Step {index}", "updated" if index else "created",
                  [{"type": "add_tags", "tags": [f"t{index + 1}"]}], condition)  # fmt: skip
    ticket = make_ticket()
    settle(rounds=20)
    # Then the chain stops at depth 5 with a warning instead of going on
    assert tags(ticket) == ["t1", "t2", "t3", "t4", "t5"]
    stopped = RuleRun.objects.get(outcome="loop_stopped")
    assert stopped.rule.name == "Step 5" and stopped.depth == 5
    assert "chain of 5 rules" in Rule.objects.get(name="Step 5").loop_warning


def test_a_registered_event_kind_is_a_trigger_sla_breach(make_rule, make_ticket, lead, settle):
    make_rule("Breach → note", "sla_breached", [{"type": "note", "body": "SLA breached on {{number}}"}])
    ticket = make_ticket()
    settle()
    append_event(lock_ticket(ticket, expected_version=None), actor=None, kind="sla_breached", data={})
    settle()
    assert ticket.comments.get(is_internal=True).body == f"SLA breached on {ticket.number}"
