"""The MQTT ingester (decision 0142): a long-running process that subscribes, with QoS 1 and a persistent
session, to the topics meters listen on, turns messages into readings through `readings_store` in batches,
and acknowledges each message only once its batch is committed — so neither a broker restart nor a crash of
this process loses a reading the broker handed over. A payload it cannot read is logged and counted, never a
crash.

The per-message path is kept short (decision 0173): paho's callback only appends to a deque; topics are
routed through a cache, payloads decoded and checked in the batch loop, PUBACKs written in one packet per
batch, and the excursions' work orders handed to a Huey task so that `ticket_create` runs on the queue's
consumer, not here."""

from __future__ import annotations

import json
import logging
import math
import struct
import threading
import time
from collections import deque
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
    FUTURE_SLACK,
    MAX_ABS_VALUE,
    NewReading,
    check_reading,
    excursion_work_orders_open,
    excursions_awaiting_work_order,
    readings_store,
)
from gongdan.meters.tasks import excursion_work_orders_open_task
from gongdan.meters.topics import extract, path_tokens, topic_matches

logger = logging.getLogger("gongdan.meters.mqtt")
MAX_PAYLOAD = 64 * 1024
# An excursion still waiting for its work order this long after it started was left by a process that stopped
# between the readings' commit and the opening (or by another ingester that is slow): the sweep opens it.
SWEEP_AFTER = timedelta(seconds=30)
ROUTE_CACHE_SIZE = 10_000  # topics remembered with their meters; forgotten all at once past this
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # check_reading's "too far in the past"
PUBACK = struct.Struct("!BBH")  # MQTT 3.1.1 PUBACK: type 4, remaining length 2, the message id


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
        self.cache: dict[str, list[Mapping]] = {}

    def route(self, topic: str) -> list[Mapping]:
        found = self.cache.get(topic)
        if found is None:
            found = self.exact.get(topic, []) + [m for m in self.wild if topic_matches(m.topic_filter, topic)]
            if len(self.cache) >= ROUTE_CACHE_SIZE:
                self.cache.clear()
            self.cache[topic] = found
        return found


def readings_from(
    router: Router, topic: str, payload: bytes, received: float, counts: Counts, now: datetime
) -> list[NewReading]:
    """A message's readings (one per meter its topic feeds). `received` is when it arrived (seconds since the
    epoch: the reading's time when the meter has no time field); `now` is the batch's clock for the checks."""
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
            document = json.loads(
                payload.decode()
            )  # UTF-8 only (RFC 8259 for JSON exchanged between systems)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            problem = f"not JSON: {exc}"[:200]
    rows: list[NewReading] = []
    if not problem:
        latest = now + FUTURE_SLACK
        for mapping in mappings:
            try:
                value = extract(document, mapping.value_path)
                if mapping.time_path:
                    at = parse_time(extract(document, mapping.time_path))
                else:
                    at = datetime.fromtimestamp(received, tz=UTC)
            except (LookupError, ValueError, TypeError, OverflowError, OSError) as exc:
                problem = f"meter {mapping.meter_id}: field missing or unreadable ({exc!r})"[:200]
                continue
            # The common case checked inline; anything else goes to check_reading, which says what is wrong.
            if not (
                type(value) in (float, int) and -MAX_ABS_VALUE <= value <= MAX_ABS_VALUE
                and math.isfinite(value) and EARLIEST <= at <= latest
            ):  # fmt: skip
                trouble = check_reading(value, at, now=now)
                if trouble:
                    problem = f"meter {mapping.meter_id}: " + "; ".join(
                        f"{k}: {v}" for k, v in trouble.items()
                    )
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
        # Appended by paho's thread, emptied by the batch loop (deque's append and popleft are thread-safe).
        self.inbox: deque[tuple[str, bytes, int, int, float]] = deque()
        self.counter_made = False
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
        self.inbox.append((message.topic, bytes(message.payload), message.mid, message.qos, time.time()))

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
        """What arrived during the last `wait` seconds (at most `batch_size`): one transaction per batch."""
        time.sleep(self.wait)
        inbox = self.inbox
        return [inbox.popleft() for _ in range(min(len(inbox), self.batch_size))]

    def _process(self, batch: list[tuple[str, bytes, int, int, float]]) -> None:
        counts = Counts(received=len(batch))
        with self.lock:
            router = self.router
        rows: list[NewReading] = []
        now = timezone.now()
        for topic, payload, _mid, _qos, received in batch:
            rows += readings_from(router, topic, payload, received, counts, now)
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
        self._ack(batch)
        if self.on_batch is not None:
            self.on_batch(len(batch))
        # The work orders open after the readings are committed and acknowledged (decision 0172), on the
        # queue's consumer (decision 0173).
        self._queue_work_orders(awaiting)

    def _ack(self, batch: list[tuple[str, bytes, int, int, float]]) -> None:
        """Acknowledge a committed batch. paho writes each PUBACK with two system calls (one to wake its
        thread, one to the socket); QoS 1 PUBACKs carry no state on our side (MQTT 3.1.1), so they go out as
        one write: the same bytes the broker would get from `ack()` one by one."""
        ones = [mid for _topic, _payload, mid, qos, _received in batch if qos == 1]
        queue_packet = getattr(self.client, "_packet_queue", None)
        if ones and queue_packet is not None and self.connected.is_set():
            queue_packet(mqtt.PUBACK, b"".join(PUBACK.pack(mqtt.PUBACK, 2, mid) for mid in ones), 0, 0)
        else:
            for mid in ones:
                self.client.ack(mid, 1)
        for _topic, _payload, mid, qos, _received in batch:
            if qos == 2:
                self.client.ack(mid, qos)

    def _queue_work_orders(self, excursion_ids: list[int]) -> None:
        """Hand the excursions to the queue (in tests and with GONGDAN_HUEY_IMMEDIATE the task runs here, at
        once). If the queue cannot take them, they are opened here; if that fails too, the sweep opens them."""
        if not excursion_ids:
            return
        try:
            excursion_work_orders_open_task(excursion_ids)
        except Exception:
            logger.exception("queueing the work orders of %d excursions failed; opening them here",
                             len(excursion_ids))  # fmt: skip
            self._open_work_orders(excursion_ids)

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
        if not self.counter_made:
            IngestCounter.objects.get_or_create(client_id=self.client_id)
            self.counter_made = True
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
