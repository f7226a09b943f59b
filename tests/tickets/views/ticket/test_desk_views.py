"""The ticket page's "Take it" and composer, the queue row's "Take it", and the desk settings screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongdan.tickets import services
from gongdan.tickets.models import Comment, Status, Ticket
from tests.html import field_errors
from tests.tickets.views.ticket.conftest import client_for

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, ticket) -> str:
    return reverse(f"tickets:{name}", args=[ticket.number])


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def new_ticket(requester, category):
    """A new ticket in the agent's team, not yet anyone's."""
    return services.ticket_create(actor=requester, subject="Printer jammed", category=category)


# ------------------------------------------------------------------------------------------------ take


def test_take_it_is_offered_only_while_the_agent_may_take(new_ticket, agent, agent_client, other_agent):
    # Given a new ticket of the agent's team: the page offers "Take it"
    html = agent_client.get(url("ticket_detail", new_ticket)).content.decode()
    assert url("ticket_take", new_ticket) in html and "Take it" in html

    # When it is theirs, the button is gone
    services.ticket_take(actor=agent, ticket=new_ticket)
    html = agent_client.get(url("ticket_detail", new_ticket)).content.decode()
    assert url("ticket_take", new_ticket) not in html

    # And an agent of another team who watches it is never offered it
    services.ticket_update(actor=agent, ticket=fresh(new_ticket), changes={"watchers": [other_agent]})
    html = client_for(other_agent).get(url("ticket_detail", new_ticket)).content.decode()
    assert url("ticket_take", new_ticket) not in html


def test_take_it_with_htmx_answers_with_the_page_parts(new_ticket, agent, agent_client):
    response = agent_client.post(url("ticket_take", new_ticket), {"version": new_ticket.version}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "You took this ticket." in html
    assert 'id="ticket-editor"' in html  # the composer comes back with the new version in it
    stored = fresh(new_ticket)
    assert (stored.assignee, stored.status) == (agent, Status.IN_PROGRESS)
    assert f'id="composer-version" name="version" value="{stored.version}"' in html


def test_take_it_with_a_stale_version_says_so_and_changes_nothing(new_ticket, agent, agent_client):
    stale = new_ticket.version
    services.ticket_update(actor=agent, ticket=new_ticket, changes={"subject": "Printer jammed again"})

    response = agent_client.post(url("ticket_take", new_ticket), {"version": stale}, **HTMX)

    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert fresh(new_ticket).assignee is None


def test_take_it_refuses_a_malformed_version(new_ticket, agent_client):
    response = agent_client.post(url("ticket_take", new_ticket), {"version": "x"}, **HTMX)
    assert response.status_code == 422
    assert fresh(new_ticket).assignee is None


def test_take_it_from_the_queue_opens_the_ticket(new_ticket, agent, agent_client):
    # Given the queue shows the new ticket with its "Take it" button (carrying the row's version)
    html = agent_client.get(reverse("tickets:queue"), {"view": "all"}).content.decode()
    assert (
        f'formaction="/tickets/{new_ticket.number}/take/" name="version" value="{new_ticket.version}"' in html
    )

    # When the agent presses it (the queue's form posts the row's version)
    response = agent_client.post(
        url("ticket_take", new_ticket), {"version": new_ticket.version, "from": "queue"}
    )

    # Then the ticket is theirs and opens
    assert response.status_code == 302 and response["Location"] == url("ticket_detail", new_ticket)
    assert fresh(new_ticket).assignee == agent
    html = agent_client.get(reverse("tickets:queue"), {"view": "all"}).content.decode()
    assert f"/tickets/{new_ticket.number}/take/" not in html


def test_a_refused_take_from_the_queue_returns_to_the_queue(new_ticket, agent, agent_client):
    services.ticket_take(actor=agent, ticket=new_ticket)

    response = agent_client.post(
        url("ticket_take", new_ticket), {"version": fresh(new_ticket).version, "from": "queue"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("tickets:queue")
    assert "already yours" in response.content.decode()


def test_requesters_cannot_take(new_ticket, requester_client):
    response = requester_client.post(url("ticket_take", new_ticket), {}, **HTMX)
    assert response.status_code == 403
    assert fresh(new_ticket).assignee is None


# ------------------------------------------------------------------------------------------- composer


def test_composer_offers_send_and_pending_and_resolve(new_ticket, agent, agent_client, requester_client):
    services.ticket_take(actor=agent, ticket=new_ticket)
    html = agent_client.get(url("ticket_detail", new_ticket)).content.decode()
    assert 'name="then" value="wait_requester"' in html and "Send and set pending" in html
    assert 'name="then" value="resolve"' in html and "Send and resolve" in html
    # a requester's composer only sends
    html = requester_client.get(url("ticket_detail", new_ticket)).content.decode()
    assert 'name="then" value="resolve"' not in html


def test_send_and_resolve_in_one_submit(new_ticket, agent, agent_client):
    ticket = services.ticket_take(actor=agent, ticket=new_ticket)

    response = agent_client.post(
        url("ticket_reply", ticket),
        {"body": "Replaced the fuser.", "kind": "reply", "then": "resolve", "version": ticket.version},
        **HTMX,
    )

    assert response.status_code == 200
    assert "Reply sent. Status changed to Resolved." in response.content.decode()
    stored = fresh(ticket)
    assert (stored.status, stored.resolution) == (Status.RESOLVED, "Replaced the fuser.")


def test_a_refused_send_and_resolve_names_the_field_and_keeps_the_text(new_ticket, agent, agent_client):
    ticket = services.ticket_take(actor=agent, ticket=new_ticket)

    # An internal note cannot be the resolution: without JS the page comes back with both texts typed
    response = agent_client.post(
        url("ticket_reply", ticket),
        {"body": "Vendor case 4411", "kind": "note", "then": "resolve", "version": ticket.version},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert field_errors(response, "resolution") == [
        "An internal note is not shown to the requester: write the resolution note too."
    ]
    assert "Vendor case 4411</textarea>" in html
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert fresh(ticket).status == Status.IN_PROGRESS


def test_the_composer_version_follows_changes_made_elsewhere_on_the_page(new_ticket, agent, agent_client):
    ticket = services.ticket_take(actor=agent, ticket=new_ticket)

    # A time entry answers without the composer, but with its version moved on
    response = agent_client.post(url("ticket_time", ticket), {"minutes": "15"}, **HTMX)
    html = response.content.decode()
    assert 'id="ticket-editor"' not in html
    version = fresh(ticket).version
    assert f'id="composer-version" name="version" value="{version}" hx-swap-oob="true"' in html

    # so the next send with that version goes through
    response = agent_client.post(
        url("ticket_reply", ticket), {"body": "On my way.", "kind": "reply", "version": version}, **HTMX
    )
    assert response.status_code == 200


def test_a_stale_composer_is_refused(new_ticket, agent, agent_client):
    ticket = services.ticket_take(actor=agent, ticket=new_ticket)
    stale = ticket.version
    services.ticket_update(actor=agent, ticket=fresh(ticket), changes={"subject": "Renamed"})

    response = agent_client.post(
        url("ticket_reply", ticket),
        {"body": "Hi", "kind": "reply", "then": "resolve", "version": stale},
        **HTMX,
    )

    assert response.status_code == 409
    assert not Comment.objects.filter(ticket=ticket).exists()


# ---------------------------------------------------------------------------------------------- settings


def test_desk_settings_screen_turns_on_the_separate_resolution_note(
    admin_browser, new_ticket, agent, agent_client
):
    page = reverse("tickets:desk_settings")
    assert admin_browser.get(page).status_code == 200

    response = admin_browser.post(page, {"separate_resolution_note": "on"})
    assert response.status_code == 302

    ticket = services.ticket_take(actor=agent, ticket=new_ticket)
    response = agent_client.post(
        url("ticket_reply", ticket),
        {"body": "Done.", "kind": "reply", "then": "resolve", "version": ticket.version},
    )
    assert response.status_code == 422
    assert "this site keeps it apart from the reply" in response.content.decode()


def test_agents_cannot_open_the_desk_settings(agent_client):
    assert agent_client.get(reverse("tickets:desk_settings")).status_code in (403, 404)


# ------------------------------------------------------------------------------------ properties autosave


def properties(ticket, **overrides) -> dict:
    ticket = fresh(ticket)
    data = {
        "version": str(ticket.version),
        "category": str(ticket.category_id or ""),
        "ticket_type": str(ticket.ticket_type_id),
        "priority": str(ticket.priority_id),
        "team": str(ticket.team_id or ""),
        "assignee": str(ticket.assignee_id or ""),
        "due_at": "",
        "location": "",
        "location_text": "",
        "tags": "",
    }
    data.update(overrides)
    return data


def test_a_property_saves_on_change_and_undo_restores_it(new_ticket, agent, agent_client):
    from gongdan.tickets.models import Priority

    urgent = Priority.objects.get(code="P1")
    before = fresh(new_ticket).priority

    # When the agent changes the priority (htmx posts the panel on change)
    response = agent_client.post(
        url("ticket_properties", new_ticket), properties(new_ticket, priority=urgent.pk), **HTMX
    )

    # Then it is saved, says so, and offers an Undo that carries the previous value and the new version
    assert response.status_code == 200
    html = response.content.decode()
    stored = fresh(new_ticket)
    assert stored.priority == urgent
    assert "Changes saved." in html and "data-gd-undo" in html
    assert f'<input type="hidden" name="priority" value="{before.pk}">' in html
    assert f'id="properties-version" name="version" value="{stored.version}" hx-swap-oob="true"' in html
    assert 'id="ticket-side"' not in html  # the panel keeps its focus: only the version and the status move

    # When the agent presses Undo (the same service, the values from before)
    undo = properties(new_ticket, priority=before.pk, undo="1")
    response = agent_client.post(url("ticket_properties", new_ticket), undo, **HTMX)

    # Then the priority is back, as a second edit on the history
    assert response.status_code == 200 and "Change undone." in response.content.decode()
    assert fresh(new_ticket).priority == before
    assert fresh(new_ticket).version == stored.version + 1


def test_a_stale_property_change_says_so_and_shows_the_fresh_values(new_ticket, agent, agent_client):
    from gongdan.tickets.models import Priority

    stale = properties(new_ticket, priority=Priority.objects.get(code="P1").pk)
    services.ticket_update(
        actor=agent, ticket=fresh(new_ticket), changes={"priority": Priority.objects.get(code="P4")}
    )

    response = agent_client.post(url("ticket_properties", new_ticket), stale, **HTMX)

    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else" in html
    assert 'id="ticket-side"' in html  # the panel drawn again with what the ticket holds now
    assert fresh(new_ticket).priority.code == "P4"


def test_changing_the_team_redraws_the_panel(new_ticket, agent, agent_client, other_team):
    services.ticket_take(actor=agent, ticket=new_ticket)

    response = agent_client.post(
        url("ticket_properties", new_ticket), properties(new_ticket, team=other_team.pk, assignee=""), **HTMX
    )

    assert response.status_code == 200
    assert 'id="ticket-side"' in response.content.decode()
    stored = fresh(new_ticket)
    assert (stored.team, stored.assignee) == (other_team, None)


def test_a_new_category_waits_for_its_required_fields(new_ticket, agent, agent_client):
    from tests.factories import CategoryFactory, CustomFieldFactory

    laptops = CategoryFactory(name="笔记本", name_en="Laptops", default_team=new_ticket.team)
    CustomFieldFactory(
        category=laptops, key="asset_tag", label="资产编号", label_en="Asset tag", required=True
    )

    # Choosing the category alone is refused, and the panel keeps the choice with the field to fill
    response = agent_client.post(
        url("ticket_properties", new_ticket), properties(new_ticket, category=laptops.pk), **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "is required" in html and 'name="cf_asset_tag"' in html
    assert f'<option value="{laptops.pk}" selected>' in html
    assert fresh(new_ticket).category != laptops

    # Filling the field saves both
    response = agent_client.post(
        url("ticket_properties", new_ticket),
        properties(new_ticket, category=laptops.pk, cf_asset_tag="NB-0042"),
        **HTMX,
    )
    assert response.status_code == 200
    stored = fresh(new_ticket)
    assert stored.category == laptops and stored.custom_values == {"asset_tag": "NB-0042"}


def test_a_change_to_the_same_value_writes_nothing(new_ticket, agent_client):
    version = fresh(new_ticket).version
    response = agent_client.post(url("ticket_properties", new_ticket), properties(new_ticket), **HTMX)
    assert response.status_code == 204
    assert fresh(new_ticket).version == version


def test_the_panel_has_no_save_button_for_javascript_users(new_ticket, agent_client):
    html = agent_client.get(url("ticket_detail", new_ticket)).content.decode()
    assert 'id="properties-form"' in html and 'hx-trigger="change"' in html
    assert '<noscript><button type="submit" class="btn btn-primary w-100 mt-2">' in html
