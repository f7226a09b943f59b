"""A round walked offline reaches the server later from the phone's outbox: each submission carries the id
the phone gave it and the time it was recorded. A replay answers 200 and changes nothing, a failed item opens
its work order on the first replay, the stop keeps the recorded time, and a time in the future or before the
round started is refused (422) with nothing written."""

from __future__ import annotations

import base64
import io
import uuid
from datetime import timedelta

from django.utils import timezone
from PIL import Image

from gongdan.maintenance.models import StepKind
from gongdan.maintenance.services import pm
from gongdan.rounds.models import RunStatus, StopAnswer, Submission, VisitStatus
from gongdan.tickets.models import Ticket
from tests.api.conftest import ApiClient, assert_error
from tests.rounds.conftest import TODAY, steps_of


def key() -> str:
    return str(uuid.uuid4())


def at(moment) -> str:
    return moment.isoformat()


def test_a_replayed_walk_keeps_the_recorded_times_and_opens_the_work_order_once(agent, run_today, checklist):
    api = ApiClient(agent)
    steps = steps_of(checklist)
    arrived = timezone.now() - timedelta(minutes=30)
    answered = arrived + timedelta(minutes=4)
    check_in = {"code": "AC-01", "client_id": key(), "recorded_at": at(arrived), "latitude": 31.23,
                "longitude": 121.47}  # fmt: skip
    answers = {"client_id": key(), "recorded_at": at(answered), "answers": [
        {"step": steps["number"].pk, "number": 120}, {"step": steps["check"].pk, "passed": True},
    ]}  # fmt: skip
    url = f"round-runs/{run_today.pk}/stops/1"
    first = api.post(f"{url}/check-in", check_in)
    assert first.status_code == 200, first.content
    recorded = api.post(f"{url}/answers", answers)
    assert recorded.status_code == 200, recorded.content
    ticket = Ticket.objects.get()
    assert recorded.json() == {"status": "done", "work_orders": [ticket.number], "replayed": False}

    # the answer was lost on the way back: the outbox sends both again, in order
    assert api.post(f"{url}/check-in", check_in).status_code == 200
    again = api.post(f"{url}/answers", answers)
    assert again.status_code == 200
    assert again.json() == {"status": "done", "work_orders": [ticket.number], "replayed": True}
    assert Ticket.objects.count() == 1 and Submission.objects.count() == 2

    visit = run_today.visits.get(position=1)
    run_today.refresh_from_db()
    assert (visit.arrived_at, visit.checked_at, run_today.started_at) == (arrived, answered, arrived)
    assert set(StopAnswer.objects.filter(visit=visit).values_list("answered_at", flat=True)) == {answered}


def test_a_newer_answer_is_not_overwritten_by_an_old_replay(agent, run_today, checklist):
    api = ApiClient(agent)
    steps = steps_of(checklist)
    url = f"round-runs/{run_today.pk}/stops/2"
    assert api.post(f"{url}/check-in", {"code": "PR-1", "client_id": key()}).status_code == 200
    old = {"client_id": key(), "answers": [{"step": steps["number"].pk, "number": 80},
                                            {"step": steps["check"].pk, "passed": True}]}  # fmt: skip
    new = {"client_id": key(), "answers": [{"step": steps["number"].pk, "number": 82},
                                            {"step": steps["check"].pk, "passed": True}]}  # fmt: skip
    assert api.post(f"{url}/answers", old).status_code == 200
    assert api.post(f"{url}/answers", new).status_code == 200
    assert api.post(f"{url}/answers", old).json()["replayed"] is True
    assert StopAnswer.objects.get(step=steps["number"]).number == 82


