"""The phone's endpoints, called as the app's script calls them (session cookie, CSRF header, one
Idempotency-Key per action): each action, each bad input, and who may do what."""

from __future__ import annotations

import pytest

from gongdan.field.models import GeoStatus, Visit
from gongdan.tickets.models import Attachment, Comment, Status, TicketEvent, TimeEntry
from tests.field.conftest import HERE, jpeg, png_data_url

pytestmark = pytest.mark.django_db


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:400])
    return response.json()["error"]


def test_accept_takes_an_unassigned_team_job_and_says_so(phone, make_job, agent):
    # Given a job waiting in the agent's team with nobody on it
    ticket = make_job(assignee=None)
    assert ticket.assignee_id is None
    # When the technician accepts it on the phone
    response = phone.post(f"jobs/{ticket.number}/accept")
    # Then it is theirs, assigned, and the timeline says it was accepted from the phone
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.ASSIGNED
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk
    assert TicketEvent.objects.filter(ticket=ticket, kind="field_accepted", actor=agent).count() == 1


def test_start_checks_in_with_the_position_and_the_distance_to_the_job(phone, job, agent):
    response = phone.post(f"jobs/{job.number}/start", {"position": HERE})
    assert response.status_code == 200, response.content
    assert response.json() == {**response.json(), "status": "in_progress", "checked_in": True}
    visit = Visit.objects.get(ticket=job)
    assert visit.user == agent and visit.start_geo == GeoStatus.SHARED
    assert 5 < visit.start_distance_m < 40  # the room's site is ~15 m from where the phone is
    event = TicketEvent.objects.get(ticket=job, kind="field_checked_in")
    assert event.is_internal and event.data["geo"] == "shared"
    # the position is remembered: "my jobs" now sorts by distance from it
    assert phone.get("/m/").content.decode().count(" m</span>") >= 1


def test_start_without_location_permission_still_checks_in(phone, job):
    response = phone.post(f"jobs/{job.number}/start", {"position": {"geo": "denied"}})
    assert response.status_code == 200, response.content
    visit = Visit.objects.get(ticket=job)
    assert (
        visit.start_geo == GeoStatus.DENIED
        and visit.start_latitude is None
        and visit.start_distance_m is None
    )
    assert "not shared" in phone.get(f"/m/jobs/{job.number}/").content.decode()


def test_a_second_start_is_refused_and_opens_no_second_visit(phone, job):
    assert phone.post(f"jobs/{job.number}/start", {"position": HERE}).status_code == 200
    error = error_of(phone.post(f"jobs/{job.number}/start", {"position": HERE}), 409)
    assert error["code"] == "already_checked_in"
    assert Visit.objects.filter(ticket=job).count() == 1


