"""The phone's pages: my jobs (order, distance, query budget), job detail, scan, location, new ticket,
the installable app's manifest and service worker, and QR label sheets."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from PIL import Image

from gongdan.assets.services import location_create
from gongdan.field import labels
from gongdan.tickets.models import Priority, Status, Ticket
from gongdan.tickets.services import ticket_update
from tests.field.conftest import HERE

pytestmark = pytest.mark.django_db


def numbers_in(html: str) -> list[str]:
    return re.findall(r'<span class="fa-number">([^<]+)</span>', html)


def test_my_jobs_are_ordered_by_priority_then_sla_risk_then_distance(phone, make_job, site, agent):
    far_site = location_create(actor=None, name="虹桥", kind="site", latitude="31.197", longitude="121.336")
    p1 = Priority.objects.get(code="P1")
    p3 = Priority.objects.get(code="P3")
    low = make_job(subject="low priority", priority=None)
    ticket_update(actor=agent, ticket=low, changes={"priority": p3})
    near = make_job(subject="near", location=site)
    far = make_job(subject="far", location=far_site)
    urgent = make_job(subject="urgent")
    ticket_update(actor=agent, ticket=urgent, changes={"priority": p1})
    breached = make_job(subject="breached")
    # The SLA engine writes these columns; here they are set as it would have.
    Ticket.objects.filter(pk=breached.pk).update(
        sla_breached=True, sla_due_at=timezone.now() - timedelta(hours=1)
    )
    phone.post("position", {"position": HERE})

    html = phone.get("/m/").content.decode()

    # P1 first; among the P2s the breached one, then the nearer, then the farther; P3 last
    assert numbers_in(html.split('id="fa-jobs"')[1].split("</ul>")[0]) == [
        urgent.number, breached.number, near.number, far.number, low.number,
    ]  # fmt: skip
    assert "SLA breached" in html
    assert "km</span>" in html  # the far site is ~20 km away


def test_my_jobs_shows_the_team_pool_to_accept(phone, make_job):
    waiting = make_job(assignee=None, subject="nobody yet")
    html = phone.get("/m/").content.decode()
    assert "Waiting in your teams" in html and waiting.number in html


def test_my_jobs_query_count_does_not_grow_with_jobs(phone, make_job, django_assert_max_num_queries):
    for n in range(12):
        make_job(subject=f"job {n}")
    make_job(assignee=None)
    with django_assert_max_num_queries(12):
        response = phone.get("/m/")
    assert response.status_code == 200 and len(numbers_in(response.content.decode())) == 13


def test_job_page_query_budget(phone, job, django_assert_max_num_queries):
    phone.post(f"jobs/{job.number}/start", {"position": HERE})
    phone.post(f"jobs/{job.number}/notes", {"body": "one"})
    with django_assert_max_num_queries(30):
        response = phone.get(f"/m/jobs/{job.number}/")
    assert response.status_code == 200


def test_job_page_shows_the_actions_that_fit_the_state(phone, job):
    html = phone.get(f"/m/jobs/{job.number}/").content.decode()
    assert (
        'data-action="accept"' in html and 'data-action="start"' in html and 'data-action="pause"' not in html
    )
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    phone.post(f"jobs/{job.number}/start", {"position": HERE})
    html = phone.get(f"/m/jobs/{job.number}/").content.decode()
    assert 'data-action="start"' not in html and 'data-action="pause"' in html
    assert f"/m/jobs/{job.number}/finish/" in html
    assert "checked in now" in html and "from the job" in html


def test_job_page_speaks_chinese_to_a_chinese_user(phone, job, agent):
    agent.language = "zh-hans"
    agent.save(update_fields=["language"])
    html = phone.get(f"/m/jobs/{job.number}/").content.decode()
    assert "添加备注" in html and "拍照" in html and 'lang="zh-hans"' in html
    messages = json.loads(
        re.search(r'<script id="fa-messages" type="application/json">(.*?)</script>', html).group(1)
    )
    assert messages["kind_note"] == "备注"


def test_job_page_has_no_inline_script_and_a_strict_csp(phone, job):
    response = phone.get(f"/m/jobs/{job.number}/")
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all('type="application/json"' in attrs or not body.strip() for attrs, body in scripts)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert " style=" not in html


def test_finish_page_has_a_signature_pad(phone, job):
    phone.post(f"jobs/{job.number}/start", {})
    html = phone.get(f"/m/jobs/{job.number}/finish/").content.decode()
    assert 'id="fa-signature"' in html and "Customer's signature" in html


def test_scan_opens_a_job_a_place_or_says_it_knows_nothing(phone, job, room):
    assert phone.get(f"/m/scan/?code={job.number}")["Location"] == f"/m/jobs/{job.number}/"
    assert phone.get("/m/scan/?code=b2-301")["Location"] == f"/m/locations/{room.pk}/"
    assert (
        phone.get(f"/m/scan/?code=http://x/m/locations/{room.pk}/")["Location"] == f"/m/locations/{room.pk}/"
    )
    response = phone.get("/m/scan/?code=GD-1999-000001")
    assert response.status_code == 404 and "No job or place has this code." in response.content.decode()
    assert phone.get("/m/scan/").status_code == 200


def test_location_page_lists_open_jobs_there_and_offers_a_new_ticket(phone, job, site, room):
    html = phone.get(f"/m/locations/{site.pk}/").content.decode()  # the room is inside the site
    assert job.number in html and f"/m/new/?location={site.pk}" in html
    assert phone.get("/m/locations/999999/").status_code == 404


def test_new_ticket_from_a_scanned_place_is_prefilled_and_created(phone, room, agent):
    html = phone.get(f"/m/new/?location={room.pk}").content.decode()
    assert f'<option value="{room.pk}" selected>' in html
    response = phone.client.post(
        f"/m/new/?location={room.pk}",
        {
            "subject": "门锁坏了 broken lock",
            "location": room.pk,
            "assign_to_me": "on",
            "csrfmiddlewaretoken": phone.csrf,
        },
    )
    ticket = Ticket.objects.get(subject="门锁坏了 broken lock")
    assert response["Location"] == f"/m/jobs/{ticket.number}/"
    assert (ticket.location, ticket.assignee, ticket.status) == (room, agent, Status.ASSIGNED)


def test_new_ticket_without_a_subject_is_refused(phone):
    response = phone.client.post("/m/new/", {"subject": "  ", "csrfmiddlewaretoken": phone.csrf})
    assert response.status_code == 422 and not Ticket.objects.exists()


def test_the_app_is_installable(phone, client):
    manifest = client.get("/m/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["start_url"] == "/m/" and data["scope"] == "/m/" and data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        with Image.open(finders.find(icon["src"].removeprefix("/static/"))) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
    worker = client.get("/m/sw.js")
    assert worker["Content-Type"].startswith("text/javascript") and worker["Service-Worker-Allowed"] == "/m/"
    body = worker.content.decode()
    assert '"/static/field/field.css"' in body and "__SHELL__" not in body and "__VERSION__" not in body
    assert 'rel="manifest" href="/m/manifest.webmanifest"' in phone.get("/m/").content.decode()


def test_label_sheets_encode_the_right_addresses(phone, room, settings):
    settings.SITE_URL = "https://gd.example.com"
    # the public "report a problem here" code opens the portal's form with the place filled in
    assert labels.label_url(room, "report") == f"https://gd.example.com/portal/new/?location={room.pk}"
    assert labels.label_url(room, "technician") == f"https://gd.example.com/m/locations/{room.pk}/"
    pdf = phone.get(f"/m/labels/sheet.pdf?kind=report&location={room.pk}")
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    png = phone.get("/m/labels/sheet.png?kind=technician")
    sheet = Image.open(io.BytesIO(png.content))
    assert sheet.size == labels.PAGE
    # the first label holds a QR code: dark modules where the code is drawn, white around the sheet
    label = sheet.crop((labels.MARGIN, labels.MARGIN, labels.MARGIN + 380, labels.MARGIN + 380)).convert("L")
    assert label.getextrema() == (0, 255)
    assert sheet.getpixel((5, 5)) == (255, 255, 255)


@pytest.mark.parametrize(
    "query",
    ["kind=poster", "location=abc", "location=999999", "location=99999999999999999999", "location=%C2%B2"],
    ids=["kind", "not-a-number", "unknown", "above-bigint", "superscript-two"],
)
def test_label_sheet_bad_input(phone, room, query):
    assert phone.get(f"/m/labels/sheet.pdf?{query}").status_code in (400, 404)
    assert phone.get("/m/labels/sheet.gif?kind=report").status_code == 400


def test_label_page_is_for_admins(phone, admin_user, room):
    assert phone.get("/m/labels/").status_code == 403
    from django.test import Client

    admin = Client()
    admin.force_login(admin_user)
    html = admin.get("/m/labels/").content.decode()
    assert room.full_name in html and "/m/labels/sheet.pdf" in html


def test_pages_need_sign_in(client, job):
    assert client.get("/m/").status_code == 302
    assert client.get(f"/m/jobs/{job.number}/").status_code == 302
    assert client.get("/m/offline/").status_code == 200


def test_a_huge_location_id_is_refused_with_a_400(phone, room):
    # Given an id no bigint can hold (a typo, or a probe)
    response = phone.get("/m/labels/sheet.pdf?location=99999999999999999999")

    # Then the phone is told the ids are numbers, not a server error
    assert response.status_code == 400
    assert response.content.decode() == "Location ids are numbers."


def test_a_new_ticket_ignores_a_huge_location(phone, room):
    response = phone.get("/m/new/?location=99999999999999999999")
    assert response.status_code == 200
    assert response.context["form"].initial.get("location") is None
