"""Never lose or repeat an alert, with the real daemon, a real feed server and a real webhook
receiver on 127.0.0.1.

Crash safety: items keep arriving on three feeds while `monitor run` is stopped at random
moments (seeded) over and over, by SIGKILL or by SIGTERM (seeded too), and an operator runs
the real `monitor status` and `monitor outbox` every second beside it. A final clean run must
then have delivered every expected alert at least once, and no alert id twice except the one
repeat no sender can rule out under SIGKILL: a kill between the receiver taking an alert and
the daemon recording it as sent. Such a repeat is told apart (the alert was never logged as
delivered before it came again, and it first came during a run that was SIGKILLed), counted
and reported, not hidden; any other repeat fails the test, and so does any repeat after a
SIGTERM (the daemon finishes and records the send in flight before it exits). Every SIGTERM
stop must exit 0 within Docker's 10 s; every status/outbox run must succeed. With the default
seed and 50 stops there are no repeats; 120 kills with seed 7 gave 2 (SIGKILL only).

Dead channel: the receiver refuses connections for several poll cycles, then comes back; every
queued alert arrives, oldest first, none lost, none twice.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from monitor.normalize import item_key
from monitor.render import alert_id
from support.cli import run_cli, write_config
from support.daemon import DaemonProcess, delivered_log_ids, wait_for
from support.feed_server import rss

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEED = int(os.environ.get("MONITOR_CRASH_SEED", "20260704"))
KILLS = int(os.environ.get("MONITOR_CRASH_KILLS", "50"))
TERM_SHARE = 0.4  # of the stops that are SIGTERM rather than SIGKILL
DOCKER_STOP_TIMEOUT_SECONDS = 10.0
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


class Bystander:
    """An operator beside the daemon: the real `monitor status` and `monitor outbox`, every
    second, each in its own process, recording any that fails."""

    def __init__(self, cwd) -> None:
        self.cwd = cwd
        self.runs = 0
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self.stop.wait(max(0.0, next_at - time.monotonic())):
            next_at = time.monotonic() + 1.0
            if not (self.cwd / "monitor.db").exists():
                continue  # before the first start: `status` rightly says there is no state
            for command in ("status", "outbox"):
                result = run_cli(command, cwd=self.cwd, timeout=60)
                self.runs += 1
                if result.code != 0 or "Traceback" in result.stderr:
                    self.failures.append(f"monitor {command}: exit {result.code}: "
                                         f"{result.stderr.strip()[-500:]}")



def test_sigkill_or_sigterm_at_random_moments_beside_status_loses_and_repeats_no_alert(
        feed_server, receiver, tmp_path, request):
    rng = random.Random(SEED)
    how_to_stop = random.Random(SEED + 2)
    source = ItemSource(feed_server, random.Random(SEED + 1), every=0.25)

    def configure(run: str) -> None:
        """The config for the next run: the channel's URL names the run, so the receiver
        knows which process sent each request (its clock cannot tell: a request a SIGKILLed
        run wrote just before it died may be read after the next run has started)."""
        staged = write_config(
            tmp_path / "config.yaml.new",
            [{"name": f, "url": source.url(f), "interval": "1s"} for f in FEEDS],
            rules=[{"name": "drones", "query": "drone"}],
            channels=[{"name": "hook", "type": "webhook", "url": receiver.url(f"/hook/{run}")}],
            # Every item its own alert: a check after a few quick kills can find more
            # new items than the default cap of 20 (which would summarise the rest).
            defaults={"max_alerts_per_rule": 1000})
        os.replace(staged, tmp_path / "config.yaml")  # the bystander never reads half a file

    configure("0")
    source.add()
    source.thread.start()
    bystander = Bystander(tmp_path)
    bystander.thread.start()
    survived, logged, busy_kills = 0, Counter(), 0
    runs: list[tuple[float, float, str]] = []  # (started, ended, "SIGTERM" / "SIGKILL")
    term_stops: list[float] = []
    term_failures: list[str] = []
    early_terms = 0  # SIGTERMs that came before the handler existed (see below)
    started = time.monotonic()
    try:
        for i in range(KILLS):
            configure(str(i))
            run_started = time.time()
            daemon = DaemonProcess(tmp_path, "--log-format", "json", tag=f"-{i}")
            time.sleep(rng.uniform(0.4, 2.5))
            if daemon.alive():
                survived += 1  # it was running when stopped (not dead of its own accord)
            if how_to_stop.random() < TERM_SHARE:
                how, stop_started = "SIGTERM", time.monotonic()
                code = daemon.stop(signal.SIGTERM, timeout=60)
                term_stops.append(time.monotonic() - stop_started)
                if code == -signal.SIGTERM and not daemon.stderr().strip():
                    # Killed by the signal's default action before `monitor run` installed its
                    # handler (interpreter start and imports, ~0.1 s; longer on a loaded
                    # machine): nothing was loaded, fetched or sent yet, so nothing to lose.
                    # Any output means it had started, and then -15 is a failure.
                    early_terms += 1
                elif code != 0 or term_stops[-1] >= DOCKER_STOP_TIMEOUT_SECONDS:
                    term_failures.append(f"run {i}: exit {code} after {term_stops[-1]:.1f} s")
            else:
                how = "SIGKILL"
                daemon.kill()
            runs.append((run_started, time.time(), how))
            sent_in_run = delivered_log_ids(daemon)
            logged.update(sent_in_run)
            busy_kills += bool(sent_in_run) and how == "SIGKILL"
            assert "Traceback" not in daemon.stderr(), daemon.stderr()[-3000:]
    finally:
        source.stop.set()
        source.thread.join()
    kill_phase = time.monotonic() - started

    expected = source.expected_alert_ids("drones", "hook")
    configure("final")
    final_started = time.time()
    final = DaemonProcess(tmp_path, "--log-format", "json", tag="-final")
    try:
        wait_for(lambda: expected <= {r.headers["webhook-id"] for r in receiver.delivered()},
                 timeout=120, what="every expected alert", every=0.2)
        time.sleep(1.5)  # anything sent twice would arrive now
    finally:
        bystander.stop.set()
        bystander.thread.join()
        assert final.stop() == 0
    runs.append((final_started, time.time(), "SIGTERM"))
    logged.update(delivered_log_ids(final))

    got = receiver.delivered()
    received = Counter(r.headers["webhook-id"] for r in got)
    first_sender: dict[str, int] = {}  # alert id → the run that sent it first (index in runs)
    for r in got:
        run = r.path.rsplit("/", 1)[-1]
        first_sender.setdefault(r.headers["webhook-id"],
                                len(runs) - 1 if run == "final" else int(run))
    repeats = {i: n for i, n in received.items() if n > 1}
    # A repeat is "killed between send and mark" only when the alert was logged as delivered
    # (which happens after it is marked sent) at most once, and the run that sent it first was
    # SIGKILLed: it went out, the process died before marking it, the next run sent it again.
    # A SIGTERMed run marks what it sent before it exits.
    after_term = {i: n for i, n in repeats.items() if runs[first_sender[i]][2] != "SIGKILL"}
    unexplained = {i: n for i, n in repeats.items() if logged[i] > 1 or i in after_term}
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        outbox = dict(db.execute("SELECT status, count(*) FROM outbox GROUP BY status"))
    terms = sum(1 for *_, how in runs[:-1] if how == "SIGTERM")
    summary = (f"crash safety (seed {SEED}): {survived}/{KILLS} stops of a running daemon in "
               f"{kill_phase:.0f} s: {KILLS - terms} SIGKILL ({busy_kills} while delivering), "
               f"{terms} SIGTERM (slowest exit {max(term_stops, default=0):.1f} s; {early_terms} "
               f"before the handler existed, exit -15 with no output); "
               f"{bystander.runs} status/outbox runs beside it, {len(bystander.failures)} "
               f"failed; {source.count} items added; alerts expected {len(expected)}, "
               f"received {len(set(received) & expected)}, missing "
               f"{len(expected - set(received))}, received twice {len(repeats)} (kill between "
               f"send and mark: {len(repeats) - len(unexplained)}, after SIGTERM: "
               f"{len(after_term)}, other: {len(unexplained) - len(after_term)}); "
               f"outbox {outbox}")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        reporter.write_line("\n" + summary)

    assert survived >= 50 or survived == KILLS, summary
    assert expected - set(received) == set(), summary
    assert set(received) <= expected, summary  # nothing invented
    assert unexplained == {}, summary
    assert term_failures == [], (summary, term_failures)
    assert bystander.failures == [], (summary, bystander.failures[:5])
    # Delivery to one channel is sequential, so a kill can catch at most one alert between
    # send and mark: such an alert comes exactly twice, and each SIGKILLed run leaves at most
    # one (its first copy was sent by that run). (No sender can do better under SIGKILL; the
    # stable webhook-id is what lets a receiver drop that repeat.)
    # Counted per run from the URL each run sent to: the daemon's own log misses a run killed
    # after the receiver took an alert and before the log line (seen: 2 repeats, 1 run with a
    # line), and the receiver's clock may put a dying run's last request in the next run.
    assert all(n == 2 for n in repeats.values()), summary
    first_runs = Counter(first_sender[i] for i in repeats)
    assert all(n == 1 for n in first_runs.values()), (summary, first_runs)
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
