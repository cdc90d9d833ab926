"""The state file taken away from under the real daemon: its directory removed, the file
replaced, or its lock deleted. The daemon notices within one cycle, logs one ERROR line that
names the state and what to do, sends and commits nothing more, and exits 1 (it would
otherwise go on writing into deleted files, and without its lock a second poller could start
on the same path and alert everything again beside it)."""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter

import pytest

from monitor.normalize import item_key
from monitor.render import alert_id
from support.cli import run_cli, write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss

pytestmark = pytest.mark.integration



def item(n: int) -> dict[str, str]:
    return {"guid": f"g{n}", "title": f"Drone plant number {n} opens",
            "link": f"https://example.org/{n}"}


def damage_state(state, how: str) -> str:
    """Damage the state as an operator (or a cleanup script) might; returns what the daemon
    should say happened."""
    if how == "directory removed":
        shutil.rmtree(state.parent)
        return "its directory was removed while in use"
    if how == "file replaced":
        copy = state.with_name("copy.db")
        shutil.copyfile(state, copy)
        copy.replace(state)  # a restore from a backup, say, while the daemon runs
        return "the file was replaced while in use"
    (state.parent / (state.name + ".lock")).unlink()
    return f"its lock file {state}.lock was deleted while in use"


@pytest.mark.parametrize("how", ["directory removed", "file replaced", "lock deleted"])
def test_the_daemon_stops_when_its_state_is_taken_away(feed_server, receiver, tmp_path, how):
    state = tmp_path / "state" / "monitor.db"
    items = [item(0)]
    url = feed_server.set("/f.xml", rss(items))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url, "interval": "1s"}],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook")}],
                 state=str(state))
    assert run_cli("poll", cwd=tmp_path).code == 0
    daemon = DaemonProcess(tmp_path, "--log-format", "json")
    try:
        wait_for(lambda: '"Feed checked"' in daemon.stderr(), what="a check by the daemon")
        said = damage_state(state, how)
        items.insert(0, item(1))
        feed_server.update("/f.xml", rss(items))
        started = time.monotonic()
        wait_for(lambda: not daemon.alive(), timeout=20, what="the daemon to stop")
        # One cycle: a feed check (every second here) or the delivery worker's (every 5 s).
        assert time.monotonic() - started < 10
    finally:
        code = daemon.stop()
    assert code == 1
    logs = [json.loads(line) for line in daemon.stderr().splitlines() if line.startswith("{")]
    errors = [doc for doc in logs if doc["level"].lower() == "error"]
    assert len(errors) == 1, daemon.stderr()[-3000:]
    assert errors[0]["msg"] == "State file gone; stopping"
    assert errors[0]["error"].startswith(f"state {state}: {said}; stopping"), errors[0]
    assert errors[0]["hint"].startswith("restore the state file")
    assert "Traceback" not in daemon.stderr()
    new_alert = alert_id("drones", item_key("f", "g1"), "hook")
    assert new_alert not in {r.headers["webhook-id"] for r in receiver.delivered()}

    if how == "directory removed":
        # A poll on the path now starts a new state: it alerts the feed's items as a first
        # poll does, and the daemon, stopped before it wrote or sent anything more, sent none
        # of them: nothing arrives twice that the new state alone would not explain.
        again = run_cli("poll", cwd=tmp_path)
        assert again.code == 0, again.stderr
        received = Counter(r.headers["webhook-id"] for r in receiver.delivered())
        assert received[new_alert] == 1
