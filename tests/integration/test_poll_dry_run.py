"""`monitor poll --dry-run` through the real CLI against a real feed server that honours ETag
and Last-Modified: it neither creates nor writes the state (nor takes its lock), asks without
validators so a feed is read in full even when nothing changed, shows every item and match as
a first poll would (marking what the state has already seen), and sends nothing."""

from __future__ import annotations

import hashlib

import pytest

from support.cli import run_cli, write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss

pytestmark = pytest.mark.integration

ITEMS = [{"guid": "1", "title": "Drone plant grows", "link": "https://example.org/1"},
         {"guid": "2", "title": "Weather is fine today", "link": "https://example.org/2"},
         {"guid": "3", "title": "A second drone factory", "link": "https://example.org/3"}]
NEW = {"guid": "4", "title": "Drone exports rise", "link": "https://example.org/4"}


def files(directory) -> dict[str, str]:
    """Every file beside the state, by name, with a hash of its bytes and its mtime."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() + str(p.stat().st_mtime_ns)
            for p in directory.iterdir()}


@pytest.fixture
def configured(feed_server, tmp_path):
    url = feed_server.set("/f.xml", rss(ITEMS))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url}],
                 rules=[{"name": "drones", "query": "drone"}], state="state/monitor.db")
    return tmp_path


def test_dry_run_on_an_existing_state_reads_everything_and_writes_nothing(configured,
                                                                          feed_server):
    tmp_path = configured
    first = run_cli("poll", cwd=tmp_path)
    assert first.code == 0 and "alerts: 2 sent" in first.stdout, first.stdout + first.stderr
    before = files(tmp_path / "state")
    asked = len(feed_server.requests_to("/f.xml"))

    unchanged = run_cli("poll", "--dry-run", "--json", cwd=tmp_path)  # the feed has not changed

    assert unchanged.code == 0, unchanged.stderr
    doc = unchanged.json()
    assert doc["feeds"][0]["status"] == "ok" and doc["feeds"][0]["http_status"] == 200
    assert [(i["id"], i["seen"]) for i in doc["items"]] == [("1", True), ("2", True),
                                                           ("3", True)]
    assert [(m["item_id"], m["seen"]) for m in doc["matches"]] == [("1", True), ("3", True)]
    [request] = feed_server.requests_to("/f.xml")[asked:]
    assert "if-none-match" not in request.headers and "if-modified-since" not in request.headers
    assert "Drone plant grows" not in unchanged.stderr  # no alert printed by the console
    assert files(tmp_path / "state") == before

    feed_server.update("/f.xml", rss([NEW, *ITEMS]))
    listed = run_cli("poll", "--dry-run", cwd=tmp_path)
    assert listed.code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("would alert drones: Drone exports rise (f) https://example.org/4")
    assert not lines[0].endswith("again)")
    assert lines[1].startswith("would alert drones: Drone plant grows (f)")
    assert lines[1].endswith("(already in the state: a poll would not alert it again)")
    assert lines[-1] == ("1 feed (1 ok); 4 items (3 already in the state); 3 matches; "
                         "3 alerts not sent (dry run: nothing recorded)")
    assert files(tmp_path / "state") == before

    real = run_cli("poll", cwd=tmp_path)  # the dry runs took nothing away from the real poll
    assert "[drones] Drone exports rise" in real.stdout
    assert "[drones] Drone plant grows" not in real.stdout
    assert "1 new item" in real.stdout and "alerts: 1 sent" in real.stdout


def test_dry_run_without_a_state_creates_nothing(configured):
    tmp_path = configured
    dry = run_cli("poll", "--dry-run", "--json", cwd=tmp_path)
    assert dry.code == 0, dry.stderr
    assert not (tmp_path / "state").exists()
    assert [(i["id"], i["seen"]) for i in dry.json()["items"]] == [("1", False), ("2", False),
                                                                  ("3", False)]


def test_dry_run_works_beside_the_running_daemon(configured, feed_server):
    tmp_path = configured
    daemon = DaemonProcess(tmp_path)
    try:
        wait_for(lambda: "[drones] A second drone factory" in daemon.stdout(),
                 what="the daemon's alerts")
        dry = run_cli("poll", "--dry-run", "--json", cwd=tmp_path)
        assert dry.code == 0, dry.stderr  # no "in use by another monitor": it takes no lock
        assert [m["seen"] for m in dry.json()["matches"]] == [True, True]
    finally:
        assert daemon.stop() == 0
