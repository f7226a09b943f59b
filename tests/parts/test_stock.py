from decimal import Decimal

import pytest

from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from gongdan.parts import services
from gongdan.parts.models import Movement, MovementKind, Stock, Usage
from gongdan.parts.services import part_return, part_use, stock_count, stock_receive, stock_transfer
from gongdan.tickets.services import ticket_transition


def _held(part, store) -> Decimal:
    return Stock.objects.get(part=part, store=store).quantity


def _ledger(part, store) -> Decimal:
    return sum((m.quantity for m in Movement.objects.filter(part=part, store=store)), Decimal(0))


def test_a_receipt_adds_stock_and_a_ledger_line(stocked, stores):
    assert _held(stocked, stores["A"]) == 10
    line = Movement.objects.get()
    assert (line.kind, line.quantity, line.balance, line.reference) == (MovementKind.RECEIPT, 10, 10, "PO-1")


def test_a_receipt_with_a_cost_sets_the_parts_cost(stocked, stores, admin_user):
    stock_receive(actor=admin_user, part=stocked, store=stores["B"], quantity="2.5", unit_cost="90.00")
    stocked.refresh_from_db()
    assert stocked.unit_cost == Decimal("90.00")
    assert _held(stocked, stores["B"]) == Decimal("2.5")


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "1.0001", "NaN", "1e12", ""])
def test_bad_quantities_are_refused_and_change_nothing(stocked, stores, admin_user, quantity):
    with pytest.raises(ValidationFailed) as caught:
        stock_receive(actor=admin_user, part=stocked, store=stores["A"], quantity=quantity)
    assert "quantity" in caught.value.details
    assert _held(stocked, stores["A"]) == 10
    assert Movement.objects.count() == 1


def test_an_agent_may_not_receive_stock(stocked, stores, agent):
    with pytest.raises(PermissionDenied):
        stock_receive(actor=agent, part=stocked, store=stores["A"], quantity=1)


def test_a_transfer_moves_stock_between_stores(stocked, stores, admin_user):
    moved = stock_transfer(actor=admin_user, part=stocked, source=stores["A"], target=stores["B"], quantity=4)
    assert (_held(stocked, stores["A"]), _held(stocked, stores["B"])) == (6, 4)
    assert (moved.out.quantity, moved.out.balance, moved.into.quantity, moved.into.balance) == (-4, 6, 4, 4)
    assert _ledger(stocked, stores["A"]) == 6 and _ledger(stocked, stores["B"]) == 4


def test_a_transfer_of_more_than_is_held_is_refused(stocked, stores, admin_user):
    with pytest.raises(Conflict) as caught:
        stock_transfer(actor=admin_user, part=stocked, source=stores["A"], target=stores["B"], quantity=11)
    assert caught.value.code == "insufficient_stock"
    assert _held(stocked, stores["A"]) == 10
    assert not Stock.objects.filter(store=stores["B"]).exists()
    assert Movement.objects.count() == 1


def test_a_transfer_to_the_same_store_is_refused(stocked, stores, admin_user):
    with pytest.raises(ValidationFailed):
        stock_transfer(actor=admin_user, part=stocked, source=stores["A"], target=stores["A"], quantity=1)


def test_a_count_writes_the_difference_with_its_reason(stocked, stores, admin_user):
    line = stock_count(actor=admin_user, part=stocked, store=stores["A"], counted=8, reason="月度盘点")
    assert line is not None and (line.quantity, line.balance, line.reason) == (-2, 8, "月度盘点")
    assert _held(stocked, stores["A"]) == 8 == _ledger(stocked, stores["A"])
    assert stock_count(actor=admin_user, part=stocked, store=stores["A"], counted=8, reason="again") is None


def test_a_count_needs_a_reason(stocked, stores, admin_user):
    with pytest.raises(ValidationFailed) as caught:
        stock_count(actor=admin_user, part=stocked, store=stores["A"], counted=8, reason=" ")
    assert "reason" in caught.value.details
    assert _held(stocked, stores["A"]) == 10


# --- parts on work orders ---------------------------------------------------------------------------------


def test_using_parts_takes_stock_and_writes_the_timeline(stocked, stores, make_asset, make_ticket, agent):
    asset = make_asset("AC-01")
    ticket = make_ticket("滤芯堵塞", asset=asset)

    usage = part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=2)

    assert _held(stocked, stores["A"]) == 8
    assert (usage.asset, usage.unit_cost, usage.cost) == (asset, Decimal("85.50"), Decimal("171.00"))
    issue = Movement.objects.get(kind=MovementKind.ISSUE)
    assert (issue.quantity, issue.balance, issue.ticket, issue.usage) == (-2, 8, ticket, usage)
    event = ticket.events.get(kind="part_used")
    assert event.data["quantity"] == "2" and event.data["part"] == "F-100" and event.data["store"] == "A"


def test_using_more_than_the_store_holds_writes_nothing(stocked, stores, make_ticket, agent):
    ticket = make_ticket("滤芯堵塞")
    with pytest.raises(Conflict) as caught:
        part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=11)
    assert caught.value.code == "insufficient_stock"
    assert _held(stocked, stores["A"]) == 10
    assert not Usage.objects.exists()
    assert not ticket.events.filter(kind="part_used").exists()


def test_a_failure_after_the_stock_is_taken_rolls_everything_back(
    stocked, stores, make_ticket, agent, monkeypatch
):
    # Given the timeline write fails after the stock was taken and the usage written
    ticket = make_ticket("滤芯堵塞")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "append_event", broken)
    with pytest.raises(RuntimeError):
        part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=2)

    # Then the stock, the usage and the ledger are as before
    assert _held(stocked, stores["A"]) == 10
    assert not Usage.objects.exists()
    assert Movement.objects.count() == 1


def test_parts_cannot_be_used_on_a_closed_ticket(stocked, stores, make_ticket, agent):
    ticket = make_ticket("滤芯堵塞", assignee=agent)
    ticket_transition(actor=agent, ticket=ticket, action="cancel", note="dup")
    with pytest.raises(Conflict):
        part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=1)
    assert _held(stocked, stores["A"]) == 10


def test_a_requester_cannot_use_parts(stocked, stores, make_ticket, requester):
    ticket = make_ticket("滤芯堵塞")
    with pytest.raises(PermissionDenied):
        part_use(actor=requester, ticket=ticket, part=stocked, store=stores["A"], quantity=1)


def test_returns_go_back_to_the_store_and_lower_the_cost(stocked, stores, make_ticket, agent):
    ticket = make_ticket("滤芯堵塞")
    usage = part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=3)

    usage = part_return(actor=agent, usage=usage, quantity=1)

    assert (usage.returned, usage.net_quantity, usage.cost) == (1, 2, Decimal("171.00"))
    assert _held(stocked, stores["A"]) == 8 == _ledger(stocked, stores["A"])
    assert ticket.events.filter(kind="part_returned").count() == 1
    with pytest.raises(ValidationFailed):
        part_return(actor=agent, usage=usage, quantity=3)  # only 2 are still out
    assert _held(stocked, stores["A"]) == 8


def test_the_ledger_always_equals_the_balance(stocked, stores, make_ticket, agent, admin_user):
    ticket = make_ticket("滤芯堵塞")
    usage = part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity="1.5")
    part_return(actor=agent, usage=usage, quantity="0.5")
    stock_transfer(actor=admin_user, part=stocked, source=stores["A"], target=stores["B"], quantity=3)
    stock_count(actor=admin_user, part=stocked, store=stores["B"], counted=2, reason="损坏")
    for store in stores.values():
        assert _held(stocked, store) == _ledger(stocked, store)
