"""Feed leases, whatever the backend: the value a store hands out with a due feed.

A lease says: this process may check the feed until `until`, unless it renews it. On a shared
PostgreSQL state `until` and `leased_at` are the database's time and the token fences a holder
whose lease expired and was taken over (store/postgres/feeds.py); on SQLite, where the state's
lock makes one process the only checker, leases live in that process (store/sqlite/leases.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from uuid import UUID


class LeasableFeed(NamedTuple):
    """A configured feed, as `sync_feeds` registers it for leasing."""

    name: str
    url: str
    interval_seconds: float
    enabled: bool = True
    # A feed never checked is first due this long after it is registered (the daemon spreads
    # the first checks of many feeds: monitor.schedule.first_check_delay).
    first_check_delay_seconds: float = 0.0


@dataclass(frozen=True)
class FeedLease:
    name: str
    token: UUID
    leased_at: datetime
    until: datetime
