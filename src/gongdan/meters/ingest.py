"""The MQTT ingester (decision 0142): a long-running process that subscribes, with QoS 1 and a persistent
session, to the topics meters listen on, turns messages into readings through `readings_store` in batches,
and acknowledges each message only once its batch is committed — so neither a broker restart nor a crash of
this process loses a reading the broker handed over. A payload it cannot read is logged and counted, never a
crash."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from gongdan.meters.models import IngestCounter, Meter
from gongdan.meters.services import (
    NewReading,
    check_reading,
    excursion_work_orders_open,
    excursions_awaiting_work_order,
    readings_store,
)
from gongdan.meters.topics import extract, path_tokens, topic_matches

logger = logging.getLogger("gongdan.meters.mqtt")
MAX_PAYLOAD = 64 * 1024
# An excursion still waiting for its work order this long after it started was left by a process that stopped
# between the readings' commit and the opening (or by another ingester that is slow): the sweep opens it.
SWEEP_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class Mapping:
    meter_id: int
    topic_filter: str
    value_path: tuple[str | int, ...]
    time_path: tuple[str | int, ...] | None


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool


def parse_broker_url(url: str) -> Broker:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
        raise ValueError(f"not an MQTT URL: {url!r} (mqtt://host:1883 or mqtts://host:8883)")
    tls = parts.scheme in ("mqtts", "ssl")
    return Broker(
        host=parts.hostname,
        port=parts.port or (8883 if tls else 1883),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
    )


def load_mappings() -> list[Mapping]:
    rows = Meter.objects.filter(is_active=True, asset__status__in=("running", "degraded", "down")).exclude(
        mqtt_topic=""
    )
    return [
        Mapping(m.pk, m.mqtt_topic, path_tokens(m.mqtt_value_path),
                path_tokens(m.mqtt_time_path) if m.mqtt_time_path else None)
        for m in rows.only("pk", "mqtt_topic", "mqtt_value_path", "mqtt_time_path")
        if m.mqtt_value_path
    ]  # fmt: skip


def parse_time(value: Any) -> datetime:
    """ISO 8601 with a zone, or seconds (or milliseconds, when too large for seconds) since the epoch."""
    if isinstance(value, bool):
        raise ValueError("a time cannot be true or false")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if timezone.is_naive(parsed):
            raise ValueError("a time needs a zone")
        return parsed
    raise ValueError("not a time")


@dataclass
class Counts:
    received: int = 0
    stored: int = 0
    malformed: int = 0
    unmatched: int = 0
    last_error: str = ""


class Router:
    """Which meters a topic feeds: exact filters by dict, wildcard ones tried in turn."""

    def __init__(self, mappings: list[Mapping]) -> None:
        self.exact: dict[str, list[Mapping]] = {}
        self.wild: list[Mapping] = []
        for mapping in mappings:
            if "+" in mapping.topic_filter or "#" in mapping.topic_filter:
                self.wild.append(mapping)
            else:
                self.exact.setdefault(mapping.topic_filter, []).append(mapping)
        self.filters = sorted({m.topic_filter for m in mappings})

    def route(self, topic: str) -> list[Mapping]:
        return self.exact.get(topic, []) + [m for m in self.wild if topic_matches(m.topic_filter, topic)]


def readings_from(
    router: Router, topic: str, payload: bytes, received_at: datetime, counts: Counts
) -> list[NewReading]:
    mappings = router.route(topic)
    if not mappings:
        counts.unmatched += 1
        return []
    problem = ""
    document: Any = None
    if len(payload) > MAX_PAYLOAD:
        problem = f"payload of {len(payload)} bytes is larger than {MAX_PAYLOAD}"
    else:
        try:
            document = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            problem = f"not JSON: {exc}"[:200]
    rows: list[NewReading] = []
    if not problem:
        for mapping in mappings:
            try:
                value = extract(document, mapping.value_path)
                at = parse_time(extract(document, mapping.time_path)) if mapping.time_path else received_at
            except (LookupError, ValueError, TypeError, OverflowError, OSError) as exc:
                problem = f"meter {mapping.meter_id}: field missing or unreadable ({exc!r})"[:200]
                continue
            trouble = check_reading(value, at, now=received_at)
            if trouble:
                problem = f"meter {mapping.meter_id}: " + "; ".join(f"{k}: {v}" for k, v in trouble.items())
                continue
            rows.append(NewReading(mapping.meter_id, at, float(value)))
    if problem:
        counts.malformed += 1
        counts.last_error = f"{topic}: {problem}"[:400]
        logger.warning("MQTT message on %s not read: %s", topic, problem)
    return rows


class Ingester:
    """Run with `run(stop)` (the management command, or a thread in tests and the bench)."""

    def __init__(
        self,
        url: str,
        client_id: str,
        *,
        batch_size: int = 2000,
        wait: float = 0.05,
        refresh_every: float = 10.0,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.broker = parse_broker_url(url)
        self.client_id = client_id
        self.batch_size = batch_size
        self.wait = wait
        self.refresh_every = refresh_every
        self.on_batch = on_batch
        self.inbox: queue.Queue[tuple[str, bytes, int, int, float]] = queue.Queue()
        self.router = Router([])
        self.subscribed: set[str] = set()
        self.connected = threading.Event()
        self.lock = threading.Lock()
        self.client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if self.broker.username:
            self.client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=1, max_delay=10)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    # -- paho callbacks (its network thread) --
    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            logger.error("MQTT broker refused the connection: %s", reason)
            return
        with self.lock:
            filters = list(self.router.filters)
            self.subscribed = set(filters)
        if filters:
            client.subscribe([(f, 1) for f in filters])
        logger.info("connected to MQTT %s:%s (session present: %s), %d topics",
                    self.broker.host, self.broker.port, flags.session_present, len(filters))  # fmt: skip
        self.connected.set()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self.connected.clear()
        logger.warning("MQTT connection lost (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.inbox.put((message.topic, bytes(message.payload), message.mid, message.qos, time.time()))

    # -- the main loop --
    def refresh(self) -> None:
        router = Router(load_mappings())
        with self.lock:
            self.router = router
            wanted, held = set(router.filters), set(self.subscribed)
            self.subscribed = wanted
        if self.connected.is_set():
            if wanted - held:
                self.client.subscribe([(f, 1) for f in sorted(wanted - held)])
            if held - wanted:
                self.client.unsubscribe(sorted(held - wanted))

    def run(self, stop: threading.Event) -> None:
        self.refresh()
        self._counter(connected=False)
        self._sweep()
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self.client.loop_start()
        refreshed = time.monotonic()
        try:
            while not stop.is_set():
                batch = self._take()
                if batch:
                    self._process(batch)
                if time.monotonic() - refreshed > self.refresh_every:
                    close_old_connections()
                    self.refresh()
                    self._counter(connected=self.connected.is_set())
                    self._sweep()
                    refreshed = time.monotonic()
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            self._counter(connected=False)

    def _take(self) -> list[tuple[str, bytes, int, int, float]]:
        try:
            first = self.inbox.get(timeout=self.wait)
        except queue.Empty:
            return []
        batch = [first]
        while len(batch) < self.batch_size:
            try:
                batch.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def _process(self, batch: list[tuple[str, bytes, int, int, float]]) -> None:
        counts = Counts(received=len(batch))
        with self.lock:
            router = self.router
        rows: list[NewReading] = []
        for topic, payload, _mid, _qos, received in batch:
            rows += readings_from(router, topic, payload, datetime.fromtimestamp(received, tz=UTC), counts)
        awaiting: list[int] = []
        for attempt in range(1, 4):
            try:
                result = readings_store(rows, defer_work_orders=True)
                counts.stored, awaiting = result.stored, result.awaiting
                break
            except Exception as exc:  # the database is away: keep the batch unacknowledged and try again
                logger.exception("storing %d readings failed (attempt %d)", len(rows), attempt)
                counts.last_error = f"database: {exc}"[:400]
                close_old_connections()
                time.sleep(attempt)
        else:  # a row the database refuses must not hold up the others: one by one, the refused are counted
            for row in rows:
                try:
                    result = readings_store([row], defer_work_orders=True)
                    counts.stored += result.stored
                    awaiting += result.awaiting
                except Exception as exc:
                    logger.exception("reading %s refused", row)
                    counts.malformed += 1
                    counts.last_error = f"meter {row.meter_id}: {exc}"[:400]
        self._counter(counts=counts, connected=self.connected.is_set())
        for _topic, _payload, mid, qos, _received in batch:
            if qos > 0:
                self.client.ack(mid, qos)
        if self.on_batch is not None:
            self.on_batch(len(batch))
        # The work orders open after the readings are committed and acknowledged (decision 0172).
        self._open_work_orders(awaiting)

    def _open_work_orders(self, excursion_ids: list[int]) -> None:
        if not excursion_ids:
            return
        try:
            excursion_work_orders_open(excursion_ids=excursion_ids)
        except Exception:  # the database is away: the excursions stay marked, and the sweep opens them
            logger.exception("opening the work orders of %d excursions failed", len(excursion_ids))
            close_old_connections()

    def _sweep(self) -> None:
        try:
            self._open_work_orders(excursions_awaiting_work_order(older_than=SWEEP_AFTER))
        except Exception:
            logger.exception("looking for excursions awaiting their work order failed")
            close_old_connections()

    def _counter(self, *, counts: Counts | None = None, connected: bool) -> None:
        IngestCounter.objects.get_or_create(client_id=self.client_id)
        values: dict[str, Any] = {"connected": connected}
        if counts is not None:
            values.update(
                received=F("received") + counts.received,
                stored=F("stored") + counts.stored,
                malformed=F("malformed") + counts.malformed,
                unmatched=F("unmatched") + counts.unmatched,
                last_message_at=timezone.now(),
            )
            if counts.last_error:
                values.update(last_error=counts.last_error, last_error_at=timezone.now())
        with transaction.atomic():
            IngestCounter.objects.filter(client_id=self.client_id).update(**values)
