"""Ticket flows through the API: create, read with ETag, patch with concurrency guards, transitions,
comments, attachments, time, links, merge and the timeline."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gongdan.tickets.models import Ticket, TicketEvent
from tests.api.conftest import ApiClient, assert_error
from tests.factories import CustomFieldFactory

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_agent_creates_a_full_ticket(agent_api, agent, team, requester, category):
    CustomFieldFactory(category=category, key="floor", field_type="number", required=True)
    body = {
        "subject": "三楼打印机卡纸",
        "description": "**urgent** <script>x</script>",
        "category": category.pk,
        "type": "incident",
        "priority": "p1",
        "team": team.pk,
        "assignee": agent.pk,
        "requester": requester.pk,
        "custom_fields": {"floor": "3"},
        "tags": ["Printer", "floor-3"],
        "due_at": "2030-01-02T10:00:00",
        "location_text": "3F east",
        "watchers": [agent.pk],
    }
    response = agent_api.post("tickets", body)
    assert response.status_code == 201, response.content
    ticket = response.json()
    assert ticket["number"].startswith("GD-")
    assert response["ETag"] == f'"{ticket["version"]}"'
    assert ticket["status"] == "assigned" and ticket["priority"]["code"] == "P1"
    assert ticket["assignee"]["id"] == agent.pk and ticket["requester"]["id"] == requester.pk
    assert ticket["team"] == {"id": team.pk, "label": team.name_en}
    assert ticket["category"]["id"] == category.pk and ticket["type"]["code"] == "incident"
    assert ticket["custom_fields"] == {"floor": 3} and ticket["tags"] == ["floor-3", "printer"]
    assert ticket["channel"] == "api" and ticket["organisation"]["id"] == requester.organisation_id
    assert (
        "<script>" not in ticket["description_html"]
        and "<strong>urgent</strong>" in ticket["description_html"]
    )
    assert ticket["url"].endswith(f"/tickets/{ticket['number']}/")
    assert ticket["due_at"].startswith("2030-01-02")


def test_custom_field_errors_are_named(agent_api, category):
    CustomFieldFactory(category=category, key="floor", field_type="number", required=True)
    error = assert_error(agent_api.post("tickets", {"subject": "x", "category": category.pk}), 422)
    assert "custom_fields.floor" in error["details"]
    assert Ticket.objects.count() == 0


def test_requester_reports_for_themself_only(requester_api, requester, other_requester, team, category):
    response = requester_api.post("tickets", {"subject": "网络断了", "category": category.pk})
    assert response.status_code == 201
    assert response.json()["requester"]["id"] == requester.pk
    assert_error(requester_api.post("tickets", {"subject": "x", "requester": other_requester.pk}), 403)
    error = assert_error(
        requester_api.post("tickets", {"subject": "x", "priority": "P0", "team": team.pk}), 403
    )
    assert set(error["details"]) == {"priority", "team"}


def test_get_returns_etag_and_honours_if_none_match(agent_api, make_ticket):
    ticket = make_ticket()
    response = agent_api.get(f"tickets/{ticket.number}")
    assert response.status_code == 200 and response["ETag"] == '"1"'
    assert response.json()["subject"] == ticket.subject
    assert agent_api.get(f"tickets/{ticket.number.lower()}").status_code == 200
    assert agent_api.get(f"tickets/{ticket.number}", headers={"If-None-Match": '"1"'}).status_code == 304


def test_patch_with_if_match_updates_and_bumps_version(agent_api, make_ticket):
    ticket = make_ticket()
    response = agent_api.patch(
        f"tickets/{ticket.number}",
        {"subject": "New subject", "priority": "P0", "tags": ["a"]},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["subject"] == "New subject" and body["priority"]["code"] == "P0" and body["tags"] == ["a"]
    assert body["version"] == 2 and response["ETag"] == '"2"'


def test_stale_if_match_is_412_and_changes_nothing(agent_api, make_ticket):
    ticket = make_ticket()
    assert (
        agent_api.patch(
            f"tickets/{ticket.number}", {"subject": "first"}, headers={"If-Match": '"1"'}
        ).status_code
        == 200
    )
    error = assert_error(
        agent_api.patch(f"tickets/{ticket.number}", {"subject": "second"}, headers={"If-Match": 'W/"1"'}),
        412,
        "precondition_failed",
    )
    assert error["details"]["If-Match"] == ['"2"']
    assert Ticket.objects.get(pk=ticket.pk).subject == "first"


def test_stale_version_in_body_is_409(agent_api, make_ticket):
    ticket = make_ticket()
    assert agent_api.patch(f"tickets/{ticket.number}", {"subject": "first", "version": 1}).status_code == 200
    assert_error(
        agent_api.patch(f"tickets/{ticket.number}", {"subject": "second", "version": 1}),
        409,
        "version_conflict",
    )
    assert Ticket.objects.get(pk=ticket.pk).subject == "first"


def test_patch_without_a_version_is_428(agent_api, make_ticket):
    ticket = make_ticket()
    assert_error(agent_api.patch(f"tickets/{ticket.number}", {"subject": "x"}), 428, "precondition_required")


def test_patch_assigns_through_assignment(agent_api, agent, make_ticket):
    ticket = make_ticket()
    response = agent_api.patch(
        f"tickets/{ticket.number}", {"assignee": agent.pk, "subject": "mine", "version": 1}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["assignee"]["id"] == agent.pk and body["status"] == "assigned" and body["subject"] == "mine"
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert "assigned" in kinds and "updated" in kinds


def test_requester_cannot_patch(requester_api, requester, make_ticket):
    ticket = make_ticket(requester=requester)
    assert_error(requester_api.patch(f"tickets/{ticket.number}", {"subject": "x", "version": 1}), 403)


def test_transitions_list_and_apply(agent_api, agent, make_ticket):
    ticket = make_ticket(assignee=agent)
    actions = {t["action"]: t for t in agent_api.get(f"tickets/{ticket.number}/transitions").json()}
    assert actions, "the agent has moves on an assigned ticket"
    resolve = (
        next(t for t in actions.values() if t["to_status"] == "resolved")
        if any(t["to_status"] == "resolved" for t in actions.values())
        else None
    )
    start = next(t for t in actions.values() if t["to_status"] == "in_progress")
    response = agent_api.post(f"tickets/{ticket.number}/transitions", {"action": start["action"]})
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    actions = {t["action"]: t for t in agent_api.get(f"tickets/{ticket.number}/transitions").json()}
    resolve = next(t for t in actions.values() if t["to_status"] == "resolved")
    assert resolve["requires_note"] is True
    assert_error(
        agent_api.post(f"tickets/{ticket.number}/transitions", {"action": resolve["action"]}),
        422,
        "note_required",
    )
    done = agent_api.post(
        f"tickets/{ticket.number}/transitions", {"action": resolve["action"], "note": "Cleared the jam"}
    )
    assert (
        done.status_code == 200
        and done.json()["status"] == "resolved"
        and done.json()["resolution"] == "Cleared the jam"
    )
    assert_error(
        agent_api.post(f"tickets/{ticket.number}/transitions", {"action": start["action"]}),
        409,
        "illegal_transition",
    )
    assert_error(
        agent_api.post(f"tickets/{ticket.number}/transitions", {"action": "fly"}), 422, "unknown_action"
    )


def test_comments_and_internal_notes(agent_api, requester_api, requester, make_ticket):
    ticket = make_ticket(requester=requester)
    reply = agent_api.post(f"tickets/{ticket.number}/comments", {"body": "We are on it"})
    assert reply.status_code == 201 and reply.json()["is_internal"] is False
    note = agent_api.post(f"tickets/{ticket.number}/comments", {"body": "secret", "internal": True})
    assert note.status_code == 201
    assert [c["body"] for c in agent_api.get(f"tickets/{ticket.number}/comments").json()] == [
        "We are on it",
        "secret",
    ]
    assert [c["body"] for c in requester_api.get(f"tickets/{ticket.number}/comments").json()] == [
        "We are on it"
    ]
    assert_error(
        requester_api.post(f"tickets/{ticket.number}/comments", {"body": "x", "internal": True}), 403
    )
    assert requester_api.post(f"tickets/{ticket.number}/comments", {"body": "thanks"}).status_code == 201
    assert_error(agent_api.post(f"tickets/{ticket.number}/comments", {"body": "  "}), 422)


def test_attachments_upload_list_and_download(agent_api, requester_api, requester, make_ticket):
    ticket = make_ticket(requester=requester)
    url = f"/api/v1/tickets/{ticket.number}/attachments"
    photo = io.BytesIO(png_bytes())
    photo.name = "photo.png"
    response = agent_api.client.post(url, {"file": photo}, headers=agent_api.headers)
    assert response.status_code == 201, response.content
    image = response.json()
    assert image["is_image"] and image["content_type"] == "image/png"
    log = io.BytesIO(b"error 42\n")
    log.name = "trace.log"
    internal = agent_api.client.post(url, {"file": log, "internal": "true"}, headers=agent_api.headers)
    assert internal.status_code == 201 and internal.json()["is_internal"]

    download = requester_api.get(image["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == png_bytes()
    assert (
        download["Content-Security-Policy"] == "sandbox" and download["X-Content-Type-Options"] == "nosniff"
    )
    assert "attachment" not in download.get("Content-Disposition", "")
    staff_download = agent_api.get(internal.json()["url"])
    assert staff_download["Content-Disposition"].startswith("attachment")
    assert [a["filename"] for a in requester_api.get(url).json()] == ["photo.png"]
    assert_error(requester_api.get(internal.json()["url"]), 404)

    svg = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>")
    svg.name = "x.svg"
    assert_error(
        agent_api.client.post(url, {"file": svg}, headers=agent_api.headers), 422, "file_type_blocked"
    )
    assert_error(agent_api.client.post(url, {}, headers=agent_api.headers), 422, "validation_failed")


def test_time_entries(agent_api, requester_api, requester, make_ticket):
    ticket = make_ticket(requester=requester)
    response = agent_api.post(f"tickets/{ticket.number}/time-entries", {"minutes": 30, "note": "diagnosis"})
    assert response.status_code == 201 and response.json()["minutes"] == 30
    listing = agent_api.get(f"tickets/{ticket.number}/time-entries").json()
    assert listing["total_minutes"] == 30 and listing["items"][0]["note"] == "diagnosis"
    assert requester_api.get(f"tickets/{ticket.number}/time-entries").json() == {
        "items": [],
        "total_minutes": 0,
    }
    assert_error(requester_api.post(f"tickets/{ticket.number}/time-entries", {"minutes": 5}), 403)
    assert_error(agent_api.post(f"tickets/{ticket.number}/time-entries", {"minutes": 0}), 422)
    assert_error(
        agent_api.post(f"tickets/{ticket.number}/time-entries", {"minutes": 5, "work_date": "2999-01-01"}),
        422,
    )


def test_links_and_unlink(agent_api, make_ticket):
    first, second, third = make_ticket(), make_ticket(), make_ticket()
    related = agent_api.post(f"tickets/{first.number}/links", {"ticket": second.number})
    assert related.status_code == 201 and [t["number"] for t in related.json()["related"]] == [second.number]
    parent = agent_api.post(f"tickets/{first.number}/links", {"ticket": third.number, "kind": "parent"})
    assert parent.json()["parent"]["number"] == third.number
    assert [t["number"] for t in agent_api.get(f"tickets/{third.number}/links").json()["children"]] == [
        first.number
    ]
    assert_error(
        agent_api.post(f"tickets/{third.number}/links", {"ticket": first.number, "kind": "parent"}), 422
    )
    assert_error(agent_api.post(f"tickets/{first.number}/links", {"ticket": "GD-0000-404"}), 422)
    assert_error(
        agent_api.post(f"tickets/{first.number}/links", {"ticket": second.number, "kind": "sibling"}), 422
    )
    after = agent_api.delete(f"tickets/{first.number}/links/{second.number}")
    assert after.status_code == 200 and after.json()["related"] == []


def test_merge_closes_the_duplicate(agent_api, make_ticket):
    original, duplicate = make_ticket(), make_ticket()
    response = agent_api.post(f"tickets/{duplicate.number}/merge", {"into": original.number})
    assert response.status_code == 200 and response.json()["number"] == original.number
    merged = agent_api.get(f"tickets/{duplicate.number}").json()
    assert merged["status"] == "closed" and merged["duplicate_of"] == original.number
    assert_error(agent_api.post(f"tickets/{original.number}/merge", {"into": original.number}), 422)


def test_events_are_filtered_for_requesters(agent_api, requester_api, requester, make_ticket):
    ticket = make_ticket(requester=requester)
    agent_api.post(f"tickets/{ticket.number}/comments", {"body": "internal", "internal": True})
    agent_api.post(f"tickets/{ticket.number}/time-entries", {"minutes": 10})
    staff_kinds = [e["kind"] for e in agent_api.get(f"tickets/{ticket.number}/events").json()]
    assert staff_kinds == ["created", "note_added", "time_logged"]
    requester_events = requester_api.get(f"tickets/{ticket.number}/events").json()
    assert [e["kind"] for e in requester_events] == ["created"]
    assert requester_events[0]["description"]


def test_list_filters_sorts_and_pages(agent_api, agent, make_ticket):
    for i in range(7):
        make_ticket(subject=f"ticket {i}", priority=None)
    make_ticket(subject="Printer jammed on floor 3", assignee=agent)
    everything = agent_api.get("tickets", {"limit": 3})
    body = everything.json()
    assert len(body["items"]) == 3 and body["has_more"] and body["next_cursor"]
    seen = [t["number"] for t in body["items"]]
    while body["has_more"]:
        body = agent_api.get("tickets", {"limit": 3, "cursor": body["next_cursor"]}).json()
        seen += [t["number"] for t in body["items"]]
    assert len(seen) == len(set(seen)) == 8
    assert [t["subject"] for t in agent_api.get("tickets", {"q": "printer jam"}).json()["items"]] == [
        "Printer jammed on floor 3"
    ]
    assert len(agent_api.get("tickets", {"assignee": "me"}).json()["items"]) == 1
    assert len(agent_api.get("tickets", {"status": "new,assigned"}).json()["items"]) == 8
    assert agent_api.get("tickets", {"status": "closed"}).json()["items"] == []
    oldest_first = agent_api.get("tickets", {"sort": "created", "limit": 1}).json()["items"][0]
    assert oldest_first["subject"] == "ticket 0"


def test_configuration_reads(requester_api, agent_api, category, team):
    child = category.__class__.objects.create(name="Wi-Fi", parent=category, path="")
    child.path = f"{category.path}{child.pk}/"
    child.save()
    CustomFieldFactory(category=category, key="building", field_type="choice",
                       choices=[{"value": "a", "label": "甲", "label_en": "A"}])  # fmt: skip
    CustomFieldFactory(category=child, key="ssid")
    categories = requester_api.get("categories").json()
    ids = [c["id"] for c in categories]
    assert ids.index(category.pk) < ids.index(child.pk)
    mine = next(c for c in categories if c["id"] == category.pk)
    assert mine["default_team"] == {"id": team.pk, "label": team.name_en}
    fields = requester_api.get(f"categories/{child.pk}/fields").json()
    assert [f["key"] for f in fields] == ["building", "ssid"]
    assert fields[0]["choices"] == [{"value": "a", "label": "A"}]
    assert_error(requester_api.get("categories/999999/fields"), 404)
    priorities = requester_api.get("priorities").json()
    assert [p["code"] for p in priorities][:2] == ["P0", "P1"]
    assert any(t["code"] == "incident" for t in agent_api.get("ticket-types").json())


def test_any_language_answer(agent, make_ticket):
    client = ApiClient(agent)
    ticket = make_ticket()
    english = client.get(f"tickets/{ticket.number}").json()
    chinese = client.get(f"tickets/{ticket.number}", headers={"Accept-Language": "zh-hans"}).json()
    assert english["status_label"] == "New" and chinese["status_label"] != "New"


def test_a_requester_sets_type_custom_fields_and_location_but_not_what_staff_decide(requester_api, category):
    from gongdan.tickets.models import TicketType

    ticket_type = TicketType.objects.filter(is_active=True).first()
    ok = requester_api.post("tickets", {"subject": "Laptop slow", "category": category.pk,
                                        "type": ticket_type.code, "custom_fields": {}, "location_text": "3F"})  # fmt: skip
    assert ok.status_code == 201, ok.content
    refused = requester_api.post("tickets", {"subject": "Laptop slow", "priority": "P0", "tags": ["vip"]})
    assert refused.status_code == 403
    assert set(refused.json()["error"]["details"]) == {"priority", "tags"}
