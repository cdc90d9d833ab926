"""The state file under contention and damage, through the real CLI: one poller per state
(a lock), SQLite busy is waited out, a corrupt or foreign file is refused and left untouched."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from support.cli import run_cli, write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss

pytestmark = pytest.mark.integration


@pytest.fixture
def config(feed_server, tmp_path):
    url = feed_server.set("/f.xml", rss([{"guid": "1", "title": "Drone plant grows"}]))
    return write_config(tmp_path / "config.yaml", [{"name": "f", "url": url, "interval": "1s"}],
                        rules=[{"name": "drones", "query": "drone"}])


def test_a_second_poller_on_the_same_state_refuses_with_one_line(config, tmp_path):
    daemon = DaemonProcess(tmp_path)
    try:
        wait_for(lambda: "[drones] Drone plant grows" in daemon.stdout(), what="the daemon's alert")
        for args in (["poll"], ["run"]):
            second = run_cli(*args, cwd=tmp_path, timeout=60)
            assert second.code == 1, second.stderr
            first_line, hint = second.stderr.splitlines()[:2]
            assert first_line == (f"monitor: error: state {tmp_path / 'monitor.db'}: in use by "
                                  f"another monitor (pid {daemon.pid})")
            assert hint.startswith("  hint: run one `monitor run` or `monitor poll` per state")
        assert daemon.alive()
        assert daemon.stdout().count("[drones] Drone plant grows") == 1
    finally:
        assert daemon.stop() == 0
    # The lock went with the daemon: the next poll works (and alerts nothing new).
    after = run_cli("poll", cwd=tmp_path)
    assert after.code == 0, after.stderr
    assert "Drone plant grows" not in after.stdout


def test_the_lock_is_released_when_the_holder_is_killed(config, tmp_path):
    daemon = DaemonProcess(tmp_path)
    wait_for(lambda: "[drones]" in daemon.stdout(), what="the daemon's alert")
    daemon.kill()
    after = run_cli("poll", cwd=tmp_path)
    assert after.code == 0, after.stderr


def test_a_busy_database_is_waited_for_not_failed(config, tmp_path):
    assert run_cli("poll", cwd=tmp_path).code == 0  # create the state
    db = sqlite3.connect(tmp_path / "monitor.db", isolation_level=None,
                         check_same_thread=False)
    db.execute("BEGIN IMMEDIATE")  # another program holds the write lock for a while
    db.execute("UPDATE meta SET value = value")
    release = threading.Timer(2.0, lambda: db.execute("COMMIT"))
    release.start()
    try:
        started = time.monotonic()
        result = run_cli("poll", "--force", "--json", cwd=tmp_path)
        assert result.code == 0, result.stderr
        assert time.monotonic() - started >= 1.5  # it really waited for the writer
        assert result.json()["feeds"][0]["status"] in ("unchanged", "not_modified")
    finally:
        release.join()
        db.close()


@pytest.mark.parametrize("kind", ["garbage", "foreign_sqlite", "truncated"])
@pytest.mark.parametrize("command", ["poll", "run", "status"])
def test_a_corrupt_or_foreign_state_is_refused_and_never_overwritten(
        config, tmp_path, kind, command):
    state = tmp_path / "monitor.db"
    if kind == "garbage":
        state.write_bytes(b"this is not a database\n" * 100)
    elif kind == "foreign_sqlite":
        other = sqlite3.connect(state)
        other.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
        other.execute("INSERT INTO photos (path) VALUES ('/home/me/cat.jpg')")
        other.commit()
        other.close()
    else:
        assert run_cli("poll", cwd=tmp_path).code == 0
        state.write_bytes(state.read_bytes()[:1000])  # a header, then nothing
    before = state.read_bytes()
    mtime = state.stat().st_mtime_ns

    result = run_cli(command, cwd=tmp_path, timeout=60)

    assert result.code == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"monitor: error: state {state}: "), lines
    assert "Traceback" not in result.stderr
    assert state.read_bytes() == before and state.stat().st_mtime_ns == mtime
    assert not (tmp_path / "monitor.db-wal").exists() or kind == "truncated"
