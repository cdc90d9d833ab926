"""Which feed checks this process runs, and when: the daemon's one scheduling model for every
backend. Due feeds are leased from the store (`claim_feeds`), checked, and given back
(the check's commit ends its lease; a check that ends otherwise releases it).

On a shared PostgreSQL state the lease is what makes each feed checked once per interval across
the cluster: the store hands a due feed to one node, for a time measured on the database's
clock, and schedules the next check an interval after the lease was taken. On SQLite the
state's lock already makes this process the only checker, and the store's lease is a set in
memory. Either way this loop: registers the config's feeds (`sync_feeds`), asks for due feeds
whenever a check slot is free (at least every CLAIM_EVERY_SECONDS), renews the leases of
checks still running (a check that translates may outlast a fetch), cancels a check whose lease
was taken over (its results could not be recorded), and on stop gives every lease back so
another node takes those feeds at once.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, AsyncIterator, Awaitable, Callable, Sequence

from monitor.failure_log import FailureLog
from monitor.model import FeedOutcome

from monitor.schedule import first_check_delay, spread_seconds
from monitor.store.leases import LeasableFeed

if TYPE_CHECKING:
    from monitor.config import FeedConfig

log = logging.getLogger(__name__)
CLAIM_EVERY_SECONDS = 1.0


def lease_seconds(total_timeout_seconds: float) -> float:
    """A feed lease: twice the fetch's whole deadline and ten seconds more, so a check (fetch,
    parse, commit) ends well inside it; it is renewed every third of it while the check runs."""
    return 2 * total_timeout_seconds + 10.0


@dataclass
class SchedulerStats:
    started: int = 0
    lost: int = 0  # checks cancelled because another node took their feed over
    last_error: str | None = None


class CheckScheduler:
    def __init__(self, store, feeds: Sequence[FeedConfig], *,
                 check: Callable[[FeedConfig], Awaitable[None]], slots: int,
                 lease_seconds: float, stopping: asyncio.Event,
                 spread_first_checks: bool = True) -> None:
        self.store = store
        self.check = check
        self.slots = max(1, slots)
        self.lease = lease_seconds
        self.stopping = stopping
        self.running: dict[str, asyncio.Task] = {}
        self.stats = SchedulerStats()
        self.wake = asyncio.Event()
        self.spread = spread_first_checks
        self.feeds: dict[str, FeedConfig] = {}
        self.failures = FailureLog(log, "Could not lease feeds; trying again",
                                   "Leasing feeds works again")
        self.use(feeds)

    def use(self, feeds: Sequence[FeedConfig]) -> None:
        """The config's feeds (at start and after a reload): registered for leasing. A feed
        never checked is first due at a place in a window that grows with the number of feeds,
        fixed by its name (monitor.schedule.first_check_delay), so 2,000 new feeds do not all
        start at once and a restart does not bunch them."""
        self.feeds = {f.name: f for f in feeds if f.enabled}
        window = spread_seconds(len(self.feeds))
        self.store.sync_feeds([LeasableFeed(
            f.name, f.url, f.interval, f.enabled,
            first_check_delay(f.name, min(window, f.interval)) if self.spread else 0.0)
            for f in feeds])
        self.wake.set()

    async def run(self) -> None:
        """Until `stopping`: lease due feeds into free slots, renew, repeat. Store errors (a
        database that is down) are logged and retried; they never end the loop."""
        loop = asyncio.get_running_loop()
        renew_at = loop.time() + self.lease / 3
        while not self.stopping.is_set():
            try:
                self._start_due()
                if loop.time() >= renew_at:
                    renew_at = loop.time() + self.lease / 3
                    self._renew()
                self.failures.succeeded()
            except Exception as exc:  # a StoreError (the database away), or a bug
                self.stats.last_error = str(exc)
                self.failures.failed(str(exc))
            self.wake.clear()
            waiters = [asyncio.ensure_future(self.wake.wait()),
                       asyncio.ensure_future(self.stopping.wait())]
            await asyncio.wait(waiters, timeout=CLAIM_EVERY_SECONDS,
                               return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()

    async def stop(self) -> None:
        """Cancel the running checks and give their leases back (`stopping` is set)."""
        tasks = list(self.running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # each gives its lease back

    def _start_due(self) -> None:
        free = self.slots - len(self.running)
        if free <= 0:
            return
        for lease in self.store.claim_feeds(free, self.lease):
            feed = self.feeds.get(lease.name)
            if feed is None or lease.name in self.running:
                # Leased but not this node's to check (another node's config names it):
                # give it back at once.
                self.store.release_feeds([lease])
                continue
            self.stats.started += 1
            self.running[lease.name] = asyncio.ensure_future(self._run_check(feed, lease))

    async def _run_check(self, feed: FeedConfig, lease) -> None:
        try:
            await self.check(feed)
        finally:
            self.running.pop(feed.name, None)
            if self.store.held.get(feed.name) is lease:  # the check recorded nothing
                if self.stopping.is_set():
                    self._give_back(lease)  # another node can take the feed at once
                else:
                    # It failed without recording (a full disk, the database away, a bug):
                    # tried again an interval later, as the check would have been, not at
                    # once (a hot loop) nor a whole lease later.
                    self._drop(lease, feed.interval)
            self.wake.set()

    def _drop(self, lease, retry_in_seconds: float) -> None:
        try:
            self.store.drop_feed_lease(lease.name, retry_in_seconds)
        except Exception as exc:
            log.warning("Could not bring a failed check's feed lease forward; it expires on its "
                        "own", extra={"fields": {"feed_name": lease.name, "error": str(exc)}})

    def _give_back(self, lease) -> None:
        try:
            self.store.release_feeds([lease])
        except Exception as exc:
            log.warning("Could not give a feed lease back; it expires on its own",
                        extra={"fields": {"feed_name": lease.name, "error": str(exc)}})

    def _renew(self) -> None:
        for name in self.store.renew_feed_leases(self.lease):
            task = self.running.get(name)
            if task is not None:
                self.stats.lost += 1
                log.warning("Feed lease lost to another node; its check is cancelled",
                            extra={"fields": {"feed_name": name}})
                task.cancel()


@asynccontextmanager
async def poll_leases(store, feeds: Sequence[FeedConfig], *, lease_seconds: float,
                      force: bool) -> AsyncIterator[tuple[list[FeedConfig], list[FeedOutcome]]]:
    """`monitor poll` on a shared state: take part in the leasing instead of doubling the
    daemons' work. Leases the feeds that are due (with `force`, every feed no node holds),
    renews them while the poll runs, and gives back what the poll did not record. Yields the
    feeds to check and a "skipped" outcome for each of the others."""
    enabled = [f for f in feeds if f.enabled]
    taken = {lease.name for lease in store.claim_feeds(len(enabled), lease_seconds,
                                                       names=[f.name for f in enabled],
                                                       due=not force)}
    skipped = [FeedOutcome(f.name, f.url, "skipped", error=(
        "another node is checking it" if force else
        "another node is checking it, or checked it within its interval"))
        for f in enabled if f.name not in taken]

    async def renew() -> None:
        while True:
            await asyncio.sleep(lease_seconds / 3)
            store.renew_feed_leases(lease_seconds)

    renewing = asyncio.ensure_future(renew())
    try:
        yield [f for f in feeds if f.name in taken], skipped
    finally:
        renewing.cancel()
        await asyncio.gather(renewing, return_exceptions=True)
        store.release_feeds(list(store.held.values()))
