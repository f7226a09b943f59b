"""The meter screens: the asset page's card and chart, add/edit, record a reading by hand, MQTT status."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from gongdan.audit.models import AuditEntry
from gongdan.meters.models import Meter, Reading
from gongdan.meters.services import NewReading, readings_store
from gongdan.tickets.models import Ticket
from tests.clients import signed_in


def test_the_asset_page_shows_meters_their_state_and_chart_in_few_queries(
    agent_client, make_meter, make_asset, django_assert_max_num_queries
):
    asset = make_asset("AC-01")
    hot = make_meter(asset=asset, high_limit=90)
    make_meter(asset=asset, code="hours", name="Running hours", kind="running_hours", unit="h")

    readings_store([NewReading(hot.pk, timezone.now(), 97.5)])

    with django_assert_max_num_queries(30):
        response = agent_client.get(reverse("assets:asset_detail", args=["AC-01"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="asset-meters"' in body and "Running hours" in body and "97.5" in body
    assert 'id="meter-temp" class="table-danger"' in body
    assert Ticket.objects.get().number in body
    assert 'id="meter-charts"' in body and "meters/meters.js" in body

    chart = agent_client.get(reverse("meters:meter_chart", args=["AC-01"]), {"range": "24h"}).json()
    assert chart["range"] == "24h" and chart["meters"][1]["points"][0][1] == 97.5
    assert chart["work_orders"][0]["number"] == Ticket.objects.get().number
    assert agent_client.get(reverse("meters:meter_chart", args=["AC-01"]), {"range": "2y"}).status_code == 400


def test_a_lead_adds_and_edits_a_meter_from_the_asset_page(lead, make_asset):
    make_asset("AC-01")
    client = signed_in(lead)
    url = reverse("meters:meter_create", args=["AC-01"])
    assert client.get(url).status_code == 200

    bad = client.post(url, {"code": "temp", "name": "排气温度", "kind": "temperature", "low_limit": "50",
                            "high_limit": "40"})  # fmt: skip
    assert bad.status_code == 400 and "The high limit must be above the low limit." in bad.content.decode()
    assert not Meter.objects.exists()

    good = client.post(url, {"code": "temp", "name": "排气温度", "kind": "temperature", "unit": "°C",
                             "high_limit": "95", "hysteresis": "2", "opens_work_orders": "on", "is_active": "on"})  # fmt: skip
    assert good.status_code == 302
    meter = Meter.objects.get()
    edit = client.post(reverse("meters:meter_edit", args=["AC-01", meter.pk]), {
        "code": "temp", "name": "排气温度", "kind": "temperature", "unit": "°C", "high_limit": "100",
        "hysteresis": "2", "is_active": "on",
    })  # fmt: skip
    assert edit.status_code == 302
    meter.refresh_from_db()
    assert meter.high_limit == 100 and meter.opens_work_orders is False
    assert AuditEntry.objects.filter(object_type="meters.meter").count() == 2


def test_agents_may_not_configure_meters(agent_client, make_meter):
    meter = make_meter()
    assert agent_client.get(reverse("meters:meter_create", args=["AC-01"])).status_code == 403
    assert agent_client.get(reverse("meters:meter_edit", args=["AC-01", meter.pk])).status_code == 403


def test_an_agent_records_a_reading_by_hand(agent_client, make_meter):
    meter = make_meter(high_limit=90)
    url = reverse("meters:reading_add", args=["AC-01"])
    assert agent_client.get(url).status_code == 200

    bad = agent_client.post(url, {"meter": meter.pk, "value": "hot"})
    assert bad.status_code == 400 and not Reading.objects.exists()

    response = agent_client.post(url, {"meter": meter.pk, "value": "95"}, follow=True)
    assert response.status_code == 200
    assert Reading.objects.get().value == 95
    assert Ticket.objects.get().number in response.content.decode()


def test_the_mqtt_status_is_for_administrators(admin_user, agent_client, make_meter):
    make_meter(mqtt_topic="plant/+/state", mqtt_value_path="$.temp")
    page = signed_in(admin_user).get(reverse("meters:mqtt_status"))
    assert page.status_code == 200 and "plant/+/state" in page.content.decode()
    assert agent_client.get(reverse("meters:mqtt_status")).status_code == 403
