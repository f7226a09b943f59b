import pytest
from django.urls import reverse

from gongdan.assets.models import Asset
from gongdan.maintenance.models import Downtime
from gongdan.maintenance.services import asset_down_from_ticket
from gongdan.tickets.services import ticket_transition
from tests.clients import signed_in
from tests.factories import AgentFactory


@pytest.fixture
def lead_client(lead):
    return signed_in(lead)


def test_the_list_filters_and_its_query_count_does_not_grow(agent_client, make_asset, line_type,
                                                            django_assert_max_num_queries):  # fmt: skip
    line = make_asset("L1", asset_type=line_type, name="Line 1")
    for n in range(30):
        make_asset(f"M{n:02}", parent=line, criticality="A" if n % 3 == 0 else "B")

    with django_assert_max_num_queries(10):
        response = agent_client.get(reverse("assets:asset_list"), {"criticality": "A"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "M00" in body and "M01" not in body

    with django_assert_max_num_queries(10):
        tree = agent_client.get(reverse("assets:asset_list"), {"view": "tree", "q": "M03"})
    assert "L1" in tree.content.decode() and "M03" in tree.content.decode()


def test_a_bad_filter_is_a_400(agent_client):
    response = agent_client.get(reverse("assets:asset_list"), {"status": "exploded"})
    assert response.status_code == 400


def test_the_asset_page_shows_components_work_orders_and_figures(agent_client, make_asset, make_ticket, line_type,
                                                                 agent, django_assert_max_num_queries):  # fmt: skip
    line = make_asset("L1", asset_type=line_type, name="Line 1")
    machine = make_asset("M1", parent=line)
    for n in range(5):
        make_asset(f"C{n}", parent=machine)
    for n in range(5):
        ticket = make_ticket(f"Fault {n}", asset=machine, assignee=agent)
        asset_down_from_ticket(actor=agent, ticket=ticket)
        ticket_transition(actor=agent, ticket=ticket, action="start")
        ticket_transition(actor=agent, ticket=ticket, action="resolve", note="fixed")

    # + the documents card, the reporting-without-an-account choice (its location), the parts used
    with django_assert_max_num_queries(28):
        response = agent_client.get(reverse("assets:asset_detail", args=["m1"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Fault 4" in body and "C4" in body and "MTBF" in body and 'id="asset-downtime"' in body
    assert Downtime.objects.filter(asset=machine).count() == 5


def test_a_downtime_caused_by_another_teams_ticket_names_it_without_a_link(agent_client, make_asset, make_ticket,
                                                                           other_agent, other_team):  # fmt: skip
    # Given a machine set down by a Facilities ticket the IT agent may not open
    machine = make_asset("M2")
    ticket = make_ticket(
        "Hydraulic leak", asset=machine, actor=other_agent, team=other_team, assignee=other_agent
    )
    asset_down_from_ticket(actor=other_agent, ticket=ticket)
    # When the agent opens the machine's page
    body = agent_client.get(reverse("assets:asset_detail", args=["m2"])).content.decode()
    # Then the downtime names the ticket, but offers no link that would answer 404, and no work order is listed
    assert ticket.number in body
    assert reverse("tickets:ticket_detail", args=[ticket.number]) not in body
    assert "Hydraulic leak" not in body


def test_requesters_are_refused_the_register(requester_client, make_asset):
    make_asset("AC-01")
    assert requester_client.get(reverse("assets:asset_list")).status_code == 403
    assert requester_client.get(reverse("assets:asset_detail", args=["AC-01"])).status_code == 403


def test_agents_may_not_create_assets(agent_client):
    assert agent_client.get(reverse("assets:asset_create")).status_code == 403


def test_create_with_bad_input_is_a_400_naming_the_fields(lead_client, compressor_type, plant):
    response = lead_client.post(reverse("assets:asset_create"), {
        "code": "AC 01!", "name": "Compressor", "asset_type": compressor_type.pk, "criticality": "A",
        "status": "running", "cf_power_kw": "", "parent_code": "NOPE",
    })  # fmt: skip
    assert response.status_code == 400
    form = response.context["form"]
    assert "code" in form.errors or "parent_code" in form.errors or "cf_power_kw" in form.errors
    assert not Asset.objects.exists()


def test_create_and_edit_through_the_form(lead_client, compressor_type, plant):
    response = lead_client.post(reverse("assets:asset_create"), {
        "code": "AC-01", "name": "Compressor", "asset_type": compressor_type.pk, "criticality": "A",
        "status": "running", "cf_power_kw": "55", "cf_oil": "ISO 46", "location": plant["hall"].pk,
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    asset = Asset.objects.get(code="AC-01")
    assert asset.custom_values == {"power_kw": 55, "oil": "ISO 46"}

    edit = lead_client.get(reverse("assets:asset_edit", args=["AC-01"]))
    assert 'value="55' in edit.content.decode()
    lead_client.post(reverse("assets:asset_edit", args=["AC-01"]), {
        "code": "AC-01", "name": "Main compressor", "asset_type": compressor_type.pk, "criticality": "B",
        "status": "degraded", "cf_power_kw": "75",
    })  # fmt: skip
    asset.refresh_from_db()
    assert (asset.name, asset.criticality, asset.status, asset.custom_values) == (
        "Main compressor",
        "B",
        "degraded",
        {"power_kw": 75},
    )


def test_the_type_fields_come_with_the_type(lead_client, compressor_type):
    response = lead_client.get(reverse("assets:asset_custom_fields"), {"asset_type": compressor_type.pk},
                               HTTP_HX_REQUEST="true")  # fmt: skip
    assert "cf_power_kw" in response.content.decode()


def test_the_qr_url_opens_the_asset_for_staff_and_the_report_form_for_others(
    client, agent_client, make_asset
):
    make_asset("AC-01")
    staff = agent_client.get("/a/AC-01/")
    assert staff.status_code == 302 and staff["Location"] == reverse("assets:asset_detail", args=["AC-01"])
    anonymous = client.get("/a/ac-01/")
    assert anonymous.status_code == 302 and "asset=AC-01" in anonymous["Location"]
    assert client.get("/a/NOPE/").status_code == 404


def test_the_label_is_a_png_with_the_qr_code(agent_client, make_asset):
    make_asset("AC-01")
    response = agent_client.get(reverse("field:asset_label", args=["AC-01"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_new_ticket_from_the_asset_page_names_the_asset(agent_client, make_asset, plant):
    make_asset("AC-01")
    form = agent_client.get(reverse("tickets:ticket_new"), {"asset": "AC-01"})
    assert 'value="AC-01"' in form.content.decode()
    response = agent_client.post(
        reverse("tickets:ticket_new"), {"subject": "Compressor trips", "asset": "AC-01"}
    )
    assert response.status_code == 302
    ticket = Asset.objects.get(code="AC-01").tickets.get()
    assert ticket.location == plant["hall"]
    bad = agent_client.post(reverse("tickets:ticket_new"), {"subject": "Compressor trips", "asset": "NOPE"})
    assert bad.status_code == 400


def test_the_ticket_page_sets_its_asset_down(agent_client, agent, make_asset, make_ticket):
    asset = make_asset("AC-01")
    ticket = make_ticket("Compressor trips", asset=asset, assignee=agent)
    page = agent_client.get(reverse("tickets:ticket_detail", args=[ticket.number]))
    assert 'id="asset-down"' in page.content.decode()

    response = agent_client.post(reverse("maintenance:ticket_asset_down", args=[ticket.number]))
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.status == "down"

    stranger = signed_in(AgentFactory(username="stranger"))
    refused = stranger.post(reverse("maintenance:ticket_asset_down", args=[ticket.number]))
    assert refused.status_code == 404


def test_a_requester_who_scans_an_asset_reports_a_problem_with_it(requester_client, make_asset, plant):
    make_asset("AC-01", name="一号空压机")
    scanned = requester_client.get("/a/AC-01/", follow=True)
    body = scanned.content.decode()
    assert 'id="portal-asset"' in body and "一号空压机" in body and 'value="AC-01"' in body

    response = requester_client.post(
        reverse("portal:request_new"), {"subject": "It is very loud", "asset": "AC-01"}
    )
    assert response.status_code == 302
    ticket = Asset.objects.get(code="AC-01").tickets.get()
    assert ticket.location == plant["hall"] and ticket.channel == "portal"
