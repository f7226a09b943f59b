"""Work orders opened after the readings commit (decision 0172): the MQTT ingester stores a batch without
waiting for `ticket_create`, then opens one work order per excursion — once, even when asked twice, and with
the return to normal noted when the excursion ended inside the same batch."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongdan.meters.models import Excursion, Meter, Reading, Rollup
from gongdan.meters.services import (
    NewReading,
    excursion_work_orders_open,
    excursions_awaiting_work_order,
    readings_store,
)
from gongdan.tickets.models import Ticket

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
HIGH, LOW, H = 90.0, 10.0, 2.0

pytestmark = pytest.mark.django_db


def rows_of(meter, values, start=T0, step=timedelta(seconds=1)):
    return [NewReading(meter.pk, start + i * step, v) for i, v in enumerate(values)]


def test_a_deferred_batch_records_the_excursion_and_opens_its_work_order_afterwards(make_meter):
    meter = make_meter(high_limit=HIGH, hysteresis=H)

    result = readings_store(rows_of(meter, [70, 95, 96]), defer_work_orders=True)

    assert not result.opened and not Ticket.objects.exists()
    excursion = Excursion.objects.get()
    assert result.awaiting == [excursion.pk] and excursion.awaiting_work_order
    assert excursions_awaiting_work_order() == [excursion.pk]

    opened = excursion_work_orders_open(excursion_ids=result.awaiting)
    again = excursion_work_orders_open(excursion_ids=result.awaiting)

    assert len(opened) == 1 and again == []
    excursion.refresh_from_db()
    assert excursion.ticket == opened[0] and not excursion.awaiting_work_order
    assert excursions_awaiting_work_order() == []
    assert "above its limit (95 °C)" in opened[0].subject
    assert list(opened[0].events.filter(kind__startswith="meter_").values_list("kind", flat=True)) == [
        "meter_excursion"
    ]


def test_an_excursion_over_within_its_batch_gets_its_return_noted_when_the_work_order_opens(make_meter):
    meter = make_meter(high_limit=HIGH, hysteresis=H)

    result = readings_store(rows_of(meter, [70, 95, 89.5, 80]), defer_work_orders=True)
    (ticket,) = excursion_work_orders_open(excursion_ids=result.awaiting)

    kinds = list(
        ticket.events.filter(kind__startswith="meter_").order_by("pk").values_list("kind", flat=True)
    )
    assert kinds == ["meter_excursion", "meter_normal"]
    normal = ticket.events.get(kind="meter_normal")
    assert normal.data["value"] == "80"


def test_the_rate_rule_quotes_the_change_not_the_value(make_meter):
    meter = make_meter(rate_limit=5.0, rate_window_seconds=10, hysteresis=1.0)

    result = readings_store(rows_of(meter, [20, 21, 28]), defer_work_orders=True)
    (ticket,) = excursion_work_orders_open(excursion_ids=result.awaiting)

    assert "changing too fast (8 °C)" in ticket.subject
    assert ticket.events.get(kind="meter_excursion").data["limit"] == "5"


def test_a_meter_that_opens_no_work_orders_leaves_nothing_awaiting(make_meter):
    meter = make_meter(high_limit=HIGH, opens_work_orders=False)

    result = readings_store(rows_of(meter, [95]), defer_work_orders=True)

    assert result.awaiting == [] and excursions_awaiting_work_order() == []
    assert Excursion.objects.get().awaiting_work_order is False


def test_a_batch_mixing_repeated_and_new_readings_stores_and_counts_only_the_new(make_meter):
    meter = make_meter(high_limit=HIGH, hysteresis=H)
    readings_store(rows_of(meter, [70, 71, 72]))

    mixed = readings_store(rows_of(meter, [70, 71, 72, 73, 74]))

    assert mixed.stored == 2 and mixed.duplicates == 3
    assert Reading.objects.filter(meter=meter).count() == 5
    hourly = Rollup.objects.get(meter=meter, size=3600)
    assert hourly.count == 5 and hourly.total == 70 + 71 + 72 + 73 + 74
    meter.refresh_from_db()
    assert meter.last_value == 74 and meter.last_read_at == T0 + timedelta(seconds=4)


def test_one_batch_over_several_meters_saves_each_meters_state(make_meter, make_asset):
    hot = make_meter(high_limit=HIGH, hysteresis=H)
    cool = make_meter(asset=make_asset("AC-02"), high_limit=HIGH, hysteresis=H)

    readings_store([*rows_of(hot, [70, 95]), *rows_of(cool, [60, 61, 62])], defer_work_orders=True)

    hot.refresh_from_db()
    cool.refresh_from_db()
    assert (hot.state, hot.last_value, hot.last_read_at) == ("high", 95, T0 + timedelta(seconds=1))
    assert (cool.state, cool.last_value, cool.last_read_at) == ("normal", 62, T0 + timedelta(seconds=2))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(st.floats(HIGH - 2 * H, HIGH + 2 * H), min_size=1, max_size=40),
    batch=st.integers(1, 9),
    open_every=st.integers(1, 4),
)
def test_deferred_opening_makes_one_work_order_per_excursion_however_batched(
    make_meter, values, batch, open_every
):
    meter = Meter.objects.filter(code="deferred").first() or make_meter(
        code="deferred", high_limit=HIGH, low_limit=LOW, hysteresis=H
    )
    before = set(Excursion.objects.filter(meter=meter).values_list("pk", flat=True))
    start = (meter.last_read_at or T0) + timedelta(seconds=1)
    waiting: list[int] = []

    for n, i in enumerate(range(0, len(values), batch)):  # the opener runs after some batches, not all
        waiting += readings_store(
            rows_of(meter, values[i : i + batch], start=start + timedelta(seconds=i)), defer_work_orders=True
        ).awaiting
        if n % open_every == 0:
            excursion_work_orders_open(excursion_ids=waiting)
            waiting = []
    excursion_work_orders_open(excursion_ids=waiting)

    made = Excursion.objects.filter(meter=meter).exclude(pk__in=before)
    assert all(e.ticket_id is not None and not e.awaiting_work_order for e in made)
    assert len({e.ticket_id for e in made}) == len(made)
    for excursion in made:
        kinds = list(excursion.ticket.events.filter(kind__startswith="meter_").values_list("kind", flat=True))
        assert kinds.count("meter_excursion") == 1
        assert kinds.count("meter_normal") == (1 if excursion.ended_at else 0)
