"""Field changes, optimistic concurrency, links, merges and time entries."""

from __future__ import annotations

import pytest

from gongdan.core.domain_errors import Conflict, ValidationFailed
from gongdan.tickets.models import Priority, Status, Ticket, TicketLink
from gongdan.tickets.services import (
    ticket_create,
    ticket_link,
    ticket_merge,
    ticket_unlink,
    ticket_update,
    time_entry_add,
)

pytestmark = pytest.mark.django_db


def test_two_agents_editing_the_same_version_do_not_overwrite_each_other(requester, agent, lead, category):
    ticket = ticket_create(actor=requester, subject="Original", category=category)
    seen_by_both = ticket.version

    ticket_update(
        actor=agent, ticket=ticket, changes={"subject": "Agent's subject"}, expected_version=seen_by_both
    )
    with pytest.raises(Conflict) as error:
        ticket_update(
            actor=lead, ticket=ticket, changes={"subject": "Lead's subject"}, expected_version=seen_by_both
        )

    assert error.value.code == "version_conflict"
    ticket.refresh_from_db()
    assert ticket.subject == "Agent's subject"
    assert ticket.version == seen_by_both + 1


def test_a_change_that_changes_nothing_writes_no_event(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="Same", category=category)
    ticket_update(actor=agent, ticket=ticket, changes={"subject": "Same"})
    assert ticket.events.count() == 1
    assert Ticket.objects.get(pk=ticket.pk).version == 1


def test_unknown_fields_are_refused(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="x", category=category)
    with pytest.raises(ValidationFailed) as error:
        ticket_update(actor=agent, ticket=ticket, changes={"status": "closed", "number": "X-1"})
    assert set(error.value.details) == {"number", "status"}


def test_priority_is_required(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="x", category=category)
    with pytest.raises(ValidationFailed):
        ticket_update(actor=agent, ticket=ticket, changes={"priority": None})
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.objects.get(code="P2")


def test_changing_the_team_drops_an_assignee_who_is_not_in_it(requester, agent, other_team, category):
    from gongdan.tickets.services import ticket_assign

    ticket = ticket_create(actor=requester, subject="Move me", category=category)
    ticket = ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    ticket = ticket_update(actor=agent, ticket=ticket, changes={"team": other_team})
    assert ticket.assignee is None and ticket.status == Status.NEW


def test_links_relate_parent_and_refuse_loops(requester, agent, category):
    a = ticket_create(actor=requester, subject="A", category=category)
    b = ticket_create(actor=requester, subject="B", category=category)
    c = ticket_create(actor=requester, subject="C", category=category)

    ticket_link(actor=agent, ticket=a, other=b, kind="relates")
    ticket_link(actor=agent, ticket=b, other=a, kind="relates")  # the same link, not a second one
    assert TicketLink.objects.count() == 1

    ticket_link(actor=agent, ticket=b, other=a, kind="parent")  # a is b's parent
    ticket_link(actor=agent, ticket=c, other=b, kind="parent")  # b is c's parent
    with pytest.raises(ValidationFailed):
        ticket_link(actor=agent, ticket=a, other=c, kind="parent")  # would loop a → c → b → a
    with pytest.raises(ValidationFailed):
        ticket_link(actor=agent, ticket=a, other=a, kind="relates")
    assert Ticket.objects.get(pk=c.pk).parent == b

    ticket_unlink(actor=agent, ticket=c, other=b)
    assert Ticket.objects.get(pk=c.pk).parent is None
    assert c.events.filter(kind="unlinked").exists()


def test_merging_a_duplicate_closes_it_and_the_requester_follows_the_original(requester, other_requester, agent,
                                                                              category):  # fmt: skip
    original = ticket_create(actor=requester, subject="WiFi down in hall B", category=category)
    duplicate = ticket_create(actor=other_requester, subject="No wifi hall B", category=category)

    ticket_merge(actor=agent, duplicate=duplicate, into=original)

    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED
    assert duplicate.duplicate_of == original
    assert original.number in duplicate.resolution
    # `original` still holds the watchers ticket_create wrote (none): the merge's are in the database
    assert other_requester in Ticket.objects.get(pk=original.pk).watchers.all()
    assert original.events.filter(kind="merged").exists()
    with pytest.raises(ValidationFailed):
        ticket_merge(actor=agent, duplicate=original, into=duplicate)


def test_time_entries_are_validated(requester, agent, category):
    import datetime

    ticket = ticket_create(actor=requester, subject="Fix AC", category=category)
    entry = time_entry_add(actor=agent, ticket=ticket, minutes=45, note="on site")
    assert entry.minutes == 45 and ticket.events.filter(kind="time_logged").exists()
    for bad in (0, -5, 24 * 60 + 1, True, "10"):
        with pytest.raises(ValidationFailed):
            time_entry_add(actor=agent, ticket=ticket, minutes=bad)
    with pytest.raises(ValidationFailed):
        time_entry_add(actor=agent, ticket=ticket, minutes=5,
                       work_date=datetime.date.today() + datetime.timedelta(days=3))  # fmt: skip
    assert ticket.time_entries.count() == 1
