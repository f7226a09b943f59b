"""The parts screens: the parts page (stock per store, low-stock filter) and a part's page with its movements;
parts used from the ticket page (htmx) and from the phone; the asset page's parts card; the catalogue and store
settings screens (audited, bad input refused with nothing written)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from gongdan.audit.models import AuditEntry
from gongdan.parts.models import Part, Stock, Store, Usage
from gongdan.parts.services import part_create, part_use, stock_receive
from tests.clients import signed_in


@pytest.fixture
def admin_client(admin_user):
    return signed_in(admin_user)


@pytest.fixture
def many_parts(stores, admin_user):
    for n in range(15):
        part = part_create(actor=None, code=f"P-{n:02}", name=f"零件 {n}", unit_cost=Decimal(n),
                           reorder_point=Decimal(5))  # fmt: skip
        stock_receive(actor=admin_user, part=part, store=stores["A"], quantity=n + 1)
        stock_receive(actor=admin_user, part=part, store=stores["B"], quantity=1)


def test_the_parts_page_shows_stock_per_store_in_few_queries(
    agent_client, many_parts, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = agent_client.get(reverse("parts:part_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "P-00" in body and "P-14" in body and "A 15" in body


def test_the_low_stock_filter_shows_only_parts_at_or_below_their_reorder_point(agent_client, many_parts):
    body = agent_client.get(reverse("parts:part_list"), {"low": "1"}).content.decode()
    # P-00..P-03 hold 2..5 in all: at or below 5
    assert all(f"P-{n:02}" in body for n in range(4))
    assert "P-04" not in body and "P-14" not in body
    assert agent_client.get(reverse("parts:part_list"), {"store": "x"}).status_code == 400


def test_requesters_may_not_see_parts(requester_client, stocked):
    assert requester_client.get(reverse("parts:part_list")).status_code == 403
    assert requester_client.get(reverse("parts:part_detail", args=["F-100"])).status_code == 403


def test_a_parts_page_lists_its_movements_in_few_queries(admin_client, stocked, stores, admin_user,
                                                         django_assert_max_num_queries):  # fmt: skip
    for _n in range(20):
        stock_receive(actor=admin_user, part=stocked, store=stores["B"], quantity=1)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("parts:part_detail", args=["F-100"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="part-total">30 pcs<' in body
    assert body.count("PO-1") == 1


def test_a_lead_receives_transfers_and_counts_from_the_parts_page(admin_client, stocked, stores):
    url = reverse("parts:part_transfer", args=["F-100"])
    response = admin_client.post(url, {"transfer-source": stores["A"].pk, "transfer-target": stores["B"].pk,
                                       "transfer-quantity": "4"})  # fmt: skip
    assert response.status_code == 302
    assert Stock.objects.get(part=stocked, store=stores["B"]).quantity == 4
    # Too many: the form comes back with the reason and nothing moves
    refused = admin_client.post(url, {"transfer-source": stores["A"].pk, "transfer-target": stores["B"].pk,
                                      "transfer-quantity": "40"})  # fmt: skip
    assert refused.status_code == 422
    assert "holds only 6" in refused.content.decode() or "只有 6" in refused.content.decode()
    assert Stock.objects.get(part=stocked, store=stores["A"]).quantity == 6
    counted = admin_client.post(reverse("parts:part_count", args=["F-100"]),
                                {"count-store": stores["A"].pk, "count-counted": "5", "count-reason": ""})  # fmt: skip
    assert counted.status_code == 422
    assert Stock.objects.get(part=stocked, store=stores["A"]).quantity == 6


def test_an_agent_may_not_move_stock(agent_client, stocked, stores):
    response = agent_client.post(reverse("parts:part_receive", args=["F-100"]),
                                 {"receive-store": stores["A"].pk, "receive-quantity": "4"})  # fmt: skip
    assert response.status_code == 403
    assert Stock.objects.get(part=stocked, store=stores["A"]).quantity == 10


def test_an_agent_uses_and_returns_parts_from_the_ticket_page(agent_client, stocked, stores, make_asset,
                                                              make_ticket, django_assert_max_num_queries):  # fmt: skip
    ticket = make_ticket("滤芯堵塞", asset=make_asset("AC-01"))
    page = agent_client.get(reverse("tickets:ticket_detail", args=[ticket.number])).content.decode()
    assert 'id="ticket-parts"' in page and "★ F-100" in page
    stock = Stock.objects.get(part=stocked, store=stores["A"])

    used = agent_client.post(reverse("parts:ticket_part_use", args=[ticket.number]),
                             {"stock": stock.pk, "quantity": "2"}, headers={"HX-Request": "true"})  # fmt: skip

    assert used.status_code == 200
    assert 'id="parts-total">171.00<' in used.content.decode()
    usage = Usage.objects.get()
    returned = agent_client.post(reverse("parts:ticket_part_return", args=[ticket.number, usage.pk]),
                                 {"quantity": "1"}, headers={"HX-Request": "true"})  # fmt: skip
    assert 'id="parts-total">85.50<' in returned.content.decode()
    refused = agent_client.post(reverse("parts:ticket_part_use", args=[ticket.number]),
                                {"stock": stock.pk, "quantity": "99"}, headers={"HX-Request": "true"})  # fmt: skip
    assert refused.status_code == 422 and 'id="parts-error"' in refused.content.decode()
    assert Stock.objects.get(pk=stock.pk).quantity == 9
    timeline = agent_client.get(reverse("tickets:ticket_detail", args=[ticket.number])).content.decode()
    assert "F-100" in timeline


def test_the_phone_job_page_uses_parts(agent, agent_client, stocked, stores, make_ticket):
    ticket = make_ticket("滤芯堵塞", assignee=agent)
    job = reverse("field:job", args=[ticket.number])
    page = agent_client.get(job).content.decode()
    assert 'id="fa-parts-use"' in page
    stock = Stock.objects.get(part=stocked, store=stores["A"])
    response = agent_client.post(reverse("parts:ticket_part_use", args=[ticket.number]),
                                 {"stock": stock.pk, "quantity": "1", "next": job})  # fmt: skip
    assert response.status_code == 303 and response["Location"] == job
    assert Stock.objects.get(pk=stock.pk).quantity == 9
    assert 'id="fa-parts-total">85.50<' in agent_client.get(job).content.decode()


def test_the_asset_page_shows_the_parts_used_on_its_work_orders(agent_client, agent, stocked, stores, make_asset,
                                                                make_ticket):  # fmt: skip
    asset = make_asset("AC-01")
    part_use(
        actor=agent, ticket=make_ticket("换滤芯", asset=asset), part=stocked, store=stores["A"], quantity=2
    )
    body = agent_client.get(reverse("assets:asset_detail", args=["AC-01"])).content.decode()
    assert 'id="asset-parts-cost">171.00<' in body


def test_an_admin_adds_a_part_and_a_store_and_both_are_audited(admin_client, plant, compressor_type):
    response = admin_client.post(reverse("parts:store_create"), {"code": "C", "name": "备件库",
                                                                  "location": plant["site"].pk, "is_active": "on"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    response = admin_client.post(reverse("parts:catalogue_create"), {
        "code": "V-10", "name": "三角带", "name_en": "V-belt", "unit": "pcs", "unit_cost": "40", "supplier": "",
        "reorder_point": "2", "asset_types": [compressor_type.pk], "is_active": "on"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    part = Part.objects.get(code="V-10")
    assert list(part.asset_types.all()) == [compressor_type]
    kinds = set(AuditEntry.objects.filter(kind="config.create").values_list("object_type", flat=True))
    assert {"parts.part", "parts.store"} <= kinds
    edit = admin_client.post(reverse("parts:catalogue_edit", args=[part.pk]), {
        "code": "V-10", "name": "三角带", "name_en": "V-belt", "unit": "pcs", "unit_cost": "45",
        "reorder_point": "2", "is_active": "on"})  # fmt: skip
    assert edit.status_code == 302
    assert AuditEntry.objects.filter(kind="config.update", object_type="parts.part").exists()
    assert admin_client.get(reverse("parts:catalogue_list")).status_code == 200
    assert admin_client.get(reverse("parts:store_list")).status_code == 200


def test_a_duplicate_code_is_refused_with_nothing_written(admin_client, stocked):
    audit_before = AuditEntry.objects.count()
    response = admin_client.post(reverse("parts:catalogue_create"), {
        "code": "f-100", "name": "重复", "unit": "pcs", "unit_cost": "1", "reorder_point": "0"})  # fmt: skip
    assert response.status_code == 422
    assert Part.objects.count() == 1 and AuditEntry.objects.count() == audit_before
    assert Store.objects.count() == 2
