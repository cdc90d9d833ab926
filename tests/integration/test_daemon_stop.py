"""SIGTERM while alerts are being sent, with the real daemon and a real slow receiver on
127.0.0.1: the daemon stops between alerts, finishes the send in flight and records it, exits
within Docker's default 10 s stop timeout, and the next start sends every alert exactly once.

A receiver that takes 1 s a POST is a busy chat service; one that drips its answer (a byte
every 2 s, every read succeeding) is a broken proxy: its send cannot finish, so at the hard
limit the daemon gives up on it and says which alert's outcome is unknown.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections import Counter

import pytest

from monitor.normalize import item_key
from monitor.render import alert_id
from support.cli import write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss
from support.webhook_receiver import Reply

pytestmark = pytest.mark.integration

DOCKER_STOP_TIMEOUT_SECONDS = 10.0  # `docker stop` sends SIGKILL after this by default
ALERTS = 30



def setup(tmp_path, feed_server, receiver, *, items: int = ALERTS) -> set[str]:
    feed_server.set("/news.xml", rss([{"guid": f"n{i}", "title": f"Drone report {i}",
                                       "link": f"https://example.org/{i}"}
                                      for i in range(items)]))
    write_config(tmp_path / "config.yaml",
                 [{"name": "news", "url": feed_server.url("/news.xml"), "interval": "1h"}],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook")}],
                 defaults={"max_alerts_per_rule": 100})  # each item its own alert
    return {alert_id("drones", item_key("news", f"n{i}"), "hook") for i in range(items)}


def stop_timed(daemon: DaemonProcess, *signals: int, between: float = 0.5) -> tuple[int, float]:
    """Send the signals (the first at once, each next `between` s later); return the exit code
    and the seconds from the first signal to the exit."""
    started = time.monotonic()
    for index, sig in enumerate(signals):
        if index:
            time.sleep(between)
        if daemon.proc.poll() is None:
            daemon.proc.send_signal(sig)
    # Wait, never signal again: DaemonProcess.stop() would send another SIGTERM, which the
    # daemon takes as "stop now" once it has handled the first (on a loaded machine it had;
    # otherwise the kernel merged the two pending signals into one).
    try:
        code = daemon.proc.wait(60)
    finally:
        daemon.close()
    return code, time.monotonic() - started


def outbox(tmp_path) -> dict[str, int]:
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        return dict(db.execute("SELECT status, count(*) FROM outbox GROUP BY status"))


def test_sigterm_during_slow_sends_stops_between_alerts_and_repeats_none(
        feed_server, receiver, tmp_path):
    expected = setup(tmp_path, feed_server, receiver)
    receiver.default = Reply(200, hang_seconds=1.0)
    daemon = DaemonProcess(tmp_path, tag="-1")
    try:
        wait_for(lambda: len(receiver.requests_to("/hook")) >= 2, timeout=60,
                 what="two alerts sent")
        code, seconds = stop_timed(daemon, signal.SIGTERM)
    finally:
        daemon.close()
    accepted = len(receiver.requests_to("/hook"))
    assert code == 0, daemon.stderr()[-2000:]
    assert seconds < DOCKER_STOP_TIMEOUT_SECONDS, f"stopped after {seconds:.1f} s"
    # Every alert the receiver took is recorded as sent: none is left to be sent again.
    assert outbox(tmp_path).get("sent", 0) == accepted, (outbox(tmp_path), accepted)
    assert accepted < ALERTS  # it stopped between alerts instead of sending them all
    assert "outcome is unknown" not in daemon.stderr(), daemon.stderr()

    receiver.default = Reply(200)
    again = DaemonProcess(tmp_path, tag="-2")
    try:
        wait_for(lambda: {r.headers["webhook-id"] for r in receiver.delivered()} >= expected,
                 timeout=60, what="every alert after the restart")
        time.sleep(1.0)  # a repeat would arrive now
    finally:
        assert again.stop() == 0
    received = Counter(r.headers["webhook-id"] for r in receiver.requests_to("/hook"))
    assert set(received) == expected
    assert {i: n for i, n in received.items() if n > 1} == {}
    assert outbox(tmp_path) == {"sent": ALERTS}


def test_sigterm_during_a_send_that_never_finishes_exits_in_time_and_names_the_alert(
        feed_server, receiver, tmp_path):
    expected = setup(tmp_path, feed_server, receiver, items=1)
    receiver.default = Reply(200, drip_seconds=2.0)
    daemon = DaemonProcess(tmp_path, "--log-format", "json")
    try:
        wait_for(lambda: receiver.requests_to("/hook"), timeout=30, what="the send to start")
        code, seconds = stop_timed(daemon, signal.SIGTERM)
    finally:
        daemon.close()
    assert code == 0, daemon.stderr()[-2000:]
    assert seconds < DOCKER_STOP_TIMEOUT_SECONDS, f"stopped after {seconds:.1f} s"
    (the_alert,) = expected
    unknown = [line for line in daemon.stderr().splitlines() if "outcome is unknown" in line]
    assert len(unknown) == 1 and the_alert in unknown[0], daemon.stderr()[-2000:]
    assert outbox(tmp_path) == {"pending": 1}  # sent again at the next start, never dropped


def test_a_second_signal_stops_at_once(feed_server, receiver, tmp_path):
    setup(tmp_path, feed_server, receiver, items=1)
    receiver.default = Reply(200, drip_seconds=2.0)
    daemon = DaemonProcess(tmp_path)
    try:
        wait_for(lambda: receiver.requests_to("/hook"), timeout=30, what="the send to start")
        code, seconds = stop_timed(daemon, signal.SIGTERM, signal.SIGINT, between=0.5)
    finally:
        daemon.close()
    assert code == 0, daemon.stderr()[-2000:]
    err = daemon.stderr()
    assert "Second signal: stopping now" in err, err[-2000:]
    assert "outcome is unknown" in err
    # The hard limit is several seconds away; the second signal did not wait for it.
    assert seconds < 5.0, f"stopped after {seconds:.1f} s"
    assert outbox(tmp_path) == {"pending": 1}


def catches(pid: int, sig: int) -> bool:
    """Whether the process has a handler for `sig` (Linux: SigCgt in /proc/PID/status)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    except FileNotFoundError:
        pass
    return False


def test_sigterm_while_starting_is_a_clean_stop(feed_server, receiver, tmp_path):
    """`docker stop` can come while the daemon still loads its config and code (about a
    second): it stops cleanly once it can, exit 0, instead of dying of the signal."""
    setup(tmp_path, feed_server, receiver, items=1)
    daemon = DaemonProcess(tmp_path)
    try:
        # As soon as it can take the signal: main caught it only once it had loaded
        # everything (and then started its scheduler anyway); now from before the config.
        wait_for(lambda: catches(daemon.pid, signal.SIGTERM), timeout=30,
                 what="the process to catch SIGTERM", every=0.005)
        code, seconds = stop_timed(daemon, signal.SIGTERM)
    finally:
        daemon.close()
    err = daemon.stderr()
    assert code == 0, err[-2000:]
    assert seconds < DOCKER_STOP_TIMEOUT_SECONDS, f"stopped after {seconds:.1f} s"
    assert "Daemon stopped" in err
    assert "Daemon started" not in err, err  # no checks or sends begun, then dropped
    assert receiver.requests_to("/hook") == []
