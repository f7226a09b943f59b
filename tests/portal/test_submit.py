"""Filing a request through the portal: the category's form, photos, the number on screen and by email."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongdan.assets.models import Location
from gongdan.tickets.models import Attachment, Ticket
from tests.factories import CategoryFactory, CustomFieldFactory
from tests.portal.conftest import mails_to, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def printer(team):
    category = CategoryFactory(
        name="打印机", name_en="Printer", default_team=team, template="Model:\nError shown:"
    )
    CustomFieldFactory(category=category, key="floor", label="楼层", label_en="Floor", field_type="number",
                       required=True)  # fmt: skip
    return category


@pytest.fixture
def room(db):
    return Location.objects.create(name="Room 204", kind="room", path="/", full_name="Building B / Room 204")


def test_signed_out_visitors_are_sent_to_the_email_sign_in_and_back(client):
    response = client.get("/portal/new/?location=7")
    assert response.status_code == 302
    assert response["Location"] == "/portal/sign-in/?next=%2Fportal%2Fnew%2F%3Flocation%3D7"


def test_qr_location_and_category_prefill_the_form(requester_client, printer, room):
    response = requester_client.get(f"/portal/new/?location={room.pk}&category={printer.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{room.pk}" selected>' in html
    assert f'<option value="{printer.pk}" selected>' in html
    assert "Model:\nError shown:" in html  # the category's template text
    assert 'name="cf_floor"' in html  # and its own questions


def test_submit_with_a_photo_gives_the_number_on_screen_and_by_email(
    requester_client, requester, printer, room
):
    response = requester_client.post("/portal/new/", {
        "subject": "Printer jams on every page", "description": "Since this morning", "category": printer.pk,
        "cf_floor": "3", "location": room.pk,
        "files": [SimpleUploadedFile("jam.png", png_bytes(), content_type="image/png")],
    })  # fmt: skip
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/requests/{ticket.number}/?submitted=1"
    assert (ticket.requester, ticket.channel, ticket.location, ticket.custom_values) == (
        requester,
        "portal",
        room,
        {"floor": 3},
    )
    assert ticket.team == printer.default_team
    photo = Attachment.objects.get(ticket=ticket)
    assert photo.is_image and photo.filename == "jam.png"
    page = requester_client.get(response["Location"])
    assert f"data-tracking-number>{ticket.number}<".encode() in page.content
    assert b"data-photo" in page.content
    [mail] = mails_to(requester.email, "portal_submitted")
    assert ticket.number in mail.subject
    assert f"/portal/requests/{ticket.number}/" in mail.body_text


def test_a_missing_required_question_saves_nothing(requester_client, printer):
    response = requester_client.post("/portal/new/", {"subject": "Printer", "category": printer.pk})
    assert response.status_code == 422
    assert b"is required" in response.content
    assert Ticket.objects.count() == 0


def test_a_missing_subject_is_a_field_error(requester_client):
    response = requester_client.post("/portal/new/", {"subject": ""})
    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_a_web_page_disguised_as_a_photo_stops_the_whole_request(requester_client):
    response = requester_client.post("/portal/new/", {
        "subject": "Broken door",
        "files": [SimpleUploadedFile("door.png", png_bytes()),
                  SimpleUploadedFile("x.png", b"<html><script>alert(1)</script></html>")],
    })  # fmt: skip
    assert response.status_code == 400
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_too_many_files_are_refused(requester_client, settings):
    settings.GONGDAN_PORTAL_MAX_FILES = 2
    files = [SimpleUploadedFile(f"p{i}.png", png_bytes()) for i in range(3)]
    response = requester_client.post("/portal/new/", {"subject": "Many photos", "files": files})
    assert response.status_code == 400
    assert b"At most 2 files" in response.content
    assert Ticket.objects.count() == 0


def test_a_body_over_the_size_limit_is_refused_with_413(requester_client, settings):
    settings.GONGDAN_PORTAL_MAX_REQUEST_BYTES = 2000
    big = SimpleUploadedFile("big.png", png_bytes() + b"\0" * 4000)
    response = requester_client.post("/portal/new/", {"subject": "Big", "files": [big]})
    assert response.status_code == 413
    assert b"data-too-large" in response.content
    assert Ticket.objects.count() == 0


def test_the_honeypot_refuses_the_request(requester_client):
    response = requester_client.post("/portal/new/", {"subject": "Buy now", "website": "http://spam.example"})
    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_choosing_a_category_loads_its_questions_and_template(requester_client, printer):
    response = requester_client.get(f"/portal/new/fields/?category={printer.pk}&description=")
    assert response.status_code == 200
    assert b'name="cf_floor"' in response.content
    assert b'hx-swap-oob="true">Model:' in response.content
    typed = requester_client.get(f"/portal/new/fields/?category={printer.pk}&description=my+own+words")
    assert b"hx-swap-oob" not in typed.content  # what the person typed is kept


def test_suggestions_show_only_my_own_open_requests(
    requester_client, make_request, other_requester, category
):
    mine = make_request("Printer on floor 3 jams")
    make_request("Printer toner empty", actor=other_requester)
    response = requester_client.get("/portal/new/similar/?subject=printer+jams")
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.number in html
    assert "toner" not in html
    assert requester_client.get("/portal/new/similar/?subject=zz").content.strip() == b""
