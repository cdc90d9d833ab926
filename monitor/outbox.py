"""The durable alert outbox over the store: what is due, and what a delivery outcome means.

Rows are enqueued in the same transaction that marks their item seen (Store.commit_poll).
`RetryPolicy` decides when a failed row is tried again and when it is dead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.errors import DeliveryError
from monitor.retry import Backoff
from monitor.store import OutboxRow, Store


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter; a row is dead after `max_attempts` failures."""

    backoff: Backoff = field(default_factory=lambda: Backoff(base_seconds=30.0, factor=2.0,
                                                             max_seconds=3600.0, jitter=0.2))
    max_attempts: int = 20

    def next_attempt_at(self, attempts_so_far: int, now: datetime, *,
                        retry_after_seconds: float | None = None,
                        rng: random.Random | None = None) -> datetime:
        delay = self.backoff.delay(attempts_so_far + 1, rng, retry_after_seconds)
        return now + timedelta(seconds=delay)


class Outbox:
    def __init__(self, store: Store, policy: RetryPolicy | None = None,
                 rng: random.Random | None = None) -> None:
        self.store = store
        self.policy = policy or RetryPolicy()
        self.rng = rng or random.Random()

    def due(self, now: datetime, *, limit: int = 100, ignore_backoff: bool = False,
            channel: str | None = None) -> list[OutboxRow]:
        return self.store.due_outbox(now, limit=limit, ignore_backoff=ignore_backoff,
                                     channel=channel)

    def delivered(self, row: OutboxRow, now: datetime) -> None:
        self.store.mark_sent([row.id], now)

    def failed(self, row: OutboxRow, error: DeliveryError, now: datetime) -> str:
        """Record a failed attempt; returns the row's new status ("pending" or "dead")."""
        if not error.transient or row.attempts + 1 >= self.policy.max_attempts:
            self.store.mark_dead(row.id, str(error))
            return "dead"
        when = self.policy.next_attempt_at(row.attempts, now,
                                           retry_after_seconds=error.retry_after_seconds,
                                           rng=self.rng)
        self.store.mark_failed(row.id, str(error), when)
        return "pending"
