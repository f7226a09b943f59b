from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from gongdan.sla import services as sla
from gongdan.sla.models import BusinessCalendar, SlaPolicy
from gongdan.tickets.models import Priority


class Clock:
    """The wall clock the services read (django.utils.timezone.now), moved by the test."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def wall_clock():
    clock = Clock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # Tuesday 09:00 in Shanghai
    with mock.patch("django.utils.timezone.now", clock):
        yield clock


@pytest.fixture
def always(db) -> BusinessCalendar:
    return BusinessCalendar.objects.get(is_24x7=True)


@pytest.fixture
def china(db) -> BusinessCalendar:
    return BusinessCalendar.objects.get(name_en="Mainland China")


@pytest.fixture
def priorities(db) -> dict[str, Priority]:
    return {p.code: p for p in Priority.objects.all()}


@pytest.fixture
def policy(admin_user, always, priorities) -> SlaPolicy:
    """A test policy ahead of the seeded ones: 24×7, P2 respond 60 / next 120 / resolve 480 minutes,
    P1 30 / 60 / 240, teams 240 minutes each."""
    return sla.policy_create(
        actor=admin_user,
        name="测试",
        name_en="Test",
        order=0,
        calendar=always,
        stage_minutes=240,
        targets={priorities["P2"]: (60, 120, 480), priorities["P1"]: (30, 60, 240)},
    )


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the SLA sweep as the periodic task does; the actions it queues on commit run inline (Huey's
    immediate mode in tests)."""
    from gongdan.sla.escalation import escalation_sweep

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return escalation_sweep()

    return run
