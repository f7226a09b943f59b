"""MQTT ingestion against a real Mosquitto (started by the test on its own port)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import paho.mqtt.client as mqtt
import pytest
from django.db import connection

from gongdan.meters.ingest import Ingester
from gongdan.meters.models import IngestCounter, Reading
from gongdan.tickets.models import Ticket
from tests import peers
from tests.meters.broker import Mosquitto

pytestmark = [pytest.mark.peer("mosquitto"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker(tmp_path):
    peers.require_peer("mosquitto")
    server = Mosquitto(tmp_path)
    server.start()
    yield server
    server.stop()


class Running:
    def __init__(self, url: str, client_id: str = "gongdan-test") -> None:
        # On in-memory SQLite both threads share one connection: the test reads the database only while the
        # ingester is stopped, and waits on the count of messages it has processed.
        self.processed = 0
        self.ingester = Ingester(url, client_id, refresh_every=0.5, wait=0.02, on_batch=self._count)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.failure: BaseException | None = None

    def _count(self, n: int) -> None:
        self.processed += n

    def _run(self) -> None:
        try:
            self.ingester.run(self.stop)
        except BaseException as exc:
            self.failure = exc
        finally:
            connection.close()

    def __enter__(self) -> Running:
        self.thread.start()
        assert self.ingester.connected.wait(10), "the ingester did not connect"
        time.sleep(0.2)  # its subscriptions are in place
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(15)
        assert not self.thread.is_alive()
        assert self.failure is None, self.failure


def publish(port: int, messages: list[tuple[str, bytes | str]], client_id: str = "sensor") -> None:
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.connect("127.0.0.1", port)
    client.loop_start()
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(10)
    client.disconnect()
    client.loop_stop()


def wait_for(check: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def payload(temp: float, second: int) -> str:
    return json.dumps({"data": {"temp": temp}, "ts": f"2026-05-01T08:00:{second:02d}Z"})


def test_readings_arrive_through_a_wildcard_topic_and_open_a_work_order(broker, make_meter):
    meter = make_meter(mqtt_topic="plant/+/state", mqtt_value_path="$.data.temp", mqtt_time_path="$.ts",
                       high_limit=90, hysteresis=2)  # fmt: skip
    with Running(broker.url) as running:
        publish(
            broker.port, [("plant/ac-01/state", payload(v, i)) for i, v in enumerate([70, 80, 95, 96, 70])]
        )
        wait_for(lambda: running.processed == 5)
    assert list(Reading.objects.filter(meter=meter).order_by("at").values_list("value", flat=True)) == [
        70, 80, 95, 96, 70,
    ]  # fmt: skip
    ticket = Ticket.objects.get()
    assert ticket.asset_id == meter.asset_id
    assert set(ticket.events.values_list("kind", flat=True)) >= {"meter_excursion", "meter_normal"}
    counter = IngestCounter.objects.get(client_id="gongdan-test")
    assert (counter.received, counter.stored, counter.malformed) == (5, 5, 0)


def test_malformed_payloads_are_counted_and_never_stop_the_ingester(broker, make_meter):
    meter = make_meter(mqtt_topic="plant/ac-01/temp", mqtt_value_path="temp")
    bad = [b"not json", b'{"temp": "hot"}', b'{"pressure": 7}', b'{"temp": 1e999}', b"\xff\xfe",
           json.dumps({"temp": 1, "pad": "x" * 70000}).encode(), b"[1, 2"]  # fmt: skip
    with Running(broker.url) as running:
        publish(broker.port, [("plant/ac-01/temp", p) for p in bad])
        publish(broker.port, [("plant/ac-01/temp", b'{"temp": 41.5}')])
        wait_for(lambda: running.processed == 8)
    counter = IngestCounter.objects.get(client_id="gongdan-test")
    assert (counter.malformed, counter.stored) == (len(bad), 1)
    assert counter.last_error
    assert Reading.objects.get(meter=meter).value == 41.5


def test_a_broker_restart_loses_nothing_the_broker_took_with_qos_1(broker, make_meter):
    meter = make_meter(mqtt_topic="plant/ac-01/temp", mqtt_value_path="$.temp", mqtt_time_path="$.ts")
    msgs = [("plant/ac-01/temp", json.dumps({"temp": i, "ts": 1777622400 + i})) for i in range(60)]
    with Running(broker.url) as running:
        publish(broker.port, msgs[:20])
        wait_for(lambda: running.processed == 20)
    assert Reading.objects.filter(meter=meter).count() == 20
    # The ingester is away; the broker keeps its session and queues what arrives for it …
    publish(broker.port, msgs[20:40])
    # … and restarts in between.
    broker.stop()
    broker.start()
    with Running(broker.url) as again:
        publish(broker.port, msgs[40:50])
        wait_for(lambda: again.processed == 30)  # the 20 the broker kept for the session, and 10 new
        # The broker restarts under a running ingester: it reconnects by itself.
        broker.stop()
        wait_for(lambda: not again.ingester.connected.is_set())
        broker.start()
        wait_for(lambda: again.ingester.connected.is_set(), 20)
        publish(broker.port, msgs[50:])
        wait_for(lambda: again.processed >= 40, 20)
    assert sorted(Reading.objects.filter(meter=meter).values_list("value", flat=True)) == list(range(60))


def test_the_ingester_hands_the_work_order_to_the_queue_and_the_consumer_opens_it_once(broker, make_meter):
    from huey.contrib.djhuey import HUEY

    from gongdan.meters.models import Excursion

    meter = make_meter(mqtt_topic="plant/ac-01/temp", mqtt_value_path="$.temp", mqtt_time_path="$.ts",
                       high_limit=90, hysteresis=2)  # fmt: skip
    readings = [
        ("plant/ac-01/temp", json.dumps({"temp": v, "ts": 1777622400 + i})) for i, v in enumerate([70, 95])
    ]
    # Given a queue that nobody consumes yet (a site's Huey, not the tests' immediate mode)
    previous, HUEY.immediate = HUEY.immediate, False
    try:
        HUEY.flush()
        with Running(broker.url) as running:
            publish(broker.port, readings)
            wait_for(lambda: running.processed == 2)
        # Then the readings and the excursion are stored, but the ingester opened no work order itself …
        excursion = Excursion.objects.get(meter=meter)
        assert Reading.objects.filter(meter=meter).count() == 2
        assert excursion.awaiting_work_order and not Ticket.objects.exists()
        # … it queued one task naming the excursion,
        (task,) = HUEY.pending()
        assert task.name.endswith("excursion_work_orders_open_task") and task.args == ([excursion.pk],)
        # which opens it when the consumer runs it, once however often it runs.
        HUEY.execute(task)
        HUEY.execute(task)
    finally:
        HUEY.flush()
        HUEY.immediate = previous
    ticket = Ticket.objects.get()
    excursion.refresh_from_db()
    assert excursion.ticket == ticket and not excursion.awaiting_work_order
    assert ticket.asset_id == meter.asset_id and "above its limit (95 °C)" in ticket.subject


def test_with_huey_immediate_the_queued_work_order_opens_at_once(broker, make_meter):
    from huey.contrib.djhuey import HUEY

    assert HUEY.immediate  # the test settings, as GONGDAN_HUEY_IMMEDIATE=1 on a site without a consumer
    meter = make_meter(mqtt_topic="plant/ac-01/temp", mqtt_value_path="$.temp", high_limit=90)
    with Running(broker.url) as running:
        publish(broker.port, [("plant/ac-01/temp", b'{"temp": 99.5}')])
        wait_for(lambda: running.processed == 1)
    ticket = Ticket.objects.get()
    assert ticket.asset_id == meter.asset_id and ticket.events.filter(kind="meter_excursion").exists()
