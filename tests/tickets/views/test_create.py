from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gongdan.assets.models import Location
from gongdan.tickets.models import Attachment, Ticket
from tests.factories import CategoryFactory, CustomFieldFactory

NEW = reverse("tickets:ticket_new")
FIELDS = reverse("tickets:ticket_new_fields")


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def form_of_category(team):
    category = CategoryFactory(
        name="打印机", name_en="Printer", default_team=team, template="## What happened\n\n"
    )
    CustomFieldFactory(category=category, key="floor", label="楼层", label_en="Floor", field_type="number",
                       required=True)  # fmt: skip
    CustomFieldFactory(
        category=category, key="colour", label="颜色", label_en="Colour", field_type="choice",
        choices=[{"value": "mono", "label": "黑白", "label_en": "Mono"},
                 {"value": "colour", "label": "彩色", "label_en": "Colour"}],
    )  # fmt: skip
    CustomFieldFactory(
        category=category, key="trays", label="纸盒", label_en="Trays", field_type="multi_choice",
        choices=[{"value": "a", "label_en": "Tray A"}, {"value": "b", "label_en": "Tray B"}],
    )  # fmt: skip
    CustomFieldFactory(category=category, key="seen_on", label_en="Seen on", field_type="date")
    CustomFieldFactory(category=category, key="owner", label_en="Owner", field_type="user")
    return category


def test_new_ticket_page_shows_the_category_tree_and_its_form(agent_client, team):
    parent = CategoryFactory(name="设备", name_en="Equipment")
    child = CategoryFactory(name="打印机", name_en="Printer", parent=parent)
    page = agent_client.get(NEW).content.decode()
    assert "Equipment" in page and "\u00a0\u00a0\u00a0└ Printer" in page
    assert 'name="assignee"' in page and 'name="requester"' in page
    category = form_of_category(team)
    page = agent_client.get(NEW, {"category": category.pk}).content.decode()
    assert "## What happened" in page
    assert 'name="cf_floor"' in page and 'name="cf_trays"' in page and 'type="date"' in page
    assert child.pk


def test_category_change_loads_fields_and_template_only_over_an_untouched_description(agent_client, team):
    category = form_of_category(team)
    other = CategoryFactory(name="网络", name_en="Network", template="Which port?")
    response = agent_client.post(FIELDS, {"category": category.pk, "description": ""})
    html = response.content.decode()
    assert 'name="cf_floor"' in html and "Floor" in html
    assert 'hx-swap-oob="true"' in html and "## What happened" in html
    # still the previous template → replaced by the new one
    html = agent_client.post(
        FIELDS,
        {"category": other.pk, "description": "## What happened\r\n", "template_category": category.pk},
    ).content.decode()
    assert "Which port?" in html
    # the user wrote something → left alone
    html = agent_client.post(
        FIELDS, {"category": other.pk, "description": "My own words", "template_category": category.pk}
    ).content.decode()
    assert "hx-swap-oob" not in html


def test_create_with_custom_fields_redirects_to_the_ticket(agent_client, agent, team, requester):
    category = form_of_category(team)
    location = Location.objects.create(name="Shanghai HQ", path="/")
    response = agent_client.post(
        NEW,
        {
            "subject": "Printer on 3F jams",
            "category": category.pk,
            "description": "Paper jam **again**",
            "priority": "",
            "requester": requester.pk,
            "assignee": agent.pk,
            "location": location.pk,
            "tags": "printer, 3f",
            "due_at": "2030-05-01T09:30",
            "cf_floor": "3",
            "cf_colour": "mono",
            "cf_trays": ["a", "b"],
            "cf_seen_on": "2026-01-05",
            "cf_owner": str(agent.pk),
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:ticket_detail", args=[ticket.number])
    assert ticket.custom_values == {"floor": 3, "colour": "mono", "trays": ["a", "b"], "seen_on": "2026-01-05",
                                    "owner": agent.pk}  # fmt: skip
    assert ticket.requester == requester and ticket.assignee == agent and ticket.team == team
    assert ticket.location == location
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["3f", "printer"]
    assert ticket.due_at is not None


def test_missing_required_custom_field_shows_the_error_and_saves_nothing(agent_client, team):
    category = form_of_category(team)
    response = agent_client.post(
        NEW, {"subject": "Jam", "category": category.pk, "cf_colour": "purple", "cf_trays": ["a"]}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "“Floor” is required." in html
    assert "is not one of the choices" in html
    assert 'value="a" checked' in html  # what was ticked stays ticked
    assert Ticket.objects.count() == 0


def test_missing_subject_is_a_field_error(agent_client):
    response = agent_client.post(NEW, {"subject": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Ticket.objects.count() == 0


def test_create_with_a_photo(agent_client):
    photo = SimpleUploadedFile("jam.png", png_bytes(), content_type="image/png")
    response = agent_client.post(NEW, {"subject": "Photo of the jam", "files": [photo]})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.ticket.subject == "Photo of the jam"
    assert attachment.is_image and attachment.filename == "jam.png"


def test_a_bad_file_stops_the_whole_ticket(agent_client):
    photo = SimpleUploadedFile("ok.png", png_bytes(), content_type="image/png")
    page = SimpleUploadedFile(
        "evil.html", b"<html><script>alert(1)</script></html>", content_type="text/html"
    )
    response = agent_client.post(NEW, {"subject": "Two files", "files": [photo, page]})
    assert response.status_code == 400
    assert "Files of type .html are not accepted." in response.content.decode()
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_requester_reports_for_themselves_without_staff_fields(requester_client, requester, other_requester):
    page = requester_client.get(NEW).content.decode()
    assert 'name="assignee"' not in page and 'name="requester"' not in page and 'name="priority"' not in page
    response = requester_client.post(
        NEW, {"subject": "My screen flickers", "requester": other_requester.pk, "priority": "1"}
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.requester == requester and ticket.priority.code == "P2"


def test_unknown_category_is_refused(agent_client):
    response = agent_client.post(NEW, {"subject": "x", "category": "999999"})
    assert response.status_code == 400
    assert Ticket.objects.count() == 0
