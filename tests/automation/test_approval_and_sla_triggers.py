"""Rules on what other apps write on the ticket's timeline: an approval decided or finished (with the decision a
condition reads), and the SLA's warning and breach (issue 15 item 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from gongdan.approvals import services as approvals
from gongdan.approvals.models import ApprovalTask, TaskStatus
from gongdan.automation import triggers
from gongdan.sla import services as sla
from gongdan.sla.escalation import escalation_sweep
from gongdan.sla.models import BusinessCalendar, ClockKind
from gongdan.tickets.models import Priority, Ticket
from gongdan.tickets.services import ticket_assign, ticket_comment, ticket_create
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def tags(ticket) -> list[str]:
    return sorted(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True))


def notes(ticket) -> list[str]:
    return list(
        Ticket.objects.get(pk=ticket.pk).comments.filter(is_internal=True).values_list("body", flat=True)
    )


@pytest.fixture
def approver(db):
    return UserFactory(username="approver_a", role="team_lead", display_name="Approver A")


@pytest.fixture
def file_for_approval(admin_user, team, make_ticket, requester, approver):
    """A category whose tickets wait for one approver's yes (the flow starts when the ticket is filed)."""
    category = CategoryFactory(name="采购", name_en="Purchase", default_team=team)
    flow = approvals.flow_create(actor=admin_user, name="采购审批", name_en="Purchase approval", code="buy",
                                 category=category)  # fmt: skip
    approvals.stage_create(actor=admin_user, flow=flow, name="主管", name_en="Lead", approver_kind="people",
                           approver_people=[approver], mode="all")  # fmt: skip

    def make(subject: str) -> Ticket:
        return make_ticket(subject, actor=requester, team=None, category=category)

    return make


def decide(ticket: Ticket, approver, decision: str, comment: str = "") -> None:
    task = ApprovalTask.objects.get(
        step__request__ticket=ticket, approver=approver, status=TaskStatus.PENDING
    )
    approvals.approval_decide(actor=approver, task_id=task.pk, decision=decision, comment=comment)


def test_the_approval_triggers_are_offered_by_name():
    offered = dict(triggers.choices())
    assert offered["approval_decided"] == "Approval decided (by one approver)"
    assert offered["approval_finished"] == "Approval finished (approved, rejected or cancelled)"


def test_on_rejection_a_note_and_a_tag_are_added_and_not_on_approval(
    make_rule, file_for_approval, approver, settle
):
    # Given "approval decided, decision is reject → tag not-approved, note"
    make_rule("Rejected", "approval_decided", [
        {"type": "add_tags", "tags": ["not-approved"]},
        {"type": "note", "body": "Rejected: tell the requester what to change."},
    ], [{"field": "event.decision", "op": "eq", "value": "reject"}])  # fmt: skip
    # and "approval finished, outcome approved → tag go"
    make_rule("Approved", "approval_finished", [{"type": "add_tags", "tags": ["go"]}],
              [{"field": "event.decision", "op": "eq", "value": "approved"}])  # fmt: skip
    rejected = file_for_approval("New laptop")
    approved = file_for_approval("New mouse")
    settle()
    # When the approver rejects one and approves the other
    decide(rejected, approver, "reject", comment="Too dear")
    decide(approved, approver, "approve")
    settle()
    # Then only the rejected ticket has the tag and the note; only the approved one the "go" tag
    assert tags(rejected) == ["not-approved"]
    assert notes(rejected) == ["Rejected: tell the requester what to change."]
    assert tags(approved) == ["go"]
    assert notes(approved) == []


def test_an_unknown_decision_is_refused(make_rule):
    from gongdan.core.domain_errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        make_rule("Typo", "approval_decided", [{"type": "add_tags", "tags": ["x"]}],
                  [{"field": "event.decision", "op": "eq", "value": "rejectd"}])  # fmt: skip
    assert refused.value.details["conditions.0.value"] == ["Unknown value “rejectd”."]


class WallClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_sla_warning_and_breach_triggers_fire_at_their_point_on_the_clock(
    make_rule, admin_user, agent, requester, category, django_capture_on_commit_callbacks, settle
):
    # Given a 24×7 policy (P2: resolve in 480 minutes) that warns at 50 %, and a rule on each trigger
    clock = WallClock()
    with mock.patch("django.utils.timezone.now", clock):
        p2 = Priority.objects.get(code="P2")
        policy = sla.policy_create(actor=admin_user, name="测试", name_en="Test", order=0,
                                   calendar=BusinessCalendar.objects.get(is_24x7=True),
                                   targets={p2: (60, 120, 480)})  # fmt: skip
        sla.step_create(actor=admin_user, policy=policy, target=ClockKind.RESOLUTION, percent=50,
                        action="notify_assignee")  # fmt: skip
        make_rule("Warned", "sla_warning", [{"type": "add_tags", "tags": ["sla-warned"]}])
        make_rule("Breached", "sla_breached", [{"type": "add_tags", "tags": ["sla-breached"]}],
                  [{"field": "priority", "op": "eq", "value": "P2"}])  # fmt: skip
        ticket = ticket_create(
            actor=agent, requester=requester, subject="ERP 登录失败", category=category, priority=p2
        )
        ticket = ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        ticket_comment(actor=agent, ticket=ticket, body="Looking at it")  # the first response, in time

        def sweep_and_settle(minutes: int) -> list[str]:
            clock.now += timedelta(minutes=minutes)
            with django_capture_on_commit_callbacks(execute=True):
                escalation_sweep()
            settle()
            return tags(ticket)

        # Then nothing before the warning, the warning at half the resolution time, the breach after it
        assert sweep_and_settle(30) == []
        assert sweep_and_settle(215) == ["sla-warned"]
        assert sweep_and_settle(240) == ["sla-breached", "sla-warned"]
