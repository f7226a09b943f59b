"""What the two-factor app announces to the apps above it (notifications tells the user)."""

from __future__ import annotations

from django.dispatch import Signal

# A security administrator removed every second factor of `user` (`actor` did it). Sent after commit.
second_factors_reset = Signal()
