"""Meters over /api/v1: configure, record batches (all or nothing, 422 naming the row), read series."""

from __future__ import annotations

from gongdan.audit.models import AuditEntry
from gongdan.meters.models import Meter, Reading, Rollup
from gongdan.tickets.models import Ticket
from tests.api.conftest import ApiClient, assert_error


def test_a_lead_adds_a_meter_and_an_agent_may_not(lead, agent, make_asset):
    make_asset("AC-01")
    created = ApiClient(lead).post("assets/AC-01/meters", {
        "code": "temp", "name": "排气温度", "kind": "temperature", "unit": "°C", "high_limit": 95,
        "hysteresis": 2, "mqtt_topic": "plant/ac-01/state", "mqtt_value_path": "$.temp",
    })  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["asset"] == "AC-01" and created.json()["state"] == "normal"
    assert AuditEntry.objects.filter(object_type="meters.meter", kind="config.create").exists()
    assert_error(ApiClient(agent).post("assets/AC-01/meters", {"code": "x", "name": "x"}), 403)
    listed = ApiClient(agent).get("assets/AC-01/meters")
    assert [m["code"] for m in listed.json()] == ["temp"]


def test_bad_meter_settings_are_refused_with_the_field_named(lead, make_asset):
    make_asset("AC-01")
    api = ApiClient(lead)
    cases = [
        ({"code": "t", "name": "T", "low_limit": 10, "high_limit": 5}, "high_limit"),
        ({"code": "t", "name": "T", "rate_limit": 3}, "rate_window_seconds"),
        ({"code": "t", "name": "T", "mqtt_topic": "a/#/b", "mqtt_value_path": "$.v"}, "mqtt_topic"),
        ({"code": "t", "name": "T", "mqtt_topic": "a/b"}, "mqtt_value_path"),
        ({"code": "t", "name": "T", "mqtt_topic": "a/b", "mqtt_value_path": "$..v"}, "mqtt_value_path"),
        ({"code": "t t", "name": "T"}, "code"),
        ({"code": "t", "name": "T", "hysteresis": -1}, "hysteresis"),
    ]
    for body, field in cases:
        error = assert_error(api.post("assets/AC-01/meters", body), 422)
        assert field in error["details"], (body, error)
    assert not Meter.objects.exists()


def test_a_batch_is_stored_with_its_rollups_and_opens_a_work_order(agent, make_meter):
    meter = make_meter(high_limit=90, hysteresis=2)
    rows = [
        {"meter": meter.pk, "value": v, "at": f"2026-05-01T08:00:0{i}+08:00"}
        for i, v in enumerate([80, 95, 70])
    ]

    response = ApiClient(agent).post("meter-readings", {"readings": rows})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stored"] == 3 and body["duplicates"] == 0 and len(body["work_orders"]) == 1
    assert Ticket.objects.get().number == body["work_orders"][0]
    hourly = Rollup.objects.get(meter=meter, size=3600)
    assert (hourly.count, hourly.low, hourly.high, hourly.total) == (3, 70, 95, 245)
    again = ApiClient(agent).post("meter-readings", {"readings": rows}).json()
    assert (again["stored"], again["duplicates"], again["work_orders"]) == (0, 3, [])
    assert Rollup.objects.get(meter=meter, size=3600).count == 3


def test_one_bad_row_refuses_the_batch_naming_its_index_and_field(agent, make_meter):
    meter = make_meter()
    good = {"meter": meter.pk, "value": 1.5, "at": "2026-05-01T08:00:00Z"}
    cases = [
        ({"meter": meter.pk, "value": "hot"}, "readings.1.value"),
        ({"meter": meter.pk, "value": 1, "at": "2026-05-01T08:00:00"}, "readings.1.at"),
        ({"meter": meter.pk, "value": 1, "at": "2999-01-01T00:00:00Z"}, "readings.1.at"),
        ({"meter": 999999, "value": 1}, "readings.1.meter"),
        ({"meter": meter.pk}, "readings.1.value"),
        ({"meter": meter.pk, "value": 1, "colour": "red"}, "readings.1.colour"),
    ]
    for bad, field in cases:
        error = assert_error(ApiClient(agent).post("meter-readings", {"readings": [good, bad]}), 422)
        assert field in error["details"], (bad, error)
    assert not Reading.objects.exists() and not Rollup.objects.exists()
    too_many = {"readings": [good] * 5001}
    assert_error(ApiClient(agent).post("meter-readings", too_many), 422)


def test_requesters_cannot_record_or_read(requester, make_meter):
    meter = make_meter()
    api = ApiClient(requester)
    assert_error(api.post("meter-readings", {"readings": [{"meter": meter.pk, "value": 1}]}), 403)
    assert_error(api.get(f"meters/{meter.pk}/series"), 404)


def test_the_series_is_downsampled_per_bucket(agent, make_meter):
    meter = make_meter()
    api = ApiClient(agent)
    api.post("meter-readings", {"readings": [{"meter": meter.pk, "value": v} for v in [5]]})
    series = api.get(f"meters/{meter.pk}/series", {"range": "24h"}).json()
    assert series["bucket_seconds"] == 300 and len(series["points"]) == 1
    assert series["points"][0][1:] == [5, 5, 5]
    assert_error(api.get(f"meters/{meter.pk}/series", {"range": "2d"}), 422)


def test_patching_a_meter_changes_only_what_is_given(lead, make_meter):
    meter = make_meter(high_limit=90)
    response = ApiClient(lead).patch(f"meters/{meter.pk}", {"high_limit": 100, "unit": None})
    assert response.status_code == 200, response.content
    assert (response.json()["high_limit"], response.json()["unit"], response.json()["name"]) == (
        100, "", "Discharge temperature",
    )  # fmt: skip
