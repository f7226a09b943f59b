"""page_on_call(): who gets paged, repeats until acknowledged, the backup layer, one open page per ticket."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongdan.core.domain_errors import Conflict, NotFound
from gongdan.notifications.models import Notification
from gongdan.oncall.models import OnCallSchedule, Page
from gongdan.oncall.services import page_acknowledge, page_on_call, page_repeat, pages_repeat_due
from gongdan.outbox.models import OutboxMessage
from gongdan.tickets.services import ticket_transition

pytestmark = pytest.mark.django_db

# The fixtures' rotation: daily, 09:00 Asia/Shanghai, wang on 2026-01-01, li on 2026-01-02, …
# 2026-11-27 is day 330 since the start: even → wang is on call all day after 09:00 Shanghai (01:00 UTC).
WANG_DAY = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def at_wang_day(monkeypatch):
    """Freeze 'now' for the services at a moment when wang is on call."""
    clock = {"now": WANG_DAY}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    return clock


def kinds_of(ticket):
    return list(ticket.events.values_list("kind", flat=True))


def test_a_page_reaches_who_is_on_call_by_mail_and_bell(
    mail, schedule, ticket, oncall_people, at_wang_day, django_capture_on_commit_callbacks
):
    wang, _li, _zhao = oncall_people
    with django_capture_on_commit_callbacks(execute=True):
        page = page_on_call(ticket=ticket, reason="P0 unassigned for 5 minutes")
    assert page.state == Page.State.OPEN
    assert list(page.recipients.all()) == [wang]
    assert page.next_repeat_at == WANG_DAY + dt.timedelta(minutes=5)
    (received,) = mail.messages
    assert received["To"] == "wang@example.com"
    assert received["Subject"].strip() == f"[{ticket.number}] 值班呼叫：P0 unassigned for 5 minutes"
    text = received.get_body(("plain",)).get_content()
    assert "https://desk.example/notifications/pages/ack/" in text
    assert Notification.objects.get().user == wang
    event = ticket.events.get(kind="oncall_paged")
    assert event.data["recipients"] == [{"id": wang.pk, "label": wang.name}]
    assert event.data["reason"] == "P0 unassigned for 5 minutes"


def test_a_second_call_while_unacknowledged_returns_the_same_page(schedule, ticket, at_wang_day):
    first = page_on_call(ticket=ticket, reason="P0")
    second = page_on_call(ticket=ticket, reason="P0 again")
    assert second.pk == first.pk
    assert Page.objects.count() == 1
    assert kinds_of(ticket).count("oncall_paged") == 1


def test_nobody_on_call_gives_none_and_says_so_on_the_ticket(ticket):
    assert page_on_call(ticket=ticket, reason="P0") is None
    assert "oncall_unavailable" in kinds_of(ticket)
    assert not Page.objects.exists()


def test_the_global_schedule_covers_a_team_without_one(ticket, other_agent, at_wang_day):
    glob = OnCallSchedule.objects.create(
        name="Everyone", team=None, rotation_days=7, start_date=dt.date(2026, 1, 1)
    )
    glob.participants.create(user=other_agent, layer=1, position=0)
    page = page_on_call(ticket=ticket, reason="P0")
    assert list(page.recipients.all()) == [other_agent]
    assert page.schedule == glob


def test_repeats_every_interval_then_reach_the_backup(schedule, ticket, oncall_people, at_wang_day):
    wang, _li, zhao = oncall_people
    page = page_on_call(ticket=ticket, reason="P0")
    # Not yet due: nothing happens
    at_wang_day["now"] = WANG_DAY + dt.timedelta(minutes=4)
    assert pages_repeat_due() == 0
    # First repeat: wang again
    at_wang_day["now"] = WANG_DAY + dt.timedelta(minutes=5)
    assert pages_repeat_due() == 1
    assert Notification.objects.filter(user=wang).count() == 2
    # The same repeat run twice (two consumers) rings once
    assert page_repeat(page_id=page.pk) is False
    assert Notification.objects.filter(user=wang).count() == 2
    # Second repeat: escalate_after_repeats=2 → zhao (backup) joins
    at_wang_day["now"] = WANG_DAY + dt.timedelta(minutes=10)
    assert pages_repeat_due() == 1
    page.refresh_from_db()
    assert page.repeat_count == 2
    assert page.layer == 2
    assert set(page.recipients.all()) == {wang, zhao}
    assert Notification.objects.filter(user=zhao).count() == 1
    assert kinds_of(ticket).count("oncall_paged") == 3


def test_acknowledging_stops_the_repeats(schedule, ticket, oncall_people, at_wang_day):
    wang, _li, _zhao = oncall_people
    page = page_on_call(ticket=ticket, reason="P0")
    page = page_acknowledge(actor=wang, page_id=page.pk)
    assert page.state == Page.State.ACKNOWLEDGED
    assert page.acknowledged_by == wang
    at_wang_day["now"] = WANG_DAY + dt.timedelta(minutes=30)
    assert pages_repeat_due() == 0
    assert Notification.objects.count() == 1
    assert "oncall_acknowledged" in kinds_of(ticket)
    # A second acknowledgement is refused with who was first
    with pytest.raises(Conflict, match="Wang already acknowledged"):
        page_acknowledge(actor=wang, page_id=page.pk)
    # After acknowledgement a new page can be opened for the ticket
    assert page_on_call(ticket=ticket, reason="P0 again").pk != page.pk


def test_someone_unrelated_cannot_acknowledge(schedule, ticket, other_agent, requester, at_wang_day):
    page = page_on_call(ticket=ticket, reason="P0")
    for outsider in (other_agent, requester):
        with pytest.raises(NotFound):
            page_acknowledge(actor=outsider, page_id=page.pk)
    page.refresh_from_db()
    assert page.state == Page.State.OPEN


def test_repeats_stop_when_the_ticket_is_resolved(schedule, ticket, agent, at_wang_day):
    page = page_on_call(ticket=ticket, reason="P0")
    ticket_transition(actor=agent, ticket=ticket, action="cancel")
    at_wang_day["now"] = WANG_DAY + dt.timedelta(minutes=5)
    assert pages_repeat_due() == 0
    page.refresh_from_db()
    assert page.state == Page.State.EXPIRED
    assert "oncall_page_stopped" in kinds_of(ticket)


def test_page_mail_is_in_the_outbox_even_without_smtp(
    schedule, ticket, at_wang_day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page_on_call(ticket=ticket, reason="P0")
    assert OutboxMessage.objects.get().state == OutboxMessage.State.PENDING
