"""The phone keeps the 3D models of its open jobs' assets offline: which models, the size bound, the job
page's viewer at the same address, and the service worker that caches them."""

import pytest
from django.urls import reverse

from gongdan.assets.services import asset_create, asset_type_create
from gongdan.demo.compressor_model import compressor_glb
from gongdan.field.offline_models import offline_models
from gongdan.meters.services import twin_model_set
from gongdan.tickets.services import IncomingFile, ticket_assign, ticket_transition
from tests.clients import signed_in


@pytest.fixture
def modelled(compressor_type, line_type, plant):
    """A compressor type with a model, a line with its own model, a pump type without one."""
    twin_model_set(actor=None, asset_type=compressor_type, incoming=IncomingFile("c.glb", compressor_glb()))
    line = asset_create(actor=None, code="L1", name="Line", asset_type=line_type)
    twin_model_set(actor=None, asset=line, incoming=IncomingFile("line.glb", compressor_glb()))
    pump_type = asset_type_create(actor=None, name="泵", code="pump")
    return {
        "ac1": asset_create(actor=None, code="AC-1", name="AC 1", asset_type=compressor_type,
                            custom_values={"power_kw": 5}),
        "ac2": asset_create(actor=None, code="AC-2", name="AC 2", asset_type=compressor_type,
                            custom_values={"power_kw": 5}),
        "part": asset_create(actor=None, code="L1-P", name="Pump on the line", asset_type=pump_type, parent=line),
        "pump": asset_create(actor=None, code="P-9", name="Lone pump", asset_type=pump_type),
    }  # fmt: skip


def _job(make_ticket, agent, asset, assignee=None):
    ticket = make_ticket(f"Fault on {asset.code}", asset=asset)
    return ticket_assign(actor=agent, ticket=ticket, assignee=assignee or agent)


def test_the_models_of_open_jobs_are_listed_once_with_the_viewer(modelled, make_ticket, agent, other_agent,
                                                                django_assert_max_num_queries):  # fmt: skip
    for key in ("ac1", "ac2", "part", "pump"):
        _job(make_ticket, agent, modelled[key])
    closed = _job(make_ticket, agent, modelled["ac1"])
    ticket_transition(actor=agent, ticket=closed, action="cancel", note="duplicate")

    with django_assert_max_num_queries(8):
        found = offline_models(actor=agent)

    assert found.urls[0].endswith("model-viewer.min.js")
    models = found.urls[1:]
    assert len(models) == 2 and all("/models/" in u and ".glb?v=" in u for u in models)  # compressor + line
    assert offline_models(actor=other_agent).urls == []


def test_the_size_bound_leaves_models_out(modelled, make_ticket, agent, settings):
    _job(make_ticket, agent, modelled["ac1"])
    _job(make_ticket, agent, modelled["part"])
    settings.GONGDAN_FIELD_OFFLINE_MODEL_BYTES = len(compressor_glb()) + 10

    found = offline_models(actor=agent)

    assert (
        len(found.urls) == 2
        and found.skipped == 1
        and found.bytes <= settings.GONGDAN_FIELD_OFFLINE_MODEL_BYTES
    )


def test_the_list_endpoint_and_the_job_page_use_the_same_address(modelled, make_ticket, agent, requester):
    ticket = _job(make_ticket, agent, modelled["ac1"])
    client = signed_in(agent)

    listed = client.get(reverse("field:offline_models")).json()
    page = client.get(reverse("field:job", args=[ticket.number])).content.decode()

    assert listed["urls"][1] in page.replace("&amp;", "&") and 'id="twin-viewer"' in page
    assert listed["urls"][0] in page  # the viewer script
    assert signed_in(requester).get(reverse("field:offline_models")).status_code in (302, 403)


def test_the_service_worker_knows_the_list_and_the_viewer(agent):
    body = signed_in(agent).get(reverse("field:service_worker")).content.decode()
    assert '"/m/offline/models.json"' in body and "model-viewer.min.js" in body and "__MODELS__" not in body
