"""Bad deliveries get a clear 4xx and change nothing (rule 6)."""

from __future__ import annotations

import copy
import json

import pytest

from gongdan.integrations import services
from gongdan.integrations.models import AlertLink, Delivery
from gongdan.tickets.models import Ticket
from tests.integrations.conftest import captured

FIRING, _RESOLVED = captured("alertmanager_captured.jsonl")


def nothing_written() -> bool:
    return not Ticket.objects.exists() and not AlertLink.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("secret", ["", "wrong", "gdi_" + "x" * 43])
def test_a_bad_or_missing_secret_is_401(alertmanager, secret):
    response = alertmanager.post(FIRING, secret=secret)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert nothing_written()


@pytest.mark.django_db
def test_no_authorization_header_is_401(alertmanager, client):
    response = client.post(alertmanager.url, data=json.dumps(FIRING), content_type="application/json")

    assert response.status_code == 401
    assert nothing_written()


@pytest.mark.django_db
def test_another_integrations_secret_is_401(alertmanager, zabbix):
    assert alertmanager.post(FIRING, secret=zabbix.secret).status_code == 401
    assert nothing_written()


@pytest.mark.django_db
def test_an_unknown_address_answers_like_a_wrong_secret(client, alertmanager):
    response = client.post("/api/v1/integrations/nope/alertmanager", data=json.dumps(FIRING),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {alertmanager.secret}")  # fmt: skip

    assert response.status_code == 401


@pytest.mark.django_db
def test_a_rotated_secret_stops_the_old_one_at_once(alertmanager, admin_user):
    new = services.integration_rotate_secret(actor=admin_user, integration=alertmanager.integration)

    assert alertmanager.post(FIRING).status_code == 401
    assert alertmanager.post(FIRING, secret=new).status_code == 200


@pytest.mark.django_db
def test_a_paused_integration_is_refused(alertmanager, admin_user):
    integration = alertmanager.integration
    services.integration_update(
        actor=admin_user, integration=integration, name=integration.name, is_active=False
    )

    response = alertmanager.post(FIRING)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "integration_inactive"
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [b"{not json", b'{"version": "4", ', b"\xff\xfe", b"   "])
def test_malformed_json_is_400(alertmanager, raw):
    response = alertmanager.post(None, raw=raw)

    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("malformed_json", "body_required")
    assert nothing_written()


@pytest.mark.django_db
def test_a_form_body_is_415(alertmanager):
    response = alertmanager.post(None, raw=b"a=b", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert nothing_written()


@pytest.mark.django_db
def test_an_oversized_body_is_413_and_nothing_is_read(alertmanager, settings):
    settings.GONGDAN_INTEGRATION_MAX_BODY_BYTES = 4096
    body = copy.deepcopy(FIRING)
    body["alerts"] = body["alerts"] * 10

    response = alertmanager.post(body)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert nothing_written()
    assert Delivery.objects.get().status_code == 413


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["3", 4, None, "5"])
def test_a_wrong_payload_version_is_422_and_says_which_version(alertmanager, version):
    body = {**FIRING, "version": version}

    response = alertmanager.post(body)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unsupported_version"
    assert "version 4" in error["message"]
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["alerts"][1].pop("fingerprint"), "alerts.1.fingerprint"),
        (lambda b: b["alerts"][1].update(status="exploded"), "alerts.1.status"),
        (lambda b: b["alerts"][1].update(labels=["not", "a", "map"]), "alerts.1.labels"),
        (lambda b: b.update(alerts="none"), "alerts"),
    ],
)
def test_a_malformed_alert_is_422_naming_the_field_and_no_alert_of_the_delivery_is_applied(
    alertmanager, change, field
):
    body = copy.deepcopy(FIRING)
    good = copy.deepcopy(body["alerts"][0])
    good["fingerprint"] = "ffff"
    body["alerts"].insert(0, good)  # a valid alert first: it must not be applied either
    change(body)

    response = alertmanager.post(body)

    assert response.status_code == 422
    assert field in response.json()["error"]["details"]
    assert nothing_written()


@pytest.mark.django_db
def test_a_json_array_is_refused(alertmanager):
    response = alertmanager.post([FIRING])

    assert response.status_code == 422
    assert nothing_written()


@pytest.mark.django_db
def test_a_category_that_gained_a_required_field_does_not_lose_the_alert(alertmanager, category):
    """The settings refuse such a category (tests/integrations/test_default_category.py); one made required
    later opens the ticket without the category and says why, instead of refusing every alert with 422."""
    from tests.factories import CustomFieldFactory

    CustomFieldFactory(
        category=category, key="asset_tag", label="资产编号", label_en="Asset tag", required=True
    )

    response = alertmanager.post(FIRING)

    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get()
    assert ticket.category is None and ticket.team == category.default_team
    assert Delivery.objects.get().summary["category_gap"]["fields"] == [["资产编号", "Asset tag"]]


@pytest.mark.django_db
@pytest.mark.parametrize("sender", ["alertmanager", "zabbix"])
@pytest.mark.parametrize("depth", [500, 10_000])
def test_a_deeply_nested_body_is_400_and_opens_nothing(request, sender, depth):
    endpoint = request.getfixturevalue(sender)

    response = endpoint.post(None, raw=("[" * depth + "]" * depth).encode())

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "json_too_deep"
    assert nothing_written()
