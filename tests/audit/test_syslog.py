"""Entries go to a SIEM as RFC 5424 syslog after their transaction commits — checked by a real receiver
(an asyncio UDP and TCP server started by the test) that parses what arrives on the wire."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from datetime import datetime

import pytest
from django.db import transaction

from gongdan.audit import kinds
from gongdan.audit.models import SyslogCursor
from gongdan.audit.services import audit_record

pytestmark = pytest.mark.django_db

# RFC 5424 §6: HEADER SP STRUCTURED-DATA [SP MSG]; HEADER = PRI VERSION SP TIMESTAMP SP HOSTNAME SP
# APP-NAME SP PROCID SP MSGID. Field lengths per the ABNF; MSG here is UTF-8 with a BOM.
RFC5424 = re.compile(
    rb"^<(?P<pri>\d{1,3})>1 (?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) "
    rb"(?P<host>[!-~]{1,255}) (?P<app>[!-~]{1,48}) (?P<procid>[!-~]{1,128}) (?P<msgid>[!-~]{1,32}) "
    rb"(?P<sd>-|(?:\[[^ \]=\"]{1,32}(?: [^ \]=\"]{1,32}=\"(?:[^\"\\\]]|\\[\"\\\]])*\")*\])+)"
    rb"(?: \xef\xbb\xbf(?P<msg>.*))?$",
    re.DOTALL,
)


class Receiver:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.arrived = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.udp_port = self.tcp_port = 0
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        started.wait(5)

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        receiver = self

        class Datagrams(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr) -> None:
                receiver._got(data)

        async def framed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            # RFC 6587 octet counting: MSG-LEN SP SYSLOG-MSG
            while length := await reader.readuntil(b" ") if not reader.at_eof() else b"":
                receiver._got(await reader.readexactly(int(length[:-1])))
            writer.close()

        async def start() -> None:
            transport, _ = await self.loop.create_datagram_endpoint(Datagrams, local_addr=("127.0.0.1", 0))
            self.udp_port = transport.get_extra_info("sockname")[1]
            server = await asyncio.start_server(framed, "127.0.0.1", 0)
            self.tcp_port = server.sockets[0].getsockname()[1]

        self.loop.run_until_complete(start())
        started.set()
        self.loop.run_forever()

    def _got(self, data: bytes) -> None:
        self.messages.append(data)
        self.arrived.set()

    def wait_for(self, count: int) -> list[bytes]:
        for _ in range(50):
            if len(self.messages) >= count:
                break
            self.arrived.wait(0.1)
            self.arrived.clear()
        return self.messages

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def parse(message: bytes) -> dict:
    match = RFC5424.match(message)
    assert match, f"not RFC 5424: {message!r}"
    fields = match.groupdict()
    datetime.fromisoformat(fields["ts"].decode().replace("Z", "+00:00"))
    return fields


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_entries_arrive_as_rfc5424_after_the_commit(settings, receiver, transport, admin_user,
                                                    django_capture_on_commit_callbacks):  # fmt: skip
    port = receiver.udp_port if transport == "udp" else receiver.tcp_port
    settings.GONGDAN_AUDIT_SYSLOG = f"{transport}://127.0.0.1:{port}"
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = audit_record(kind=kinds.SIGN_IN_FAILURE, actor_username='eve "]\\', detail={"n": "一"})
        second = audit_record(kind=kinds.CONFIG_UPDATE, actor=admin_user, object_type="sla.policy",
                              detail={"before": {"x": 1}, "after": {"x": 2}})  # fmt: skip
        assert receiver.messages == []  # nothing leaves before the commit
    messages = receiver.wait_for(2)
    assert len(messages) == 2
    first.refresh_from_db()  # chained after the commit, then shipped
    second.refresh_from_db()
    failure, update = (parse(message) for message in messages)
    assert (
        int(failure["pri"]) == 13 * 8 + 4 and int(update["pri"]) == 13 * 8 + 5
    )  # log audit; warning, notice
    assert failure["app"] == b"gongdan" and failure["msgid"] == b"sign_in.failure"
    assert f'seq="{first.seq}"'.encode() in failure["sd"] and first.hash.encode() in failure["sd"]
    assert b'actor="eve \\"\\]\\\\"' in failure["sd"]  # escaped per RFC 5424 §6.3.3
    body = json.loads(update["msg"].decode("utf-8"))
    assert body["seq"] == second.seq and body["hash"] == second.hash and body["detail"]["after"] == {"x": 2}
    assert json.loads(failure["msg"].decode())["detail"] == {"n": "一"}
    assert SyslogCursor.objects.get(pk=1).seq == second.seq


def test_a_rolled_back_change_sends_nothing(settings, receiver, django_capture_on_commit_callbacks):
    settings.GONGDAN_AUDIT_SYSLOG = f"udp://127.0.0.1:{receiver.udp_port}"
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        audit_record(kind=kinds.SIGN_OUT, actor_username="x")
        raise RuntimeError("rolled back")
    assert receiver.wait_for(1) == []
