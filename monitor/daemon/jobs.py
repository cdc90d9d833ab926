"""The daemon's scheduled work on APScheduler 3: one job per enabled feed at the feed's interval,
and the retention prune. The only importer of apscheduler.

A feed's job starts its check in a task of its own and returns, so a check that outlasts its
interval makes the next runs wait (logged once when it starts overrunning, once when it keeps
to its interval again) instead of APScheduler warning at every skipped run. First checks are
spread over a window that grows with the number of feeds, at a fixed place per feed name
(monitor.schedule).
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
from monitor.metrics import Metrics
from monitor.pipeline import poll
from monitor.runtime import Deps
from monitor.schedule import first_check_delay, spread_seconds

log = logging.getLogger(__name__)


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
        self.checks: dict[str, asyncio.Task] = {}  # feed name → its running check
        self.overrunning: dict[str, int] = {}  # feed name → runs skipped while it overran

    @property
    def is_running(self) -> bool:
        return self.scheduler.running

    def schedule(self) -> None:
        """Every enabled feed's check and the prune (before `start`)."""
        self._schedule_feeds(self.deps.config.feeds)
        self._schedule_prune()

    def start(self) -> None:
        self.scheduler.start()

    def reschedule(self) -> None:
        """After a reload: the new config's feeds replace the old ones' jobs."""
        for job in self.scheduler.get_jobs():
            if job.id.startswith("feed:"):
                job.remove()
        self.schedule()

    async def stop(self) -> None:
        """No new run starts; the checks running are cancelled (each commit is one transaction
        with no await inside, so none is ever split) and awaited."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        checks = list(self.checks.values())
        for task in checks:
            task.cancel()
        await asyncio.gather(*checks, return_exceptions=True)

    # -- feeds -----------------------------------------------------------------------------

    def _schedule_feeds(self, feeds: tuple[FeedConfig, ...]) -> None:
        enabled = [f for f in feeds if f.enabled]
        window = spread_seconds(len(enabled))
        now = datetime.now(timezone.utc)
        for feed in enabled:
            delay = first_check_delay(feed.name, min(window, feed.interval))
            self.scheduler.add_job(
                self._start_check, IntervalTrigger(seconds=feed.interval,
                                                   jitter=min(feed.interval * 0.1, 60)),
                args=[feed.name], id=f"feed:{feed.name}", name=f"feed {feed.name}",
                max_instances=1, coalesce=True, misfire_grace_time=None,
                next_run_time=now + timedelta(seconds=delay), replace_existing=True)

    async def _start_check(self, name: str) -> None:
        """The scheduled job: start the feed's check, or skip this run while the last one
        still runs. It returns at once, so APScheduler never finds it running (it would log a
        warning for every skipped run: 2,360 of them for 2,000 feeds started together)."""
        if self.stopping.is_set():
            return
        feed = next((f for f in self.deps.config.feeds if f.name == name), None)
        if feed is None:
            return
        running = self.checks.get(name)
        if running is None:
            self.checks[name] = asyncio.create_task(self._check_feed(feed),
                                                    name=f"check {name}")
            return
        skipped = self.overrunning.get(name)
        self.overrunning[name] = (skipped or 0) + 1
        if skipped is None:
            log.warning("Feed check is taking longer than its interval; its next checks wait "
                        "for it", extra={"fields": {"feed_name": name,
                                                    "interval_seconds": feed.interval}})

    async def _check_feed(self, feed: FeedConfig) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            report = await poll([feed], self.deps, honour_schedule=True)
            self.metrics.record_poll(report.feeds, len(report.items), len(report.matches))
            if report.alerts:
                self.on_alerts()
        except StateGoneError as exc:
            self.on_state_gone(exc)
        except MonitorError as exc:
            log.error("Feed check failed", extra={"fields": {"feed_name": feed.name,
                                                              "error": str(exc)}})
        except Exception:  # a bug: log it with its traceback, keep the daemon alive
            log.exception("Internal error while checking a feed",
                          extra={"fields": {"feed_name": feed.name}})
        finally:
            if self.checks.get(feed.name) is asyncio.current_task():
                del self.checks[feed.name]
            elapsed = loop.time() - started
            if feed.name in self.overrunning and elapsed < feed.interval \
                    and not self.stopping.is_set():
                log.info("Feed checks keep to their interval again", extra={"fields": {
                    "feed_name": feed.name, "skipped_runs": self.overrunning.pop(feed.name)}})

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
