"""Deadlines on the business calendar (remind, then escalate; once, however many workers sweep) and two
approvers deciding at the same moment (never a double advance)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from gongdan.accounts.models import User
from gongdan.approvals import services
from gongdan.approvals.models import ApprovalRequest, ApprovalStep, ApprovalTask, RequestStatus, TaskStatus
from gongdan.core.domain_errors import Conflict, NotFound
from gongdan.outbox.models import OutboxMessage
from gongdan.sla import business_time
from gongdan.sla.rules import current_rules
from gongdan.sla.services import calendar_create
from gongdan.tickets.models import TicketEvent
from gongdan.tickets.services import ticket_create
from tests.approvals.conftest import people_stage
from tests.factories import CategoryFactory, TeamFactory, UserFactory

WEEKDAYS = dict.fromkeys(range(5), "09:00-18:00")


@pytest.fixture
def calendar(admin_user):
    return calendar_create(
        actor=admin_user, name="上海工作日", name_en="Shanghai weekdays", weekly_hours=WEEKDAYS
    )


def test_a_late_stage_is_reminded_then_escalated_on_the_business_calendar(
    make_flow, file_ticket, calendar, approver, approver_b
):
    # Given a stage due in 16 working hours, escalated 4 working hours later, on a 09:00–18:00 weekday calendar
    approver.manager = approver_b
    approver.save(update_fields=["manager"])
    make_flow(people_stage(approver, deadline_hours=16, escalate_after_hours=4), calendar=calendar)
    ticket = file_ticket()
    step = ApprovalStep.objects.get(request__ticket=ticket)
    snapshot = current_rules().calendars[calendar.pk]
    # Then the deadline counts working hours only: 16 of them always span a night
    assert step.remind_at == business_time.add(snapshot, step.started_at, dt.timedelta(hours=16))
    assert step.remind_at - step.started_at > dt.timedelta(hours=16)
    assert step.escalate_at == business_time.add(snapshot, step.remind_at, dt.timedelta(hours=4))

    # Before the deadline nothing happens
    assert services.approval_deadline_sweep(now=step.remind_at - dt.timedelta(seconds=1)) == {
        "reminded": 0,
        "escalated": 0,
    }
    # At the deadline the approver is reminded, once
    assert services.approval_deadline_sweep(now=step.remind_at) == {"reminded": 1, "escalated": 0}
    assert services.approval_deadline_sweep(now=step.remind_at) == {"reminded": 0, "escalated": 0}
    assert TicketEvent.objects.filter(ticket=ticket, kind="approval_reminded").count() == 1
    assert OutboxMessage.objects.filter(
        kind="approval", address=approver.email, subject__startswith="Reminder"
    ).exists()
    # Past the escalation time the approver's manager is asked and may decide on their behalf
    assert services.approval_deadline_sweep(now=step.escalate_at) == {"reminded": 0, "escalated": 1}
    assert TicketEvent.objects.filter(ticket=ticket, kind="approval_escalated").count() == 1
    assert OutboxMessage.objects.filter(
        kind="approval", address=approver_b.email, subject__startswith="Escalated"
    ).exists()
    task = ApprovalTask.objects.get(step=step)
    decided = services.approval_decide(
        actor=approver_b, task_id=task.pk, decision="approve", comment="Covering"
    )
    assert (decided.approver_id, decided.decided_by_id) == (approver.pk, approver_b.pk)
    assert ApprovalRequest.objects.get(ticket=ticket).status == RequestStatus.APPROVED


def test_a_decided_stage_is_not_reminded(make_flow, file_ticket, approver):
    make_flow(people_stage(approver, deadline_hours=1))
    ticket = file_ticket()
    step = ApprovalStep.objects.get(request__ticket=ticket)
    services.approval_decide(
        actor=approver, task_id=ApprovalTask.objects.get(step=step).pk, decision="approve"
    )
    assert services.approval_deadline_sweep(now=step.remind_at + dt.timedelta(days=1)) == {
        "reminded": 0,
        "escalated": 0,
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvers_deciding_at_once_never_double_advance():
    admin = UserFactory(username="race_admin", role="admin")
    first, second = UserFactory(username="race_a", role="agent"), UserFactory(username="race_b", role="agent")
    requester = UserFactory(username="race_requester")
    category = CategoryFactory(name="竞态", name_en="Race")
    flow = services.flow_create(actor=admin, name="竞态", code="race", category=category)
    services.stage_create(actor=admin, flow=flow, **people_stage(first, second, mode="any", name="任一"))
    services.stage_create(actor=admin, flow=flow, **people_stage(admin, name="最后"))
    ticket = ticket_create(actor=requester, subject="Both at once", category=category)
    tasks = {t.approver_id: t.pk for t in ApprovalTask.objects.filter(step__request__ticket=ticket)}
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(person_id: int) -> None:
        try:
            actor = User.objects.get(pk=person_id)
            barrier.wait(timeout=30)
            services.approval_decide(actor=actor, task_id=tasks[person_id], decision="approve")
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        except BaseException as exc:  # collected and asserted below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(p,)) for p in (first.pk, second.pk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "ok"]
    # One advance: the second stage opened once, with one task
    assert ApprovalStep.objects.filter(request__ticket=ticket).count() == 2
    assert ApprovalTask.objects.filter(step__position=2, step__request__ticket=ticket).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, kind="approval_finished").count() == 1
    assert ApprovalTask.objects.filter(step__position=1, status=TaskStatus.APPROVED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_remind_once():
    admin = UserFactory(username="sweep_admin", role="admin")
    approver = UserFactory(username="sweep_approver", role="agent")
    category = CategoryFactory(name="提醒", name_en="Reminders")
    flow = services.flow_create(actor=admin, name="提醒", code="sweep", category=category)
    services.stage_create(actor=admin, flow=flow, **people_stage(approver, name="一", deadline_hours=1))
    ticket = ticket_create(actor=admin, requester=approver, subject="Late", category=category)
    due = ApprovalStep.objects.get(request__ticket=ticket).remind_at
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=30)
            counts.append(services.approval_deadline_sweep(now=due)["reminded"])
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(counts) == [0, 1]
    assert TicketEvent.objects.filter(ticket=ticket, kind="approval_reminded").count() == 1


# --- the shipped examples count working hours on the site's calendar -------------------------------------------

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("started", "due", "escalated"),
    [
        # Friday 17:00 → one hour on Friday, seven on Monday; escalated 8 working hours later, on Tuesday
        (dt.datetime(2026, 3, 13, 17, tzinfo=SHANGHAI), dt.datetime(2026, 3, 16, 17, tzinfo=SHANGHAI),
         dt.datetime(2026, 3, 17, 17, tzinfo=SHANGHAI)),
        # Friday 8 May 2026: Saturday 9 May is a make-up working day (劳动节调休上班), so the deadline falls on it
        (dt.datetime(2026, 5, 8, 17, tzinfo=SHANGHAI), dt.datetime(2026, 5, 9, 17, tzinfo=SHANGHAI),
         dt.datetime(2026, 5, 11, 17, tzinfo=SHANGHAI)),
    ],
)  # fmt: skip
def test_the_shipped_access_request_counts_its_8_hours_on_the_mainland_china_calendar(
    monkeypatch, admin_user, requester, approver, started, due, escalated
):
    # Given the shipped 权限申请 example imported on a site that has its team and category
    TeamFactory(name="应用支持", name_en="Application Support")
    category = CategoryFactory(name="权限申请", name_en="Access request")
    example = (Path(services.__file__).parent / "examples" / "access.json").read_text(encoding="utf-8")
    flow = services.flow_import(actor=admin_user, data=json.loads(example))
    assert flow.calendar is not None and flow.calendar.name == "中国大陆"
    requester.manager = approver
    requester.save(update_fields=["manager"])
    # When an access request is filed at the given moment
    monkeypatch.setattr(timezone, "now", lambda: started.astimezone(dt.UTC))
    ticket = ticket_create(actor=requester, subject="ERP 只读权限", requester=requester, category=category)
    # Then the line manager's 8 hours are working hours: due on the next working day, escalated a day later
    step = ApprovalStep.objects.get(request__ticket=ticket)
    assert step.remind_at == due
    assert step.escalate_at == escalated


def test_an_escalation_never_reaches_the_requester(make_flow, file_ticket, calendar, approver, requester):
    # Given an approver whose manager is the person who files the request
    approver.manager = requester
    approver.save(update_fields=["manager"])
    make_flow(people_stage(approver, deadline_hours=16, escalate_after_hours=4), calendar=calendar)
    ticket = file_ticket()
    step = ApprovalStep.objects.get(request__ticket=ticket)
    # When the stage is past its escalation time
    services.approval_deadline_sweep(now=step.remind_at)
    services.approval_deadline_sweep(now=step.escalate_at)
    # Then the task is not handed to the requester: nobody decides their own request
    task = ApprovalTask.objects.get(step=step)
    assert task.escalated_to_id is None
    assert TicketEvent.objects.get(ticket=ticket, kind="approval_escalated").data["people"] == []
    assert not OutboxMessage.objects.filter(
        kind="approval", address=requester.email, subject__startswith="Escalated"
    ).exists()
    with pytest.raises(NotFound):
        services.approval_decide(actor=requester, task_id=task.pk, decision="approve")
    # And the approver still decides it
    services.approval_decide(actor=approver, task_id=task.pk, decision="approve")
    assert ApprovalTask.objects.get(pk=task.pk).status == "approved"
