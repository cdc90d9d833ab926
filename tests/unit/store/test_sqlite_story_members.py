"""SQLite's `story_members` at a process's first call (after=0) reads the window's story items
through their index, not every item of the state; later calls read only what was recorded
since. Both ways give the same members and positions."""

from datetime import datetime, timedelta, timezone

from monitor.model import FeedState, Item
from monitor.normalize import canonical_link, item_key, title_key
from monitor.store import CheckRecord, open_store

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=timezone.utc)
SINCE = NOW - timedelta(days=3)


def item(n, *, days_old=0.0):
    title = f"Report number {n} of the day"
    link = f"https://news.example.org/{n}"
    return Item(feed="f", id=str(n), key=item_key("f", str(n)), title=title,
                summary="A summary long enough to make the row a real one. " * 20, link=link,
                published_at=NOW - timedelta(days=days_old), canonical_link=canonical_link(link),
                title_key=title_key(title), language="en")


def fill(store):
    """300 items: every 10th has a story, every 30th of those is dated before the window."""
    items = [item(n, days_old=30 if n % 30 == 0 else 0.1) for n in range(300)]
    stories = {i.key: f"s{n // 10}" for n, i in enumerate(items) if n % 10 == 0}
    state = FeedState(name="f", url="https://news.example.org/feed")
    store.commit_polls([CheckRecord(state, items, {}, [], [], stories)], now=NOW)
    return [i.key for n, i in enumerate(items) if n % 10 == 0 and n % 30 != 0]


def read_all(store, after, limit):
    keys, position = [], after
    while True:
        members, position = store.story_members(after=position, published_since=SINCE,
                                                limit=limit)
        keys += [m.key for m in members]
        if len(members) < limit:
            return keys, position


def test_the_first_catch_up_reads_the_window_through_the_index_and_later_ones_the_new_rows(
        tmp_path):
    with open_store(tmp_path / "state.db") as store:
        expected = fill(store)
        statements = []
        store.db.set_trace_callback(statements.append)
        keys, position = read_all(store, 0, limit=7)  # several pages
        first = [s for s in statements if "FROM items AS i" in s]
        assert keys == expected and len(first) > 1
        assert all("INDEXED BY items_story_time" in s for s in first), first

        statements.clear()
        assert store.story_members(after=position, published_since=SINCE) == ([], position)
        newer = item(1000)
        store.commit_polls([CheckRecord(FeedState(name="f", url="https://news.example.org/feed"),
                                        [newer], {}, [], [], {newer.key: "s-new"})], now=NOW)
        members, after_newer = store.story_members(after=position, published_since=SINCE)
        assert [m.key for m in members] == [newer.key] and after_newer > position
        later = [s for s in statements if "FROM items AS i" in s]
        # 20 story items in the window against 1 new row: the rowid range is the short way
        assert later and not any("INDEXED BY" in s for s in later), later
