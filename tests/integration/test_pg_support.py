"""The tests' own PostgreSQL cluster (tests/support/postgres.py): it fails loudly when it cannot
start, and leaves nothing behind — no server, no files — even when the test process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from support import postgres
from support.daemon import wait_for

pytestmark = pytest.mark.integration
TESTS = Path(__file__).resolve().parents[1]


def test_a_machine_without_postgresql_gets_a_reason_and_what_to_do(monkeypatch):
    monkeypatch.setattr(postgres, "find_binary", lambda name: None)
    with pytest.raises(postgres.PostgresUnavailable, match="apt-get install postgresql"):
        postgres.PostgresCluster.start()


def test_a_killed_test_process_leaves_no_server_and_no_files(tmp_path):
    script = ("import sys, time; sys.path.insert(0, sys.argv[1]);"
              "from support.postgres import PostgresCluster;"
              "c = PostgresCluster.start();"
              "pid = open(c.data / 'postmaster.pid').readline().strip();"
              "print(c.root, pid, flush=True); time.sleep(600)")
    proc = subprocess.Popen([sys.executable, "-c", script, str(TESTS)], stdout=subprocess.PIPE,
                            text=True)
    try:
        root, pid = proc.stdout.readline().split()
        assert Path(root).is_dir()
        os.kill(int(pid), 0)  # the server runs
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    wait_for(lambda: not _alive(int(pid)), timeout=30, what="the server to stop")
    wait_for(lambda: not Path(root).exists(), timeout=30, what="its files to go")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie reaped by nobody yet counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
