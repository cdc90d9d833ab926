import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from monitor.errors import StoreError
from monitor.model import Alert, FeedState, Item, Match
from monitor.store import MIGRATIONS, connect

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def item(feed="f", id="1", title="A title long enough", link="", published=NOW, **kw):
    from monitor.normalize import canonical_link, item_key, title_key
    return Item(feed=feed, id=id, key=item_key(feed, id), title=title, summary="s", link=link,
                published_at=published, canonical_link=canonical_link(link),
                title_key=title_key(title), **kw)


def alert(it, rule="r", channel="c"):
    from monitor.render import alert_id
    return Alert(id=alert_id(rule, it.key, channel), rule=rule, channel=channel, feed=it.feed,
                 item_key=it.key, item_id=it.id, title=it.title, summary=it.summary, link=it.link,
                 published_at=it.published_at, language="ru", matched_terms=("дрон",),
                 created_at=NOW)


@pytest.fixture
def store(tmp_path):
    with connect(tmp_path / "state.db") as s:
        yield s


def test_connect_creates_schema_in_wal_mode(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_feed_state_round_trips(store):
    state = FeedState(name="f", url="https://x.org/f", etag='"abc"', last_modified="Wed, 1 Jan",
                      last_success_at=NOW, consecutive_failures=2, failing_since=NOW,
                      last_error="fetch f: HTTP 500", last_error_kind="http_5xx",
                      next_due_at=NOW + timedelta(hours=1), items_total=7)
    store.save_feed_state(state)
    assert store.feed_state("f", "https://x.org/f") == state


def test_feed_state_is_reset_when_the_configured_url_changes(store):
    store.save_feed_state(FeedState(name="f", url="https://old.org/f", etag='"x"', items_total=3))
    fresh = store.feed_state("f", "https://new.org/f")
    assert fresh.etag is None and fresh.items_total == 3 and fresh.url == "https://new.org/f"


def test_commit_poll_records_items_matches_and_alerts_once(store):
    a, b = item(id="1"), item(id="2", title="Another long title")
    m = Match("r", a.key, ("дрон",))
    state = FeedState(name="f", url="u")
    assert store.commit_poll(state, [a, b], {}, [m], [alert(a)], now=NOW) == 1
    assert store.unseen([a, b, item(id="3", title="Third long title")]) == \
        [item(id="3", title="Third long title")]
    # The same poll again (a crash before the caller noticed): nothing is enqueued twice.
    assert store.commit_poll(state, [a], {}, [m], [alert(a)], now=NOW) == 0
    assert store.outbox_counts() == {"pending": 1}


def test_unseen_keeps_order_and_first_copy(store):
    a, b = item(id="1"), item(id="2", title="Other title here")
    assert store.unseen([b, a, b]) == [b, a]


def test_find_duplicate_by_link_and_by_title_window(store):
    first = item(feed="a", id="1", title="Лукашенко посетил завод в Минске",
                 link="https://news.org/x?utm_source=1")
    store.commit_poll(FeedState(name="a", url="u"), [first], {}, [], [], now=NOW)
    same_link = item(feed="b", id="9", title="Другой заголовок статьи", link="http://www.news.org/x")
    assert store.find_duplicate(same_link) == first.key
    same_title = item(feed="b", id="8", title="Лукашенко посетил завод в Минске!",
                      published=NOW + timedelta(days=2))
    assert store.find_duplicate(same_title) == first.key
    too_late = item(feed="b", id="7", title="Лукашенко посетил завод в Минске",
                    published=NOW + timedelta(days=4))
    assert store.find_duplicate(too_late) is None


def test_outbox_due_failed_dead_and_retry(store):
    a = item(id="1")
    store.enqueue_alerts([alert(a, channel="x"), alert(a, channel="y")], now=NOW)
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


def test_connect_refuses_a_foreign_sqlite_file_and_leaves_it_alone(tmp_path):
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (x)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="belongs to another program"):
        connect(path)
    assert path.read_bytes() == before


def test_connect_refuses_a_corrupt_file_and_leaves_it_alone(tmp_path):
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not an SQLite file"):
        connect(path)
    assert path.read_bytes() == b"this is not a database" * 100


