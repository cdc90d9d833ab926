"""Feed-state rules: when a feed is due, how long a failing one backs off, what a check's
success or failure records on the feed's state, and where the daemon's first checks fall.

Pure: states in, states out (the pipeline commits them with the check's items).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable

from monitor.config import FeedConfig
from monitor.errors import FeedError
from monitor.model import FeedOutcome, FeedState
from monitor.retry import Backoff

# First checks start at about this rate (the daemon checked ~70 trivial feeds a second on a
# shared 2-core machine), over at least MIN_SPREAD_SECONDS and at most each feed's interval.
FIRST_CHECKS_PER_SECOND = 25.0
MIN_SPREAD_SECONDS = 10.0


def is_due(state: FeedState, now: datetime, *, honour_schedule: bool) -> bool:
    """A failing feed waits out its backoff; a healthy one waits for its interval only in the
    daemon (`honour_schedule`), so a one-shot `monitor poll` checks every healthy feed."""
    if state.next_due_at is None or state.next_due_at <= now:
        return True
    return not (honour_schedule or state.consecutive_failures > 0)


@dataclass(frozen=True)
class Due:
    """Which feeds a poll checks: see is_due. A feed's state is read when its turn comes, so a
    poll never holds every feed's state at once."""

    now: datetime
    force: bool
    honour_schedule: bool

    def skipped(self, state: FeedState) -> FeedOutcome | None:
        if self.force or is_due(state, self.now, honour_schedule=self.honour_schedule):
            return None
        return FeedOutcome(state.name, state.fetch_url, "skipped",
                           error=f"backing off until {state.next_due_at:%Y-%m-%d %H:%M:%S}Z"
                           f" after: {state.last_error}" if state.consecutive_failures else None)


def after_success(state: FeedState, feed: FeedConfig, now: datetime) -> FeedState:
    """A fetch answered: the failure count resets and the next check is one interval away."""
    return replace(state, last_success_at=now, consecutive_failures=0, failing_since=None,
                   last_error=None, last_error_kind=None,
                   next_due_at=now + timedelta(seconds=feed.interval))


def after_failure(state: FeedState, feed: FeedConfig, exc: FeedError, *, now: datetime,
                  backoff_max_seconds: float, rng: random.Random,
                  scrub: Callable[[str], str]) -> FeedState:
    """A check failed: the error is recorded (scrubbed) and the next check backs off
    exponentially from the feed's interval, or waits for the server's Retry-After."""
    failures = state.consecutive_failures + 1
    backoff = Backoff(base_seconds=feed.interval, factor=2.0,
                      max_seconds=max(feed.interval, backoff_max_seconds), jitter=0.2)
    delay = backoff.delay(failures, rng, exc.retry_after_seconds)
    # An error may quote the URL (httpx's InvalidURL does): no ${VAR} value in what is kept.
    return replace(state, consecutive_failures=failures,
                   failing_since=state.failing_since or now, last_error=scrub(str(exc)),
                   last_error_kind=exc.error_kind, next_due_at=now + timedelta(seconds=delay))


def spread_seconds(feeds: int) -> float:
    """The window the daemon's first checks of `feeds` feeds are spread over."""
    return max(MIN_SPREAD_SECONDS, feeds / FIRST_CHECKS_PER_SECOND)


def first_check_delay(name: str, window_seconds: float) -> float:
    """Where in the window a feed's first check falls: fixed by its name, so feeds started
    together spread evenly and a restart does not bunch them."""
    name_hash = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return window_seconds * int.from_bytes(name_hash, "big") / 2.0 ** 64
