"""Asset fields marked sensitive: sealed at rest, masked on the page, in the API, the history and exports,
revealed one at a time to staff with an audit entry, refused as a filter, re-sealed by the key rotation."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from gongdan.assets.models import Asset, AssetEvent, AssetField
from gongdan.assets.register_transfer import register_export, register_import
from gongdan.assets.services import asset_create, asset_field_create, asset_update
from gongdan.audit.models import AuditEntry
from gongdan.core.sensitive_values import MASK, open_values
from tests.api.conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db
PIN = "PLC-admin-7391"
KEY_A = "a1:" + base64.urlsafe_b64encode(b"A" * 32).decode()
KEY_B = "b2:" + base64.urlsafe_b64encode(b"B" * 32).decode()


def raw_custom_values(asset: Asset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT custom_values FROM assets_asset WHERE id = %s", [asset.pk])
        return str(cursor.fetchone()[0])


@pytest.fixture
def pin_field(compressor_type):
    return asset_field_create(actor=None, asset_type=compressor_type, key="plc_pin", label="控制器密码",
                              label_en="Controller PIN", sensitive=True)  # fmt: skip


@pytest.fixture
def compressor(compressor_type, pin_field, lead):
    return asset_create(actor=lead, code="AC-01", name="一号空压机", asset_type=compressor_type,
                        custom_values={"power_kw": 55, "plc_pin": PIN})  # fmt: skip


def test_a_sensitive_value_is_sealed_and_masked_on_the_page_the_api_and_the_export(
    compressor, agent, admin_user, client
):
    # Given an asset whose controller PIN is a sensitive field
    # Then the database holds only sealed text, the other values stay in clear
    assert PIN not in raw_custom_values(compressor) and "gdenc:1:" in raw_custom_values(compressor)
    assert '"power_kw": 55' in raw_custom_values(compressor) or '"power_kw":55' in raw_custom_values(
        compressor
    )
    # and a member of staff reads only the mask, on the page and over the API
    client.force_login(agent)
    page = client.get("/assets/AC-01/").content.decode()
    assert (
        PIN not in page
        and "gdenc" not in page
        and MASK in page
        and "/assets/AC-01/sensitive/?key=plc_pin" in page
    )
    body = ApiClient(agent).get("assets/AC-01").json()
    assert body["custom_fields"] == {"power_kw": 55, "plc_pin": MASK}
    assert ApiClient(agent).get("assets").json()["items"][0]["custom_fields"]["plc_pin"] == MASK
    # and the export writes the mask
    exported = register_export(actor=admin_user, kind="assets", file_format="csv").content.decode("utf-8-sig")
    assert PIN not in exported and "gdenc" not in exported and MASK in exported
    # and nothing was revealed yet
    assert not AuditEntry.objects.filter(kind="restricted.access").exists()


def test_staff_reveal_one_value_and_the_audit_trail_records_who_and_which_field(compressor, agent, client):
    client.force_login(agent)
    shown = client.get("/assets/AC-01/sensitive/?key=plc_pin")
    assert shown.status_code == 200 and PIN in shown.content.decode()
    revealed = ApiClient(agent).post("assets/ac-01/sensitive/plc_pin")
    assert revealed.status_code == 200 and revealed.json() == {"key": "plc_pin", "value": PIN}
    entries = list(AuditEntry.objects.filter(kind="restricted.access").order_by("pk"))
    assert [(e.actor_id, e.object_type, e.object_repr, e.detail) for e in entries] == [
        (agent.pk, "assets.asset", "AC-01", {"fields": ["plc_pin"]})
    ] * 2
    assert all(PIN not in str(e.detail) for e in entries)


def test_reveal_of_an_unknown_or_clear_key_is_404_and_without_permission_403(
    compressor, agent, requester, client
):
    api = ApiClient(agent)
    for key in ("nope", "power_kw"):  # no such field; a field that is not sealed
        assert_error(api.post(f"assets/AC-01/sensitive/{key}"), 404)
    assert_error(api.post("assets/NO-SUCH/sensitive/plc_pin"), 404)
    assert_error(ApiClient(requester).post("assets/AC-01/sensitive/plc_pin"), 403)
    client.force_login(agent)
    assert client.get("/assets/AC-01/sensitive/?key=nope").status_code == 404
    client.force_login(requester)
    assert client.get("/assets/AC-01/sensitive/?key=plc_pin").status_code == 403
    assert not AuditEntry.objects.filter(kind="restricted.access").exists()


def test_sending_back_the_mask_changes_nothing_and_a_new_value_is_sealed_and_kept_out_of_history(
    compressor, lead, client
):
    sealed_before = Asset.objects.get(pk=compressor.pk).custom_values["plc_pin"]
    events = AssetEvent.objects.count()
    # The API client sends back what it read
    api = ApiClient(lead)
    response = api.patch("assets/AC-01", {"custom_fields": {"power_kw": 55, "plc_pin": MASK}})
    assert response.status_code == 200, response.content
    assert Asset.objects.get(pk=compressor.pk).custom_values["plc_pin"] == sealed_before
    # and the edit form shows the mask and posts it back unchanged
    client.force_login(lead)
    form = client.get("/assets/AC-01/edit/").content.decode()
    assert PIN not in form and MASK in form
    assert AssetEvent.objects.count() == events
    # A new value is checked, sealed, and the history keeps only that it changed
    asset_update(actor=lead, asset=compressor, custom_values={"power_kw": 55, "plc_pin": "new-PIN-0042"})
    stored = Asset.objects.get(pk=compressor.pk)
    assert "new-PIN-0042" not in raw_custom_values(stored)
    assert open_values(stored.custom_values)["plc_pin"] == "new-PIN-0042"
    history = " ".join(str(e.data) for e in AssetEvent.objects.filter(asset=compressor))
    assert "new-PIN-0042" not in history and PIN not in history and "gdenc" not in history and MASK in history


def test_the_edit_form_keeps_a_masked_value(compressor, lead, client, compressor_type, plant):
    client.force_login(lead)
    sealed_before = Asset.objects.get(pk=compressor.pk).custom_values["plc_pin"]
    response = client.post("/assets/AC-01/edit/", {
        "code": "AC-01", "name": "一号空压机 改", "asset_type": compressor_type.pk, "criticality": "C",
        "status": "running", "cf_power_kw": "55", "cf_plc_pin": MASK,
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Asset.objects.get(pk=compressor.pk)
    assert stored.name == "一号空压机 改" and stored.custom_values["plc_pin"] == sealed_before


def test_marking_a_field_sensitive_seals_what_assets_hold_and_unmarking_unseals_both_audited(
    compressor_type, lead, admin_user, client
):
    serial = asset_field_create(
        actor=None, asset_type=compressor_type, key="plc_serial", label="控制器序列号"
    )
    asset = asset_create(actor=lead, code="AC-02", name="二号", asset_type=compressor_type,
                         custom_values={"power_kw": 30, "plc_serial": "SN-1"})  # fmt: skip
    asset_update(actor=lead, asset=asset, custom_values={"power_kw": 30, "plc_serial": "SN-2"})
    assert "SN-2" in raw_custom_values(asset)
    # When the admin marks it sensitive on the field editor
    client.force_login(admin_user)
    form = {"asset_type": compressor_type.pk, "key": "plc_serial", "label": "控制器序列号", "field_type": "text",
            "order": 0, "sensitive": "on"}  # fmt: skip
    response = client.post(f"/settings/asset-fields/{serial.pk}/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    # Then the value is sealed, the asset's history no longer holds it, and the change is audited
    assert "SN-2" not in raw_custom_values(asset) and "gdenc:1:" in raw_custom_values(asset)
    history = " ".join(str(e.data) for e in AssetEvent.objects.filter(asset=asset))
    assert "SN-1" not in history and "SN-2" not in history
    entry = AuditEntry.objects.filter(kind="config.update", object_type="assets.assetfield").latest("pk")
    assert entry.detail == {"before": {"sensitive": False}, "after": {"sensitive": True}}
    # When it is unmarked, the values are stored in clear again (and that is audited too)
    response = client.post(f"/settings/asset-fields/{serial.pk}/", {**form, "sensitive": ""})
    assert response.status_code == 302
    assert '"plc_serial": "SN-2"' in raw_custom_values(asset) or '"plc_serial":"SN-2"' in raw_custom_values(
        asset
    )
    entry = AuditEntry.objects.filter(kind="config.update", object_type="assets.assetfield").latest("pk")
    assert entry.detail == {"before": {"sensitive": True}, "after": {"sensitive": False}}


def test_rotation_reseals_under_the_new_key(settings, compressor_type, pin_field, lead):
    settings.GONGDAN_FIELD_KEYS = KEY_A
    asset = asset_create(actor=lead, code="AC-03", name="三号", asset_type=compressor_type,
                         custom_values={"power_kw": 11, "plc_pin": PIN})  # fmt: skip
    assert ":a1:" in raw_custom_values(asset)
    settings.GONGDAN_FIELD_KEYS = f"{KEY_B},{KEY_A}"
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "assets.Asset (sensitive custom values): 1 re-sealed" in out.getvalue()
    assert ":b2:" in raw_custom_values(asset) and ":a1:" not in raw_custom_values(asset)
    settings.GONGDAN_FIELD_KEYS = KEY_B  # the old key is gone: the value still opens
    assert open_values(Asset.objects.get(pk=asset.pk).custom_values)["plc_pin"] == PIN
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "assets.Asset (sensitive custom values): 0 re-sealed" in out.getvalue()


def test_filtering_by_a_sensitive_field_is_refused_with_a_clear_message(compressor, agent, client):
    api = ApiClient(agent)
    error = assert_error(api.get("assets", {"field": "plc_pin", "value": PIN}), 422)
    assert "Controller PIN" in error["message"] or "控制器密码" in error["message"]
    assert "cannot be searched" in error["message"] or "不能搜索" in error["message"]
    found = api.get("assets", {"field": "plc_pin_nope", "value": "x"})
    assert_error(found, 422)
    assert [a["code"] for a in api.get("assets", {"field": "oil", "value": "ISO 46"}).json()["items"]] == []
    client.force_login(agent)
    page = client.get("/assets/", {"field": "plc_pin", "value": PIN})
    assert page.status_code == 400 and "cannot be searched or filtered" in page.content.decode()


def test_a_non_sensitive_custom_field_filters(compressor_type, lead):
    asset_create(actor=lead, code="AC-04", name="四号", asset_type=compressor_type,
                 custom_values={"power_kw": 30, "oil": "ISO 68"})  # fmt: skip
    asset_create(actor=lead, code="AC-05", name="五号", asset_type=compressor_type,
                 custom_values={"power_kw": 75.5})  # fmt: skip
    assert [
        a["code"]
        for a in ApiClient(lead).get("assets", {"field": "power_kw", "value": "75.5"}).json()["items"]
    ] == ["AC-05"]
    assert [
        a["code"] for a in ApiClient(lead).get("assets", {"field": "oil", "value": "ISO 68"}).json()["items"]
    ] == ["AC-04"]


def test_an_import_keeps_a_masked_value_and_seals_a_new_one(compressor, admin_user):
    exported = register_export(actor=admin_user, kind="assets", file_format="csv").content
    report = register_import(actor=admin_user, kind="assets", content=exported, filename="a.csv")
    assert (report.updated, report.unchanged) == (0, 1)
    assert open_values(Asset.objects.get(pk=compressor.pk).custom_values)["plc_pin"] == PIN
    changed = exported.decode("utf-8-sig").replace(MASK, "PIN-FROM-FILE").encode()
    report = register_import(actor=admin_user, kind="assets", content=changed, filename="a.csv")
    assert report.updated == 1, [(e.column, e.message) for e in report.errors]
    stored = Asset.objects.get(pk=compressor.pk)
    assert "PIN-FROM-FILE" not in raw_custom_values(stored)
    assert open_values(stored.custom_values)["plc_pin"] == "PIN-FROM-FILE"
    assert AssetField.objects.get(key="plc_pin").sensitive


def test_the_api_adds_a_sensitive_field_and_says_which_fields_are(admin_user, compressor_type, agent):
    admin = ApiClient(admin_user)
    created = admin.post(
        f"asset-types/{compressor_type.pk}/fields",
        {"key": "sim_pin", "label": "SIM 卡 PIN", "sensitive": True},
    )
    assert created.status_code == 201, created.content
    listed = {f["key"]: f["sensitive"] for f in ApiClient(agent).get("asset-types").json()[0]["fields"]}
    assert listed == {"power_kw": False, "oil": False, "sim_pin": True}
    assert_error(
        admin.post(
            f"asset-types/{compressor_type.pk}/fields", {"key": "x", "label": "x", "sensitive": "yes"}
        ),
        422,
    )
