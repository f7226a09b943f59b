"""Custom fields marked sensitive: sealed at rest, masked in the API and the history, revealed to staff with
an audit entry; rotation seals values stored before the field was marked."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from gongdan.audit.models import AuditEntry
from gongdan.tickets import services
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.services.sensitive_values import MASK, open_values, ticket_sensitive_reveal
from tests.factories import CustomFieldFactory

pytestmark = pytest.mark.django_db
ID_NUMBER = "110101199003071234"


def raw_custom_values(ticket: Ticket) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT custom_values FROM tickets_ticket WHERE id = %s", [ticket.pk])
        return str(cursor.fetchone()[0])


@pytest.fixture
def id_field(category):
    return CustomFieldFactory(
        category=category, key="id_number", label="身份证号", label_en="ID number", sensitive=True
    )


def test_a_sensitive_value_is_sealed_masked_for_the_api_and_history_and_revealed_with_an_audit_entry(
    category, id_field, requester, agent, client
):
    ticket = services.ticket_create(actor=requester, subject="门禁卡申请", requester=requester, category=category,
                                    custom_values={"id_number": ID_NUMBER})  # fmt: skip
    assert ID_NUMBER not in raw_custom_values(ticket) and "gdenc:1:" in raw_custom_values(ticket)
    services.ticket_update(
        actor=agent, ticket=ticket, changes={"custom_values": {"id_number": "110101199003075678"}}
    )
    ticket.refresh_from_db()
    history = [str(e.data) for e in TicketEvent.objects.filter(ticket=ticket)]
    assert all(ID_NUMBER not in text and "110101199003075678" not in text for text in history)
    assert any(MASK in text for text in history)

    client.force_login(agent)
    body = client.get(f"/api/v1/tickets/{ticket.number}").json()
    assert body["custom_fields"]["id_number"] == MASK
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "110101199003075678" not in page and MASK in page
    assert not AuditEntry.objects.filter(kind="restricted.access").exists()
    shown = client.get(f"/tickets/{ticket.number}/sensitive/?key=id_number")
    assert shown.status_code == 200 and "110101199003075678" in shown.content.decode()
    entry = AuditEntry.objects.get(kind="restricted.access")
    assert entry.actor_id == agent.pk and entry.detail == {"fields": ["id_number"]}
    assert "110101199003075678" not in str(entry.detail)


def test_sending_back_the_mask_changes_nothing_and_requesters_cannot_reveal(
    category, id_field, requester, agent
):
    ticket = services.ticket_create(actor=requester, subject="s", requester=requester, category=category,
                                    custom_values={"id_number": ID_NUMBER})  # fmt: skip
    version = ticket.version
    services.ticket_update(actor=agent, ticket=ticket, changes={"custom_values": {"id_number": MASK}})
    ticket.refresh_from_db()
    assert ticket.version == version
    assert ticket_sensitive_reveal(actor=agent, ticket=ticket) == {"id_number": ID_NUMBER}
    from gongdan.core.domain_errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        ticket_sensitive_reveal(actor=requester, ticket=ticket)


def test_values_stored_before_the_field_was_marked_are_sealed_by_the_rotation(category, requester):
    field = CustomFieldFactory(category=category, key="badge", label="工号", label_en="Badge")
    ticket = services.ticket_create(actor=requester, subject="s", requester=requester, category=category,
                                    custom_values={"badge": "E-20391"})  # fmt: skip
    assert "E-20391" in raw_custom_values(ticket)
    field.sensitive = True
    field.save()
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "tickets.Ticket (sensitive custom values): 1 re-sealed" in out.getvalue()
    assert "E-20391" not in raw_custom_values(ticket)
    assert open_values(Ticket.objects.get(pk=ticket.pk).custom_values) == {"badge": "E-20391"}
