"""Spare parts over /api/v1: the catalogue (admins, audited), stores, stock, the ledger, receipts, transfers,
counts, and parts used on a ticket."""

from __future__ import annotations

from gongdan.audit.models import AuditEntry
from gongdan.parts.models import Part, Stock, Usage
from tests.api.conftest import ApiClient, assert_error


def test_an_admin_adds_parts_and_stores_and_staff_read_them(admin_user, agent, plant, compressor_type):
    api = ApiClient(admin_user)
    store = api.post("stores", {"code": "A", "name": "一号库房", "location": plant["hall"].pk})
    assert store.status_code == 201, store.content
    created = api.post("parts", {"code": "F-100", "name": "空气滤芯", "unit_cost": "85.50", "reorder_point": 3,
                                 "asset_types": [compressor_type.pk]})  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["unit_cost"] == "85.50" and created.json()["total"] == "0"
    assert {"parts.part", "parts.store"} <= set(AuditEntry.objects.values_list("object_type", flat=True))
    changed = api.patch("parts/F-100", {"reorder_point": "4.5"})
    assert changed.status_code == 200 and changed.json()["reorder_point"] == "4.5"
    assert_error(ApiClient(agent).post("parts", {"code": "X", "name": "x"}), 403)
    assert_error(api.post("parts", {"code": "f-100", "name": "dup"}), 422)
    assert_error(api.post("parts", {"code": "Y", "name": "y", "asset_types": [999999]}), 422)
    assert_error(api.post("stores", {"code": "B", "name": "b", "location": 999999}), 422)
    assert [p["code"] for p in ApiClient(agent).get("parts").json()["items"]] == ["F-100"]
    assert [s["code"] for s in ApiClient(agent).get("stores").json()] == ["A"]


def test_stock_moves_and_parts_are_used_on_a_ticket(lead, agent, stocked, stores, make_asset, make_ticket,
                                                    django_assert_max_num_queries):  # fmt: skip
    api = ApiClient(lead)
    moved = api.post("parts/F-100/transfers", {"source": "A", "target": "B", "quantity": 4})
    assert moved.status_code == 201, moved.content
    assert [m["balance"] for m in moved.json()] == ["6", "4"]
    assert_error(api.post("parts/F-100/transfers", {"source": "A", "target": "B", "quantity": 7}), 409)
    assert api.post("parts/F-100/receipts", {"store": "B", "quantity": "1.5"}).status_code == 201
    count = api.post("parts/F-100/counts", {"store": "B", "counted": 5, "reason": "盘点"})
    assert count.status_code == 200 and count.json()["quantity"] == "-0.5"
    assert_error(ApiClient(agent).post("parts/F-100/receipts", {"store": "A", "quantity": 1}), 403)

    ticket = make_ticket("换滤芯", asset=make_asset("AC-01"))
    used = ApiClient(agent).post(
        f"tickets/{ticket.number}/parts", {"part": "F-100", "store": "A", "quantity": 2}
    )
    assert used.status_code == 201, used.content
    assert used.json()["cost"] == "171.00" and used.json()["asset"] is not None
    assert_error(ApiClient(agent).post(f"tickets/{ticket.number}/parts",
                                       {"part": "F-100", "store": "A", "quantity": 5}), 409)  # fmt: skip
    assert_error(ApiClient(agent).post(f"tickets/{ticket.number}/parts",
                                       {"part": "nope", "store": "A", "quantity": 1}), 422)  # fmt: skip
    usage = Usage.objects.get()
    back = ApiClient(agent).post(f"tickets/{ticket.number}/parts/{usage.pk}/return", {"quantity": 1})
    assert back.status_code == 200 and back.json()["returned"] == "1"
    assert_error(
        ApiClient(agent).post(f"tickets/{ticket.number}/parts/{usage.pk}/return", {"quantity": 2}), 422
    )

    with django_assert_max_num_queries(12):
        listed = ApiClient(agent).get(f"tickets/{ticket.number}/parts")
    assert listed.json()["total_cost"] == "85.50"
    stock = {(s["part"], s["store"]): s["quantity"] for s in ApiClient(agent).get("stock").json()}
    assert stock == {("F-100", "A"): "5", ("F-100", "B"): "5"}
    with django_assert_max_num_queries(12):
        ledger = ApiClient(agent).get("stock-movements", params={"part": "F-100", "limit": 50}).json()
    assert [m["kind"] for m in ledger["items"]] == [
        "receipt", "transfer_out", "transfer_in", "receipt", "adjustment", "issue", "return"]  # fmt: skip
    assert Stock.objects.get(part=stocked, store=stores["A"]).quantity == 5
    assert Part.objects.get().low_since is None


def test_a_requester_sees_no_parts(requester, stocked, make_ticket):
    assert_error(ApiClient(requester).get("parts"), 403)
    ticket = make_ticket("换滤芯", requester=requester)
    assert_error(ApiClient(requester).get(f"tickets/{ticket.number}/parts"), 403)
    assert_error(ApiClient(requester).post(f"tickets/{ticket.number}/parts",
                                           {"part": "F-100", "store": "A", "quantity": 1}), 403)  # fmt: skip