def test_pause_checks_out_and_waits_then_start_resumes(phone, job):
    phone.post(f"jobs/{job.number}/start", {"position": HERE})
    response = phone.post(f"jobs/{job.number}/pause", {"position": HERE, "note": "等备件 waiting for a part"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.PENDING_THIRD_PARTY
    assert response.json()["checked_in"] is False
    visit = Visit.objects.get(ticket=job)
    assert visit.end_reason == "pause" and visit.ended_at is not None and visit.duration_seconds is not None
    # back on site: a second visit, the job in progress again
    assert phone.post(f"jobs/{job.number}/start", {}).json()["status"] == Status.IN_PROGRESS
    assert Visit.objects.filter(ticket=job).count() == 2


def test_pause_without_being_checked_in_is_a_conflict(phone, job):
    assert error_of(phone.post(f"jobs/{job.number}/pause", {}), 409)["code"] == "not_checked_in"


def test_finish_with_signature_resolves_keeps_the_signature_and_checks_out(phone, job, agent):
    phone.post(f"jobs/{job.number}/start", {"position": HERE})
    response = phone.post(
        f"jobs/{job.number}/finish",
        {
            "position": HERE,
            "resolution": "换了排水管 replaced the drain pipe",
            "signature": png_data_url(),
            "signer_name": "王女士",
        },
    )
    assert response.status_code == 200, response.content
    job.refresh_from_db()
    assert job.status == Status.RESOLVED and "drain pipe" in job.resolution
    signature = Attachment.objects.get(ticket=job)
    assert (
        signature.is_image
        and signature.content_type == "image/png"
        and signature.filename.startswith("signature-")
    )
    signed = TicketEvent.objects.get(ticket=job, kind="field_signed")
    assert signed.data == {"attachment": signature.pk, "signer_name": "王女士"}
    assert Visit.objects.get(ticket=job).end_reason == "finish"


def test_finish_without_a_resolution_changes_nothing(phone, job):
    phone.post(f"jobs/{job.number}/start", {"position": HERE})
    error = error_of(
        phone.post(
            f"jobs/{job.number}/finish", {"resolution": " ", "signature": png_data_url(), "signer_name": "王"}
        ),
        422,
    )
    assert "note" in error["details"]
    job.refresh_from_db()
    assert job.status == Status.IN_PROGRESS
    assert not Attachment.objects.filter(ticket=job).exists()
    assert Visit.objects.get(ticket=job).ended_at is None  # still on site


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"signature": "data:image/jpeg;base64,AAAA", "signer_name": "x"}, "signature"),
        ({"signature": "data:image/png;base64,not-base64!", "signer_name": "x"}, "signature"),
        ({"signature": "data:image/png;base64,aGVsbG8=", "signer_name": "x"}, "signature"),
        ({"signature": png_data_url(), "signer_name": "  "}, "signer_name"),
    ],
)
def test_finish_refuses_a_bad_signature(phone, job, payload, field):
    error = error_of(phone.post(f"jobs/{job.number}/finish", {"resolution": "done", **payload}), 422)
    assert field in error["details"]
    job.refresh_from_db()
    assert job.status != Status.RESOLVED


@pytest.mark.parametrize(
    ("position", "field"),
    [
        ({"latitude": 91, "longitude": 10}, "latitude"),
        ({"latitude": 10, "longitude": -181}, "longitude"),
        ({"latitude": 10}, "latitude"),
        ({"latitude": 10, "longitude": 10, "accuracy": -1}, "accuracy"),
        ({"latitude": "north", "longitude": 10}, "position.latitude"),
    ],
)
def test_start_refuses_a_bad_position_and_records_nothing(phone, job, position, field):
    error = error_of(phone.post(f"jobs/{job.number}/start", {"position": position}), 422)
    assert field in error["details"]
    assert not Visit.objects.exists()
    job.refresh_from_db()
    assert job.status == Status.ASSIGNED


def test_note_is_internal_by_default_and_public_on_request(phone, job):
    assert phone.post(f"jobs/{job.number}/notes", {"body": "阀门锈了 valve rusted"}).status_code == 201
    assert phone.post(f"jobs/{job.number}/notes", {"body": "明天来换", "public": True}).status_code == 201
    assert list(Comment.objects.filter(ticket=job).values_list("is_internal", flat=True)) == [True, False]


