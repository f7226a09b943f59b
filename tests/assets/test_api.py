"""The equipment register over /api/v1: asset types, assets, tickets about them, downtime."""

from __future__ import annotations

import pytest

from gongdan.assets.models import Asset
from gongdan.audit.models import AuditEntry
from tests.api.conftest import ApiClient, assert_error


@pytest.fixture
def lead_api(lead):
    return ApiClient(lead)


def test_asset_types_and_their_fields(admin_user, agent):
    admin = ApiClient(admin_user)
    created = admin.post("asset-types", {"code": "lift", "name": "电梯", "name_en": "Lift"})
    assert created.status_code == 201, created.content
    type_id = created.json()["id"]
    field = admin.post(
        f"asset-types/{type_id}/fields", {"key": "floors", "label": "服务楼层", "field_type": "number"}
    )
    assert field.status_code == 201 and field.json()["fields"][0]["key"] == "floors"
    assert_error(ApiClient(agent).post("asset-types", {"code": "x", "name": "x"}), 403)
    assert_error(admin.post("asset-types", {"code": "lift", "name": "again"}), 422)
    listed = ApiClient(agent).get("asset-types")
    assert [t["code"] for t in listed.json()] == ["lift"]
    admin.patch(f"asset-types/{type_id}", {"name_en": "Elevator"})
    # the API is a door to the configuration: the auditor sees its changes like the settings screen's
    trail = AuditEntry.objects.filter(actor=admin_user, kind__startswith="config.").order_by("pk")
    assert [(e.kind, e.object_type) for e in trail] == [
        ("config.create", "assets.assettype"),
        ("config.create", "assets.assetfield"),
        ("config.update", "assets.assettype"),
    ]
    assert trail.last().detail["after"] == {"name_en": "Elevator"}


def test_create_get_update_and_retire_an_asset(lead_api, compressor_type, plant, agent):
    created = lead_api.post("assets", {
        "code": "AC-01", "name": "一号空压机", "asset_type": compressor_type.pk, "criticality": "A",
        "location": plant["hall"].pk, "cost": "12000.5", "installed_on": "2024-03-01",
        "custom_fields": {"power_kw": 55},
    })  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["cost"], body["custom_fields"], body["location"]["id"]) == (
        "12000.50",
        {"power_kw": 55},
        plant["hall"].pk,
    )

    agent_api = ApiClient(agent)
    assert agent_api.get("assets/ac-01").json()["code"] == "AC-01"
    assert_error(agent_api.patch("assets/AC-01", {"name": "x"}), 403)

    updated = lead_api.patch("assets/AC-01", {"status": "degraded", "custom_fields": {"power_kw": 75}})
    assert updated.json()["status"] == "degraded" and updated.json()["custom_fields"] == {"power_kw": 75}
    retired = lead_api.post("assets/AC-01/retire")
    assert retired.json()["status"] == "retired"
    assert agent_api.get("assets").json()["items"] == []


def test_bad_input_names_the_field_and_writes_nothing(lead_api, compressor_type):
    error = assert_error(lead_api.post("assets", {"code": "AC-01", "name": "x", "asset_type": compressor_type.pk,
                                                  "custom_fields": {"power_kw": "lots"}}), 422)  # fmt: skip
    assert "custom_values.power_kw" in error["details"]
    error = assert_error(lead_api.post("assets", {"code": "AC-01", "name": "x", "asset_type": 999999}), 422)
    assert "asset_type" in error["details"]
    assert_error(
        lead_api.post("assets", {"code": "bad code", "name": "x", "asset_type": compressor_type.pk}), 422
    )
    assert not Asset.objects.exists()


def test_the_list_filters_and_pages(agent, make_asset):
    for n in range(5):
        make_asset(f"AC-{n}", criticality="A" if n < 3 else "B")
    api = ApiClient(agent)
    first = api.get("assets", {"criticality": "A", "limit": 2}).json()
    second = api.get("assets", {"criticality": "A", "limit": 2, "cursor": first["next_cursor"]}).json()
    assert [a["code"] for a in first["items"] + second["items"]] == ["AC-0", "AC-1", "AC-2"]
    assert second["has_more"] is False
    assert_error(api.get("assets", {"cursor": "nonsense"}), 422)
    assert_error(ApiClient(agent).get("assets", {"status": "exploded"}), 422)


def test_requesters_cannot_read_the_register(requester, make_asset):
    make_asset("AC-01")
    assert_error(ApiClient(requester).get("assets"), 403)
    assert_error(ApiClient(requester).get("assets/AC-01"), 403)


def test_a_ticket_about_an_asset_and_its_downtime(agent, make_asset, plant):
    make_asset("AC-01")
    api = ApiClient(agent)
    created = api.post("tickets", {"subject": "空压机跳闸", "asset": "ac-01"})
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert ticket["asset"]["code"] == "AC-01" and ticket["location"]["id"] == plant["hall"].pk
    assert_error(api.post("tickets", {"subject": "x", "asset": "NOPE"}), 422)

    down = api.post(f"tickets/{ticket['number']}/asset-down")
    assert down.status_code == 201, down.content
    assert down.json()["ended_at"] is None
    assert_error(api.post(f"tickets/{ticket['number']}/asset-down"), 409)
    history = api.get("assets/AC-01/history").json()
    assert history["work_order_count"] == 1 and len(history["downtimes"]) == 1


def test_nulls_for_required_fields_are_refused_and_an_empty_patch_changes_nothing(admin_user, make_asset):
    admin = ApiClient(admin_user)
    kind = admin.post("asset-types", {"code": "lift", "name": "电梯"}).json()
    error = assert_error(admin.patch(f"asset-types/{kind['id']}", {"is_active": None, "order": None}), 422)
    assert set(error["details"]) == {"is_active", "order"}
    assert admin.patch(f"asset-types/{kind['id']}", {"name_en": None}).json()["name_en"] == ""
    make_asset("AC-01")
    assert admin.patch("assets/AC-01", {}).json()["code"] == "AC-01"
    assert_error(admin.patch("assets/AC-01", {"name": None}), 422)
