"""Retention over a real SQLite file with a set clock: what goes, what never goes (an item
still in its feed, a pending alert), and that the space goes back to the filesystem."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest

from monitor.config import RetentionConfig
from monitor.model import FeedState, Match
from monitor.store import open_store
from monitor.store.retention import prune

from support.records import NOW, alert, item, record

DAY = timedelta(days=1)
SETTINGS = RetentionConfig()  # items 90 days, sent alerts 30, dead alerts 180


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "state.db") as s:
        yield s


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # as the store writes times


def check(store, ids, *, at, present=None, alerts=(), feed="f"):
    """Commit one feed check at `at` that read a body listing `present` (default: `ids`),
    new items `ids` among them."""
    items = [item(feed=feed, id=i, title=f"Drone item number {i}") for i in ids]
    present = ids if present is None else present
    state = FeedState(name=feed, url="u", last_parsed_at=at, present_ids=tuple(present))
    record(store, state, items, [Match("r", i.key, ("drone",)) for i in items],
           [alert(i) for i in items if i.id in alerts], now=at)
    return {i.id: i for i in items}


def keys(store):
    return {r[0] for r in store.db.execute("SELECT item_id FROM items")}


def test_an_item_still_in_its_feed_is_never_deleted_however_old(store):
    check(store, ["old", "gone", "recent"], at=NOW - 400 * DAY)
    check(store, [], at=NOW - 200 * DAY, present=["old", "recent"])     # "gone" left the feed
    check(store, [], at=NOW - 61 * DAY, present=["old", "recent"])
    check(store, [], at=NOW - 60 * DAY, present=["old"])                # "recent" left it
    check(store, ["new"], at=NOW - DAY, present=["old", "new"])

    report = prune(store, SETTINGS, NOW)

    # "gone" was last in the feed 400 days ago: it goes, with its match. "recent" left the
    # feed 60 days ago (under 90). "old" has been in every parse for 400 days: it stays.
    assert keys(store) == {"old", "recent", "new"}
    assert (report.items, report.matches) == (1, 1)
    assert store.db.execute("SELECT count(*) FROM matches").fetchone()[0] == 3


def test_an_item_that_may_be_in_the_last_parse_is_kept(store):
    # last_seen_at is refreshed at most once a day: an item last marked seen just under a day
    # before the last parse may well have been in it. A feed that has not been parsed for
    # months (304s, "unchanged") keeps everything its last parse may have had.
    check(store, ["a", "b"], at=NOW - 300 * DAY)
    check(store, [], at=NOW - 300 * DAY + 20 * 3600 * timedelta(seconds=1), present=["a"])
    assert prune(store, SETTINGS, NOW).items == 0
    check(store, [], at=NOW - 297 * DAY, present=["a"])  # now "b" was surely not in it
    assert prune(store, SETTINGS, NOW).items == 1 and keys(store) == {"a"}


def test_a_feed_not_parsed_since_the_upgrade_keeps_all_its_items(store):
    check(store, ["a"], at=NOW - 400 * DAY)
    store.db.execute("UPDATE feeds SET last_parsed_at = NULL")  # a state from before retention
    store.db.execute("UPDATE items SET last_seen_at = NULL")
    assert prune(store, SETTINGS, NOW).items == 0 and keys(store) == {"a"}


def test_alerts_go_after_their_time_and_pending_ones_never(store):
    its = check(store, ["s1", "s2", "d1", "d2", "p"], at=NOW - 400 * DAY,
                alerts={"s1", "s2", "d1", "d2", "p"})
    rows = {r.alert.item_id: r.id for r in store.outbox_rows(("pending",), limit=10)}
    store.mark_sent([rows["s1"]], NOW - 40 * DAY)
    store.mark_sent([rows["s2"]], NOW - 10 * DAY)
    store.mark_dead(rows["d1"], "channel x: HTTP 404")
    store.mark_dead(rows["d2"], "channel x: HTTP 404")
    for name, age in (("d1", 200), ("d2", 100)):  # queued 200 and 100 days ago
        store.db.execute("UPDATE outbox SET created_at = ? WHERE id = ?",
                         (iso(NOW - age * DAY), rows[name]))

    report = prune(store, SETTINGS, NOW)

    left = {r.alert.item_id: r.status for r in
            store.outbox_rows(("pending", "sent", "dead"), limit=10)}
    assert left == {"s2": "sent", "d2": "dead", "p": "pending"}
    assert (report.sent_alerts, report.dead_alerts) == (1, 1)
    assert its  # the items themselves are another matter (all still in the feed here)


def test_never_keeps_forever_and_a_dry_run_counts_without_deleting(store, tmp_path):
    check(store, ["gone"], at=NOW - 400 * DAY, alerts={"gone"})
    check(store, [], at=NOW - DAY, present=[])
    [row] = store.outbox_rows(("pending",))
    store.mark_sent([row.id], NOW - 400 * DAY)
    forever = RetentionConfig(items="never", sent_alerts="never", dead_alerts="never")
    assert prune(store, forever, NOW).items == 0 and keys(store) == {"gone"}

    before = (tmp_path / "state.db").read_bytes()
    with open_store(tmp_path / "state.db", readonly=True, untouched=True) as reader:
        dry = prune(reader, SETTINGS, NOW, dry_run=True)
    assert (dry.items, dry.matches, dry.sent_alerts, dry.dry_run) == (1, 1, 1, True)
    assert keys(store) == {"gone"}
    real = prune(store, SETTINGS, NOW)
    assert (real.items, real.matches, real.sent_alerts) == (dry.items, dry.matches,
                                                            dry.sent_alerts)
    assert before  # (the dry run read the file only)


def big_state(store, n=3000):
    ids = [f"i{n}" for n in range(n)]
    its = check(store, ids, at=NOW - 400 * DAY, alerts=set(ids))
    check(store, [], at=NOW - DAY, present=[])
    store.db.execute("UPDATE outbox SET status = 'sent', sent_at = ?", (iso(NOW - 400 * DAY),))
    return its


def test_the_space_goes_back_to_the_filesystem(store, tmp_path):
    big_state(store)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = (tmp_path / "state.db").stat().st_size

    report = prune(store, SETTINGS, NOW)

    assert report.items == 3000 and report.sent_alerts == 3000
    assert report.space == "incremental vacuum"
    after = (tmp_path / "state.db").stat().st_size
    assert after < before / 4, (before, after)
    assert report.bytes_freed >= before - after - 4096
    assert store.db.execute("PRAGMA freelist_count").fetchone()[0] == 0


def test_a_state_made_before_incremental_vacuum_is_vacuumed_once_by_the_cli(tmp_path):
    path = tmp_path / "old.db"
    open_store(path).close()
    plain = sqlite3.connect(path, isolation_level=None)
    plain.execute("PRAGMA auto_vacuum = NONE")  # as every state made before retention
    plain.execute("VACUUM")
    plain.close()
    with open_store(path) as store:
        assert store.db.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
        big_state(store)
        assert prune(store, SETTINGS, NOW).space == "none"  # the daemon: free pages reused
        big_state(store, n=2000)
        report = prune(store, SETTINGS, NOW, allow_vacuum=True)  # `monitor prune`
        assert report.space.startswith("VACUUM")
        assert report.bytes_after < report.bytes_before
        assert store.db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # from now on
