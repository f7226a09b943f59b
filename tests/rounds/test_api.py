"""Rounds over /api/v1: administrators configure (audited); technicians check in with the stop's code (a
wrong one refused), answer (a resend opens nothing), finish; the report lists skipped stops and findings."""

from gongdan.audit.models import AuditEntry
from gongdan.rounds.models import Round, RoundRun
from gongdan.tickets.models import Ticket
from tests.api.conftest import ApiClient, assert_error
from tests.rounds.conftest import TODAY, steps_of


def test_an_admin_adds_and_changes_a_round_and_an_agent_may_not(
    admin_user, agent, team, make_asset, checklist, pump_room
):
    make_asset("AC-01")
    body = {"name": "泵房日巡检", "frequency": "days", "starts_on": TODAY.isoformat(), "requester": admin_user.pk,
            "team": team.pk, "window_start": "09:30", "window_hours": 3,
            "stops": [{"asset": "AC-01", "checklist": checklist.pk}, {"location": pump_room.pk}]}  # fmt: skip
    created = ApiClient(admin_user).post("rounds", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert [s["asset"] for s in data["stops"]] == ["AC-01", None] and data["window_start"] == "09:30:00"
    assert RoundRun.objects.filter(round_id=data["id"], due_on=TODAY).exists()
    assert AuditEntry.objects.filter(object_type="rounds.round", kind="config.create").exists()

    changed = ApiClient(admin_user).patch(f"rounds/{data['id']}", {"allow_manual_confirm": True})
    assert changed.status_code == 200 and changed.json()["allow_manual_confirm"] is True
    assert_error(ApiClient(agent).post("rounds", body), 403)
    assert_error(ApiClient(agent).get("rounds"), 403)


def test_bad_round_input_is_refused_with_the_field_named(admin_user, make_asset):
    make_asset("AC-01")
    api = ApiClient(admin_user)
    base = {
        "name": "x",
        "starts_on": TODAY.isoformat(),
        "requester": admin_user.pk,
        "stops": [{"asset": "AC-01"}],
    }
    for change, field in [({"stops": [{"asset": "NOPE"}]}, "stops.0.asset"), ({"stops": [{}]}, "stops"),
                          ({"frequency": "days", "weekdays": [1]}, "weekdays"), ({"every": 0}, "every"), ({"team": 99999}, "team")]:  # fmt: skip
        error = assert_error(api.post("rounds", {**base, **change}), 422)
        assert field in error["details"], (change, error)
    assert Round.objects.count() == 0


def test_a_technician_walks_a_run_through_the_api(agent, admin_user, run_today, checklist):
    api = ApiClient(agent)
    wrong = assert_error(
        api.post(f"round-runs/{run_today.pk}/stops/1/check-in", {"code": "PR-1"}), 422, "wrong_code"
    )
    assert "code" in wrong["details"]
    assert_error(api.post(f"round-runs/{run_today.pk}/stops/1/answers", {"answers": []}), 409)
    here = api.post(
        f"round-runs/{run_today.pk}/stops/1/check-in",
        {"code": "AC-01", "latitude": 31.23, "longitude": 121.47},
    )
    assert here.status_code == 200 and here.json()["status"] == "present" and here.json()["proof"] == "qr"

    steps = steps_of(checklist)
    answers = {
        "answers": [{"step": steps["number"].pk, "number": 120}, {"step": steps["check"].pk, "passed": True}]
    }
    first = api.post(f"round-runs/{run_today.pk}/stops/1/answers", answers)
    again = api.post(f"round-runs/{run_today.pk}/stops/1/answers", answers)
    assert first.status_code == 200 and len(first.json()["work_orders"]) == 1
    assert again.json()["work_orders"] == [] and Ticket.objects.count() == 1

    finished = api.post(f"round-runs/{run_today.pk}/finish")
    assert finished.status_code == 200 and finished.json()["status"] == "done"
    report = ApiClient(admin_user).get(f"round-runs/{run_today.pk}").json()
    assert report["not_visited"] == 1 and report["out_of_limits"] == 1
    assert report["work_orders"] == first.json()["work_orders"]
    listed = ApiClient(admin_user).get("round-runs", {"state": "skipped"}).json()
    assert [r["id"] for r in listed["runs"]] == [run_today.pk]
    assert_error(ApiClient(agent).get("round-runs", {"state": "bogus"}), 422)


def test_another_teams_agent_cannot_see_or_walk_the_run(other_agent, run_today):
    assert_error(
        ApiClient(other_agent).post(f"round-runs/{run_today.pk}/stops/1/check-in", {"code": "AC-01"}), 404
    )
