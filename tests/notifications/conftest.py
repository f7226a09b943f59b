"""A real SMTP server (aiosmtpd) in a thread, on-call fixtures and a ticket to page about."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from gongdan.oncall.models import OnCallParticipant, OnCallSchedule
from gongdan.tickets.services import ticket_create
from tests.factories import AgentFactory


@dataclass
class SmtpServer:
    """Accepts mail and keeps it; `refuse_with` makes DATA answer that reply instead ("451 …")."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse_with: str | None = None
    refusals: int = 0
    received: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            self.refusals += 1
            return self.refuse_with
        self.raw.append(envelope.original_content)
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.received.set()
        return "250 Message accepted for delivery"

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    server = SmtpServer(port=free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def mail(settings, smtp_server):
    """SMTP configured to the test server."""
    settings.GONGDAN_SMTP_URL = smtp_server.url
    settings.GONGDAN_MAIL_FROM = "Gongdan <desk@gongdan.example>"
    settings.SITE_URL = "https://desk.example"
    return smtp_server


@pytest.fixture
def ticket(agent, team, requester):
    return ticket_create(actor=agent, subject="Core switch down", requester=requester, team=team)


@pytest.fixture
def oncall_people(team):
    people = [AgentFactory(username=name, language=lang) for name, lang in
              (("wang", "zh-hans"), ("li", "en"), ("zhao", "en"))]  # fmt: skip
    for person in people:
        team.memberships.create(user=person)
    return people


@pytest.fixture
def schedule(team, oncall_people):
    """Daily rotation wang → li, handoff 09:00 Shanghai, started long ago; zhao is the backup."""
    schedule = OnCallSchedule.objects.create(
        name="IT on-call", team=team, time_zone="Asia/Shanghai", rotation_days=1,
        handoff_time=dt.time(9, 0), start_date=dt.date(2026, 1, 1), repeat_interval_minutes=5,
        escalate_after_repeats=2,
    )  # fmt: skip
    wang, li, zhao = oncall_people
    OnCallParticipant.objects.create(schedule=schedule, user=wang, layer=1, position=0)
    OnCallParticipant.objects.create(schedule=schedule, user=li, layer=1, position=1)
    OnCallParticipant.objects.create(schedule=schedule, user=zhao, layer=2, position=0)
    return schedule