def test_the_same_note_sent_twice_with_one_key_is_saved_once(phone, job):
    # The phone lost the answer and syncs the queued note again with the same key.
    first = phone.post(f"jobs/{job.number}/notes", {"body": "offline note"}, key="note-1")
    again = phone.post(f"jobs/{job.number}/notes", {"body": "offline note"}, key="note-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Comment.objects.filter(ticket=job, body="offline note").count() == 1


def test_empty_note_is_refused(phone, job):
    assert "body" in error_of(phone.post(f"jobs/{job.number}/notes", {"body": "  "}), 422)["details"]
    assert not Comment.objects.exists()


@pytest.mark.parametrize("minutes", [0, 1441, "ten"])
def test_time_must_be_a_sensible_number_of_minutes(phone, job, minutes):
    error_of(phone.post(f"jobs/{job.number}/time", {"minutes": minutes}), 422)
    assert not TimeEntry.objects.exists()


def test_time_is_logged_once_per_key(phone, job, agent):
    for _ in range(2):
        assert (
            phone.post(f"jobs/{job.number}/time", {"minutes": 45, "note": "拆装"}, key="t-1").status_code
            == 201
        )
    entry = TimeEntry.objects.get(ticket=job)
    assert (entry.user, entry.minutes, entry.note) == (agent, 45, "拆装")


def test_photo_is_uploaded_as_the_raw_body_once_per_key(phone, job):
    photo = jpeg()
    for _ in range(2):
        response = phone.post(
            f"jobs/{job.number}/photos?name=leak.jpg", photo, content_type="image/jpeg", key="p-1"
        )
        assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(ticket=job)
    assert attachment.filename == "leak.jpg" and attachment.is_image and attachment.size == len(photo)
    assert attachment.is_internal
    page = phone.get(f"/m/jobs/{job.number}/").content.decode()
    assert f"/attachments/{attachment.pk}/" in page


def test_photo_refuses_other_types(phone, job):
    error = error_of(
        phone.post(f"jobs/{job.number}/photos", b"%PDF-1.4", content_type="application/pdf"), 415
    )
    assert error["code"] == "unsupported_media_type"
    error = error_of(
        phone.post(f"jobs/{job.number}/photos", b"not really a jpeg", content_type="image/jpeg"), 422
    )
    assert error["code"] == "not_an_image"
    assert not Attachment.objects.exists()


def test_photo_over_the_request_limit_is_refused(phone, job, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    error_of(
        phone.post(f"jobs/{job.number}/photos", jpeg(1600, 1200) + b"\0" * 20_000, content_type="image/jpeg"),
        413,
    )
    assert not Attachment.objects.exists()


def test_another_teams_technician_cannot_see_or_touch_the_job(phone_of, other_agent, job):
    other = phone_of(other_agent)
    for path, body in (("accept", {}), ("start", {}), ("notes", {"body": "x"}), ("time", {"minutes": 5})):
        error_of(other.post(f"jobs/{job.number}/{path}", body), 404)
    error_of(other.post(f"jobs/{job.number}/photos", jpeg(), content_type="image/jpeg"), 404)
    assert other.get(f"/m/jobs/{job.number}/").status_code == 404
    assert job.number not in other.get("/m/").content.decode()
    assert not Comment.objects.exists() and not Visit.objects.exists()


def test_the_requester_cannot_work_their_own_ticket_from_the_field_api(phone_of, requester, job):
    requester_phone = phone_of(requester)
    error_of(requester_phone.post(f"jobs/{job.number}/start", {}), 404)
    error_of(requester_phone.post(f"jobs/{job.number}/notes", {"body": "hi"}), 404)
    home = requester_phone.get("/m/")  # the app's home shows the way to the portal, without the app's menu
    assert home.status_code == 200
    assert 'href="/portal/"' in home.content.decode() and 'class="fa-nav"' not in home.content.decode()
    assert requester_phone.get("/m/scan/").status_code == 403


def test_without_csrf_or_session_nothing_happens(phone, job, client):
    response = phone.client.post(
        f"/api/v1/field/jobs/{job.number}/notes", data='{"body": "x"}', content_type="application/json"
    )
    assert error_of(response, 403)["code"] == "csrf_failed"
    response = client.post(
        f"/api/v1/field/jobs/{job.number}/notes", data='{"body": "x"}', content_type="application/json"
    )
    error_of(response, 401)
    assert not Comment.objects.exists()


def test_position_update_feeds_the_distance_on_my_jobs(phone, job):
    assert "m</span>" not in phone.get("/m/").content.decode().split('id="fa-jobs"')[1]
    assert phone.post("position", {"position": HERE}).status_code == 200
    page = phone.get("/m/").content.decode()
    assert "15 m" in page or "16 m" in page or "14 m" in page
    error_of(phone.post("position", {"position": {"geo": "denied"}}), 422)


def test_resolve_tells_where_a_code_leads(phone, job, room):
    assert phone.get(f"/api/v1/field/resolve?code={job.number.lower()}").json() == {
        "kind": "job",
        "url": f"/m/jobs/{job.number}/",
    }
    response = phone.get(f"/api/v1/field/resolve?code=https://gd.example.com/portal/new/?location={room.pk}")
    assert response.json() == {"kind": "location", "url": f"/m/locations/{room.pk}/"}
    error_of(phone.get("/api/v1/field/resolve?code=nothing-here"), 404)


def test_resolve_knows_asset_labels_and_the_form_without_an_account(phone, room, make_asset):
    make_asset("AC-01")
    asset_page = {"kind": "asset", "url": "/assets/AC-01/"}
    assert (
        phone.client.get("/api/v1/field/resolve", {"code": "https://gd.example.com/a/ac-01/"}).json()
        == asset_page
    )
    scanned = phone.client.get(
        "/api/v1/field/resolve", {"code": "https://gd.example.com/portal/report/?asset=AC-01"}
    )
    assert scanned.json() == asset_page
    scanned = phone.client.get(
        "/api/v1/field/resolve", {"code": f"https://gd.example.com/portal/report/?location={room.pk}"}
    )
    assert scanned.json() == {"kind": "location", "url": f"/m/locations/{room.pk}/"}
    error_of(phone.client.get("/api/v1/field/resolve", {"code": "https://gd.example.com/a/NOPE/"}), 404)


@pytest.mark.parametrize("code", ["http://[", "/m/nowhere/", "https://gd.example.com/elsewhere/"])
def test_resolve_refuses_what_is_not_ours_without_failing(phone, code):
    error_of(phone.client.get("/api/v1/field/resolve", {"code": code}), 404)


def test_resolve_needs_a_code(phone):
    error_of(phone.client.get("/api/v1/field/resolve", {"code": " "}), 422)


def test_a_colleagues_job_is_not_taken_over_from_the_phone(phone_of, make_job, lead, agent):
    # Given a job assigned to the lead, in the team the agent also belongs to
    ticket = make_job(assignee=lead)
    colleague = phone_of(agent)
    # accepting it is refused, and it stays the lead's
    assert error_of(colleague.post(f"jobs/{ticket.number}/accept"), 409)["code"] == "assigned_to_someone_else"
    assert 'data-action="accept"' not in colleague.get(f"/m/jobs/{ticket.number}/").content.decode()
    # helping on site is fine: the agent checks in, the job stays the lead's
    assert colleague.post(f"jobs/{ticket.number}/start", {"position": HERE}).status_code == 200
    ticket.refresh_from_db()
    assert ticket.assignee == lead and Visit.objects.get(ticket=ticket).user == agent


def test_timeline_lines_say_how_far_how_long_and_who_signed(phone, job):
    from django.utils import translation

    from gongdan.field.events import describe_field_event

    phone.post(f"jobs/{job.number}/start", {"position": HERE})
    phone.post(
        f"jobs/{job.number}/finish",
        {"resolution": "ok", "signature": png_data_url(), "signer_name": "王女士"},
    )
    translation.activate("en")  # the requests above leave the thread in the site's default language
    lines = {
        e.kind: describe_field_event(e.kind, e.data)
        for e in TicketEvent.objects.filter(ticket=job, kind__startswith="field_")
    }
    assert lines["field_checked_in"] in ("15 m from the job", "16 m from the job", "14 m from the job")
    assert lines["field_checked_out"].endswith("on site 0 min (finished)")
    assert lines["field_signed"] == "signed by 王女士"
    assert describe_field_event("field_checked_in", {"geo": "denied"}) == "location not shared"
    with translation.override("zh-hans"):
        assert describe_field_event("field_checked_in", {"geo": "denied"}) == "位置未共享"
        assert describe_field_event("field_signed", {"signer_name": "王女士"}) == "签名人：王女士"


def test_the_desk_timeline_shows_the_site_visit_and_the_signature(phone, job, agent):
    from django.test import Client

    phone.post(f"jobs/{job.number}/start", {"position": HERE})
    phone.post(
        f"jobs/{job.number}/finish",
        {"resolution": "ok", "signature": png_data_url(), "signer_name": "王女士"},
    )
    agent.language = "en"
    agent.save(update_fields=["language"])
    desk = Client()
    desk.force_login(agent)
    html = desk.get(f"/tickets/{job.number}/").content.decode()
    assert "m from the job" in html and "signed by 王女士" in html
