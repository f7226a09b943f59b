"""The threshold rule: one work order per excursion, whatever the noise around the limit (decision 0141)."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongdan.meters import thresholds
from gongdan.meters.models import Excursion, Meter
from gongdan.meters.services import NewReading, readings_store
from gongdan.tickets.models import Ticket

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
HIGH, LOW, H = 90.0, 10.0, 2.0


def feed(meter, values, start=T0, step=timedelta(seconds=1)):
    rows = [NewReading(meter.pk, start + i * step, v) for i, v in enumerate(values)]
    return readings_store(rows)


def test_pure_rule_keeps_the_excursion_until_back_inside_by_the_hysteresis():
    limits = thresholds.Limits(low=LOW, high=HIGH, hysteresis=H)
    assert thresholds.next_state("normal", limits, 90.0, None) == "normal"
    assert thresholds.next_state("normal", limits, 90.1, None) == "high"
    assert thresholds.next_state("high", limits, 89.0, None) == "high"  # inside, but not by 2
    assert thresholds.next_state("high", limits, 88.0, None) == "normal"
    assert thresholds.next_state("high", limits, 5.0, None) == "low"  # straight from one side to the other
    assert thresholds.next_state("low", limits, 11.9, None) == "low"
    rate = thresholds.Limits(rate=5.0, hysteresis=1.0)
    assert thresholds.next_state("normal", rate, 50.0, 5.5) == "rate"
    assert thresholds.next_state("rate", rate, 50.0, 4.5) == "rate"
    assert thresholds.next_state("rate", rate, 50.0, -3.9) == "normal"


def test_an_excursion_opens_one_work_order_and_notes_the_return(make_meter):
    meter = make_meter(low_limit=LOW, high_limit=HIGH, hysteresis=H)

    result = feed(meter, [70, 80, 91, 95, 89.5, 93, 89, 87, 70])

    assert len(result.opened) == 1 and result.cleared == 1
    ticket = Ticket.objects.get()
    assert ticket.asset_id == meter.asset_id
    assert "above its limit" in ticket.subject
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert "meter_excursion" in kinds and "meter_normal" in kinds
    excursion = Excursion.objects.get()
    assert excursion.ticket == ticket and excursion.ended_at == T0 + timedelta(seconds=7)
    meter.refresh_from_db()
    assert meter.state == "normal" and meter.last_value == 70


def test_redelivered_readings_change_nothing(make_meter):
    meter = make_meter(high_limit=HIGH, hysteresis=H)
    feed(meter, [70, 95, 96])

    again = feed(meter, [70, 95, 96])

    assert again.stored == 0 and again.duplicates == 3 and not again.opened
    assert Ticket.objects.count() == 1


def test_a_late_reading_fills_history_but_does_not_move_the_state(make_meter):
    meter = make_meter(high_limit=HIGH)
    feed(meter, [70, 71], start=T0 + timedelta(minutes=10))

    late = feed(meter, [99], start=T0)

    assert late.stored == 1 and not late.opened
    meter.refresh_from_db()
    assert meter.state == "normal" and meter.last_value == 71


def test_rate_of_change_over_a_window(make_meter):
    meter = make_meter(rate_limit=5.0, rate_window_seconds=10, hysteresis=1.0)

    result = feed(meter, [20, 21, 22, 28, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29])

    assert len(result.opened) == 1 and result.cleared == 1
    assert "changing too fast" in Ticket.objects.get().subject


def test_a_meter_that_opens_no_work_orders_still_records_its_excursions(make_meter):
    meter = make_meter(high_limit=HIGH, opens_work_orders=False)
    feed(meter, [95])
    assert Excursion.objects.filter(meter=meter, ticket=None).count() == 1
    assert not Ticket.objects.exists()


def excursion_signal():
    """A list of (values, excursions): calm phases chatter inside the band (never above the limit), excursions
    cross the limit and chatter within the hysteresis band above and below it."""
    calm = st.lists(
        st.one_of(st.floats(LOW + H, HIGH - H), st.floats(HIGH - H + 0.001, HIGH)), min_size=1, max_size=6
    )
    excursion = st.tuples(
        st.floats(HIGH + 0.001, HIGH + 20),
        st.lists(st.floats(HIGH - H + 0.001, HIGH + 20), max_size=6),
    )
    return st.lists(st.tuples(calm, excursion), min_size=1, max_size=5).map(
        lambda phases: (
            [v for c, (first, rest) in phases for v in (*c, first, *rest, HIGH - H - 0.5)],
            len(phases),
        )
    )


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(signal=excursion_signal(), batch=st.integers(1, 7))
def test_a_noisy_signal_opens_exactly_one_work_order_per_excursion(make_meter, signal, batch):
    values, excursions = signal
    meter = Meter.objects.filter(code="noisy").first() or make_meter(
        code="noisy", high_limit=HIGH, low_limit=LOW, hysteresis=H
    )
    before = Excursion.objects.filter(meter=meter).count()
    start = (meter.last_read_at or T0) + timedelta(seconds=1)

    for i in range(0, len(values), batch):  # however the readings are batched
        feed(meter, values[i : i + batch], start=start + timedelta(seconds=i))

    made = Excursion.objects.filter(meter=meter).order_by("started_at")[before:]
    assert len(made) == excursions
    assert all(e.ticket_id is not None and e.ended_at is not None for e in made)
