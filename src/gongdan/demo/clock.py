"""The demo's simulated clock: the services read the time from django.utils.timezone.now."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone


@contextmanager
def replay_clock(at: datetime) -> Iterator[None]:
    """Run the services as if it were `at`."""
    original = timezone.now
    timezone.now = lambda: at
    try:
        yield
    finally:
        timezone.now = original
