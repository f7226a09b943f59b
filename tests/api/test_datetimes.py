"""Every date-time in an API answer is RFC 3339 (the OpenAPI document's `format: date-time`), whether
ninja wrote the answer or the view did (creates, ETag'd reads, idempotent replays)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from gongdan.tickets.services import ticket_comment

pytestmark = pytest.mark.django_db

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
DATE_TIME_KEYS = re.compile(r"(_at|^date_joined|^last_login)$")


def date_times(value: Any, path: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if DATE_TIME_KEYS.search(str(key)) and isinstance(item, str):
                found.append((f"{path}.{key}", item))
            found.extend(date_times(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(date_times(item, f"{path}[{index}]"))
    return found


def assert_rfc3339(body: Any) -> int:
    found = date_times(body)
    bad = [(where, value) for where, value in found if not RFC3339.match(value)]
    assert not bad, bad
    for _where, value in found:
        datetime.fromisoformat(value)
    return len(found)


def test_every_answer_writes_rfc3339_date_times(agent_api, agent, make_ticket, category):
    ticket = make_ticket(due_at=datetime.fromisoformat("2026-12-24T09:30:00.123456+08:00"))
    ticket_comment(actor=agent, ticket=ticket, body="hello")
    created = agent_api.post("tickets", {"subject": "Printer", "category": category.pk})
    replayed = agent_api.post(
        "tickets", {"subject": "Scanner"}, headers={"Idempotency-Key": "k1"}
    )  # stored, then
    again = agent_api.post("tickets", {"subject": "Scanner"}, headers={"Idempotency-Key": "k1"})
    comment = agent_api.post(f"tickets/{ticket.number}/comments", {"body": "more"})
    time_entry = agent_api.post(f"tickets/{ticket.number}/time-entries", {"minutes": 5})
    answers = [
        created,
        replayed,
        again,
        comment,
        time_entry,
        agent_api.get("tickets"),
        agent_api.get(f"tickets/{ticket.number}"),
        agent_api.get(f"tickets/{ticket.number}/comments"),
        agent_api.get(f"tickets/{ticket.number}/events"),
        agent_api.get(f"tickets/{ticket.number}/time-entries"),
        agent_api.get("users/me"),
        agent_api.get("auth/tokens"),
    ]

    assert [a.status_code for a in answers] == [201, 201, 201, 201, 201] + [200] * 7
    assert again["Idempotent-Replayed"] == "true"
    counted = sum(assert_rfc3339(a.json()) for a in answers)
    assert counted > 20
    detail = agent_api.get(f"tickets/{ticket.number}").json()
    assert detail["due_at"] == "2026-12-24T01:30:00.123456Z"  # UTC, microseconds kept
    assert replayed.json() == again.json()