def test_connect_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "state.db"
    connect(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer monitor"):
        connect(path)


def test_reopening_keeps_everything(tmp_path):
    path = tmp_path / "state.db"
    with connect(path) as s:
        s.commit_poll(FeedState(name="f", url="u"), [item(id="1")], {}, [], [], now=NOW)
    with connect(path) as s:
        assert s.unseen([item(id="1")]) == []
        assert s.item_count("f") == 1


def test_seen_keys_are_those_recorded(store):
    a, b = item(id="1"), item(id="2", title="Other title here")
    store.commit_poll(FeedState(name="f", url="u"), [a], {}, [], [], now=NOW)
    assert store.seen_keys([a.key, b.key, a.key]) == {a.key}
    assert store.seen_keys([]) == set()


def test_commit_polls_writes_several_feeds_in_one_transaction(store):
    a, b = item(feed="f", id="1"), item(feed="g", id="1", title="Other title here")
    rows = [(FeedState(name="f", url="u"), [a], {}, [Match("r", a.key, ("x",))], [alert(a)]),
            (FeedState(name="g", url="v"), [b], {b.key: a.key}, [], [])]
    assert store.commit_polls(rows, now=NOW) == 1
    assert {s.name for s in store.feed_states()} == {"f", "g"}
    assert store.db.execute("SELECT duplicate_of FROM items WHERE key = ?",
                            (b.key,)).fetchone()[0] == a.key
    # A row that fails rolls back the whole chunk: nothing of it is half-recorded.
    unwritable = Match("r", a.key, ({"not", "json"},))
    bad = [(FeedState(name="h", url="w"), [item(feed="h", id="9")], {}, [], []),
           (FeedState(name="f", url="u"), [a], {}, [unwritable], [])]
    with pytest.raises(TypeError):
        store.commit_polls(bad, now=NOW)
    assert store.item_count("h") == 0 and store.feed_state("h", "w").last_success_at is None


def test_find_duplicates_agrees_with_find_duplicate(store):
    link = "https://news.example.by/2026/11/story"
    old = [item(feed="a", id="1", link=link),
           item(feed="a", id="2", title="Завод в Минске начал выпускать дроны",
                published=NOW - timedelta(days=1)),
           item(feed="b", id="3", title="Завод в Минске начал выпускать дроны",
                published=NOW - timedelta(days=9)),
           item(feed="c", id="4", link=link + "?utm_source=rss")]
    store.commit_poll(FeedState(name="a", url="u"), old, {}, [], [], now=NOW)
    new = [item(feed="b", id="5", link="https://www.news.example.by/2026/11/story/"),
           item(feed="a", id="6", link=link),  # same feed: not a duplicate by link
           item(feed="c", id="7", title="Завод в Минске начал выпускать дроны"),
           item(feed="a", id="8", title="Завод в Минске начал выпускать дроны"),
           item(feed="d", id="9", title="Завод в Минске начал выпускать дроны",
                published=NOW - timedelta(days=30)),
           item(feed="d", id="10", title="Something else entirely")]
    found = store.find_duplicates(new)
    assert found == {i.key: d for i in new if (d := store.find_duplicate(i)) is not None}
    assert set(found) == {new[0].key, new[1].key, new[2].key}


@pytest.mark.parametrize("when", [
    datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc),
    datetime(1970, 1, 1, tzinfo=timezone.utc),
    datetime(2026, 5, 5, 23, 0, tzinfo=timezone(timedelta(hours=3))),
    datetime(1000, 1, 1, tzinfo=timezone.utc),
])
def test_times_are_stored_as_fixed_width_utc_text(when):
    from monitor.store import _dt, _iso

    text = _iso(when)
    assert text == when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert _dt(text) == when and _dt(text).utcoffset() == timedelta(0)


def test_due_outbox_in_order_holds_each_channel_behind_its_first_row_backing_off(store):
    import random

    rng = random.Random(7)
    items = [item(id=str(n), title=f"Title number {n} long enough") for n in range(60)]
    store.commit_poll(FeedState(name="f", url="u"), items, {}, [],
                      [alert(i, channel=rng.choice("abc")) for i in items], now=NOW)
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
        store.commit_poll(FeedState(name=feed, url="u"), items, {}, [],
                          [alert(i, channel="c") for i in items], now=NOW)
    due = store.due_outbox(NOW, limit=6, keep_order=True)
    assert [r.alert.feed for r in due] == ["flood", "a", "b", "flood", "flood", "flood"]
    rows = store.due_outbox(NOW, limit=1000, keep_order=True)
    assert [r.alert.item_id for r in rows if r.alert.feed == "flood"] == [str(n) for n in range(300)]
