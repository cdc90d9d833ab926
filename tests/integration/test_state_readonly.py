"""A state file the user cannot write, through the real CLI: `poll` and `run` refuse at start
with one line and a hint (no traceback, nothing written); `status` and `outbox` still read it.

As root the commands run without CAP_DAC_OVERRIDE (support.privileges), so the modes apply
to them as to any user.
"""

from __future__ import annotations

import os
import stat

import pytest

from support.cli import run_cli, write_config
from support.feed_server import rss
from support.privileges import TRAMPOLINE_FAILED, without_root_override

pytestmark = pytest.mark.integration


@pytest.fixture
def state_dir(feed_server, tmp_path):
    url = feed_server.set("/f.xml", rss([{"guid": "1", "title": "Drone plant grows"}]))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url}],
                 rules=[{"name": "drones", "query": "drone"}], state="state/monitor.db")
    first = run_cli("poll", cwd=tmp_path)
    assert first.code == 0, first.stderr
    feed_server.update("/f.xml", rss([{"guid": "2", "title": "Drone plant number two"},
                                      {"guid": "1", "title": "Drone plant grows"}]))
    directory = tmp_path / "state"
    yield directory
    directory.chmod(0o755)
    for path in directory.iterdir():
        path.chmod(0o644)


def make_read_only(directory, what: str) -> None:
    if what in ("file", "both"):
        (directory / "monitor.db").chmod(0o444)
    if what in ("directory", "both"):
        directory.chmod(0o555)


def snapshot(directory) -> tuple[bytes, int]:
    """The database's bytes and mtime, and the size of its WAL: nothing may be written.
    (SQLite may leave an empty -wal and a -shm beside a read-only file in a writable
    directory: its own bookkeeping, holding no data.)"""
    db = directory / "monitor.db"
    wal = directory / "monitor.db-wal"
    return db.read_bytes(), db.stat().st_mtime_ns, wal.stat().st_size if wal.exists() else 0


@pytest.mark.parametrize("what", ["file", "directory", "both"])
@pytest.mark.parametrize("command", ["poll", "run"])
def test_poll_and_run_refuse_a_read_only_state_with_one_line(state_dir, tmp_path, what,
                                                             command):
    make_read_only(state_dir, what)
    before = snapshot(state_dir)

    result = run_cli(command, cwd=tmp_path, timeout=60, wrap=without_root_override)

    if result.code == TRAMPOLINE_FAILED:
        pytest.skip(f"running as root and cannot drop CAP_DAC_OVERRIDE: {result.stderr}")
    assert result.code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    state = tmp_path / "state" / "monitor.db"
    assert lines[0].startswith(f"monitor: error: state {state}: cannot write: "), lines
    if what == "file":
        assert lines[0].endswith("attempt to write a readonly database"), lines
    else:
        assert f"the directory {state.parent} is read-only" in lines[0], lines
    assert lines[1].startswith("  hint: `monitor poll` and `monitor run` need to write"), lines
    assert len(lines) == 2, lines
    assert "Drone plant number two" not in result.stdout  # nothing was polled or sent
    assert snapshot(state_dir) == before


@pytest.mark.parametrize("what", ["file", "directory", "both"])
def test_status_and_outbox_read_a_read_only_state(state_dir, tmp_path, what):
    make_read_only(state_dir, what)
    before = snapshot(state_dir)

    status = run_cli("status", "--json", cwd=tmp_path, wrap=without_root_override)
    outbox = run_cli("outbox", "--json", cwd=tmp_path, wrap=without_root_override)

    if status.code == TRAMPOLINE_FAILED:
        pytest.skip(f"running as root and cannot drop CAP_DAC_OVERRIDE: {status.stderr}")
    assert status.code == 0, status.stderr
    assert status.json()["feeds"][0]["items"] == 1
    assert outbox.code == 0, outbox.stderr
    assert outbox.json()["counts"] == {"sent": 1}
    assert snapshot(state_dir) == before
    mode = stat.S_IMODE((state_dir / "monitor.db").stat().st_mode)
    assert (mode & 0o200 == 0) == (what in ("file", "both"))
    assert os.access(state_dir, os.W_OK) or what != "file"
