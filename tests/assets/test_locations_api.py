"""The location tree over /api/v1: list, get by code with path and children, create, update and move, delete
or deactivate — each bad input refused with nothing written."""

from __future__ import annotations

import pytest

from gongdan.assets.models import Location
from gongdan.assets.services import asset_create, location_create
from gongdan.audit.models import AuditEntry
from tests.api.conftest import ApiClient, assert_error


@pytest.fixture
def admin_api(admin_user):
    return ApiClient(admin_user)


@pytest.fixture
def tree(db):
    site = location_create(actor=None, name="华东工厂", kind="site", code="EAST")
    hall = location_create(actor=None, name="一号车间", kind="building", parent=site, code="EAST-H1")
    room = location_create(actor=None, name="配电室", kind="room", parent=hall, code="EAST-H1-R1")
    return {"site": site, "hall": hall, "room": room}


def test_list_filters_search_and_pages(admin_api, agent, tree):
    location_create(actor=None, name="二号车间", kind="building", parent=tree["site"], code="EAST-H2")
    location_create(actor=None, name="旧仓库", kind="building", parent=tree["site"], is_active=False)
    staff = ApiClient(agent)
    everything = staff.get("locations").json()
    assert [row["code"] for row in everything["items"]] == ["EAST", "EAST-H1", "EAST-H1-R1", "EAST-H2"]
    assert everything["items"][1]["parent"] == {"id": tree["site"].pk, "code": "EAST", "name": "华东工厂"}
    inside = staff.get("locations", {"parent": tree["site"].pk}).json()["items"]
    assert [row["name"] for row in inside] == ["一号车间", "二号车间"]
    with_inactive = staff.get("locations", {"parent": tree["site"].pk, "inactive": "true"}).json()["items"]
    assert [row["name"] for row in with_inactive] == ["一号车间", "二号车间", "旧仓库"]
    assert [r["code"] for r in staff.get("locations", {"top_level": "true"}).json()["items"]] == ["EAST"]
    assert [r["code"] for r in staff.get("locations", {"q": "配电"}).json()["items"]] == ["EAST-H1-R1"]
    assert [r["code"] for r in staff.get("locations", {"q": "east-h2"}).json()["items"]] == ["EAST-H2"]

    first = staff.get("locations", {"limit": 3}).json()
    assert first["has_more"] and len(first["items"]) == 3
    second = staff.get("locations", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [r["code"] for r in second["items"]] == ["EAST-H2"] and not second["has_more"]

    assert_error(staff.get("locations", {"cursor": "not-a-cursor"}), 422)
    assert_error(staff.get("locations", {"parent": 999999}), 422)
    assert_error(staff.get("locations", {"limit": 0}), 422)


def test_requesters_cannot_read_the_tree(requester, tree):
    api = ApiClient(requester)
    assert_error(api.get("locations"), 403)
    assert_error(api.get("locations/EAST"), 404)


def test_get_by_code_with_path_and_children(agent, tree):
    body = ApiClient(agent).get("locations/east-h1").json()
    assert (body["code"], body["full_name"], body["kind"]) == ("EAST-H1", "华东工厂 / 一号车间", "building")
    assert [p["code"] for p in body["path"]] == ["EAST"]
    assert [c["code"] for c in body["children"]] == ["EAST-H1-R1"]
    room = ApiClient(agent).get("locations/EAST-H1-R1").json()
    assert [p["code"] for p in room["path"]] == ["EAST", "EAST-H1"] and room["children"] == []
    # a place without a code is reached by its id
    nameless = location_create(actor=None, name="门卫室", kind="room", parent=tree["site"])
    assert ApiClient(agent).get(f"locations/{nameless.pk}").json()["name"] == "门卫室"
    assert_error(ApiClient(agent).get("locations/NOPE"), 404)


def test_create_is_for_administrators_and_audited(admin_api, admin_user, agent, tree):
    assert_error(ApiClient(agent).post("locations", {"name": "x"}), 403)
    created = admin_api.post("locations", {
        "code": "EAST-H1-R2", "name": "空压机房", "kind": "room", "parent": tree["hall"].pk,
        "latitude": "31.2304", "longitude": 121.4737, "public_reporting": "allowed",
    })  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["full_name"], body["latitude"], body["longitude"]) == (
        "华东工厂 / 一号车间 / 空压机房",
        "31.230400",
        "121.473700",
    )
    assert [p["code"] for p in body["path"]] == ["EAST", "EAST-H1"]
    entry = AuditEntry.objects.get(actor=admin_user, kind="config.create", object_type="assets.location")
    assert entry.detail["after"]["name"] == "空压机房"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "EAST", "name": "重复编码"}, "code"),
        ({"code": "east", "name": "大小写也重复"}, "code"),
        ({"name": "x", "parent": "EAST"}, "parent"),  # a code is not an id
        ({"name": "  "}, "name"),
        ({"name": "x", "kind": "planet"}, "kind"),
        ({"name": "x", "latitude": 91}, "latitude"),
        ({"name": "x", "parent": 999999}, "parent"),
        ({"name": "x", "code": "has space"}, "code"),
        ({"name": "x", "colour": "red"}, "colour"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(admin_api, tree, payload, field):
    before = Location.objects.count()
    error = assert_error(admin_api.post("locations", payload), 422)
    assert field in str(error), error
    assert Location.objects.count() == before
    assert not AuditEntry.objects.filter(object_type="assets.location").exists()


def test_same_name_in_the_same_parent_is_refused(admin_api, tree):
    error = assert_error(admin_api.post("locations", {"name": "一号车间", "parent": tree["site"].pk}), 422)
    assert "name" in error["details"]


def test_rename_and_move_carry_the_subtree(admin_api, admin_user, tree):
    other = location_create(actor=None, name="华南工厂", kind="site", code="SOUTH")
    renamed = admin_api.patch("locations/EAST-H1", {"name": "总装车间"})
    assert renamed.status_code == 200, renamed.content
    assert admin_api.get("locations/EAST-H1-R1").json()["full_name"] == "华东工厂 / 总装车间 / 配电室"
    moved = admin_api.patch("locations/EAST-H1", {"parent": other.pk})
    assert moved.json()["full_name"] == "华南工厂 / 总装车间"
    room = admin_api.get("locations/EAST-H1-R1").json()
    assert [p["code"] for p in room["path"]] == ["SOUTH", "EAST-H1"]
    assert room["full_name"] == "华南工厂 / 总装车间 / 配电室"
    became_site = admin_api.patch("locations/EAST-H1", {"parent": None}).json()
    assert became_site["parent"] is None and became_site["path"] == []
    updates = AuditEntry.objects.filter(actor=admin_user, kind="config.update", object_type="assets.location")
    assert updates.count() == 3


def test_a_move_into_its_own_subtree_is_a_422_naming_the_cycle(admin_api, agent, tree):
    error = assert_error(admin_api.patch("locations/EAST", {"parent": tree["room"].pk}), 422)
    message = error["details"]["parent"][0]
    assert "华东工厂 → 一号车间 → 配电室 → 华东工厂" in message, message
    assert_error(admin_api.patch("locations/EAST", {"parent": tree["site"].pk}), 422)
    tree["site"].refresh_from_db()
    assert tree["site"].parent is None and tree["site"].path == f"/{tree['site'].pk}/"
    assert_error(ApiClient(agent).patch("locations/EAST", {"name": "x"}), 403)
    assert_error(admin_api.patch("locations/EAST", {"name": None}), 422)
    assert_error(admin_api.patch("locations/EAST", {"code": "EAST-H1"}), 422)
    assert_error(admin_api.patch("locations/NOPE", {"name": "x"}), 404)


def test_delete_an_unused_place(admin_api, admin_user, agent, tree):
    assert_error(ApiClient(agent).delete("locations/EAST-H1-R1"), 403)
    response = admin_api.delete("locations/EAST-H1-R1")
    assert response.status_code == 204, response.content
    assert not Location.objects.filter(code="EAST-H1-R1").exists()
    entry = AuditEntry.objects.get(actor=admin_user, kind="config.delete", object_type="assets.location")
    assert entry.detail["before"]["name"] == "配电室"
    assert_error(admin_api.delete("locations/EAST-H1-R1"), 404)


def test_delete_refuses_a_place_in_use_with_counts(admin_api, tree, compressor_type, make_ticket):
    asset_create(actor=None, code="AC-01", name="一号空压机", asset_type=compressor_type,
                 location=tree["hall"], custom_values={"power_kw": 55})  # fmt: skip
    make_ticket(location=tree["hall"])
    make_ticket(location=tree["hall"])
    error = assert_error(admin_api.delete("locations/EAST-H1"), 409, "location_in_use")
    assert error["details"] == {"children": ["1"], "assets": ["1"], "tickets": ["2"]}
    assert "1 asset" in error["message"] and "2 tickets" in error["message"]
    assert Location.objects.filter(code="EAST-H1").exists()
    assert not AuditEntry.objects.filter(kind="config.delete").exists()


def test_deactivate_refuses_while_active_things_are_inside(admin_api, tree, compressor_type):
    asset = asset_create(actor=None, code="AC-01", name="一号空压机", asset_type=compressor_type,
                         location=tree["hall"], custom_values={"power_kw": 55})  # fmt: skip
    error = assert_error(admin_api.patch("locations/EAST-H1", {"is_active": False}), 409, "location_in_use")
    assert error["details"] == {"children": ["1"], "assets": ["1"]}
    tree["hall"].refresh_from_db()
    assert tree["hall"].is_active
    assert admin_api.patch("locations/EAST-H1-R1", {"is_active": False}).json()["is_active"] is False
    asset.status = "retired"
    asset.save(update_fields=["status"])
    assert admin_api.patch("locations/EAST-H1", {"is_active": False}).json()["is_active"] is False
    codes = [r["code"] for r in admin_api.get("locations").json()["items"]]
    assert codes == ["EAST"]
