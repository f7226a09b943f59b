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

    def at(self, instant: datetime) -> datetime:
        self.now = instant
        return instant


T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


@pytest.fixture
def wall_clock():
    clock = Clock(T0)
    with mock.patch("django.utils.timezone.now", clock):
        yield clock


@pytest.fixture
def priorities(db) -> dict[str, Priority]:
    return {p.code: p for p in Priority.objects.all()}


@pytest.fixture
def policy(admin_user, priorities) -> SlaPolicy:
    """24×7, P2: respond within 60 minutes, resolve within 480; pending statuses pause the clocks."""
    return sla.policy_create(
        actor=admin_user,
        name="报表测试",
        name_en="Reports test",
        order=0,
        calendar=BusinessCalendar.objects.get(is_24x7=True),
        targets={priorities["P2"]: (60, 120, 480), priorities["P1"]: (30, 60, 240)},
    )
