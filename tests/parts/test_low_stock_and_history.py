from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gongdan.notifications.models import Notification
from gongdan.notifications.rules import process_events
from gongdan.notifications.services import rule_create
from gongdan.outbox.models import OutboxMessage
from gongdan.parts.selectors import asset_parts_panel, parts_consumption
from gongdan.parts.services import part_create, part_return, part_use, stock_count, stock_receive


@pytest.fixture
def low_stock_rule(admin_user):
    return rule_create(actor=admin_user, name="Low stock → stores", event="low_stock", recipients=["team_lead"],
                       channels=["in_app"], fixed_address="stores@example.com")  # fmt: skip


def _low_events(ticket):
    return list(ticket.events.filter(kind="part_low_stock"))


def test_the_low_stock_notice_is_sent_once_per_crossing(
    stocked, stores, make_ticket, agent, lead, admin_user, low_stock_rule, settings
):
    settings.SITE_URL = "https://desk.example"
    ticket = make_ticket("换滤芯")
    # When usage takes the filters from 10 to 4, nothing is low yet (reorder point 3)
    part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=6)
    assert _low_events(ticket) == []
    # When it reaches 3, the ticket says so once, and later usage below says nothing more
    part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=1)
    part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=1)
    part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=1)
    (low,) = _low_events(ticket)
    assert low.data == {
        "part": "F-100",
        "name": "空气滤芯",
        "name_en": "Air filter",
        "total": "3",
        "unit": "pcs",
        "reorder_point": "3",
    }
    process_events()
    assert list(
        Notification.objects.filter(kind="ticket_low_stock").values_list("user__username", flat=True)
    ) == ["lead"]
    (mail,) = OutboxMessage.objects.filter(kind="ticket_low_stock")
    assert mail.address == "stores@example.com"
    assert "F-100" in mail.subject and "F-100" in mail.body_text

    # When a delivery lifts it above the reorder point and usage takes it down again, a second notice
    stock_receive(actor=admin_user, part=stocked, store=stores["B"], quantity=5)
    stocked.refresh_from_db()
    assert stocked.low_since is None
    part_use(actor=agent, ticket=ticket, part=stocked, store=stores["B"], quantity=4)
    assert len(_low_events(ticket)) == 2
    process_events()
    assert OutboxMessage.objects.filter(kind="ticket_low_stock").count() == 2


def test_a_return_above_the_reorder_point_ends_the_crossing(stocked, stores, make_ticket, agent):
    ticket = make_ticket("换滤芯")
    usage = part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=8)
    assert len(_low_events(ticket)) == 1
    part_return(actor=agent, usage=usage, quantity=5)
    stocked.refresh_from_db()
    assert stocked.low_since is None


def test_a_part_without_a_reorder_point_is_never_low(stores, make_ticket, agent, admin_user):
    belt = part_create(actor=None, code="B-20", name="三角带", unit="pcs", unit_cost=Decimal(40))
    stock_receive(actor=admin_user, part=belt, store=stores["A"], quantity=1)
    ticket = make_ticket("皮带断了")
    part_use(actor=agent, ticket=ticket, part=belt, store=stores["A"], quantity=1)
    assert _low_events(ticket) == []


def test_a_count_down_to_the_reorder_point_is_told_at_the_next_usage(
    stocked, stores, make_ticket, agent, admin_user
):
    stock_count(actor=admin_user, part=stocked, store=stores["A"], counted=2, reason="盘亏")
    ticket = make_ticket("换滤芯")
    part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=1)
    part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=1)
    assert len(_low_events(ticket)) == 1


def test_part_cost_is_in_the_assets_history_and_summed_per_work_order(
    stocked, stores, make_asset, make_ticket, agent, admin_user
):
    asset = make_asset("AC-01")
    first = make_ticket("换滤芯", asset=asset)
    second = make_ticket("再换滤芯", asset=asset)
    part_use(actor=agent, ticket=first, part=stocked, store=stores["A"], quantity=2)
    usage = part_use(actor=agent, ticket=second, part=stocked, store=stores["A"], quantity=2)
    part_return(actor=agent, usage=usage, quantity=1)
    other = make_ticket("别的机器", asset=make_asset("AC-02"))
    part_use(actor=agent, ticket=other, part=stocked, store=stores["A"], quantity=1)

    panel = asset_parts_panel(admin_user, asset)

    assert panel["parts_asset_cost"] == Decimal("256.50")  # 3 × 85.50
    assert [u.ticket.number for u in panel["parts_asset_usages"]] == [second.number, first.number]


def test_consumption_by_part_asset_type_and_asset(
    stocked, stores, make_asset, make_ticket, agent, admin_user
):
    oil = part_create(actor=None, code="OIL-46", name="压缩机油", name_en="Compressor oil", unit="L",
                      unit_cost=Decimal("32.00"))  # fmt: skip
    stock_receive(actor=admin_user, part=oil, store=stores["A"], quantity=20)
    asset = make_asset("AC-01")
    ticket = make_ticket("保养", asset=asset)
    part_use(actor=agent, ticket=ticket, part=stocked, store=stores["A"], quantity=2)
    usage = part_use(actor=agent, ticket=ticket, part=oil, store=stores["A"], quantity="4.5")
    part_return(actor=agent, usage=usage, quantity="0.5")
    since, until = timezone.now() - timedelta(days=1), timezone.now() + timedelta(seconds=1)

    by_part = parts_consumption(since=since, until=until, by="part")
    by_type = parts_consumption(since=since, until=until, by="asset_type")
    by_asset = parts_consumption(since=since, until=until, by="asset")
    before = parts_consumption(since=since - timedelta(days=5), until=since, by="part")

    assert [(r.key, r.quantity, r.cost, r.unit) for r in by_part] == [
        ("F-100", 2, Decimal("171.00"), "pcs"), ("OIL-46", 4, Decimal("128.00"), "L")]  # fmt: skip
    assert [(r.key, r.cost) for r in by_type] == [("compressor", Decimal("299.00"))]
    assert [(r.key, r.cost) for r in by_asset] == [("AC-01", Decimal("299.00"))]
    assert before == []
    with pytest.raises(ValueError):
        parts_consumption(since=since, until=until, by="colour")
