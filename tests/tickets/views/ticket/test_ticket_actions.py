"""Every action on the ticket page goes through its service and reports problems without writing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gongdan.tickets import services
from gongdan.tickets.models import Status, Ticket, TimeEntry
from tests.factories import CustomFieldFactory
from tests.tickets.views.ticket.conftest import client_for, png_bytes

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, ticket) -> str:
    return reverse(f"tickets:{name}", args=[ticket.number])


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def properties_form(ticket, **overrides) -> dict:
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


# ------------------------------------------------------------------------------------ replies and notes


def test_reply_with_a_photo_shows_on_the_timeline(ticket, agent_client):
    response = agent_client.post(
        url("ticket_reply", ticket),
        {
            "body": "Replaced the **fuser**.",
            "kind": "reply",
            "files": [SimpleUploadedFile("fuser.png", png_bytes("blue"), content_type="image/png")],
        },
    )
    assert response.status_code == 302

    html = agent_client.get(url("ticket_detail", ticket)).content.decode()
    comment = fresh(ticket).comments.get()
    attachment = comment.attachments.get()
    assert not comment.is_internal
    assert "Replaced the <strong>fuser</strong>." in html
    assert attachment.is_image
    thumbnail = f'<img class="gd-thumb" src="{reverse("tickets:attachment_download", args=[attachment.pk])}"'
    assert thumbnail in html
    assert "Reply sent." in html


def test_internal_note_is_hidden_from_the_requester(ticket, agent_client, requester_client):
    agent_client.post(url("ticket_reply", ticket), {"body": "Check the warranty first", "kind": "note"})

    assert fresh(ticket).comments.get().is_internal
    assert "Check the warranty first" in agent_client.get(url("ticket_detail", ticket)).content.decode()
    assert (
        "Check the warranty first" not in requester_client.get(url("ticket_detail", ticket)).content.decode()
    )


def test_requester_reply_and_attachment(ticket, requester_client):
    response = requester_client.post(
        url("ticket_reply", ticket),
        {"body": "", "files": [SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")]},
    )
    assert response.status_code == 302
    assert fresh(ticket).attachments.get().filename == "photo.png"


def test_requester_cannot_write_an_internal_note(ticket, requester_client):
    response = requester_client.post(url("ticket_reply", ticket), {"body": "sneaky", "kind": "note"})
    assert response.status_code == 403
    assert "Only staff can write internal notes." in response.content.decode()
    assert fresh(ticket).comments.count() == 0


def test_empty_reply_keeps_nothing_and_says_why(ticket, agent_client):
    response = agent_client.post(url("ticket_reply", ticket), {"body": "   "})
    assert response.status_code == 422
    assert "Write something or attach a file." in response.content.decode()
    assert fresh(ticket).comments.count() == 0


def test_blocked_file_type_refuses_the_whole_reply_and_keeps_the_text(ticket, agent_client):
    response = agent_client.post(
        url("ticket_reply", ticket),
        {
            "body": "see attached page",
            "files": [SimpleUploadedFile("x.html", b"<html><script>1</script></html>")],
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Files of type .html are not accepted." in html
    assert "see attached page</textarea>" in html  # the typed text survives
    assert fresh(ticket).comments.count() == 0


def test_htmx_reply_returns_fragments_with_a_cleared_editor(ticket, agent_client):
    response = agent_client.post(url("ticket_reply", ticket), {"body": "On it", "kind": "reply"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="ticket-timeline"' in html and 'id="ticket-editor"' in html
    assert "On it" in html
    assert "On it</textarea>" not in html


def test_htmx_error_is_a_4xx_with_a_message_and_leaves_the_editor_alone(ticket, agent_client):
    response = agent_client.post(url("ticket_reply", ticket), {"body": ""}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Write something or attach a file." in html
    assert 'id="ticket-editor"' not in html


def test_the_ticket_page_is_whole_for_a_browser_and_fragments_for_htmx(ticket, agent_client):
    # Given the same ticket page asked for plainly and by htmx
    plain = agent_client.get(url("ticket_detail", ticket))
    htmx = agent_client.get(url("ticket_detail", ticket), **HTMX)

    # Then the browser gets the page, htmx only its out-of-band parts, and both say they vary on it
    assert "<html" in plain.content.decode()
    assert "<html" not in htmx.content.decode() and 'id="ticket-timeline"' in htmx.content.decode()
    assert "HX-Request" in plain["Vary"] and "HX-Request" in htmx["Vary"]


def test_a_reply_without_htmx_redirects_to_the_ticket(ticket, agent_client):
    response = agent_client.post(url("ticket_reply", ticket), {"body": "On it", "kind": "reply"})
    assert response.status_code == 302 and response["Location"] == url("ticket_detail", ticket)


def test_closed_ticket_takes_no_public_reply(ticket, agent, requester, requester_client):
    services.ticket_transition(actor=agent, ticket=ticket, action="resolve", note="fixed")
    services.ticket_transition(actor=requester, ticket=fresh(ticket), action="close")

    response = requester_client.post(url("ticket_reply", ticket), {"body": "one more thing"})
    assert response.status_code == 409
    assert fresh(ticket).comments.count() == 0


# ------------------------------------------------------------------------------------------ transitions


def test_resolve_without_a_note_shows_an_error_and_changes_nothing(ticket, agent_client):
    response = agent_client.post(url("ticket_transition", ticket), {"action": "resolve", "note": " "})

    assert response.status_code == 422
    html = response.content.decode()
    assert "A resolution note is required." in html
    assert '<details class="gd-transition-note" open>' in html  # the resolve form stays open
    assert fresh(ticket).status == Status.ASSIGNED


def test_resolve_with_a_note_resolves(ticket, agent_client, requester_client):
    response = agent_client.post(
        url("ticket_transition", ticket), {"action": "resolve", "note": "Cleared the paper path."}
    )
    assert response.status_code == 302

    ticket = fresh(ticket)
    assert ticket.status == Status.RESOLVED
    assert ticket.resolution == "Cleared the paper path."
    html = requester_client.get(url("ticket_detail", ticket)).content.decode()
    assert "Cleared the paper path." in html
    assert 'value="close"' in html and 'value="reopen"' in html


def test_requester_cannot_resolve(ticket, requester_client):
    response = requester_client.post(url("ticket_transition", ticket), {"action": "resolve", "note": "x"})
    assert response.status_code == 403
    assert fresh(ticket).status == Status.ASSIGNED


def test_illegal_or_unknown_transition_is_refused(ticket, agent_client):
    assert agent_client.post(url("ticket_transition", ticket), {"action": "close"}).status_code == 409
    assert agent_client.post(url("ticket_transition", ticket), {"action": "fly"}).status_code == 422
    assert fresh(ticket).status == Status.ASSIGNED


def test_transitions_are_post_only(ticket, agent_client):
    assert agent_client.get(url("ticket_transition", ticket)).status_code == 405


# ------------------------------------------------------------------------------------------- properties


def test_properties_save_through_the_services(ticket, agent_client, lead, category):
    CustomFieldFactory(category=category, key="asset_tag", label="资产编号", label_en="Asset tag")
    p1 = ticket.priority.__class__.objects.get(code="P1")
    due = timezone.localtime() + timezone.timedelta(days=2)

    response = agent_client.post(
        url("ticket_properties", ticket),
        properties_form(
            ticket,
            priority=str(p1.pk),
            assignee=str(lead.pk),
            tags="打印机, hardware",
            due_at=due.strftime("%Y-%m-%dT%H:%M"),
            cf_asset_tag="PR-0042",
            watchers=[str(lead.pk)],
        ),
    )
    assert response.status_code == 302

    ticket = fresh(ticket)
    assert ticket.priority == p1
    assert ticket.assignee == lead
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["hardware", "打印机"]
    assert ticket.custom_values == {"asset_tag": "PR-0042"}
    assert list(ticket.watchers.all()) == [lead]
    assert timezone.localtime(ticket.due_at).strftime("%Y-%m-%d %H:%M") == due.strftime("%Y-%m-%d %H:%M")
    html = agent_client.get(url("ticket_detail", ticket)).content.decode()
    assert "PR-0042" in html
    assert "P1 High" in html  # the timeline shows before → after


def test_stale_version_is_a_conflict_and_overwrites_nothing(ticket, agent, agent_client):
    # Given the agent's form was rendered at this version…
    stale_version = ticket.version
    # …and meanwhile someone else changed the priority
    p0 = ticket.priority.__class__.objects.get(code="P0")
    p3 = ticket.priority.__class__.objects.get(code="P3")
    services.ticket_update(actor=agent, ticket=ticket, changes={"priority": p0})

    response = agent_client.post(
        url("ticket_properties", ticket),
        properties_form(ticket, version=str(stale_version), priority=str(p3.pk), tags="stale"),
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else" in html
    assert "Reload the ticket" in html
    ticket = fresh(ticket)
    assert ticket.priority == p0
    assert ticket.tags.count() == 0


def test_assignment_failure_rolls_back_the_field_changes(ticket, agent_client, other_agent, team):
    # other_agent is not in the ticket's team: the assignment is refused, and the priority change with it
    p0 = ticket.priority.__class__.objects.get(code="P0")
    response = agent_client.post(
        url("ticket_properties", ticket),
        properties_form(ticket, priority=str(p0.pk), assignee=str(other_agent.pk)),
    )
    assert response.status_code == 422
    assert "is not a member of" in response.content.decode()
    ticket = fresh(ticket)
    assert ticket.priority != p0
    assert ticket.assignee.username == "agent"


def test_bad_property_values_get_a_message_not_a_500(ticket, agent_client):
    for bad in ({"priority": "999999"}, {"priority": "abc"}, {"due_at": "next tuesday"}, {"version": "x"}):
        response = agent_client.post(url("ticket_properties", ticket), properties_form(ticket, **bad))
        assert response.status_code == 422, bad
    assert fresh(ticket).version == ticket.version


def test_required_custom_field_cannot_be_cleared(ticket, agent, agent_client, category):
    CustomFieldFactory(category=category, key="floor", label="楼层", label_en="Floor", required=True)
    # (the ticket predates the field; setting it once makes it part of the ticket)
    services.ticket_update(actor=agent, ticket=ticket, changes={"custom_values": {"floor": "3"}})
    ticket = fresh(ticket)
    response = agent_client.post(url("ticket_properties", ticket), properties_form(ticket, cf_floor=""))
    assert response.status_code == 422
    assert "“Floor” is required." in response.content.decode()
    assert fresh(ticket).custom_values == {"floor": "3"}


def test_requester_cannot_post_the_properties_form(ticket, requester_client):
    p0 = ticket.priority.__class__.objects.get(code="P0")
    response = requester_client.post(
        url("ticket_properties", ticket), properties_form(ticket, priority=str(p0.pk))
    )
    assert response.status_code == 403
    assert fresh(ticket).priority != p0


def test_category_change_loads_its_custom_fields(ticket, agent_client, team):
    from tests.factories import CategoryFactory

    other = CategoryFactory(name="设备损坏", name_en="Broken equipment", default_team=team)
    CustomFieldFactory(category=other, key="serial", label="序列号", label_en="Serial number")
    response = agent_client.get(url("ticket_custom_fields", ticket), {"category": other.pk}, **HTMX)
    assert response.status_code == 200
    assert 'name="cf_serial"' in response.content.decode()


# ------------------------------------------------------------------------------------------------ time


def test_time_logging(ticket, agent, agent_client, requester_client):
    response = agent_client.post(
        url("ticket_time", ticket), {"minutes": "45", "work_date": "", "note": "replaced fuser"}
    )
    assert response.status_code == 302
    agent_client.post(url("ticket_time", ticket), {"minutes": "30"})

    entries = TimeEntry.objects.filter(ticket=ticket)
    assert sorted(e.minutes for e in entries) == [30, 45]
    html = agent_client.get(url("ticket_detail", ticket)).content.decode()
    assert "Total: 1 h 15 min" in html
    assert "replaced fuser" in html
    assert requester_client.post(url("ticket_time", ticket), {"minutes": "10"}).status_code == 403
    assert entries.count() == 2


@pytest.mark.parametrize(
    ("minutes", "work_date"), [("0", ""), ("abc", ""), ("5000", ""), ("10", "2999-01-01"), ("10", "bad")]
)
def test_bad_time_entries_are_refused(ticket, agent_client, minutes, work_date):
    response = agent_client.post(url("ticket_time", ticket), {"minutes": minutes, "work_date": work_date})
    assert response.status_code == 422
    assert TimeEntry.objects.count() == 0


# ------------------------------------------------------------------------------------- links and merge


@pytest.fixture
def second(requester, category):
    return services.ticket_create(actor=requester, subject="Printer jammed again", category=category)


def test_link_related_parent_and_remove(ticket, second, agent_client):
    response = agent_client.post(
        url("ticket_link", ticket), {"kind": "relates", "other": second.number.lower()}
    )
    assert response.status_code == 302
    html = agent_client.get(url("ticket_detail", ticket)).content.decode()
    assert f'href="{reverse("tickets:ticket_detail", args=[second.number])}"' in html

    agent_client.post(url("ticket_link", second), {"kind": "parent", "other": ticket.number})
    assert fresh(second).parent_id == ticket.pk
    assert "Printer jammed again" in agent_client.get(url("ticket_detail", ticket)).content.decode()

    agent_client.post(url("ticket_unlink", ticket), {"other": second.number})
    assert fresh(second).parent_id is None


def test_link_to_an_unknown_or_invisible_ticket(ticket, agent_client, other_agent, other_team, requester):
    hidden = services.ticket_create(
        actor=other_agent, subject="Facilities only", requester=requester, team=other_team
    )
    for number in ("GD-1999-000001", hidden.number, ""):
        response = agent_client.post(url("ticket_link", ticket), {"kind": "relates", "other": number})
        assert response.status_code == 422, number
    assert ticket.links_out.count() == 0 and ticket.links_in.count() == 0


def test_link_to_itself_is_refused(ticket, agent_client):
    response = agent_client.post(url("ticket_link", ticket), {"kind": "relates", "other": ticket.number})
    assert response.status_code == 422
    assert "cannot be linked to itself" in response.content.decode()


def test_merge_needs_a_confirmation(ticket, second, agent_client):
    response = agent_client.post(url("ticket_merge", second), {"into": ticket.number})
    assert response.status_code == 422
    assert fresh(second).status == Status.NEW


def test_merge_closes_the_duplicate(ticket, second, agent_client):
    response = agent_client.post(url("ticket_merge", second), {"into": ticket.number, "confirm": "yes"})
    assert response.status_code == 302

    second = fresh(second)
    assert second.status == Status.CLOSED
    assert second.duplicate_of_id == ticket.pk
    html = agent_client.get(url("ticket_detail", second)).content.decode()
    assert "Duplicate of" in html and ticket.number in html
    html = agent_client.get(url("ticket_detail", ticket)).content.decode()
    assert second.number in html


def test_requester_cannot_link_or_merge(ticket, second, requester_client):
    assert (
        requester_client.post(
            url("ticket_link", ticket), {"kind": "relates", "other": second.number}
        ).status_code
        == 403
    )
    assert (
        requester_client.post(
            url("ticket_merge", second), {"into": ticket.number, "confirm": "yes"}
        ).status_code
        == 403
    )
    assert fresh(second).status == Status.NEW


# ---------------------------------------------------------------------------------------------- other


def test_markdown_preview_is_sanitised(ticket, agent_client):
    response = agent_client.post(
        url("ticket_preview", ticket), {"body": "**bold** <script>x()</script>"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html


def test_handing_the_ticket_to_another_team_leaves_the_page(ticket, agent_client, other_team, other_agent):
    # The agent gives it to Facilities (not their team): afterwards they can no longer see it.
    response = agent_client.post(
        url("ticket_properties", ticket),
        properties_form(ticket, team=str(other_team.pk), assignee=str(other_agent.pk)),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:queue")
    assert fresh(ticket).team == other_team


def test_actions_need_csrf(ticket, agent):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(url("ticket_reply", ticket), {"body": "x"}).status_code == 403
    assert fresh(ticket).comments.count() == 0


def test_another_agent_outside_the_team_gets_404(ticket, other_agent):
    assert client_for(other_agent).get(url("ticket_detail", ticket)).status_code == 404


def test_requester_cancels_with_a_reason(ticket, requester_client):
    response = requester_client.post(
        url("ticket_transition", ticket), {"action": "cancel", "note": "It works again after a restart."}
    )
    assert response.status_code == 302
    assert fresh(ticket).status == Status.CANCELLED
    html = requester_client.get(url("ticket_detail", ticket)).content.decode()
    assert "It works again after a restart." in html
    assert "takes no more replies" in html  # the editor is replaced by a hint


def test_timeline_names_configuration_in_the_readers_language(ticket, agent, agent_client):
    from django.utils import translation

    p0 = ticket.priority.__class__.objects.get(code="P0")
    with translation.override("zh-hans"):  # a colleague working in Chinese makes the change
        services.ticket_update(actor=agent, ticket=ticket, changes={"priority": p0})

    html = agent_client.get(url("ticket_detail", ticket)).content.decode()  # the agent reads English
    assert "P0 Critical" in html
    assert "P0 紧急" not in html
