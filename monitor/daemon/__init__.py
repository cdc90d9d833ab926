"""`monitor run`: APScheduler 3 starts one check per feed at the feed's interval
(monitor.daemon.jobs, the only importer of apscheduler); one delivery worker per channel drains
the outbox.

Delivery: each channel has a worker that drains its alerts whenever a check enqueued some and
at least every few seconds, so a slow channel never holds another one's alerts.

Stop (SIGTERM/SIGINT): no new check or send starts; running checks are cancelled (each commit
is one SQLite transaction with no await inside, so none is ever split; what was not committed
is fetched again next time); each channel's send in flight finishes and is recorded. At
STOP_DEADLINE_SECONDS a send still in flight is cancelled and its alert id logged (its outcome
is unknown; it stays pending). A second signal stops at once. SIGHUP reloads the config,
keeping the old one if the new one is invalid.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
from collections import Counter
from datetime import datetime, timezone
from typing import IO, Any, Iterable

from monitor.config import Config, load_config
from monitor.daemon.jobs import Jobs
from monitor.daemon.services import DaemonServices
from monitor.outbox.health import DeliveryTracker
from monitor.outbox.drain import ChannelWorkers, DrainReport
from monitor.errors import ConfigError, StateGoneError
from monitor.health import HealthServer
from monitor.metrics import Metrics, NodeGauges, render
from monitor.model import ChannelStatus
from monitor.rules import Matcher
from monitor.full_text import article_reader
from monitor.runtime import Deps, Runtime
from monitor.web.settings import WebSettings, settings_from
from monitor.store.urls import redact

log = logging.getLogger(__name__)
DRAIN_EVERY_SECONDS = 5.0
ROWS_PER_DRAIN = 1000  # a worker lets a reload in between drains
# Docker sends SIGKILL 10 s after SIGTERM by default; closing takes well under a second.
STOP_DEADLINE_SECONDS = 8.0


class Daemon:
    def __init__(self, config: Config, *, config_path: str, state_override: str | None,
                 stdout: IO[str], rng: random.Random | None = None,
                 health_host: str = "127.0.0.1", health_port: int | None = None,
                 web: WebSettings | None = None) -> None:
        self.config = config
        self.config_path = config_path
        self.state_override = state_override
        self.stdout = stdout
        self.rng = rng or random.Random()
        self.deps: Deps | None = None
        self.runtime: Runtime | None = None
        self.jobs: Jobs | None = None
        self.stopping = asyncio.Event()
        self.stop_now = asyncio.Event()  # a second signal
        self.workers: ChannelWorkers | None = None
        self.watch: asyncio.Task | None = None
        self.tracker = DeliveryTracker()
        self.exit_code = 0  # 1 when the daemon stopped because its state file was gone
        self.metrics = Metrics()
        self.started_at = datetime.now(timezone.utc)
        self.services = DaemonServices(lambda: self.config, web=web)  # web UI, search index
        self.health: HealthServer | None = None
        if health_port is not None:
            self.health = HealthServer(health_host, health_port, check=self.health_check,
                                       metrics=self.metrics_page)

    async def run(self, early_signals: Iterable[int] = ()) -> None:
        """Run until SIGTERM/SIGINT (or one of `early_signals`, received while starting)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._request_stop, sig)
        for sig in early_signals:
            self._request_stop(signal.Signals(sig))
        try:
            self.runtime = Runtime(self.config, stdout=self.stdout)
            async with self.runtime as deps:
                self.deps = deps
                if not self.stopping.is_set():
                    await self._start(loop)
                    await self.stopping.wait()
                await self._stop(loop)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
        log.info("Daemon stopped")

    async def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.add_signal_handler(signal.SIGHUP,
                                lambda: asyncio.ensure_future(self._reload_on_signal()))
        self.jobs = Jobs(self.deps, stopping=self.stopping, metrics=self.metrics,
                         on_alerts=lambda: self.workers.wake(), on_state_gone=self._state_gone)
        self.jobs.schedule()
        if self.health is not None:
            await self.health.start()
        await self.services.start()
        self.jobs.start()
        log.info("Daemon started", extra={"fields": {
            "feeds": len(self.config.feeds), "rules": len(self.config.rules),
            "channels": len(self.config.channels), "state": redact(str(self.config.state_path))}})
        self.workers = ChannelWorkers(
            self.deps, stopping=self.stopping, tracker=self.tracker, on_drained=self._drained,
            on_state_gone=self._state_gone, every_seconds=DRAIN_EVERY_SECONDS,
            rows_per_drain=ROWS_PER_DRAIN)
        self.workers.start()
        self.watch = asyncio.create_task(self._watch_state(), name="watch state")

    def _request_stop(self, sig: signal.Signals) -> None:
        if self.stopping.is_set():
            log.warning("Second signal: stopping now", extra={"fields": {"signal": sig.name}})
            self.stop_now.set()
            return
        log.info("Signal received", extra={"fields": {"signal": sig.name}})
        self._begin_stop()

    def _begin_stop(self) -> None:
        self.stopping.set()
        if self.workers is not None:
            self.workers.wake()  # idle workers end now

    def _state_gone(self, exc: StateGoneError) -> None:
        """Stop, once, with exit status 1: whatever the daemon wrote from now on would go to
        a file no one reads again, and a new poller may already own the path."""
        if self.exit_code == 0:
            log.error("State file gone; stopping", extra={"fields": {
                "error": str(exc), "hint": exc.hint}})
        self.exit_code = 1
        self._begin_stop()

    async def _stop(self, loop: asyncio.AbstractEventLoop) -> None:
        deadline = loop.time() + STOP_DEADLINE_SECONDS
        sending = [s.sending_alert_id for s in self.tracker.channels.values()
                   if s.sending_alert_id]
        checks = self.jobs.running_checks if self.jobs is not None else 0
        log.info("Stopping: no new checks or sends; waiting for the sends in flight",
                 extra={"fields": {"running_checks": checks, "sends_in_flight": len(sending)}})
        if self.jobs is not None:
            await self.jobs.stop()
        workers = self.workers.running() if self.workers is not None else set()
        late = await self._wait_until(workers, deadline)
        if late:
            log.warning("Stop limit reached; cancelling the sends still in flight",
                        extra={"fields": {"stop_deadline_seconds": STOP_DEADLINE_SECONDS,
                                          "second_signal": self.stop_now.is_set() or None}})
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self.workers is not None:
            await self.workers.closed()
        if self.watch is not None:
            self.watch.cancel()
            await asyncio.gather(self.watch, return_exceptions=True)
        if self.health is not None:
            await self.health.close()
        await self.services.close()

    async def _wait_until(self, tasks: set[asyncio.Task], deadline: float) -> set[asyncio.Task]:
        """Wait for `tasks` until `deadline` (loop time) or a second signal; the unfinished."""
        loop = asyncio.get_running_loop()
        pending = set(tasks)
        second = asyncio.ensure_future(self.stop_now.wait())
        try:
            while pending and not second.done():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                _, pending = await asyncio.wait(pending | {second}, timeout=remaining,
                                                return_when=asyncio.FIRST_COMPLETED)
                pending.discard(second)
        finally:
            second.cancel()
        return pending

    def _drained(self, report: DrainReport) -> None:
        self.metrics.record_drain(report.sent, report.failed, report.dead)

    # -- delivery --------------------------------------------------------------------------

    async def _watch_state(self) -> None:
        """Notice a deleted or replaced state file within a few seconds even when nothing is
        written (each write checks it too)."""
        assert self.deps is not None
        while not self.stopping.is_set():
            try:
                self.deps.store.check_file()
            except StateGoneError as exc:
                self._state_gone(exc)
                return
            try:
                await asyncio.wait_for(self.stopping.wait(), DRAIN_EVERY_SECONDS)
            except asyncio.TimeoutError:
                pass

    # -- health ----------------------------------------------------------------------------

    async def health_check(self) -> tuple[bool, str]:
        """/healthz: the scheduler and every channel's worker run, no channel has been trying
        without a success for `delivery.stalled_after`, and the state takes a write."""
        from monitor.store import probe_writable

        if self.jobs is None or not self.jobs.is_running or self.stopping.is_set():
            return False, "the scheduler is not running"
        for name in self.workers.not_running() if self.workers is not None else ():
            return False, f"the delivery worker of channel {name} is not running"
        stalled = self.tracker.stalled_reasons(datetime.now(timezone.utc),
                                               self.config.delivery.stalled_after,
                                               [c.name for c in self.config.channels])
        if stalled:
            return False, "; ".join(stalled)
        problem = await asyncio.to_thread(probe_writable, self.config.state_path)
        if problem is not None:
            return False, problem
        return True, "ok"

    async def metrics_page(self) -> str:
        assert self.deps is not None
        healthy, _ = await self.health_check()
        store = self.deps.store
        now = datetime.now(timezone.utc)
        channels = [self.tracker.channels.get(c.name) or ChannelStatus(c.name)
                    for c in self.config.channels]
        return render(self.metrics, outbox=store.outbox_counts(), feeds=store.feed_states(),
                      is_healthy=healthy, started_at=self.started_at, channels=channels,
                      stalled=_names(self.tracker.stalled(
                          now, self.config.delivery.stalled_after,
                          [c.name for c in channels])),
                      node=self._node_gauges(), search_backlog=store.unindexed_count())

    def _node_gauges(self) -> NodeGauges:
        """What this node holds now; on a shared state, the send leases and nodes it sees."""
        store = self.deps.store
        lost = store.lost_leases + (self.jobs.feed_checks.stats.lost if self.jobs else 0)
        if store.node is None:
            return NodeGauges("sqlite", None, feed_leases=len(store.held),
                              checks_superseded=lost)
        return NodeGauges(
            "postgresql", store.node, feed_leases=len(store.held), checks_superseded=lost,
            send_leases=tuple(c for c, n in store.send_leases().items() if n == store.node),
            nodes_by_state=Counter(n.state for n in store.nodes()))

    # -- reload ----------------------------------------------------------------------------

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
        if self.stopping.is_set():
            return
        from monitor.deliver import build_channels
        from monitor.log import add_secrets
        from monitor.outbox.policy import RetryPolicy

        assert self.deps is not None and self.jobs is not None and self.workers is not None
        add_secrets(new.secrets)
        old_translation = self.config.translation
        # Each worker reads its channel and settings when a drain starts, so this swap takes
        # effect drain by drain; a replaced channel is closed once its worker lets go of it.
        old_articles = self.config.articles
        self.config = new
        self.deps.config = new
        self.deps.matcher = Matcher(new.compiled_rules)
        reads_articles = any(feed.full_text for feed in new.feeds)
        if new.articles != old_articles or reads_articles != (self.deps.articles is not None):
            # A feed now reads full text, or `articles:` changed: a new reader (its cache of
            # pages read in this process starts empty; the store still has the older ones).
            self.deps.articles = article_reader(new, self.deps.fetcher,
                                                known=self.deps.store.article_of)
        self.workers.replace_channels(build_channels(new.channels, stdout=self.stdout))
        self.deps.outbox.policy = RetryPolicy.from_settings(new.delivery)
        if new.translation != old_translation:
            self.runtime.use_translation(new)
        self.jobs.reschedule()
        self.workers.start()
        log.info("Config reloaded", extra={"fields": {"feeds": len(new.feeds),
                                                      "rules": len(new.rules)}})


def _names(statuses: Iterable[ChannelStatus]) -> set[str]:
    return {s.name for s in statuses}


def run_daemon(config: Config, *, args: Any, stdout: IO[str],
               early_signals: Iterable[int] = ()) -> int:
    daemon = Daemon(config, config_path=args.config, state_override=args.state, stdout=stdout,
                    health_host=getattr(args, "health_host", "127.0.0.1"),
                    health_port=getattr(args, "health_port", None),
                    web=None if getattr(args, "web_port", None) is None else settings_from(
                        config, host=getattr(args, "web_host", None), port=args.web_port))
    asyncio.run(daemon.run(early_signals))
    return daemon.exit_code
