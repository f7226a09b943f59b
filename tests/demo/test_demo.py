"""The demo site: a living, bilingual help desk built through the services, loaded once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.utils import timezone

from gongdan.accounts.models import AgentSkill, Organisation, Team, User
from gongdan.assets.models import Location
from gongdan.tickets.models import Category, Comment, CustomField, Ticket, TicketEvent, TimeEntry
from gongdan.tickets.selectors import ticket_list

DEMO_PASSWORD = "Demo-Gongdan-2026"


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """Built once for this module inside a transaction that is rolled back afterwards (it takes seconds)."""
    with django_db_blocker.unblock(), transaction.atomic():
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("GONGDAN_DEMO_PASSWORD", DEMO_PASSWORD)
            out = StringIO()
            call_command("load_demo", tickets=80, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_site, db) -> str:
    return demo_site


def test_demo_builds_teams_people_places_and_forms(demo):
    assert "Demo site loaded" in demo
    assert {"IT Support", "Network", "Facilities", "Customer Service"} <= set(
        Team.objects.values_list("name_en", flat=True)
    )
    assert "IT 支持" in Team.objects.values_list("name", flat=True)
    assert User.objects.filter(role__in=["agent", "team_lead"]).count() >= 14
    assert User.objects.filter(role="requester").count() >= 40
    assert AgentSkill.objects.count() >= 15
    assert Organisation.objects.filter(service_tier="vip").exists()
    assert Organisation.objects.count() >= 6
    # a site → building → floor → room tree with addresses and coordinates
    room = Location.objects.filter(kind="room").select_related("parent__parent__parent").first()
    site = room.parent.parent.parent
    assert site.kind == "site" and site.address and site.latitude and site.longitude
    assert Category.objects.get(name_en="Password reset").parent.name == "账号异常"
    assert Category.objects.exclude(template="").exists()
    assert {"text", "number", "date", "choice", "multi_choice", "user"} <= set(
        CustomField.objects.values_list("field_type", flat=True)
    )


def test_demo_history_reads_like_ninety_days_of_real_work(demo):
    tickets = Ticket.objects.all()
    assert tickets.count() >= 80
    now = timezone.now()
    oldest = tickets.order_by("created_at").first().created_at
    assert (now - oldest).days >= 60
    assert not TicketEvent.objects.filter(created_at__gt=now).exists()
    # Both languages are present in what people wrote.
    subjects = list(tickets.values_list("subject", flat=True))
    assert any("\u4e00" <= ch <= "\u9fff" for s in subjects for ch in s)
    assert any(s.isascii() for s in subjects)
    # Many finished tickets, each with a resolution note, resolved after they were reported.
    resolved = tickets.filter(status__in=["resolved", "closed"], duplicate_of__isnull=True)
    assert resolved.count() >= 20
    assert not resolved.filter(resolution="").exists()
    assert not resolved.filter(resolved_at__lte=F("created_at")).exists()
    # Some work is still open, some of it late.
    assert tickets.filter(status__in=["new", "assigned", "in_progress", "pending_requester"]).exists()
    assert (
        Comment.objects.filter(is_internal=True).exists()
        and Comment.objects.filter(is_internal=False).exists()
    )
    assert TimeEntry.objects.exists()
    assert tickets.filter(duplicate_of__isnull=False).exists()


def test_demo_is_loaded_once(demo):
    counts = (Ticket.objects.count(), User.objects.count(), Category.objects.count())
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert (Ticket.objects.count(), User.objects.count(), Category.objects.count()) == counts


def test_demo_logins_work_and_a_requester_sees_only_their_own_tickets(demo):
    assert "GONGDAN_DEMO_PASSWORD" in demo and DEMO_PASSWORD not in demo
    assert Client().login(username="wang.lei", password=DEMO_PASSWORD)
    assert Client().login(username="sarah.lee", password=DEMO_PASSWORD)
    requester = User.objects.get(username="chen.jing")
    assert not requester.sees_organisation_tickets
    assert {t.requester_id for t in ticket_list(actor=requester)} <= {requester.pk}
    # Requesters without a demo login have no usable password until an admin sets one.
    assert User.objects.filter(role="requester", password__startswith="!").exists()


def test_demo_escalations_happened_in_the_past_not_on_the_first_sweep(demo):
    from gongdan.notifications.models import Notification
    from gongdan.outbox.models import OutboxMessage
    from gongdan.sla.escalation import escalation_sweep
    from gongdan.sla.models import EscalationFiring

    now = timezone.now()
    # The simulated consumer fired steps while the history was written: they sit at their due moments.
    fired = list(EscalationFiring.objects.values_list("fired_at", flat=True))
    assert fired and min(fired) < now - timezone.timedelta(days=7)
    assert not EscalationFiring.objects.filter(acted_at__isnull=True).exists()
    escalated = TicketEvent.objects.filter(kind="sla_escalated")
    assert escalated.exists() and not escalated.filter(created_at__gt=now).exists()
    # The first real sweep finds (almost) nothing left to do, and the leads' bells are not flooded.
    assert escalation_sweep() <= 3
    assert not Notification.objects.filter(
        read_at__isnull=True, created_at__lt=now - timezone.timedelta(days=1)
    ).exists()
    assert not OutboxMessage.objects.filter(created_at__lt=now - timezone.timedelta(days=1)).exists()
