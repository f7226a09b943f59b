"""Run in a separate process by test_engine.py against the engine test's own database (not the test
runner's): set up tickets, enqueue sweeps, report what fired. Prints one JSON line."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import django


def setup(count: int) -> dict:
    from django.utils import timezone

    from gongdan.accounts.models import Team, User
    from gongdan.sla import services as sla
    from gongdan.sla.models import BusinessCalendar
    from gongdan.tickets.models import Priority
    from gongdan.tickets.services import ticket_create

    admin, _ = User.objects.get_or_create(username="engine-admin", defaults={"role": "admin"})
    requester, _ = User.objects.get_or_create(username="engine-requester", defaults={"role": "requester"})
    team, _ = Team.objects.get_or_create(name="引擎测试", defaults={"name_en": "Engine test"})
    lead, _ = User.objects.get_or_create(
        username="engine-lead", defaults={"role": "team_lead", "email": "lead@example.com"}
    )
    team.memberships.get_or_create(user=lead, defaults={"team_role": "lead"})
    p3 = Priority.objects.get(code="P3")
    policy = sla.policy_create(
        actor=admin, name=f"engine {timezone.now().timestamp()}", order=0, calendar=BusinessCalendar.objects.get(is_24x7=True),
        conditions={"priorities": ["P3"]}, targets={p3: (60, None, 240)},
    )  # fmt: skip
    for percent in (50, 80, 100):
        sla.step_create(
            actor=admin, policy=policy, target="resolution", percent=percent, action="notify_team_leads"
        )
    # Created ten hours ago: every step of every clock is due now, nothing has fired.
    past = timezone.now() - timedelta(hours=10)
    ids = [
        ticket_create(
            actor=admin, requester=requester, subject=f"engine {i}", priority=p3, team=team, created_at=past
        ).pk
        for i in range(count)
    ]
    sla.policy_update(
        actor=admin,
        policy=policy,
        name=policy.name,
        order=0,
        calendar=policy.calendar,
        is_active=False,
        conditions={"priorities": ["P3"]},
    )  # fmt: skip  (later tests: no match)
    return {"tickets": ids, "policy": policy.pk}


def enqueue_sweeps(n: int) -> dict:
    from gongdan.sla.tasks import sla_sweep

    for _ in range(n):
        sla_sweep()
    return {"enqueued": n}


def counts(ticket_ids: list[int]) -> dict:
    from django.db.models import Count

    from gongdan.sla.models import EscalationFiring
    from gongdan.tickets.models import TicketEvent

    per_step = list(
        EscalationFiring.objects.filter(clock__ticket_id__in=ticket_ids)
        .values("clock_id", "step_id")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    events = TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind="sla_escalated").count()
    acted = EscalationFiring.objects.filter(clock__ticket_id__in=ticket_ids, acted_at__isnull=False).count()
    breaches = TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind="sla_breached").count()
    return {
        "firings": len(per_step),
        "max_per_step": max(per_step, default=0),
        "events": events,
        "breaches": breaches,
        "acted": acted,
    }


def create_p0() -> dict:
    from django.utils import timezone

    from gongdan.accounts.models import User
    from gongdan.oncall.models import OnCallParticipant, OnCallSchedule
    from gongdan.tickets.models import Priority
    from gongdan.tickets.services import ticket_create

    admin, _ = User.objects.get_or_create(username="engine-admin", defaults={"role": "admin"})
    requester, _ = User.objects.get_or_create(username="engine-requester", defaults={"role": "requester"})
    lead, _ = User.objects.get_or_create(username="engine-lead", defaults={"role": "team_lead"})
    # Someone is on call (the global schedule): the page goes out to them.
    schedule, _ = OnCallSchedule.objects.get_or_create(
        name="engine on-call", defaults={"start_date": timezone.localdate() - timedelta(days=1)}
    )
    OnCallParticipant.objects.get_or_create(schedule=schedule, user=lead)
    ticket = ticket_create(
        actor=admin, requester=requester, subject="全厂断网 P0", priority=Priority.objects.get(code="P0")
    )
    return {"ticket": ticket.pk, "created_at": ticket.created_at.isoformat()}


def p0_status(ticket_id: int) -> dict:
    from gongdan.tickets.models import Ticket, TicketEvent

    ticket = Ticket.objects.get(pk=ticket_id)
    alert = (
        TicketEvent.objects.filter(ticket=ticket, kind__in=["oncall_paged", "oncall_unavailable"])
        .order_by("pk")
        .first()
    )
    escalated = TicketEvent.objects.filter(
        ticket=ticket, kind="sla_escalated", data__action="page_on_call"
    ).first()
    found = alert or escalated
    return {
        "alert": found.kind if found else None,
        "delay": (found.created_at - ticket.created_at).total_seconds() if found else None,
    }


if __name__ == "__main__":
    django.setup()
    command, *args = sys.argv[1:]
    if command == "setup":
        result = setup(int(args[0]))
    elif command == "enqueue_sweeps":
        result = enqueue_sweeps(int(args[0]))
    elif command == "counts":
        result = counts(json.loads(args[0]))
    elif command == "create_p0":
        result = create_p0()
    else:
        result = p0_status(int(args[0]))
    print(json.dumps(result))
