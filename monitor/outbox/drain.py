"""The outbox drain: due alerts → their channels, each outcome recorded. Orchestration only.

Every channel is drained on its own, oldest alert first and one send at a time, so it keeps
its order and its rate limit while a slow or dead channel never delays another: each send is
bounded by its channel's `timeout` (a total deadline), and channels run concurrently.
`drain_outbox` drains every channel once and ends (`monitor poll`, `monitor outbox flush`);
`ChannelWorkers` (the daemon) drain each channel forever, in a task of its own.

A `stop` event ends a drain between alerts: the send in flight finishes and is recorded, no
new one starts. A send cancelled before its channel answered (the daemon's hard stop limit)
is logged with its alert id: it stays pending, so it goes out again, maybe a second time.
A `DeliveryTracker` (monitor.outbox.health) follows each channel's sends for /healthz.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Awaitable, Callable, Protocol

from monitor.config import ChannelConfig, Config
from monitor.deliver import Channel
from monitor.errors import DeliveryError, MonitorError, StateGoneError
from monitor.failure_log import FailureLog
from monitor.outbox.health import DeliveryTracker
from monitor.outbox import Outbox
from monitor.outbox.batches import form_digests
from monitor.outbox.rates import rate_wait_seconds
from monitor.store import OutboxRow, Store

log = logging.getLogger(__name__)
ROWS_PER_QUERY = 200


class DrainDeps(Protocol):
    """What a drain uses of `pipeline.Deps`."""

    config: Config
    store: Store
    channels: dict[str, Channel]
    outbox: Outbox | None
    clock: Callable[[], datetime]


@dataclass
class DrainReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    pending: int = 0
    digests: int = 0          # digest rows formed in this drain
    rate_limited: int = 0     # channels that reached their rate limit; their rows wait

    def add(self, other: "DrainReport") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


class RowBudget:
    """At most `limit` sends in one drain, shared by its channels (None: no limit)."""

    def __init__(self, limit: int | None) -> None:
        self.left = limit

    def take(self) -> bool:
        if self.left is None:
            return True
        if self.left <= 0:
            return False
        self.left -= 1
        return True


async def drain_outbox(deps: DrainDeps, *, ignore_backoff: bool = False,
                       max_rows: int | None = 10_000, rate_limit_wait_seconds: float = 0.0,
                       sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                       tracker: DeliveryTracker | None = None) -> DrainReport:
    """Deliver due outbox rows, every channel at once, each channel's oldest first; then end.

    Digest channels first turn their waiting alerts into a digest when one is due
    (`ignore_backoff` forms them now). A channel that fails transiently is not tried again in
    this drain, and while its oldest row backs off its newer rows wait, so its alerts keep
    their order and a 429's retry-after holds for the whole channel. A channel at its rate
    limit waits up to `rate_limit_wait_seconds` in all for a free slot; then its rows wait for
    a later drain. `max_rows` bounds the drain's sends; None sends everything due (a one-shot
    poll must not exit with due alerts unsent). Either way the drain ends: a sent row is no
    longer due, a failing channel is not tried again, and each send has a deadline.
    """
    configured = [spec.name for spec in deps.config.channels]
    # Rows of a channel no longer in the config are drained too (they go dead, saying so).
    names = configured + sorted(deps.store.pending_channels() - set(configured))
    budget = RowBudget(max_rows)
    tasks = [asyncio.ensure_future(drain_channel(
        deps, name, ignore_backoff=ignore_backoff, budget=budget,
        rate_limit_wait_seconds=rate_limit_wait_seconds, sleep=sleep, tracker=tracker))
        for name in names]
    report = DrainReport()
    if not tasks:
        report.pending = deps.store.outbox_counts().get("pending", 0)
        return report
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        # An error (the state gone, a bug) or our own cancellation ends every channel's drain.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()
    for task in tasks:
        report.add(task.result())
    report.pending = deps.store.outbox_counts().get("pending", 0)
    return report


async def drain_channel(deps: DrainDeps, name: str, *, ignore_backoff: bool = False,
                        budget: RowBudget | None = None, rate_limit_wait_seconds: float = 0.0,
                        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                        stop: asyncio.Event | None = None,
                        tracker: DeliveryTracker | None = None) -> DrainReport:
    """Deliver one channel's due rows, in order, one at a time (see drain_outbox). The channel
    and its settings are read once, so a config reload meanwhile applies from the next drain."""
    assert deps.outbox is not None
    report = DrainReport()
    budget = budget or RowBudget(None)
    tracker = tracker or DeliveryTracker()
    spec = next((s for s in deps.config.channels if s.name == name), None)
    channel = deps.channels.get(name) if spec is not None else None
    if spec is not None:
        report.digests = form_digests(deps.store, [spec], deps.clock(), force=ignore_backoff)
    else:
        ignore_backoff = True  # a removed channel: its backing-off rows go dead now, not never
    waited = 0.0
    while True:
        rows = [r for r in deps.outbox.due(deps.clock(), limit=ROWS_PER_QUERY, channel=name,
                                           ignore_backoff=ignore_backoff)
                if not _waits_for_digest(r, spec)]
        if not rows:
            return report
        for row in rows:
            if stop is not None and stop.is_set():
                return report
            wait = rate_wait_seconds(deps.store, spec, deps.clock()) if spec else 0.0
            if wait > 0 and waited + wait > rate_limit_wait_seconds:
                report.rate_limited += 1
                log.info("Channel at its rate limit; its alerts wait", extra={"fields": {
                    "channel": name, "wait_seconds": round(wait, 1)}})
                return report
            if not budget.take():
                return report
            if wait > 0:
                await sleep(wait)
                waited += wait
            if not await _deliver_row(deps, channel, row, report, tracker):
                return report


DIGESTED_KINDS = ("match", "follow_up", "more_matches")  # as Store.waiting_for_digest


def _waits_for_digest(row: OutboxRow, spec: ChannelConfig | None) -> bool:
    return bool(spec and spec.digest and row.kind in DIGESTED_KINDS)


async def _deliver_row(deps: DrainDeps, channel: Channel | None, row: OutboxRow,
                       report: DrainReport, tracker: DeliveryTracker) -> bool:
    """Send one row and record the outcome. False when its channel should be left alone for
    the rest of the drain (a transient failure). Raises StateGoneError, sending nothing,
    when the state file is gone: the send could never be recorded."""
    assert deps.outbox is not None
    deps.store.check_file()
    alert = deps.outbox.with_root_message(row.alert)  # a follow-up replies in its thread
    tracker.started(row.channel, row.alert_id, deps.clock())
    try:
        if channel is None:
            raise DeliveryError(row.channel, "channel is no longer in the config",
                                transient=False)
        sent = await channel.send(alert)
    except asyncio.CancelledError:
        log.warning("Stopped during a send: its outcome is unknown; the alert stays pending and "
                    "goes out again at the next start", extra={"fields": {
                        "channel": row.channel, "alert_id": row.alert_id}})
        raise
    except DeliveryError as exc:
        tracker.failed(row.channel, str(exc))
        status = deps.outbox.failed(row, exc, deps.clock())
        fields = {"channel": row.channel, "alert_id": row.alert_id, "attempt": row.attempts + 1,
                  "error": str(exc)}
        if status == "dead":
            if exc.hint:
                fields["hint"] = exc.hint
            log.error("Alert delivery failed for good; it is kept as dead (see `monitor "
                      "outbox`)", extra={"fields": fields})
            report.dead += 1
            return True
        if exc.retry_after_seconds is not None:
            fields["retry_after_seconds"] = round(exc.retry_after_seconds, 1)
        log.warning("Alert delivery failed, will retry", extra={"fields": fields})
        report.failed += 1
        return False
    except Exception as exc:  # a bug in a channel must not lose the alert
        log.exception("Channel raised unexpectedly", extra={"fields": {
            "channel": row.channel, "alert_id": row.alert_id}})
        error = DeliveryError(row.channel, f"internal error: {type(exc).__name__}",
                              transient=True)
        tracker.failed(row.channel, str(error))
        deps.outbox.failed(row, error, deps.clock())
        report.failed += 1
        return False
    # No await between the channel's answer and this mark: a stop can't come between them.
    try:
        deps.outbox.delivered(row, deps.clock(), sent if isinstance(sent, str) else None)
    finally:
        tracker.succeeded(row.channel, deps.clock())  # the channel took it, recorded or not
    report.sent += 1
    log.info("Alert delivered", extra={"fields": {
        "channel": row.channel, "alert_id": row.alert_id, "rule": row.rule or None,
        "kind": row.kind if row.kind != "match" else None,
        "alerts": len(row.alert.items) or None}})
    return True


class ChannelWorkers:
    """The daemon's delivery: one task per channel, draining it whenever woken and at least
    every `every_seconds`, so a slow channel never holds another's alerts. Each worker
    holds its channel's lock while it drains: a reload closes a replaced channel only once its
    worker is done with it, never under a send (which could fail it after the receiver took
    it). On `stopping` a worker starts no new send and ends after the one in flight."""

    def __init__(self, deps: DrainDeps, *, stopping: asyncio.Event, tracker: DeliveryTracker,
                 on_drained: Callable[[DrainReport], None],
                 on_state_gone: Callable[[StateGoneError], None],
                 every_seconds: float = 5.0, rows_per_drain: int = 1000) -> None:
        self.deps = deps
        self.stopping = stopping
        self.tracker = tracker
        self.on_drained = on_drained
        self.on_state_gone = on_state_gone
        self.every_seconds = every_seconds
        self.rows_per_drain = rows_per_drain
        self.tasks: dict[str, asyncio.Task] = {}
        self.wakes: dict[str, asyncio.Event] = {}
        self.locks: dict[str, asyncio.Lock] = {}
        self.closing: set[asyncio.Task] = set()

    def start(self) -> None:
        """A worker for every configured channel, and for channels no longer configured that
        still have alerts waiting (it dead-letters them, saying why, and ends)."""
        names = self._configured() | self.deps.store.pending_channels()
        for name in sorted(names):
            task = self.tasks.get(name)
            if task is None or task.done():
                self.wakes.setdefault(name, asyncio.Event())
                self.locks.setdefault(name, asyncio.Lock())
                self.tasks[name] = asyncio.create_task(self._deliver_forever(name),
                                                       name=f"deliver {name}")

    def wake(self) -> None:
        for wake in self.wakes.values():
            wake.set()

    def running(self) -> set[asyncio.Task]:
        return {t for t in self.tasks.values() if not t.done()}

    def not_running(self) -> list[str]:
        """Configured channels whose worker has ended (a bug, or the state gone)."""
        return [n for n in sorted(self._configured())
                if n not in self.tasks or self.tasks[n].done()]

    def replace_channels(self, channels: dict[str, Channel]) -> None:
        """Use `channels` from each worker's next drain on; close the old ones when idle."""
        old, self.deps.channels = self.deps.channels, channels
        closing = asyncio.create_task(self._close_when_idle(old))
        self.closing.add(closing)
        closing.add_done_callback(self.closing.discard)

    async def closed(self) -> None:
        await asyncio.gather(*self.closing, return_exceptions=True)

    def _configured(self) -> set[str]:
        return {c.name for c in self.deps.config.channels}

    async def _deliver_forever(self, channel: str) -> None:
        wake = self.wakes[channel]
        # A drain that fails (the state away) is retried every few seconds: logged once.
        failures = FailureLog(log, "Delivery failed", "Delivery works again")
        while not self.stopping.is_set():
            wake.clear()  # before draining: a wake-up during the drain counts
            try:
                async with self.locks[channel]:
                    drained = await drain_channel(self.deps, channel, stop=self.stopping,
                                                  budget=RowBudget(self.rows_per_drain),
                                                  tracker=self.tracker)
                failures.succeeded(channel=channel)
                self.on_drained(drained)
            except StateGoneError as exc:
                self.on_state_gone(exc)
                return
            except MonitorError as exc:
                failures.failed(str(exc), channel=channel)
            except Exception:
                log.exception("Internal error while delivering alerts",
                              extra={"fields": {"channel": channel}})
            if channel not in self._configured():
                return  # a channel no longer configured: its alerts are dead now
            try:
                await asyncio.wait_for(wake.wait(), self.every_seconds)
            except asyncio.TimeoutError:
                pass

    async def _close_when_idle(self, channels: dict[str, Channel]) -> None:
        for name, channel in channels.items():
            async with self.locks.setdefault(name, asyncio.Lock()):
                try:
                    await channel.aclose()
                except Exception:
                    log.exception("Closing a channel failed", extra={"fields": {
                        "channel": name}})
