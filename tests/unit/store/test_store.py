"""The SQLite store on a real file: its schema, the poll commit, look-ups, the outbox queue, and
the files it refuses. The production methods on both backends: test_store_backends.py."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from monitor.errors import StoreError
from monitor.model import FeedState, Match
from monitor.store import CheckRecord, open_store
from monitor.store.sqlite.migrations import MIGRATIONS

from support.records import NOW, alert, item, queue_alerts, record


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "state.db") as s:
        yield s


def test_open_store_creates_schema_in_wal_mode(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_feed_state_round_trips(store):
    state = FeedState(name="f", url="https://x.org/f", etag='"abc"', last_modified="Wed, 1 Jan",
                      last_success_at=NOW, consecutive_failures=2, failing_since=NOW,
                      last_error="fetch f: HTTP 500", last_error_kind="http_5xx",
                      next_due_at=NOW + timedelta(hours=1), items_total=7)
    record(store, state)
    assert store.feed_state("f", "https://x.org/f") == state


def test_feed_state_is_reset_when_the_configured_url_changes(store):
    record(store, FeedState(name="f", url="https://old.org/f", etag='"x"', items_total=3))
    fresh = store.feed_state("f", "https://new.org/f")
    assert fresh.etag is None and fresh.items_total == 3 and fresh.url == "https://new.org/f"


def test_commit_polls_records_items_matches_and_alerts_once(store):
    a, b = item(id="1"), item(id="2", title="Another long title")
    m = Match("r", a.key, ("дрон",))
    state = FeedState(name="f", url="u")
    assert record(store, state, [a, b], [m], [alert(a)]) == 1
    third = item(id="3", title="Third long title")
    assert store.seen_keys([a.key, b.key, third.key]) == {a.key, b.key}
    # The same poll again (a crash before the caller noticed): nothing is enqueued twice.
    assert record(store, state, [a], [m], [alert(a)]) == 0
    assert store.outbox_counts() == {"pending": 1}


def test_find_duplicates_by_link_and_by_title_window(store):
    first = item(feed="a", id="1", title="Лукашенко посетил завод в Минске",
                 link="https://news.org/x?utm_source=1")
    record(store, FeedState(name="a", url="u"), [first])
    same_link = item(feed="b", id="9", title="Другой заголовок статьи", link="http://www.news.org/x")
    same_title = item(feed="b", id="8", title="Лукашенко посетил завод в Минске!",
                      published=NOW + timedelta(days=2))
    too_late = item(feed="b", id="7", title="Лукашенко посетил завод в Минске",
                    published=NOW + timedelta(days=4))
    assert store.find_duplicates([same_link, same_title, too_late], window=timedelta(days=3)) \
        == {same_link.key: first.key, same_title.key: first.key}


def test_outbox_due_failed_dead_and_retry(store):
    a = item(id="1")
    queue_alerts(store, [alert(a, channel="x"), alert(a, channel="y")], now=NOW)
    rows = store.due_outbox(NOW)
    assert [r.channel for r in rows] == ["x", "y"]
    assert rows[0].alert.matched_terms == ("дрон",)
    store.mark_failed(rows[0].id, "boom", NOW + timedelta(minutes=5))
    assert [r.channel for r in store.due_outbox(NOW)] == ["y"]
    assert [r.channel for r in store.due_outbox(NOW, ignore_backoff=True)] == ["x", "y"]
    store.mark_dead(rows[1].id, "gone")
    store.mark_sent([rows[0].id], NOW)
    assert store.outbox_counts() == {"dead": 1, "sent": 1}
    assert store.retry_dead(None, NOW) == 1
    assert [r.channel for r in store.due_outbox(NOW)] == ["y"]


def test_open_store_refuses_a_foreign_sqlite_file_and_leaves_it_alone(tmp_path):
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (x)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="belongs to another program"):
        open_store(path)
    assert path.read_bytes() == before


def test_open_store_refuses_a_corrupt_file_and_leaves_it_alone(tmp_path):
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not an SQLite file"):
        open_store(path)
    assert path.read_bytes() == b"this is not a database" * 100


def test_open_store_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "state.db"
    open_store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer monitor"):
        open_store(path)


def test_reopening_keeps_everything(tmp_path):
    path = tmp_path / "state.db"
    with open_store(path) as s:
        record(s, FeedState(name="f", url="u"), [item(id="1")])
    with open_store(path) as s:
        assert s.seen_keys([item(id="1").key]) == {item(id="1").key}
        assert s.item_count("f") == 1


def test_seen_keys_are_those_recorded(store):
    a, b = item(id="1"), item(id="2", title="Other title here")
    record(store, FeedState(name="f", url="u"), [a])
    assert store.seen_keys([a.key, b.key, a.key]) == {a.key}
    assert store.seen_keys([]) == set()


def test_commit_polls_writes_several_feeds_in_one_transaction(store):
    a, b = item(feed="f", id="1"), item(feed="g", id="1", title="Other title here")
    rows = [CheckRecord(FeedState(name="f", url="u"), [a], {}, [Match("r", a.key, ("x",))],
                        [alert(a)]),
            CheckRecord(FeedState(name="g", url="v"), [b], {b.key: a.key}, [], [])]
    assert store.commit_polls(rows, now=NOW) == 1
    assert {s.name for s in store.feed_states()} == {"f", "g"}
    assert store.db.execute("SELECT duplicate_of FROM items WHERE key = ?",
                            (b.key,)).fetchone()[0] == a.key
    # A row that fails rolls back the whole chunk: nothing of it is half-recorded.
    unwritable = Match("r", a.key, ({"not", "json"},))
    bad = [CheckRecord(FeedState(name="h", url="w"), [item(feed="h", id="9")], {}, [], []),
           CheckRecord(FeedState(name="f", url="u"), [a], {}, [unwritable], [])]
    with pytest.raises(TypeError):
        store.commit_polls(bad, now=NOW)
    assert store.item_count("h") == 0 and store.feed_state("h", "w").last_success_at is None


def test_find_duplicates_across_feeds_in_two_queries(store):
    link = "https://news.example.by/2026/11/story"
    old = [item(feed="a", id="1", link=link),
           item(feed="a", id="2", title="Завод в Минске начал выпускать дроны",
                published=NOW - timedelta(days=1)),
           item(feed="b", id="3", title="Завод в Минске начал выпускать дроны",
                published=NOW - timedelta(days=9)),
           item(feed="c", id="4", link=link + "?utm_source=rss")]
    record(store, FeedState(name="a", url="u"), old)
    new = [item(feed="b", id="5", link="https://www.news.example.by/2026/11/story/"),
           item(feed="a", id="6", link=link),  # same feed: not a duplicate by link
           item(feed="c", id="7", title="Завод в Минске начал выпускать дроны"),
           item(feed="a", id="8", title="Завод в Минске начал выпускать дроны"),
           item(feed="d", id="9", title="Завод в Минске начал выпускать дроны",
                published=NOW - timedelta(days=30)),
           item(feed="d", id="10", title="Something else entirely")]
    # Another feed's item with the link (the first recorded), another feed's item with the
    # title within three days; never one of the same feed, never a title 9 or 30 days off.
    assert store.find_duplicates(new, window=timedelta(days=3)) == {
        new[0].key: old[0].key, new[1].key: old[3].key, new[2].key: old[1].key}


@pytest.mark.parametrize("when", [
    datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc),
    datetime(1970, 1, 1, tzinfo=timezone.utc),
    datetime(2026, 5, 5, 23, 0, tzinfo=timezone(timedelta(hours=3))),
    datetime(1000, 1, 1, tzinfo=timezone.utc),
])
def test_times_are_stored_as_fixed_width_utc_text(when):
    from monitor.store.codec import from_iso, iso

    text = iso(when)
    assert text == when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert from_iso(text) == when and from_iso(text).utcoffset() == timedelta(0)


@pytest.mark.parametrize("when", [
    datetime(1, 1, 1, tzinfo=timezone.utc), datetime(999, 12, 31, 23, 59, tzinfo=timezone.utc),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
])
def test_a_year_a_publisher_may_write_round_trips_at_the_same_width(when):
    """Feeds date items in year 1 or 9999; such an alert once could not be read back from the
    outbox ("1-01-01T…" unpadded), and every later drain of every channel failed on it."""
    from monitor.store.codec import from_iso, iso

    text = iso(when)
    assert len(text) == len("2026-01-02T03:04:05.000006Z") and from_iso(text) == when
    assert sorted([iso(when), iso(datetime(2026, 1, 1, tzinfo=timezone.utc))]) == \
        [iso(w) for w in sorted([when, datetime(2026, 1, 1, tzinfo=timezone.utc)])]


def test_an_unpadded_year_stored_by_an_earlier_release_is_read():
    from monitor.store.codec import from_iso

    assert from_iso("1-01-01T00:00:00.000000Z") == datetime(1, 1, 1, tzinfo=timezone.utc)
    assert from_iso("999-02-03T04:05:06.000007Z") == \
        datetime(999, 2, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


def test_copies_dated_at_the_ends_of_time_are_compared_without_overflow(store):
    earlier = [item(feed="a", id="1", title="The same long title for both", published=NOW)]
    record(store, FeedState(name="a", url="https://a.org/f"), earlier)
    for year in (1, 9999):
        when = datetime(year, 1 if year == 1 else 12, 1 if year == 1 else 31, tzinfo=timezone.utc)
        late = item(feed="b", id=str(year), title="The same long title for both", published=when)
        assert store.find_duplicates([late]) == {}  # the same title, far outside the window


def test_due_outbox_in_order_holds_each_channel_behind_its_first_row_backing_off(store):
    import random

    rng = random.Random(7)
    items = [item(id=str(n), title=f"Title number {n} long enough") for n in range(60)]
    record(store, FeedState(name="f", url="u"), items,
           alerts=[alert(i, channel=rng.choice("abc")) for i in items])
    rows = store.due_outbox(NOW, limit=1000)
    for row in rows:
        if rng.random() < 0.15:
            store.mark_failed(row.id, "later", NOW + timedelta(minutes=rng.choice([-5, 5, 60])))
    everything = store.outbox_rows(("pending",))
    blocked = {}
    for row in everything:  # the first row of each channel that still backs off
        if row.next_attempt_at > NOW and row.channel not in blocked:
            blocked[row.channel] = row.id
    expected = [r.id for r in everything if r.next_attempt_at <= NOW
                and r.id < blocked.get(r.channel, 10**9)]
    assert blocked and expected
    channel_of = {r.id: r.channel for r in everything}
    due = [r.id for r in store.due_outbox(NOW, limit=1000, keep_order=True)]
    # Channels are lanes of their own (taken in turns); within a channel, one feed's rows
    # keep their order.
    assert sorted(due) == expected
    for c in "abc":
        assert [i for i in due if channel_of[i] == c] == [i for i in expected if channel_of[i] == c]
    assert [r.id for r in store.due_outbox(NOW, limit=5, keep_order=True)] == due[:5]
    assert [r.id for r in store.due_outbox(NOW, limit=1000, keep_order=True, channel="b")] == \
        [i for i in expected if channel_of[i] == "b"]


def test_due_outbox_takes_a_channels_rows_round_robin_across_feeds(store):
    # One feed's flood queued first, then two other feeds' alerts: those go out within one
    # turn of every feed, not after the flood (issue 11 #12). Each feed's rows stay in order.
    flood = [item(feed="flood", id=str(n), title=f"Flood item {n} long enough") for n in range(300)]
    quiet = [item(feed=f, id="1", title=f"Quiet item of {f} long enough") for f in ("a", "b")]
    for feed, items in (("flood", flood), ("a", quiet[:1]), ("b", quiet[1:])):
        record(store, FeedState(name=feed, url="u"), items,
               alerts=[alert(i, channel="c") for i in items])
    due = store.due_outbox(NOW, limit=6, keep_order=True)
    assert [r.alert.feed for r in due] == ["flood", "a", "b", "flood", "flood", "flood"]
    rows = store.due_outbox(NOW, limit=1000, keep_order=True)
    assert [r.alert.item_id for r in rows if r.alert.feed == "flood"] == [str(n) for n in range(300)]


def test_lookups_by_feed_keep_an_index_without_the_feed_only_index(store):
    """Migration 11 drops items_feed (feed): items_by_feed_time (feed, first_seen_at) serves the
    poll's look-ups by feed, so none of them scans the items table."""
    names = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "items_feed" not in names and "items_by_feed_time" in names
    for sql, args in (
            ("UPDATE items SET last_seen_at = ? WHERE feed = ? AND item_id IN (?, ?) AND "
             "COALESCE(last_seen_at, first_seen_at) < ?", ("t", "f", "1", "2", "t")),
            ("SELECT key, item_id, link, canonical_link, title FROM items "
             "WHERE feed = ? AND item_id IN (?) ORDER BY rowid", ("f", "1")),
            ("SELECT count(*) FROM items WHERE feed = ?", ("f",))):
        plan = " | ".join(r[-1] for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", args))
        assert "USING" in plan and "INDEX items_by_feed_time" in plan, (sql, plan)


def test_an_item_without_a_copy_an_article_or_a_story_stores_nulls(store):
    """None is bound through a registered adapter (connection.py): still SQL NULL."""
    record(store, FeedState(name="f", url="https://x.org/f"), [item(id="1")])
    row = store.db.execute("SELECT typeof(duplicate_of), typeof(article_status), "
                           "typeof(article_text), typeof(article_note), typeof(story_id) "
                           "FROM items").fetchone()
    assert tuple(row) == ("null",) * 5
