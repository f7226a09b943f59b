"""Time rules: "pending on the requester for 3 business days → remind; 7 → resolve", counted on the business
calendar (a public holiday is skipped, a 调休 make-up Saturday counts), once per waiting episode."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gongdan.automation.engine import current_index
from gongdan.automation.models import RuleRun
from gongdan.automation.timed import add_business_days, calendar_for, sweep
from gongdan.sla import services as sla
from gongdan.sla.business_time import CalendarSnapshot
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.services import ticket_comment, ticket_transition

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKDAY = ((540, 1080),)  # 09:00–18:00


def national_day_2026() -> CalendarSnapshot:
    """Mon–Fri; 1–7 October off; Sunday 27 September and Saturday 10 October are make-up working days."""
    exceptions = {dt.date(2026, 10, d): () for d in range(1, 8)}
    exceptions |= {dt.date(2026, 9, 27): WORKDAY, dt.date(2026, 10, 10): WORKDAY}
    return CalendarSnapshot(
        time_zone="Asia/Shanghai", weekly=(WORKDAY,) * 5 + ((), ()), exceptions=exceptions
    )


def test_business_days_skip_the_holiday_and_count_the_make_up_working_days():
    calendar = national_day_2026()
    friday = dt.datetime(2026, 9, 25, 10, 0, tzinfo=SHANGHAI)
    # Sunday 27 (调休) is the first, Monday 28 the second, Tuesday 29 the third
    assert add_business_days(calendar, friday, 3) == dt.datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI)
    # …30 September, then the week off, then Thursday 8, Friday 9 and the make-up Saturday 10
    assert add_business_days(calendar, friday, 7) == dt.datetime(2026, 10, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def calendar(admin_user):
    row = sla.calendar_create(actor=admin_user, name="工作日", name_en="Working days", time_zone="Asia/Shanghai",
                              weekly_hours={str(d): [[540, 1080]] for d in range(5)})  # fmt: skip
    today = dt.datetime.now(SHANGHAI).date()
    sla.calendar_day_set(
        actor=admin_user, calendar=row, day=today + dt.timedelta(days=1), kind="holiday", name="假日"
    )
    return row


@pytest.fixture
def waiting_rules(make_rule, calendar):
    remind = make_rule("Remind after 3", "time", [{"type": "reply", "body": "Hello {{requester}}, any news on {{number}}?"}],
                       wait_status="pending_requester", wait_business_days=3, calendar=calendar)  # fmt: skip
    resolve = make_rule("Resolve after 7", "time", [{"type": "transition", "action": "resolve"}],
                        wait_status="pending_requester", wait_business_days=7, calendar=calendar)  # fmt: skip
    return remind, resolve


def deadline(rule, start: dt.datetime) -> dt.datetime:
    compiled = next(r for r in current_index().timed if r.id == rule.pk)
    return add_business_days(calendar_for(compiled), start, compiled.wait_business_days)


def test_a_ticket_waiting_on_the_requester_is_reminded_then_resolved_once_each(
    waiting_rules, make_ticket, agent, calendar
):
    remind, resolve = waiting_rules
    ticket = make_ticket(assignee=agent)
    ticket = ticket_transition(actor=agent, ticket=ticket, action="wait_requester")
    started = TicketEvent.objects.filter(ticket=ticket, kind="transitioned").latest("pk").created_at
    three, seven = deadline(remind, started), deadline(resolve, started)
    # The holiday tomorrow is not counted: three business days are at least four calendar days away
    assert three - started >= dt.timedelta(days=4)
    # Not yet due: nothing
    assert sweep(now=three - dt.timedelta(minutes=1)) == 0
    # Due: the reminder, once, however often the sweep runs (several workers)
    assert sweep(now=three + dt.timedelta(minutes=1)) == 1
    assert sweep(now=three + dt.timedelta(minutes=2)) == 0
    reply = ticket.comments.get()
    assert (
        reply.body == f"Hello {ticket.requester.name}, any news on {ticket.number}?" and not reply.is_internal
    )
    # Seven business days: resolved (the reminder does not fire again)
    assert sweep(now=seven + dt.timedelta(minutes=1)) == 1
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    assert list(RuleRun.objects.order_by("pk").values_list("rule__name", "outcome")) == [
        ("Remind after 3", "applied"), ("Resolve after 7", "applied")]  # fmt: skip


def test_a_new_waiting_episode_fires_again(waiting_rules, make_ticket, agent, requester):
    remind, _resolve = waiting_rules
    ticket = ticket_transition(actor=agent, ticket=make_ticket(assignee=agent), action="wait_requester")
    first = TicketEvent.objects.filter(ticket=ticket, kind="transitioned").latest("pk").created_at
    assert sweep(now=deadline(remind, first) + dt.timedelta(minutes=1)) == 1
    # The requester answers (back in progress), then the agent waits on them again: a new episode
    ticket_comment(actor=requester, ticket=ticket, body="Here it is")
    ticket = ticket_transition(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk), action="wait_requester")
    second = TicketEvent.objects.filter(ticket=ticket, kind="transitioned").latest("pk").created_at
    assert sweep(now=deadline(remind, second) + dt.timedelta(minutes=1)) == 1
    assert RuleRun.objects.filter(rule=remind, ticket=ticket).count() == 2


def test_a_ticket_no_longer_waiting_is_left_alone(waiting_rules, make_ticket, agent):
    remind, _resolve = waiting_rules
    ticket = ticket_transition(actor=agent, ticket=make_ticket(assignee=agent), action="wait_requester")
    started = TicketEvent.objects.filter(ticket=ticket, kind="transitioned").latest("pk").created_at
    ticket_transition(actor=agent, ticket=ticket, action="start")
    assert sweep(now=deadline(remind, started) + dt.timedelta(days=30)) == 0
