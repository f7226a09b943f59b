"""3D models: the GLB checks on upload, hotspots on named nodes, the component highlighted (decision 0143)."""

from __future__ import annotations

import json
import struct

import pytest
from django.urls import reverse
from django.utils import timezone

from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.demo.compressor_model import compressor_glb
from gongdan.meters.glb import glb_check
from gongdan.meters.models import TwinModel
from gongdan.meters.selectors import twin_view
from gongdan.meters.services import NewReading, readings_store, twin_model_set
from gongdan.tickets.services import IncomingFile
from tests.clients import signed_in


def glb_with(document: dict) -> bytes:
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    return b"glTF" + struct.pack("<II", 2, 20 + len(text)) + struct.pack("<II", len(text), 0x4E4F534A) + text


def test_the_demo_compressor_is_a_valid_glb_with_named_nodes():
    nodes = glb_check(compressor_glb())
    assert {"airend", "tank", "motor", "cooler", "panel", "skid"} <= set(nodes)
    assert nodes["airend"] == [0.2, 0.45, 0.35]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"<html><script>alert(1)</script></html>", "Web pages"),
        (b"PK\x03\x04 not a model at all", "Not a binary glTF"),
        (compressor_glb()[:-10], "length matches"),
        (
            glb_with(
                {
                    "asset": {"version": "2.0"},
                    "buffers": [{"uri": "https://evil.example/x.bin", "byteLength": 4}],
                }
            ),
            "embed everything",
        ),
        (glb_with({"asset": {"version": "2.0"}, "images": [{"uri": "data:image/png;base64,AAAA"}]}), "embed"),
        (glb_with({"asset": {"version": "1.0"}}), "glTF 2.0"),
        (
            b"glTF" + struct.pack("<II", 2, 28) + struct.pack("<II", 8, 0x4E4F534A) + b"{{{{{{{{",
            "not valid JSON",
        ),
    ],
)
def test_a_bad_model_is_refused_and_nothing_is_kept(lead, make_asset, content, why):
    asset = make_asset("AC-01")
    with pytest.raises(ValidationFailed) as caught:
        twin_model_set(actor=lead, asset=asset, incoming=IncomingFile("model.glb", content))
    assert why in str(caught.value.message) and "file" in caught.value.details
    assert not TwinModel.objects.exists()


def test_only_glb_files_and_only_editors(lead, agent, make_asset):
    asset = make_asset("AC-01")
    with pytest.raises(ValidationFailed):
        twin_model_set(actor=lead, asset=asset, incoming=IncomingFile("model.gltf", compressor_glb()))
    with pytest.raises(PermissionDenied):
        twin_model_set(actor=agent, asset=asset, incoming=IncomingFile("model.glb", compressor_glb()))
    with pytest.raises(PermissionDenied):
        twin_model_set(
            actor=lead, asset_type=asset.asset_type, incoming=IncomingFile("m.glb", compressor_glb())
        )


def test_hotspots_turn_red_and_a_component_inherits_its_machines_model(
    lead, make_asset, make_meter, line_type
):
    machine = make_asset("AC-01")
    motor = make_asset("AC-01-MOTOR", parent=machine, asset_type=line_type)  # a type without a model
    twin_model_set(
        actor=None, asset_type=machine.asset_type, incoming=IncomingFile("c.glb", compressor_glb())
    )
    meter = make_meter(asset=machine, high_limit=100, model_node="airend")
    readings_store([NewReading(meter.pk, timezone.now(), 120)])

    view = twin_view(machine)
    spots = {h["key"]: h for h in view["hotspots"]}
    assert spots["meter-temp"]["alarm"] is True and spots["meter-temp"]["value"] == 120
    assert spots["part-AC-01-MOTOR"]["position"] == glb_check(compressor_glb())["motor"]

    about_motor = twin_view(motor, about=motor)
    assert about_motor["drawn"] == machine and about_motor["highlight"] == "motor"


def test_upload_from_the_asset_page_and_the_file_is_for_staff_only(lead, requester, make_asset):
    make_asset("AC-01")
    client = signed_in(lead)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("compressor.glb", compressor_glb(), content_type="model/gltf-binary")
    response = client.post(reverse("meters:twin_upload", args=["AC-01"]), {"file": upload})
    assert response.status_code == 302
    model = TwinModel.objects.get()
    got = client.get(reverse("meters:twin_model_file", args=[model.pk]))
    assert got.status_code == 200 and got["Content-Type"] == "model/gltf-binary"
    assert b"".join(got.streaming_content)[:4] == b"glTF"
    assert signed_in(requester).get(reverse("meters:twin_model_file", args=[model.pk])).status_code == 403
    page = client.get(reverse("assets:asset_detail", args=["AC-01"])).content.decode()
    assert "<model-viewer" in page and "vendor/model-viewer/model-viewer.min.js" in page
