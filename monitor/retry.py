"""Backoff and Retry-After arithmetic shared by feed polling and alert delivery. Pure; stdlib only."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).

    Returns None for a missing or malformed value; never negative.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - now).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, 7 * 86400.0))


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter: base·factor^(attempt-1), ×[1-jitter, 1+jitter]."""

    base_seconds: float = 60.0
    factor: float = 2.0
    max_seconds: float = 24 * 3600.0
    jitter: float = 0.2

    def delay(self, attempt: int, rng: random.Random | None = None,
              retry_after_seconds: float | None = None) -> float:
        """Delay before retry number `attempt` (1 = first retry); Retry-After wins if longer."""
        attempt = max(1, attempt)
        exponent = min(attempt - 1, 64)
        raw = min(self.base_seconds * (self.factor ** exponent), self.max_seconds)
        r = (rng or random).uniform(1 - self.jitter, 1 + self.jitter) if self.jitter else 1.0
        delay = min(raw * r, self.max_seconds)
        if retry_after_seconds is not None:
            delay = max(delay, retry_after_seconds)
        return delay
