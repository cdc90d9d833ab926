"""Retention through the real CLI and daemon, on a state built by real polls and then aged
(its stored times moved back): `monitor prune` and the daemon's daily prune delete what is old
and out of its feed, never an item still in it, and no alert is repeated after a prune; field
caps keep a 5 MB title from making a state of tens of megabytes."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

import pytest

from support.cli import run_cli, write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss

pytestmark = pytest.mark.integration

TIMES = {"items": ("first_seen_at", "last_seen_at", "published_at"),
         "feeds": ("last_parsed_at", "last_success_at", "last_attempt_at", "next_due_at"),
         "outbox": ("created_at", "sent_at", "next_attempt_at"),
         "matches": ("created_at",)}


def age_state(path, days: int, where: str = "1") -> None:
    """Move the state's stored times `days` back (for the items `where` selects: all tables
    when it is "1"), as if the polls had run that long ago."""
    db = sqlite3.connect(path)
    for table, columns in TIMES.items():
        if where != "1" and table != "items":
            continue
        sets = ", ".join(f"{c} = strftime('%Y-%m-%dT%H:%M:%fZ', {c}, '-{days} days')"
                         for c in columns)
        db.execute(f"UPDATE {table} SET {sets} WHERE {where}")
    db.commit()
    db.close()


def item(key: str) -> dict[str, str]:
    return {"guid": key, "title": f"Drone report {key}", "link": f"https://example.org/{key}"}



@pytest.fixture
def setup(feed_server, receiver, tmp_path):
    url = feed_server.set("/f.xml", rss([item("old"), item("gone")]))

    def configure(**retention):
        write_config(tmp_path / "config.yaml", [{"name": "f", "url": url, "interval": "1s"}],
                     rules=[{"name": "drones", "query": "drone"}],
                     channels=[{"name": "hook", "type": "webhook",
                                "url": receiver.url("/hook")}], retention=retention)

    configure()
    assert run_cli("poll", cwd=tmp_path).code == 0
    feed_server.update("/f.xml", rss([item("old"), item("kept")]))  # "gone" leaves the feed
    assert run_cli("poll", cwd=tmp_path).code == 0
    assert len(receiver.delivered()) == 3
    # 100 days later; "gone" was last in the feed three days before the last parse.
    age_state(tmp_path / "monitor.db", 100)
    age_state(tmp_path / "monitor.db", 3, where="item_id = 'gone'")
    return configure


def alert_ids(receiver) -> Counter:
    return Counter(r.headers["webhook-id"] for r in receiver.delivered())


def test_prune_deletes_what_left_its_feed_and_nothing_alerts_again(setup, feed_server,
                                                                   receiver, tmp_path):
    state = tmp_path / "monitor.db"
    before = state.read_bytes()
    dry = run_cli("prune", "--dry-run", "--json", cwd=tmp_path)
    assert dry.code == 0, dry.stderr
    assert {k: dry.json()[k] for k in ("items", "matches", "sent_alerts", "dry_run")} == \
        {"items": 1, "matches": 1, "sent_alerts": 3, "dry_run": True}
    assert state.read_bytes() == before

    done = run_cli("prune", cwd=tmp_path)
    assert done.code == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first.startswith("removed 1 item out of their feeds for 90 days (and their 1 "
                            "match), 3 alerts sent over 30 days ago, 0 dead alerts")
    assert second.startswith("gave back ") and "the state is now" in second
    db = sqlite3.connect(state)
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental, from creation
    assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0  # no free page kept
    assert sorted(r[0] for r in db.execute("SELECT item_id FROM items")) == ["kept", "old"]
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    db.close()

    # "old" has been in the feed all along (100 days and more): it was kept, and the next
    # polls alert only what is new, even with all the sent alerts gone.
    feed_server.update("/f.xml", rss([item("new"), item("old"), item("kept")]))
    again = run_cli("poll", cwd=tmp_path)
    assert again.code == 0, again.stderr
    assert "1 new item;" in again.stdout
    ids = alert_ids(receiver)
    assert len(ids) == 4 and set(ids.values()) == {1}, ids


def test_the_daemon_prunes_on_schedule_and_keeps_delivering(setup, feed_server, receiver,
                                                           tmp_path):
    setup(prune_every="2s")
    daemon = DaemonProcess(tmp_path, "--log-format", "json")
    try:
        wait_for(lambda: '"State pruned"' in daemon.stderr(), timeout=30, what="a prune")
        feed_server.update("/f.xml", rss([item("new"), item("old"), item("kept")]))
        wait_for(lambda: len(receiver.delivered()) == 4, timeout=30, what="the new alert")
        wait_for(lambda: daemon.stderr().count('"State pruned"') >= 2, timeout=30,
                 what="the next prune")
    finally:
        assert daemon.stop() == 0
    pruned = [json.loads(line) for line in daemon.stderr().splitlines()
              if '"State pruned"' in line]
    assert (pruned[0]["items"], pruned[0]["matches"], pruned[0]["sent_alerts"]) == (1, 1, 3)
    assert "Traceback" not in daemon.stderr()
    ids = alert_ids(receiver)
    assert len(ids) == 4 and set(ids.values()) == {1}, ids


def test_a_five_megabyte_title_makes_a_small_state(feed_server, receiver, tmp_path):
    huge = [{"guid": f"g{n}", "title": f"Drone {n} " + "word " * (5 * 1024 * 1024 // 5),
             "link": f"https://example.org/{n}"} for n in range(3)]
    url = feed_server.set("/f.xml", rss(huge))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url}],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook")}],
                 fetch={"max_body_size": "64MB"})

    result = run_cli("poll", cwd=tmp_path)

    assert result.code == 0, result.stderr
    assert "3 new items" in result.stdout
    size = sum(p.stat().st_size for p in tmp_path.glob("monitor.db*"))
    assert size < 1_000_000, size  # was 21 MB per item
    titles = [r.json()["data"]["title"] for r in receiver.delivered()]
    assert len(titles) == 3 and all(len(t) <= 1002 for t in titles)
    assert all(t.startswith("Drone ") and t.endswith(" …") for t in titles)
