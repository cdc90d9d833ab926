"""Commands that read the state beside a running daemon, through the real CLI: `monitor status`
and `monitor outbox` must never disturb the daemon's SQLite files (a plain open()/close() of the
database in a process holding connections drops SQLite's POSIX locks, and the next reader to
close then deleted the daemon's WAL: its later commits went to a deleted file, other commands
read stale data, and after a SIGKILL the next start alerted the same items again)."""

from __future__ import annotations

import os
import signal
from collections import Counter

import pytest

from support.cli import run_cli, write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss

pytestmark = pytest.mark.integration



def deleted_state_files(pid: int) -> list[str]:
    """The state files the process has open that no longer have a name."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if "monitor.db" in target and target.endswith("(deleted)"):
            found.append(target)
    return found


def item(n: int) -> dict[str, str]:
    return {"guid": f"g{n}", "title": f"Drone plant number {n} opens",
            "link": f"https://example.org/{n}"}


def test_status_and_outbox_beside_the_daemon_leave_its_files_alone_and_read_fresh_data(
        feed_server, receiver, tmp_path):
    items = [item(0)]
    url = feed_server.set("/f.xml", rss(items))
    # Translation stays on (the default): the daemon then opens a second connection of its own.
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url, "interval": "1s"}],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook")}])
    first = run_cli("poll", cwd=tmp_path)
    assert first.code == 0, first.stderr
    assert len(receiver.delivered()) == 1

    daemon = DaemonProcess(tmp_path)
    try:
        wait_for(lambda: "Daemon started" in daemon.stderr(), what="the daemon to start")
        for n in range(1, 4):
            items.insert(0, item(n))
            feed_server.update("/f.xml", rss(items))
            wait_for(lambda: len(receiver.delivered()) == n + 1, timeout=30,
                     what=f"alert {n} from the daemon")
            status = run_cli("status", "--json", cwd=tmp_path)
            assert status.code == 0, status.stderr
            # The daemon committed item n before sending it: a reader must see it.
            assert status.json()["feeds"][0]["items"] == n + 1, status.stdout
            outbox = run_cli("outbox", "--json", cwd=tmp_path)
            assert outbox.code == 0, outbox.stderr
            counts = outbox.json()["counts"]
            assert counts.get("pending", 0) + counts.get("sent", 0) == n + 1, counts
            table = run_cli("outbox", cwd=tmp_path)
            assert table.code == 0, table.stderr
            assert deleted_state_files(daemon.pid) == [], "after readers ran"
            assert daemon.alive(), daemon.stderr()
    finally:
        daemon.stop(signal.SIGKILL)

    # What the killed daemon committed is on disk: the next daemon repeats nothing.
    items.insert(0, item(4))
    feed_server.update("/f.xml", rss(items))
    again = DaemonProcess(tmp_path, tag="-2")
    try:
        wait_for(lambda: len(receiver.delivered()) >= 5, timeout=30, what="alert 4")
        wait_for(lambda: "Feed checked" in again.stderr(), what="a check by the new daemon")
    finally:
        assert again.stop() == 0
    ids = Counter(r.headers["webhook-id"] for r in receiver.delivered())
    assert [i for i, n in ids.items() if n > 1] == [], ids
    assert len(ids) == 5
