"""When a failed delivery is tried again, and when it is dead: capped exponential backoff with
jitter (urllib3's Retry is the model: an immutable value, a pure formula). Pure.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.config import DeliveryConfig
from monitor.retry import Backoff


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter; a row is dead after `max_attempts` failures."""

    backoff: Backoff = field(default_factory=lambda: _backoff(DeliveryConfig()))
    max_attempts: int = DeliveryConfig().max_attempts

    @classmethod
    def from_settings(cls, settings: DeliveryConfig) -> RetryPolicy:
        return cls(_backoff(settings), settings.max_attempts)

    def next_attempt_at(self, attempts_so_far: int, now: datetime, *,
                        retry_after_seconds: float | None = None,
                        rng: random.Random | None = None) -> datetime:
        delay = self.backoff.delay(attempts_so_far + 1, rng, retry_after_seconds)
        return now + timedelta(seconds=delay)


def _backoff(settings: DeliveryConfig) -> Backoff:
    """The config's delays (the defaults live in DeliveryConfig), doubling, ±20 % jitter."""
    return Backoff(base_seconds=settings.retry_first, factor=2.0,
                   max_seconds=settings.retry_max, jitter=0.2)
