"""The daemon's scheduled work: feed checks as their leases come due (monitor.check_scheduler),
the node's heartbeat, and the retention prune on APScheduler 3 (the only importer of
apscheduler).

Checks: the store hands out due feeds with a lease (on a shared PostgreSQL state, to one node
of the cluster at a time; on SQLite, to this process), at most `fetch.concurrency` at once; a
check's commit schedules the feed's next check an interval after its lease was taken. First
checks of new feeds are spread over a window that grows with the number of feeds, at a fixed
place per feed name (monitor.schedule). A check that outlasts its interval is logged once when
it starts overrunning and once when it keeps to its interval again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config import FeedConfig, RetentionConfig
from monitor.errors import MonitorError, StateGoneError
from monitor.failure_log import FailureLog
from monitor.metrics import Metrics
from monitor.pipeline import poll
from monitor.runtime import Deps
from monitor.check_scheduler import CheckScheduler, lease_seconds

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10.0  # monitor.store.postgres.nodes shows a node silent for 3 beats as gone


class Jobs:
    """The scheduler and what it runs. Reads the config from `deps.config` at every run, so a
    reload takes effect at the next one (`reschedule` adds and removes feeds' jobs)."""

    def __init__(self, deps: Deps, *, stopping: asyncio.Event, metrics: Metrics,
                 on_alerts: Callable[[], None],
                 on_state_gone: Callable[[StateGoneError], None]) -> None:
        self.deps = deps
        self.stopping = stopping
        self.metrics = metrics
        self.on_alerts = on_alerts  # a check enqueued alerts: wake the delivery workers
        self.on_state_gone = on_state_gone
        self.scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone="UTC")
        config = deps.config
        self.feed_checks = CheckScheduler(
            deps.store, config.feeds, check=self._check_feed, slots=config.fetch.concurrency,
            lease_seconds=lease_seconds(config.fetch.total_timeout), stopping=stopping)
        self.background: list[asyncio.Task] = []  # the feed checks' loop, the heartbeat
        self.overrunning: dict[str, int] = {}  # feed name → checks in a row that overran

    @property
    def is_running(self) -> bool:
        return self.scheduler.running

    @property
    def running_checks(self) -> int:
        return len(self.feed_checks.running)

    def schedule(self) -> None:
        """The prune (before `start`); the feeds were registered for leasing when built."""
        self._schedule_prune()

    def start(self) -> None:
        self.deps.store.join_cluster()
        self.scheduler.start()
        self.background = [asyncio.create_task(self.feed_checks.run(), name="feed checks"),
                           asyncio.create_task(self._heartbeat(), name="heartbeat")]

    def reschedule(self) -> None:
        """After a reload: the new config's feeds are the ones leased and checked."""
        self.feed_checks.use(self.deps.config.feeds)
        self._schedule_prune()

    async def stop(self) -> None:
        """No new check starts; the checks running are cancelled (each commit is one
        transaction with no await inside, so none is ever split) and their leases given back,
        so another node takes those feeds at once."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.feed_checks.stop()
        try:
            self.deps.store.leave_cluster()
        except MonitorError:
            pass  # its heartbeat stops: it shows as gone

    async def _heartbeat(self) -> None:
        """This node's heartbeat for `monitor status` (a no-op on SQLite)."""
        failures = FailureLog(log, "Heartbeat failed", "Heartbeat works again",
                              level=logging.WARNING)
        while not self.stopping.is_set():
            try:
                self.deps.store.heartbeat(checks=self.feed_checks.stats.started,
                                          last_error=self.feed_checks.stats.last_error)
                self.feed_checks.stats.last_error = None
                failures.succeeded()
            except MonitorError as exc:
                failures.failed(str(exc))
            try:
                await asyncio.wait_for(self.stopping.wait(), HEARTBEAT_SECONDS)
            except asyncio.TimeoutError:
                pass

    # -- feeds -----------------------------------------------------------------------------

    async def _check_feed(self, feed: FeedConfig) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            # The lease said it is due (the database's clock, on a shared state): no second
            # opinion from this machine's clock.
            report = await poll([feed], self.deps, force=True)
            self.metrics.record_poll(report.feeds, len(report.items), len(report.matches))
            if report.alerts:
                self.on_alerts()
        except StateGoneError as exc:
            self.on_state_gone(exc)
        except MonitorError as exc:
            self.feed_checks.stats.last_error = str(exc)
            log.error("Feed check failed", extra={"fields": {"feed_name": feed.name,
                                                              "error": str(exc)}})
        except Exception:  # a bug: log it with its traceback, keep the daemon alive
            log.exception("Internal error while checking a feed",
                          extra={"fields": {"feed_name": feed.name}})
        finally:
            self._note_overrun(feed, loop.time() - started)

    def _note_overrun(self, feed: FeedConfig, elapsed: float) -> None:
        """Say once when a feed's checks start outlasting its interval (its next check is due
        before this one ends), once when they keep to it again."""
        if self.stopping.is_set():
            return
        if elapsed < feed.interval:
            if feed.name in self.overrunning:
                log.info("Feed checks keep to their interval again", extra={"fields": {
                    "feed_name": feed.name, "skipped_runs": self.overrunning.pop(feed.name)}})
            return
        if feed.name not in self.overrunning:
            log.warning("Feed check is taking longer than its interval; its next checks wait "
                        "for it", extra={"fields": {"feed_name": feed.name,
                                                    "interval_seconds": feed.interval}})
        self.overrunning[feed.name] = self.overrunning.get(feed.name, 0) + 1

    # -- retention -------------------------------------------------------------------------

    def _schedule_prune(self) -> None:
        """Retention every `retention.prune_every` (the first a minute after start, so a daemon
        that restarts often still prunes, and a start is not slowed by it)."""
        every = self.deps.config.retention.prune_every
        self.scheduler.add_job(
            self._prune, IntervalTrigger(seconds=every), id="prune", name="prune",
            max_instances=1, coalesce=True, misfire_grace_time=None, replace_existing=True,
            next_run_time=datetime.now(timezone.utc) + timedelta(seconds=min(every, 60.0)))

    async def _prune(self) -> None:
        """Delete what retention lets go, in a thread on its own connection, a short
        transaction per batch: feed checks and delivery go on meanwhile."""
        if self.stopping.is_set():
            return
        try:
            await asyncio.to_thread(self._prune_now, self.deps.config.retention)
        except StateGoneError as exc:
            self.on_state_gone(exc)
        except MonitorError as exc:
            log.error("Pruning the state failed; it is tried again at the next prune",
                      extra={"fields": {"error": str(exc)}})
        except Exception:
            log.exception("Internal error while pruning the state")

    def _prune_now(self, settings: RetentionConfig) -> None:
        from monitor.store.retention import prune
        from monitor.store import open_store

        with open_store(self.deps.config.state_path, create=False) as store:
            prune(store, settings, datetime.now(timezone.utc), should_stop=self.stopping.is_set)