def test_a_recorded_time_in_the_future_or_before_the_start_is_refused(agent, run_today, checklist):
    api = ApiClient(agent)
    url = f"round-runs/{run_today.pk}/stops/1"
    future = {"code": "AC-01", "client_id": key(), "recorded_at": at(timezone.now() + timedelta(hours=1))}
    error = assert_error(api.post(f"{url}/check-in", future), 422)
    assert "future" in error["details"]["recorded_at"][0]
    yesterday = {"code": "AC-01", "client_id": key(), "recorded_at": at(timezone.now() - timedelta(days=2))}
    assert "before the round started" in assert_error(api.post(f"{url}/check-in", yesterday), 422)["message"]
    naive = {"code": "AC-01", "recorded_at": timezone.now().replace(tzinfo=None).isoformat()}
    assert_error(api.post(f"{url}/check-in", naive), 422)
    visit = run_today.visits.get(position=1)
    assert visit.status == VisitStatus.PENDING and not Submission.objects.exists()
    run_today.refresh_from_db()
    assert run_today.status == RunStatus.SCHEDULED

    # once started, an answer recorded before the start is refused too
    started = timezone.now() - timedelta(minutes=10)
    assert api.post(f"{url}/check-in", {"code": "AC-01", "recorded_at": at(started)}).status_code == 200
    steps = steps_of(checklist)
    early = {"recorded_at": at(started - timedelta(minutes=1)), "answers": [
        {"step": steps["number"].pk, "number": 120}, {"step": steps["check"].pk, "passed": False}]}  # fmt: skip
    assert_error(api.post(f"{url}/answers", early), 422)
    assert not Ticket.objects.exists() and not StopAnswer.objects.exists()


def test_a_client_id_cannot_be_reused_for_another_stop_or_person(agent, run_today, lead):
    api = ApiClient(agent)
    shared = key()
    body = {"code": "AC-01", "client_id": shared}
    assert api.post(f"round-runs/{run_today.pk}/stops/1/check-in", body).status_code == 200
    assert_error(ApiClient(lead).post(f"round-runs/{run_today.pk}/stops/1/check-in", body), 422)
    error = assert_error(
        api.post(f"round-runs/{run_today.pk}/stops/2/check-in", {"code": "PR-1", "client_id": shared}), 422
    )
    assert "client_id" in error["details"]
    assert run_today.visits.get(position=2).status == VisitStatus.PENDING
    for bad in ("short", "has spaces in it", "x" * 65):
        body = {"code": "PR-1", "client_id": bad}
        assert_error(api.post(f"round-runs/{run_today.pk}/stops/2/check-in", body), 422)


def test_a_replay_after_the_round_was_finished_still_answers_200(agent, run_today):
    api = ApiClient(agent)
    body = {"code": "AC-01", "client_id": key()}
    assert api.post(f"round-runs/{run_today.pk}/stops/1/check-in", body).status_code == 200
    assert api.post(f"round-runs/{run_today.pk}/finish").status_code == 200
    replay = api.post(f"round-runs/{run_today.pk}/stops/1/check-in", body)
    assert replay.status_code == 200 and replay.json()["status"] == "present"
    fresh = {"code": "PR-1", "client_id": key()}
    assert_error(api.post(f"round-runs/{run_today.pk}/stops/2/check-in", fresh), 409)


def test_a_photo_step_answered_with_a_picture_from_the_outbox(agent, make_round, make_asset):
    photo_list = pm.checklist_create(actor=None, name="拍照 Photo", steps=[
        pm.StepSpec("铭牌照片 Nameplate photo", StepKind.PHOTO),
    ])  # fmt: skip
    from gongdan.rounds import services

    round_ = make_round(stops=[services.StopSpec(asset=make_asset("AC-09"), checklist=photo_list)])
    run = round_.runs.get(due_on=TODAY)
    step = photo_list.steps.get()
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(picture, format="JPEG")
    data_url = "data:image/jpeg;base64," + base64.b64encode(picture.getvalue()).decode()
    api = ApiClient(agent)
    assert api.post(f"round-runs/{run.pk}/stops/1/check-in", {"code": "AC-09"}).status_code == 200
    not_a_photo = {"answers": [{"step": step.pk, "photo": base64.b64encode(b"hello world!").decode()}]}
    assert_error(api.post(f"round-runs/{run.pk}/stops/1/answers", not_a_photo), 422)
    assert_error(
        api.post(f"round-runs/{run.pk}/stops/1/answers", {"answers": [{"step": step.pk, "photo": "%%"}]}), 422
    )
    saved = api.post(f"round-runs/{run.pk}/stops/1/answers", {"client_id": key(), "answers": [
        {"step": step.pk, "photo": data_url}]})  # fmt: skip
    assert saved.status_code == 200, saved.content
    answer = StopAnswer.objects.get(step=step)
    assert answer.photo.name.endswith(".jpg") and answer.photo.read() == picture.getvalue()
