"""The durable alert outbox over the store: what is due, and what a delivery outcome means.

Rows are enqueued in the same transaction that marks their item seen (Store.commit_poll).
`RetryPolicy` decides when a failed row is tried again and when it is dead; `rate_wait_seconds`
when a channel may send again; `form_digests` when a digest channel's waiting alerts become one
digest row.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable, Sequence

from monitor.errors import DeliveryError, StoreError
from monitor.model import Alert, ChannelSpec, DeliverySettings
from monitor.retry import Backoff
from monitor.store import OutboxRow, Store


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter; a row is dead after `max_attempts` failures."""

    backoff: Backoff = field(default_factory=lambda: _backoff(DeliverySettings()))
    max_attempts: int = DeliverySettings.max_attempts

    @classmethod
    def from_settings(cls, settings: DeliverySettings) -> RetryPolicy:
        return cls(_backoff(settings), settings.max_attempts)

    def next_attempt_at(self, attempts_so_far: int, now: datetime, *,
                        retry_after_seconds: float | None = None,
                        rng: random.Random | None = None) -> datetime:
        delay = self.backoff.delay(attempts_so_far + 1, rng, retry_after_seconds)
        return now + timedelta(seconds=delay)


def _backoff(settings: DeliverySettings) -> Backoff:
    """The config's delays (the defaults live in DeliverySettings), doubling, ±20 % jitter."""
    return Backoff(base_seconds=settings.retry_first_seconds, factor=2.0,
                   max_seconds=settings.retry_max_seconds, jitter=0.2)


class Outbox:
    def __init__(self, store: Store, policy: RetryPolicy | None = None,
                 rng: random.Random | None = None,
                 scrub: Callable[[str], str] = lambda text: text) -> None:
        """`scrub`: applied to every error before it is stored (the config's secrets, in
        each of their encodings, never reach the state file: monitor.redact)."""
        self.store = store
        self.policy = policy or RetryPolicy()
        self.rng = rng or random.Random()
        self.scrub = scrub
        # Rows a channel accepted that the store could not mark sent (a full disk): kept
        # here until it can, so they are not sent again meanwhile (every drain would repeat
        # them for as long as the disk stays full).
        self.unrecorded: dict[int, datetime] = {}

    def due(self, now: datetime, *, limit: int = 100, ignore_backoff: bool = False,
            channel: str | None = None) -> list[OutboxRow]:
        """Due rows, oldest first. Records the sends it still owes the store first, and
        raises StoreError if it still cannot: nothing more is sent until it can."""
        if self.unrecorded:
            for row_id, sent_at in list(self.unrecorded.items()):
                self.store.mark_sent([row_id], sent_at)
                del self.unrecorded[row_id]
        return self.store.due_outbox(now, limit=limit, ignore_backoff=ignore_backoff,
                                     channel=channel, keep_order=True)

    def delivered(self, row: OutboxRow, now: datetime) -> None:
        try:
            self.store.mark_sent([row.id], now)
        except StoreError:
            self.unrecorded[row.id] = now
            raise

    def failed(self, row: OutboxRow, error: DeliveryError, now: datetime) -> str:
        """Record a failed attempt; returns the row's new status ("pending" or "dead")."""
        message = self.scrub(str(error))
        if not error.transient or row.attempts + 1 >= self.policy.max_attempts:
            self.store.mark_dead(row.id, message)
            return "dead"
        when = self.policy.next_attempt_at(row.attempts, now,
                                           retry_after_seconds=error.retry_after_seconds,
                                           rng=self.rng)
        self.store.mark_failed(row.id, message, when)
        return "pending"


# -- rate limits and digests -------------------------------------------------------------------

# Used when a channel sets no `rate_limit`: the services' own documented ceilings (notify.md §1:
# Slack about one message per second per webhook; Telegram 20 messages per minute per group).
DEFAULT_RATE_PER_MINUTE = {"slack": 60.0, "telegram": 20.0}
RATE_WINDOW = timedelta(seconds=60)
DIGEST_MAX_ALERTS = 500


def rate_limit_per_minute(spec: ChannelSpec) -> float | None:
    return spec.rate_limit_per_minute or DEFAULT_RATE_PER_MINUTE.get(spec.type)


def rate_wait_seconds(store: Store, spec: ChannelSpec, now: datetime) -> float:
    """How long the channel must wait before its next message: at most `rate_limit` messages
    in any 60 seconds, counted from the sent rows, so it holds across processes and restarts."""
    rate = rate_limit_per_minute(spec)
    if not rate:
        return 0.0
    allowed = max(1, int(rate))
    times = store.sent_since(spec.name, now - RATE_WINDOW)
    if len(times) < allowed:
        return 0.0
    frees_at = times[len(times) - allowed] + RATE_WINDOW
    return max(0.0, (frees_at - now).total_seconds())


def digest_alert(channel: str, members: Sequence[Alert], now: datetime) -> Alert:
    """One alert summarising `members`. Its id depends only on the members, so a retried
    digest keeps its webhook-id / Matrix transaction id."""
    ids = "\0".join(a.id for a in members)
    digest_id = "dg_" + hashlib.blake2b(f"{channel}\0{ids}".encode(), digest_size=12).hexdigest()
    rules = sorted({a.rule for a in members})
    n = len(members)
    return Alert(id=digest_id, rule=", ".join(rules), channel=channel,
                 feed=", ".join(sorted({a.feed for a in members})), item_key=digest_id,
                 item_id=digest_id, title=f"{n} new match{'es' if n != 1 else ''}", summary="",
                 link="", published_at=max(a.published_at for a in members), language="",
                 matched_terms=tuple(sorted({t for a in members for t in a.matched_terms})),
                 created_at=now, kind="digest", items=tuple(members))


def form_digests(store: Store, specs: Iterable[ChannelSpec], now: datetime, *,
                 force: bool = False) -> int:
    """For each digest channel whose oldest waiting alert has waited a full interval (or
    every one with `force`), turn its waiting alerts into one digest row. Returns how many.

    Batching everything that waits means the next digest's oldest alert is younger than this
    one, so a channel gets at most one digest per interval, and no alert waits much longer.
    """
    made = 0
    for spec in specs:
        if not spec.digest_seconds:
            continue
        rows = store.waiting_for_digest(spec.name, limit=DIGEST_MAX_ALERTS)
        if not rows:
            continue
        if not force and now - rows[0].created_at < timedelta(seconds=spec.digest_seconds):
            continue
        digest = digest_alert(spec.name, [r.alert for r in rows], now)
        if store.create_digest(digest, [r.id for r in rows], now=now):
            made += 1
    return made
