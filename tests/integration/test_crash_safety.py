"""Never lose or repeat an alert, with the real daemon, a real feed server and a real webhook
receiver on 127.0.0.1.

Crash safety: items keep arriving on three feeds while `monitor run` is SIGKILLed at random
moments (seeded) over and over; a final clean run must then have delivered every expected
alert at least once, and no alert id twice except the one repeat no sender can rule out under
SIGKILL: a kill between the receiver taking an alert and the daemon recording it as sent. Such a
repeat is told apart (the alert was never logged as delivered before it came again), counted
and reported, not hidden; any other repeat fails the test. With the default seed and 50 kills
there are none; 120 kills with seed 7 gave 2.

Dead channel: the receiver refuses connections for several poll cycles, then comes back; every
queued alert arrives, oldest first, none lost, none twice.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from monitor.normalize import item_key
from monitor.render import alert_id
from support.cli import write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss
from support.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEED = int(os.environ.get("MONITOR_CRASH_SEED", "20260704"))
KILLS = int(os.environ.get("MONITOR_CRASH_KILLS", "50"))
FEEDS = ("alpha", "bravo", "charlie")


class ItemSource:
    """Adds a matching item to a random feed every `every` seconds, keeping every item."""

    def __init__(self, server, rng: random.Random, every: float) -> None:
        self.server, self.rng, self.every = server, rng, every
        self.items: dict[str, list[dict]] = {f: [] for f in FEEDS}
        self.count = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        for feed in FEEDS:
            server.set(f"/{feed}.xml", rss([], title=feed))
        self.thread = threading.Thread(target=self._run, daemon=True)

    def url(self, feed: str) -> str:
        return self.server.url(f"/{feed}.xml")

    def add(self) -> None:
        with self.lock:
            feed = self.rng.choice(FEEDS)
            n = self.count = self.count + 1
            self.items[feed].insert(0, {
                "guid": f"{feed}-{n}", "title": f"Drone report {n} filed by {feed} desk",
                "link": f"https://example.org/{feed}/{n}",
                "pubDate": format_datetime(datetime.now(timezone.utc))})
            self.server.update(f"/{feed}.xml", rss(self.items[feed], title=feed))

    def expected_alert_ids(self, rule: str, channel: str) -> set[str]:
        with self.lock:
            return {alert_id(rule, item_key(feed, item["guid"]), channel)
                    for feed, items in self.items.items() for item in items}

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            self.add()


@pytest.fixture
def receiver():
    rx = WebhookReceiver().start()
    yield rx
    rx.stop()


def delivered_log_ids(daemon: DaemonProcess) -> list[str]:
    ids = []
    for line in daemon.stderr().splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue  # a line cut short by SIGKILL
        if doc.get("msg") == "Alert delivered":
            ids.append(doc["alert_id"])
    return ids


def test_sigkill_at_random_moments_loses_and_repeats_no_alert(
        feed_server, receiver, tmp_path, request):
    rng = random.Random(SEED)
    source = ItemSource(feed_server, random.Random(SEED + 1), every=0.25)
    write_config(tmp_path / "config.yaml",
                 [{"name": f, "url": source.url(f), "interval": "1s"} for f in FEEDS],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook")}])
    source.add()
    source.thread.start()
    survived, logged, busy_runs = 0, Counter(), 0
    started = time.monotonic()
    try:
        for i in range(KILLS):
            daemon = DaemonProcess(tmp_path, "--log-format", "json", tag=f"-{i}")
            time.sleep(rng.uniform(0.4, 2.5))
            if daemon.alive():
                survived += 1  # it was running when killed (not dead of its own accord)
            daemon.kill()
            sent_in_run = delivered_log_ids(daemon)
            logged.update(sent_in_run)
            busy_runs += bool(sent_in_run)
            assert "Traceback" not in daemon.stderr(), daemon.stderr()[-3000:]
    finally:
        source.stop.set()
        source.thread.join()
    kill_phase = time.monotonic() - started

    expected = source.expected_alert_ids("drones", "hook")
    final = DaemonProcess(tmp_path, "--log-format", "json", tag="-final")
    try:
        wait_for(lambda: expected <= {r.headers["webhook-id"] for r in receiver.delivered()},
                 timeout=120, what="every expected alert", every=0.2)
        time.sleep(1.5)  # anything sent twice would arrive now
    finally:
        assert final.stop() == 0
    logged.update(delivered_log_ids(final))

    received = Counter(r.headers["webhook-id"] for r in receiver.delivered("/hook"))
    repeats = {i: n for i, n in received.items() if n > 1}
    # A repeat is "crash between send and mark" only when the alert was logged as delivered
    # (which happens after it is marked sent) at most once: it went out, the process was
    # killed before marking it, and the next run sent it again.
    unexplained = {i: n for i, n in repeats.items() if logged[i] > 1}
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        outbox = dict(db.execute("SELECT status, count(*) FROM outbox GROUP BY status"))
    summary = (f"crash safety (seed {SEED}): {survived}/{KILLS} kills of a running daemon in "
               f"{kill_phase:.0f} s ({busy_runs} runs had delivered alerts when killed), "
               f"{source.count} items added; alerts expected "
               f"{len(expected)}, received {len(set(received) & expected)}, "
               f"missing {len(expected - set(received))}, received twice {len(repeats)} "
               f"(kill between send and mark: {len(repeats) - len(unexplained)}, other: "
               f"{len(unexplained)}); outbox {outbox}")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        reporter.write_line("\n" + summary)

    assert survived >= 50 or survived == KILLS, summary
    assert expected - set(received) == set(), summary
    assert set(received) <= expected, summary  # nothing invented
    assert unexplained == {}, summary
    # Delivery is sequential, so a kill can catch at most one alert between send and mark:
    # such an alert comes exactly twice, and there are at most as many as kills of a run
    # that was delivering. (No sender can do better under SIGKILL; the stable webhook-id is
    # what lets a receiver drop that repeat.)
    assert all(n == 2 for n in repeats.values()), summary
    assert len(repeats) <= busy_runs, summary
    assert outbox == {"sent": len(expected)}, summary


def test_dead_channel_queues_alerts_and_delivers_them_in_order_when_it_returns(
        feed_server, receiver, tmp_path):
    source = ItemSource(feed_server, random.Random(SEED), every=3600)
    write_config(tmp_path / "config.yaml",
                 [{"name": f, "url": source.url(f), "interval": "1s"} for f in FEEDS],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook")}])
    source.add()
    daemon = DaemonProcess(tmp_path, "--log-format", "json")
    try:
        assert len(receiver.wait_for(1, timeout=30)) == 1
        receiver.stop()  # connections are refused from now on
        for _ in range(8):  # several poll cycles, each bringing new items
            source.add()
            time.sleep(1.0)
        wait_for(lambda: "Alert delivery failed, will retry" in daemon.stderr(),
                 what="a refused delivery")
        assert len(receiver.delivered()) == 1
        receiver.start()  # back on the same port; the first retry comes after ~30 s backoff
        expected = source.expected_alert_ids("drones", "hook")
        wait_for(lambda: {r.headers["webhook-id"] for r in receiver.delivered()} >= expected,
                 timeout=90, what="the queued alerts", every=0.2)
        time.sleep(1.0)
    finally:
        assert daemon.stop() == 0
    got = [r.headers["webhook-id"] for r in receiver.delivered("/hook")]
    assert len(got) == len(set(got)) == len(expected) == 9  # none lost, none twice
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        # In turn: round-robin across feeds (issue 11 #12), each feed's oldest first.
        queued = [row[0] for row in db.execute("SELECT alert_id FROM outbox ORDER BY turn, id")]
        by_feed = {}
        for alert, feed in db.execute("SELECT alert_id, feed FROM outbox ORDER BY id"):
            by_feed.setdefault(feed, []).append(alert)
        statuses = {row[0] for row in db.execute("SELECT status FROM outbox")}
    assert got == queued
    for alerts in by_feed.values():
        assert [a for a in got if a in alerts] == alerts  # each feed's oldest first
    assert statuses == {"sent"}
    assert "Alert delivery failed, will retry" in daemon.stderr()


def test_a_reload_during_a_send_does_not_send_it_again(feed_server, receiver, tmp_path):
    """SIGHUP swaps the channels; it must not close one under an alert it is sending (a
    guard: today's shared HTTP client survives that, and the daemon also waits for the drain)."""
    import signal

    from support.webhook_receiver import Reply

    source = ItemSource(feed_server, random.Random(SEED), every=3600)
    config = write_config(
        tmp_path / "config.yaml", [{"name": "alpha", "url": source.url("alpha"),
                                    "interval": "1h"}],
        rules=[{"name": "drones", "query": "drone"}],
        channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook")}])
    receiver.script("/hook", Reply(200, hang_seconds=3.0))  # a slow receiver
    source.items["alpha"].append({"guid": "alpha-1", "title": "Drone report one",
                                  "link": "https://example.org/alpha/1"})
    feed_server.update("/alpha.xml", rss(source.items["alpha"], title="alpha"))
    daemon = DaemonProcess(tmp_path)
    try:
        wait_for(lambda: receiver.requests_to("/hook"), what="the send to start")
        config.write_text(config.read_text(encoding="utf-8"), encoding="utf-8")
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "Config reloaded" in daemon.stderr(), what="the reload")
        wait_for(lambda: "Alert delivered" in daemon.stderr(), what="the delivery")
        time.sleep(1.0)
    finally:
        assert daemon.stop() == 0
    assert len(receiver.requests_to("/hook")) == 1
    assert "will retry" not in daemon.stderr()
