"""A full disk under the real daemon and CLI, on a real filesystem (a small tmpfs in a private
mount namespace, support.small_disk): every commit that fails says SQLite's own reason on one
line, nothing is half-committed, the daemon keeps running and goes on where it stopped once
there is room, no alert is lost and none is sent twice; at open, a full disk is reported as a
full disk, not as a damaged file.

The same paths without a mount namespace (SQLITE_FULL from `max_page_count`) are in
tests/unit/test_store_failures.py, so they run wherever the tests run.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from support.cli import run_cli, write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss
from support.small_disk import SmallDisk

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def disk(tmp_path):
    disk = SmallDisk(tmp_path / "disk", size_kb=2048)
    if disk.start() is None:
        pytest.skip(f"no small filesystem to fill: {disk.why}")
    yield disk
    disk.stop()



def item(n: int) -> dict[str, str]:
    return {"guid": f"g{n}", "title": f"Drone plant number {n} opens",
            "link": f"https://example.org/{n}", "description": f"Report {n}. " + "words " * 300}


def log_lines(daemon: DaemonProcess) -> list[dict]:
    out = []
    for line in daemon.stderr().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def full_errors(daemon: DaemonProcess, msg: str) -> int:
    return sum(1 for doc in log_lines(daemon) if doc.get("msg") == msg
               and "database or disk is full" in doc.get("error", ""))


def test_a_full_disk_loses_no_alert_repeats_none_and_says_why(disk, receiver, feed_server,
                                                              tmp_path):
    state = tmp_path / "disk" / "monitor.db"
    items = [item(0)]
    url = feed_server.set("/f.xml", rss(items))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url, "interval": "1s"}],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook")}],
                 delivery={"retry_first": "1s", "retry_max": "1s"},
                 state=str(state))

    def wrap(argv):
        return disk.wrap(argv, cwd=tmp_path)

    first = run_cli("poll", cwd=tmp_path, wrap=wrap)
    assert first.code == 0, first.stderr
    assert len(receiver.delivered()) == 1
    # At debug level: every failed drain is logged (at info, once a minute).
    daemon = DaemonProcess(tmp_path, "--log-format", "json", "--log-level", "debug", wrap=wrap)
    try:
        wait_for(lambda: "Daemon started" in daemon.stderr(), what="the daemon to start")
        # An alert committed while its channel is down: it waits in the outbox.
        receiver.stop()
        items.insert(0, item(1))
        feed_server.update("/f.xml", rss(items))
        wait_for(lambda: "Alert delivery failed, will retry" in daemon.stderr(),
                 what="a refused delivery")

        disk.fill()
        for n in range(2, 6):
            items.insert(0, item(n))
        feed_server.update("/f.xml", rss(items))
        wait_for(lambda: full_errors(daemon, "Feed check failed") >= 2, timeout=30,
                 what="a feed commit refused for want of space")
        status = run_cli("status", "--json", cwd=tmp_path, wrap=wrap)
        assert status.code == 0, status.stderr
        assert status.json()["feeds"][0]["items"] == 2  # nothing of the failed commits

        # The channel is back while the disk is still full: the waiting alert goes out once,
        # and is not sent again while the store cannot record that it was.
        receiver.start()
        wait_for(lambda: len(receiver.delivered()) == 2, timeout=30, what="the waiting alert")
        failed_drains = full_errors(daemon, "Delivery failed")
        wait_for(lambda: full_errors(daemon, "Delivery failed") >= failed_drains + 2,
                 timeout=30, what="two more drains on the full disk")
        assert len(receiver.delivered()) == 2
        assert daemon.alive()

        disk.free()
        wait_for(lambda: len(receiver.delivered()) == 6, timeout=60,
                 what="the alerts of the items that could not be committed")
        wait_for(lambda: '"Alert delivered"' in daemon.stderr().rsplit("Feed check failed")[-1],
                 what="a delivery logged after the disk was freed")
    finally:
        code = daemon.stop()
    stderr = daemon.stderr()
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr and "cannot rollback" not in stderr, stderr[-3000:]
    ids = Counter(r.headers["webhook-id"] for r in receiver.delivered())
    assert len(ids) == 6 and set(ids.values()) == {1}, ids  # items 0-5, each once
    outbox = run_cli("outbox", "--json", cwd=tmp_path, wrap=wrap)
    assert outbox.json()["counts"] == {"sent": 6}

    # At open: a full disk is a full disk, and the readers still read.
    disk.fill()
    again = run_cli("poll", cwd=tmp_path, wrap=wrap)
    assert again.code == 1, again.stderr
    lines = again.stderr.splitlines()
    assert lines[0].startswith(f"monitor: error: state {state}: database or disk is full"), lines
    assert lines[1].startswith("  hint: free space where the state lives"), lines
    assert len(lines) == 2 and "not a usable" not in again.stderr
    status = run_cli("status", "--json", cwd=tmp_path, wrap=wrap)
    assert status.code == 0, status.stderr
    assert status.json()["feeds"][0]["items"] == 6
