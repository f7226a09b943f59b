"""The threshold rule as a pure function (decision 0141): above, below, or changing faster than allowed
within a window, with hysteresis so a signal that chatters around a limit makes one excursion, not many.

A meter enters an excursion when a reading crosses a limit (value > high, value < low, |change within the
window| > rate limit) and leaves it only once the reading is back inside the limit by the hysteresis
(value ≤ high − h, value ≥ low + h, |change| ≤ rate − h)."""

from __future__ import annotations

from dataclasses import dataclass

NORMAL = "normal"
HIGH = "high"
LOW = "low"
RATE = "rate"


@dataclass(frozen=True)
class Limits:
    low: float | None = None
    high: float | None = None
    rate: float | None = None
    hysteresis: float = 0.0


def entered(limits: Limits, value: float, change: float | None) -> str:
    """The state a reading puts a meter in that was normal."""
    if limits.high is not None and value > limits.high:
        return HIGH
    if limits.low is not None and value < limits.low:
        return LOW
    if limits.rate is not None and change is not None and abs(change) > limits.rate:
        return RATE
    return NORMAL


def next_state(state: str, limits: Limits, value: float, change: float | None) -> str:
    """The meter's state after one reading. A limit removed while out of it clears the excursion."""
    h = limits.hysteresis
    if state == HIGH and limits.high is not None and value > limits.high - h:
        return HIGH
    if state == LOW and limits.low is not None and value < limits.low + h:
        return LOW
    if state == RATE and limits.rate is not None and (change is None or abs(change) > limits.rate - h):
        return RATE
    return entered(limits, value, change)


def limit_of(limits: Limits, state: str) -> float | None:
    return {HIGH: limits.high, LOW: limits.low, RATE: limits.rate}.get(state)
