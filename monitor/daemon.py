"""`monitor run`: APScheduler 3 drives one job per feed and a delivery worker. The only
importer of apscheduler.

Each feed job runs `pipeline.poll([feed])` at the feed's interval (with jitter,
max_instances=1, coalesce=True). A delivery worker drains the outbox whenever a poll enqueued
alerts and at least every few seconds. SIGTERM/SIGINT stop cleanly (running checks finish, each
commit is one transaction); SIGHUP reloads the config, keeping the old one if the new is invalid.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
from datetime import datetime, timedelta, timezone
from typing import IO, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config import Config, load_config
from monitor.errors import ConfigError, MonitorError, StateGoneError
from monitor.health import HealthServer
from monitor.metrics import Metrics, render
from monitor.model import FeedSpec, RetentionSettings
from monitor.pipeline import Deps, Runtime, drain_outbox, poll

log = logging.getLogger(__name__)
DRAIN_EVERY_SECONDS = 5.0
STOP_GRACE_SECONDS = 20.0


class Daemon:
    def __init__(self, config: Config, *, config_path: str, state_override: str | None,
                 stdout: IO[str], rng: random.Random | None = None,
                 health_host: str = "127.0.0.1", health_port: int | None = None) -> None:
        self.config = config
        self.config_path = config_path
        self.state_override = state_override
        self.stdout = stdout
        self.rng = rng or random.Random()
        self.deps: Deps | None = None
        self.runtime: Runtime | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.stopping = asyncio.Event()
        self.wake_delivery = asyncio.Event()
        self.running: set[asyncio.Task] = set()
        self.polls = 0
        self.metrics = Metrics()
        self.started_at = datetime.now(timezone.utc)
        self.health: HealthServer | None = None
        if health_port is not None:
            self.health = HealthServer(health_host, health_port, check=self.health_check,
                                       metrics=self.metrics_page)
        self.delivery: asyncio.Task | None = None
        # Held while draining: a reload swaps (and closes) the channels and the config only
        # between drains, so a drain never sees half of each, and a channel is never closed
        # under an in-flight send (which could fail it after the receiver took it).
        self.drain_lock = asyncio.Lock()
        self.exit_code = 0  # 1 when the daemon stopped because its state file was gone

    async def run(self) -> None:
        self.runtime = Runtime(self.config, stdout=self.stdout)
        async with self.runtime as deps:
            self.deps = deps
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._request_stop, sig)
            loop.add_signal_handler(signal.SIGHUP,
                                    lambda: asyncio.ensure_future(self._reload_on_signal()))
            self.scheduler = AsyncIOScheduler(event_loop=loop, timezone="UTC")
            self._schedule_feeds(self.config.feeds, first=True)
            self._schedule_prune()
            if self.health is not None:
                await self.health.start()
            self.scheduler.start()
            log.info("Daemon started", extra={"fields": {
                "feeds": len(self.config.feeds), "rules": len(self.config.rules),
                "channels": len(self.config.channels), "state": str(self.config.state_path)}})
            delivery = self.delivery = asyncio.create_task(self._deliver_forever(),
                                                           name="delivery")
            await self.stopping.wait()
            log.info("Stopping: waiting for running checks",
                     extra={"fields": {"running": len(self.running)}})
            self.scheduler.shutdown(wait=False)
            if self.running:
                done, pending = await asyncio.wait(self.running, timeout=STOP_GRACE_SECONDS)
                for task in pending:
                    task.cancel()
            # Let the delivery worker finish the alert it is sending (and a last drain of what
            # the finished checks enqueued): cancelling a send after the receiver took it would
            # repeat that alert at the next start.
            self.wake_delivery.set()
            done, _ = await asyncio.wait({delivery}, timeout=STOP_GRACE_SECONDS)
            if not done:
                delivery.cancel()
                try:
                    await delivery
                except asyncio.CancelledError:
                    pass
            if self.health is not None:
                await self.health.close()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
        log.info("Daemon stopped")

    def _state_gone(self, exc: StateGoneError) -> None:
        """Stop, once, with exit status 1: whatever the daemon wrote from now on would go to
        a file no one reads again, and a new poller may already own the path."""
        if self.exit_code == 0:
            log.error("State file gone; stopping", extra={"fields": {
                "error": str(exc), "hint": exc.hint}})
        self.exit_code = 1
        self.stopping.set()

    def _request_stop(self, sig: signal.Signals) -> None:
        log.info("Signal received", extra={"fields": {"signal": sig.name}})
        self.stopping.set()

    def _schedule_feeds(self, feeds: tuple[FeedSpec, ...], *, first: bool) -> None:
        assert self.scheduler is not None
        from datetime import datetime, timedelta, timezone

        now = datetime.now(timezone.utc)
        for feed in feeds:
            if not feed.enabled:
                continue
            # Spread the first checks over a few seconds so a thousand feeds do not start at once.
            start = now + timedelta(seconds=self.rng.uniform(0, min(feed.interval_seconds, 5.0)))
            self.scheduler.add_job(
                self._check_feed, IntervalTrigger(seconds=feed.interval_seconds,
                                                  jitter=min(feed.interval_seconds * 0.1, 60)),
                args=[feed.name], id=f"feed:{feed.name}", name=f"feed {feed.name}",
                max_instances=1, coalesce=True, misfire_grace_time=None,
                next_run_time=start, replace_existing=True)

    def _schedule_prune(self) -> None:
        """Retention every `retention.prune_every` (the first a minute after start, so a daemon
        that restarts often still prunes, and a start is not slowed by it)."""
        assert self.scheduler is not None
        every = self.config.retention.prune_every_seconds
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
            await asyncio.to_thread(self._prune_now, self.config.retention)
        except StateGoneError as exc:
            self._state_gone(exc)
        except MonitorError as exc:
            log.error("Pruning the state failed; it is tried again at the next prune",
                      extra={"fields": {"error": str(exc)}})
        except Exception:
            log.exception("Internal error while pruning the state")

    def _prune_now(self, settings: RetentionSettings) -> None:
        from monitor.retention import prune
        from monitor.store import connect

        with connect(self.config.state_path, create=False) as store:
            prune(store, settings, datetime.now(timezone.utc), should_stop=self.stopping.is_set)

    async def _check_feed(self, name: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.running.add(task)
        try:
            if self.stopping.is_set() or self.deps is None:
                return
            feed = next((f for f in self.config.feeds if f.name == name), None)
            if feed is None:
                return
            report = await poll([feed], self.deps, honour_schedule=True)
            self.polls += 1
            self.metrics.record_poll(report.feeds, len(report.items), len(report.matches))
            if report.alerts:
                self.wake_delivery.set()
        except StateGoneError as exc:
            self._state_gone(exc)
        except MonitorError as exc:
            log.error("Feed check failed", extra={"fields": {"feed_name": name,
                                                              "error": str(exc)}})
        except Exception:  # a bug: log it with its traceback, keep the daemon alive
            log.exception("Internal error while checking a feed",
                          extra={"fields": {"feed_name": name}})
        finally:
            if task is not None:
                self.running.discard(task)

    async def _deliver_forever(self) -> None:
        while True:
            self.wake_delivery.clear()  # before draining: a wake-up during the drain counts
            try:
                if self.deps is not None:
                    # Also the daemon's watch on its state file when nothing is written: a
                    # deleted or replaced state is noticed within one cycle.
                    self.deps.store.check_file()
                    async with self.drain_lock:
                        drained = await drain_outbox(self.deps)
                    self.metrics.record_drain(drained.sent, drained.failed, drained.dead)
            except StateGoneError as exc:
                self._state_gone(exc)
                return
            except MonitorError as exc:
                log.error("Delivery failed", extra={"fields": {"error": str(exc)}})
            except Exception:
                log.exception("Internal error while delivering alerts")
            if self.stopping.is_set():
                return
            try:
                await asyncio.wait_for(self.wake_delivery.wait(), DRAIN_EVERY_SECONDS)
            except asyncio.TimeoutError:
                pass

    async def health_check(self) -> tuple[bool, str]:
        """/healthz: the scheduler and the delivery worker run, and the state takes a write."""
        from monitor.store import probe_writable

        if self.scheduler is None or not self.scheduler.running or self.stopping.is_set():
            return False, "the scheduler is not running"
        if self.delivery is None or self.delivery.done():
            return False, "the delivery worker is not running"
        problem = await asyncio.to_thread(probe_writable, self.config.state_path)
        if problem is not None:
            return False, problem
        return True, "ok"

    async def metrics_page(self) -> str:
        assert self.deps is not None
        healthy, _ = await self.health_check()
        store = self.deps.store
        return render(self.metrics, outbox=store.outbox_counts(), feeds=store.feed_states(),
                      is_healthy=healthy, started_at=self.started_at)

    async def _reload_on_signal(self) -> None:
        # Nothing awaits this task: an exception escaping it would only surface as asyncio's
        # "Task exception was never retrieved" (a query nested 200 deep did that).
        try:
            await self.reload()
        except Exception:  # a bug: say so with its traceback; the daemon goes on
            log.exception("Internal error while reloading the config")

    async def reload(self) -> None:
        """SIGHUP: load the config again; keep the old one if the new one is invalid."""
        try:
            new = load_config(self.config_path, state_override=self.state_override)
        except ConfigError as exc:
            for line in exc.lines:
                log.error("Config reload failed; keeping the old config",
                          extra={"fields": {"error": line}})
            return
        for warning in new.warnings:
            log.warning("Config warning", extra={"fields": {"warning": warning}})
        if new.state_path != self.config.state_path:
            log.error("Config reload: `state` cannot change while running; keeping the old config")
            return
        from monitor.deliver import build_channels
        from monitor.log import add_secrets
        from monitor.outbox import RetryPolicy

        assert self.deps is not None and self.scheduler is not None
        add_secrets(new.secrets)
        old_translation = self.config.translation
        async with self.drain_lock:
            old_channels = self.deps.channels
            self.config = new
            self.deps.config = new
            self.deps.channels = build_channels(new.channels, stdout=self.stdout)
            self.deps.outbox.policy = RetryPolicy.from_settings(new.delivery)
            for channel in old_channels.values():
                await channel.aclose()
            if new.translation != old_translation:
                self.runtime.use_translation(new)
        for job in self.scheduler.get_jobs():
            if job.id.startswith("feed:"):
                job.remove()
        self._schedule_feeds(new.feeds, first=False)
        self._schedule_prune()
        log.info("Config reloaded", extra={"fields": {"feeds": len(new.feeds),
                                                      "rules": len(new.rules)}})


def run_daemon(config: Config, *, args: Any, stdout: IO[str]) -> int:
    daemon = Daemon(config, config_path=args.config, state_override=args.state, stdout=stdout,
                    health_host=getattr(args, "health_host", "127.0.0.1"),
                    health_port=getattr(args, "health_port", None))
    asyncio.run(daemon.run())
    return daemon.exit_code
