"""Reporting without an account from a "report here" code: one ticket linked to the place or machine, only
where the admin allowed it, rate-limited, honeypot-guarded, and a tracking link that opens that ticket only."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gongdan.assets.models import PublicReporting
from gongdan.assets.selectors import asset_allows_public_reports, location_allows_public_reports
from gongdan.assets.services import asset_create, asset_type_create, location_create, location_update
from gongdan.core.domain_errors import ValidationFailed
from gongdan.outbox.models import OutboxMessage
from gongdan.portal import walk_up
from gongdan.portal.models import WalkUpReport
from gongdan.portal.phones import clean_phone
from gongdan.tickets.models import Attachment, Comment, Ticket, TicketEvent
from gongdan.tickets.services import ticket_transition
from tests.portal.conftest import png_bytes

pytestmark = pytest.mark.django_db
TRACK = re.compile(r"/portal/t/([A-Za-z0-9_-]+)/")


@pytest.fixture
def estate(db):
    """A residential estate open to public reports; one building inside closes itself again."""
    site = location_create(actor=None, name="翠湖花园", kind="site", public_reporting=PublicReporting.ALLOWED)
    lobby = location_create(actor=None, name="1号楼大堂", kind="area", parent=site)
    office = location_create(actor=None, name="物业办公室", kind="room", parent=site,
                             public_reporting=PublicReporting.REFUSED)  # fmt: skip
    desk = location_create(actor=None, name="前台", kind="area", parent=office)
    return {"site": site, "lobby": lobby, "office": office, "desk": desk}


@pytest.fixture
def lift(estate):
    lift_type = asset_type_create(actor=None, code="lift", name="电梯", name_en="Lift")
    return asset_create(
        actor=None, code="LIFT-1A", name="1号楼A梯", asset_type=lift_type, location=estate["lobby"]
    )


@pytest.fixture
def visitor() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.20")


def report(client: Client, query: str, **fields):
    data = {
        "description": "The lift stops between floors 3 and 4",
        "name": "Zhang San",
        "phone": "138 1234 5678",
    }
    data.update(fields)
    return client.post(f"/portal/report/?{query}", data)


def token_of(response) -> str:
    found = TRACK.search(response["Location"])
    assert found, response["Location"]
    return found.group(1)


# --- where it is allowed ------------------------------------------------------------------------------------


def test_the_nearest_choice_up_the_tree_decides(estate, lift):
    assert location_allows_public_reports(estate["lobby"])  # inherits the estate's "allowed"
    assert not location_allows_public_reports(estate["desk"])  # inherits the office's "refused"
    assert asset_allows_public_reports(lift)  # follows its location
    location_update(actor=_admin(), location=estate["site"], public_reporting=PublicReporting.INHERIT)
    estate["lobby"].refresh_from_db()
    assert not location_allows_public_reports(estate["lobby"])  # nobody up the tree said yes


def _admin():
    from tests.factories import UserFactory

    return UserFactory(role="admin")


def test_an_asset_can_open_itself_in_a_closed_place(estate):
    pump_type = asset_type_create(actor=None, code="pump", name="水泵", name_en="Pump")
    pump = asset_create(actor=None, code="PUMP-1", name="生活水泵1", asset_type=pump_type, location=estate["desk"],
                        public_reporting=PublicReporting.ALLOWED)  # fmt: skip
    assert asset_allows_public_reports(pump)


def test_a_closed_place_sends_visitors_to_the_email_sign_in(visitor, estate):
    response = visitor.get(f"/portal/new/?location={estate['desk'].pk}")
    assert response.status_code == 302 and response["Location"].startswith("/portal/sign-in/")
    response = visitor.get(f"/portal/report/?location={estate['desk'].pk}")
    assert response.status_code == 302 and response["Location"].startswith("/portal/sign-in/")


def test_a_report_at_a_closed_place_is_refused_and_writes_nothing(visitor, estate):
    response = report(visitor, f"location={estate['desk'].pk}")
    assert response.status_code == 302 and response["Location"].startswith("/portal/sign-in/")
    assert Ticket.objects.count() == 0 and WalkUpReport.objects.count() == 0
    with pytest.raises(walk_up.ReportingClosed):
        walk_up.walk_up_report_submit(name="A", phone="13812345678", description="x", location=estate["desk"])
    assert Ticket.objects.count() == 0


def test_an_unknown_place_is_a_404(visitor):
    assert visitor.get("/portal/report/?location=999999").status_code == 404
    assert visitor.get("/portal/report/?asset=NOPE").status_code == 404


# --- the report ---------------------------------------------------------------------------------------------


def test_the_asset_code_opens_the_report_form_for_a_visitor(visitor, lift):
    response = visitor.get(f"/a/{lift.code}/", follow=True)
    assert response.redirect_chain[-1][0] == f"/portal/report/?asset={lift.code}"
    html = response.content.decode()
    assert "Report a problem with this machine" in html and lift.name in html
    assert 'name="website"' in html  # the honeypot


def test_a_report_creates_one_ticket_linked_to_the_machine_and_its_place(visitor, lift, estate):
    response = report(visitor, f"asset={lift.code}", email="Zhang@Example.com",
                      photo=SimpleUploadedFile("lift.png", png_bytes(), content_type="image/png"))  # fmt: skip
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.asset, ticket.location, ticket.channel) == (lift, estate["lobby"], "portal")
    assert ticket.subject == "1号楼A梯: The lift stops between floors 3 and 4"
    assert ticket.requester.email == "zhang@example.com"
    row = WalkUpReport.objects.get()
    assert (row.name, row.phone, row.email) == ("Zhang San", "+8613812345678", "zhang@example.com")
    token = token_of(response)
    assert token not in row.token_digest and row.token_digest == walk_up.token_digest(token)
    assert Attachment.objects.get(ticket=ticket).is_image
    contact = TicketEvent.objects.get(ticket=ticket, kind="walk_up_reported")
    assert contact.is_internal and contact.data["phone"] == "+8613812345678"
    [mail] = OutboxMessage.objects.filter(kind="portal_walk_up")
    assert mail.address == "zhang@example.com" and f"/portal/t/{token}/" in mail.body_text
    page = visitor.get(response["Location"])  # the reporter sees the link at once
    assert page.status_code == 200
    assert f"/portal/t/{token}/".encode() in page.content and ticket.number.encode() in page.content
    assert page["Referrer-Policy"] == "same-origin"


def test_a_phone_only_report_uses_the_shared_walk_up_account(visitor, estate):
    response = report(visitor, f"location={estate['lobby'].pk}", phone="+44 20 7946 0958")
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.requester.username == walk_up.WALK_UP_USERNAME
    assert not ticket.requester.has_usable_password() and not ticket.requester.email
    assert ticket.location == estate["lobby"] and ticket.asset is None
    assert WalkUpReport.objects.get().phone == "+442079460958"
    assert not OutboxMessage.objects.filter(kind="portal_walk_up").exists()


def test_a_staff_address_does_not_make_the_staff_member_the_requester(visitor, estate, agent):
    response = report(visitor, f"location={estate['lobby'].pk}", email=agent.email.upper())
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.requester.username == walk_up.WALK_UP_USERNAME
    assert WalkUpReport.objects.get().email == agent.email.lower()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "010 12345678"}, "phone"),  # a landline without +86 is no callback number
        ({"phone": "", "email": "not-an-address"}, "email"),
        ({"name": "  "}, "name"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_contact_or_text_is_refused_and_nothing_written(visitor, estate, fields, field):
    response = report(visitor, f"location={estate['lobby'].pk}", **fields)
    assert response.status_code in (400, 422)
    assert 'aria-invalid="true"' in response.content.decode()
    assert Ticket.objects.count() == 0 and WalkUpReport.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<!doctype html><script>alert(1)</script>"),
        ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
        ("tool.exe", b"MZ\x90\x00"),
        ("notes.pdf", b"%PDF-1.4 not a photo"),
        ("empty.png", b""),
    ],
)
def test_a_bad_photo_is_refused_and_nothing_written(visitor, lift, name, content):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = report(visitor, f"asset={lift.code}", photo=upload)
    assert response.status_code in (400, 422)
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0
    assert (
        WalkUpReport.objects.count() == 0 and not OutboxMessage.objects.filter(kind="portal_walk_up").exists()
    )


def test_the_honeypot_writes_nothing(visitor, estate):
    response = report(visitor, f"location={estate['lobby'].pk}", website="http://spam.example")
    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_a_signed_in_requester_gets_the_full_form(requester_client, lift):
    response = requester_client.get(f"/portal/report/?asset={lift.code}")
    assert response.status_code == 302 and response["Location"] == f"/portal/new/?asset={lift.code}"


# --- rate limits --------------------------------------------------------------------------------------------


def test_reports_are_rate_limited_per_ip_before_any_query(
    settings, visitor, estate, django_assert_num_queries
):
    settings.GONGDAN_PORTAL_RATE_LIMITS = {"walkup_ip": (2, 600)}
    query = f"location={estate['lobby'].pk}"
    for number in ("13812345671", "13812345672"):
        assert report(visitor, query, phone=number).status_code == 302
    with django_assert_num_queries(0):
        response = report(visitor, query, phone="13812345673")
    assert response.status_code == 429 and response["Retry-After"] == "600"
    assert Ticket.objects.count() == 2


def test_reports_are_rate_limited_per_contact_and_per_place(settings, estate):
    settings.GONGDAN_PORTAL_RATE_LIMITS = {"walkup_contact": (1, 3600), "walkup_place": (3, 3600)}
    query = f"location={estate['lobby'].pk}"

    def from_ip(n: int) -> Client:
        return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"198.51.100.{n}")

    assert report(from_ip(1), query, phone="13812345678").status_code == 302
    assert report(from_ip(2), query, phone="+86 138 1234 5678").status_code == 429  # the same phone
    assert report(from_ip(3), query, phone="13900000001").status_code == 302
    assert report(from_ip(4), query, phone="13900000002").status_code == 429  # the place's limit
    assert Ticket.objects.count() == 2


# --- the tracking link --------------------------------------------------------------------------------------


def test_the_tracking_link_shows_status_and_takes_a_note_and_a_photo(visitor, lift, agent):
    token = token_of(report(visitor, f"asset={lift.code}"))
    ticket = Ticket.objects.get()
    ticket_transition(actor=agent, ticket=ticket, action="start")
    page = visitor.get(f"/portal/t/{token}/")
    assert page.status_code == 200 and b'data-status="in_progress"' in page.content
    photo = SimpleUploadedFile("more.jpg", png_bytes((0, 0, 200)), content_type="image/jpeg")
    response = visitor.post(f"/portal/t/{token}/", {"body": "Now it is stuck on floor 2", "photo": photo})
    assert response.status_code == 302
    comment = Comment.objects.get(ticket=ticket)
    assert comment.author == ticket.requester and not comment.is_internal
    attachment = Attachment.objects.get(ticket=ticket, comment=comment)
    shown = visitor.get(f"/portal/t/{token}/files/{attachment.pk}/")
    assert shown.status_code == 200 and shown["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_a_bad_photo_on_the_tracking_page_writes_nothing(visitor, lift):
    token = token_of(report(visitor, f"asset={lift.code}"))
    upload = SimpleUploadedFile(
        "x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml"
    )
    response = visitor.post(f"/portal/t/{token}/", {"body": "see", "photo": upload})
    assert response.status_code in (400, 422)
    assert Comment.objects.count() == 0 and Attachment.objects.count() == 0


def test_the_tracking_link_cannot_read_another_ticket(visitor, lift, estate, make_request):
    first = token_of(report(visitor, f"asset={lift.code}", phone="13800000001"))
    second = token_of(report(visitor, f"location={estate['lobby'].pk}", phone="13800000002"))
    other = make_request(subject="Someone else's printer")  # a signed-in requester's own ticket
    one, two = Ticket.objects.filter(channel="portal").exclude(pk=other.pk).order_by("pk")
    photo = Attachment.objects.create(ticket=two, filename="b.png", content_type="image/png", size=1,
                                      sha256="0" * 64, is_image=True, file="x.png")  # fmt: skip
    page = visitor.get(f"/portal/t/{first}/").content.decode()
    assert one.number in page and two.number not in page and other.number not in page
    # another ticket's file through this ticket's link: not found
    assert visitor.get(f"/portal/t/{first}/files/{photo.pk}/").status_code == 404
    assert second != first


@pytest.mark.parametrize(
    "token",
    ["x", "A" * 32, "GD-2026-000001", "../../admin", "a" * 65, "%00" * 10],
)
def test_a_wrong_token_is_a_plain_404(visitor, lift, token):
    report(visitor, f"asset={lift.code}")
    response = visitor.get(f"/portal/t/{token}/")
    assert response.status_code == 404
    assert b"The lift stops" not in response.content and b"Zhang San" not in response.content


def test_guessing_tracking_links_is_rate_limited(settings, visitor, lift):
    settings.GONGDAN_PORTAL_RATE_LIMITS = {"walkup_track_ip": (3, 600)}
    for _ in range(3):
        assert visitor.get(f"/portal/t/{'B' * 32}/").status_code == 404
    assert visitor.get(f"/portal/t/{'C' * 32}/").status_code == 429


def test_the_tracking_page_costs_a_fixed_number_of_queries(visitor, lift, django_assert_max_num_queries):
    token = token_of(report(visitor, f"asset={lift.code}",
                            photo=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")))  # fmt: skip
    with django_assert_max_num_queries(
        4
    ):  # the report with its ticket, the timeline, its files, its comments
        assert visitor.get(f"/portal/t/{token}/").status_code == 200
    for n in range(3):
        visitor.post(f"/portal/t/{token}/", {"body": f"note {n}"})
    with django_assert_max_num_queries(4):  # the same with more notes: no query per event
        page = visitor.get(f"/portal/t/{token}/")
    assert page.content.count(b"data-comment") == 3


# --- phone numbers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_phone_numbers_are_kept_in_e164(typed, stored):
    assert clean_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["1381234567", "23812345678", "010 12345678", "+999 123", "call me", "1" * 40]
)
def test_bad_phone_numbers_are_refused(typed):
    with pytest.raises(ValidationFailed):
        clean_phone(typed)
