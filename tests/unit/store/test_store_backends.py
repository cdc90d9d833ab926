"""The state's production methods behave the same on SQLite and on PostgreSQL (issue 13).

Every test runs twice: on a SQLite file and on a fresh database of the session's throwaway
PostgreSQL cluster (over its Unix socket: unit tests may not use the network). Leases, nodes
and other things only a shared state has are tested in tests/integration/test_pg_*.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dataclasses import replace

from monitor.model import Alert, FeedState, Item, Match
from monitor.store.postgres import PostgresStore

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def item(feed="f", id="1", title="A title long enough", link="", published=NOW, **kw):
    from monitor.normalize import canonical_link, item_key, title_key
    return Item(feed=feed, id=id, key=item_key(feed, id), title=title, summary="s", link=link,
                published_at=published, canonical_link=canonical_link(link),
                title_key=title_key(title), **kw)


def alert(it, rule="r", channel="c", kind="match"):
    from monitor.render import alert_id
    return Alert(id=alert_id(rule, it.key, channel), rule=rule, channel=channel, feed=it.feed,
                 item_key=it.key, item_id=it.id, title=it.title, summary=it.summary, link=it.link,
                 published_at=it.published_at, language="ru", matched_terms=("дрон",),
                 created_at=NOW, kind=kind)


from support.stores import store  # noqa: E402,F401  (the fixture: both backends)


def commit(store, state, items=(), matches=(), alerts=(), duplicates=None, now=NOW):
    return store.commit_polls([(state, list(items), duplicates or {}, list(matches),
                                list(alerts))], now=now)


def test_feed_state_round_trips(store):
    state = FeedState(name="f", url="https://x.org/f", etag='"abc"', last_modified="Wed, 1 Jan",
                      last_success_at=NOW, last_attempt_at=NOW, consecutive_failures=2,
                      failing_since=NOW, last_error="fetch f: HTTP 500",
                      last_error_kind="http_5xx", next_due_at=NOW + timedelta(hours=1),
                      items_total=7, last_parsed_at=NOW)
    commit(store, state)
    got = store.feed_state("f", "https://x.org/f")
    assert replace(got, next_due_at=None) == replace(state, next_due_at=None)
    if isinstance(store, PostgresStore):
        # Shared state: the next check is due an hour (the schedule's delay after the
        # attempt) after the database's now, whatever this machine's clock says.
        delay = (got.next_due_at - datetime.now(timezone.utc)).total_seconds()
        assert 3600 - 60 < delay <= 3600
    else:
        assert got.next_due_at == state.next_due_at
    assert [s.name for s in store.feed_states()] == ["f"]


def test_feed_state_is_reset_when_the_configured_url_changes(store):
    commit(store, FeedState(name="f", url="https://old.org/f", etag='"x"', items_total=3))
    fresh = store.feed_state("f", "https://new.org/f")
    assert fresh.etag is None and fresh.items_total == 3 and fresh.url == "https://new.org/f"


def test_an_unknown_feed_has_a_blank_state(store):
    assert store.feed_state("nope", "u") == FeedState(name="nope", url="u")


def test_a_check_records_items_matches_and_alerts_once(store):
    a, b = item(id="1"), item(id="2", title="Another long title")
    m = Match("r", a.key, ("дрон",))
    assert commit(store, FeedState(name="f", url="u"), [a, b], [m], [alert(a)]) == 1
    assert store.seen_keys([a.key, b.key, "other"]) == {a.key, b.key}
    assert commit(store, FeedState(name="f", url="u"), [a], [m], [alert(a)]) == 0
    assert store.item_count() == 2 and store.item_count("f") == 2 and store.item_count("g") == 0
    assert store.outbox_counts() == {"pending": 1}


def test_several_checks_commit_together(store):
    checks = [(FeedState(name=f, url="u"), [item(feed=f, id="1")], {}, [], []) for f in "abc"]
    store.commit_polls(checks, now=NOW)
    assert store.item_count() == 3 and len(store.feed_states()) == 3


def test_seen_links_and_revisions(store):
    first = item(id="g", title="First story here", link="https://x.org/1")
    commit(store, FeedState(name="f", url="u"), [first])
    assert store.seen_links([first.key, "x"]) == {first.key: "https://x.org/1"}
    revisions = store.item_revisions("f", ["g", "h"])
    assert list(revisions) == ["g"] and revisions["g"][0].link == "https://x.org/1"


def test_find_duplicates_by_link_and_by_title_within_the_window(store):
    first = item(feed="a", id="1", title="Drone factory opens", link="https://x.org/s")
    commit(store, FeedState(name="a", url="u"), [first])
    same_link = item(feed="b", id="2", title="Other words", link="https://x.org/s")
    same_title = item(feed="b", id="3", title="Drone factory opens")
    too_late = item(feed="b", id="4", title="Drone factory opens",
                    published=NOW + timedelta(days=9))
    same_feed = item(feed="a", id="5", title="Drone factory opens")
    found = store.find_duplicates([same_link, same_title, too_late, same_feed])
    assert found == {same_link.key: first.key, same_title.key: first.key}


def test_duplicate_of_is_recorded_and_a_key_is_kept_once(store):
    a = item(feed="a", id="1")
    b = item(feed="b", id="1")
    commit(store, FeedState(name="a", url="u"), [a])
    commit(store, FeedState(name="b", url="u"), [b], duplicates={b.key: a.key})
    commit(store, FeedState(name="b", url="u"), [b])
    assert store.item_count() == 2


def test_outbox_sent_failed_dead_and_retry(store):
    a = item()
    commit(store, FeedState(name="f", url="u"), [a], [],
           [alert(a, channel="x"), alert(a, channel="y")])
    rows = store.due_outbox(NOW, keep_order=True)
    assert [r.channel for r in rows] == ["x", "y"] and rows[0].alert == alert(a, channel="x")
    store.mark_sent([rows[0].id], NOW)
    store.mark_failed(rows[1].id, "HTTP 500", NOW + timedelta(minutes=5))
    assert store.due_outbox(NOW) == []
    assert [r.attempts for r in store.due_outbox(NOW + timedelta(minutes=6))] == [1]
    store.mark_dead(rows[1].id, "HTTP 404")
    assert store.outbox_counts() == {"sent": 1, "dead": 1}
    dead_id = rows[1].alert_id
    assert store.dead_alert_ids(dead_id[:6]) == [dead_id]
    assert store.dead_alert_ids("al_%") == []  # LIKE's wildcards are literal
    assert [r.last_error for r in store.outbox_rows(("dead",))] == ["HTTP 404"]
    assert store.retry_dead(dead_id, NOW) == 1
    assert store.pending_channels() == {"y"}
    assert store.alerts_by_id([dead_id, "al_none"]) == {dead_id: alert(a, channel="y")}
    assert store.sent_since("x", NOW - timedelta(seconds=1)) == [NOW]


def test_due_outbox_holds_a_channel_behind_its_first_row_backing_off(store):
    a, b = item(id="1"), item(id="2", title="Second title here")
    commit(store, FeedState(name="f", url="u"), [a, b], [], [alert(a), alert(b)])
    first, second = store.due_outbox(NOW, channel="c", keep_order=True)
    store.mark_failed(first.id, "HTTP 503", NOW + timedelta(minutes=1))
    assert store.due_outbox(NOW, channel="c", keep_order=True) == []
    assert [r.id for r in store.due_outbox(NOW, channel="c")] == [second.id]
    assert [r.id for r in store.due_outbox(NOW, channel="c", ignore_backoff=True)] == \
        [first.id, second.id]


def test_due_outbox_takes_a_channels_rows_round_robin_across_feeds(store):
    flood = [item(feed="big", id=str(n), title=f"Flood title {n}") for n in range(3)]
    commit(store, FeedState(name="big", url="u"), flood, [], [alert(i) for i in flood])
    late = item(feed="small", id="1", title="The one alert")
    commit(store, FeedState(name="small", url="u"), [late], [], [alert(late)])
    order = [r.alert.feed for r in store.due_outbox(NOW, channel="c")]
    assert order == ["big", "small", "big", "big"]


def follow_up(it, root, channel="c"):
    from monitor.model import StoryRoot
    return replace(alert(it, channel=channel, kind="follow_up"),
                   follows=StoryRoot(root.id, root.item_key, root.title, root.feed, root.link))


def test_a_follow_up_never_goes_out_before_the_alert_it_follows(store):
    # Round-robin across feeds put a small feed's follow-up ahead of its story's first alert
    # when that alert stood third in a busy feed's lane: the reader got "more on this story"
    # before the story, and Telegram/Matrix could not reply in its thread (no message yet).
    busy = [item(feed="big", id=str(n), title=f"Busy feed title {n}") for n in range(3)]
    roots = [alert(i) for i in busy]
    other = item(feed="small", id="1", title="Another outlet's report of the third story")
    commit(store, FeedState(name="big", url="u"), busy, [], roots)
    commit(store, FeedState(name="small", url="u"), [other], [], [follow_up(other, roots[2])])
    order = [r.alert.id for r in store.due_outbox(NOW, channel="c")]
    assert order.index(roots[2].id) < order.index(follow_up(other, roots[2]).id), order
    # in one commit too (a poll commits several feeds' checks at once)
    assert order[:2] == [roots[0].id, roots[1].id]  # the rest keep their round-robin


def test_a_follow_up_in_the_same_commit_as_its_root_goes_out_after_it(store):
    from monitor.store import CheckRecord  # noqa: F401  (commit_polls takes plain tuples too)
    busy = [item(feed="big", id=str(n), title=f"Busy feed title {n}") for n in range(3)]
    roots = [alert(i) for i in busy]
    other = item(feed="small", id="1", title="Another outlet's report of the third story")
    later = follow_up(other, roots[2])
    store.commit_polls([(FeedState(name="big", url="u"), busy, {}, [], roots),
                        (FeedState(name="small", url="u"), [other], {}, [], [later])], now=NOW)
    order = [r.alert.id for r in store.due_outbox(NOW, channel="c")]
    assert order.index(roots[2].id) < order.index(later.id), order


def test_a_follow_up_whose_root_went_out_long_ago_is_not_held_back(store):
    first = item(feed="big", id="0", title="Busy feed title 0")
    root = alert(first)
    commit(store, FeedState(name="big", url="u"), [first], [], [root])
    (row,) = store.due_outbox(NOW, channel="c")
    store.mark_sent([row.id], NOW)
    busy = [item(feed="big", id=str(n), title=f"Busy feed title {n}") for n in range(1, 4)]
    commit(store, FeedState(name="big", url="u"), busy, [], [alert(i) for i in busy])
    other = item(feed="small", id="1", title="Another outlet's report of the first story")
    commit(store, FeedState(name="small", url="u"), [other], [], [follow_up(other, root)])
    order = [r.alert.feed for r in store.due_outbox(NOW, channel="c")]
    assert order == ["big", "small", "big", "big"]  # round-robin as for any new feed


def test_a_digest_batches_its_members_and_is_sent_with_them(store):
    found = [item(id=str(n), title=f"Digest title {n}") for n in range(3)]
    commit(store, FeedState(name="f", url="u"), found, [], [alert(i) for i in found])
    members = store.waiting_for_digest("c")
    assert len(members) == 3
    digest = Alert(id="al_digest", kind="digest", rule="", channel="c", feed="", item_key="",
                   item_id="", title="3 alerts", summary="", link="", published_at=NOW,
                   language="en", matched_terms=(), created_at=NOW)
    row_id = store.create_digest(digest, [m.id for m in members], now=NOW)
    assert row_id
    assert store.create_digest(digest, [m.id for m in members], now=NOW) == 0
    assert store.outbox_counts() == {"pending": 1, "batched": 3}
    store.mark_sent([row_id], NOW)
    assert store.outbox_counts() == {"sent": 4}
    assert store.sent_since("c", NOW - timedelta(seconds=1)) == [NOW]  # the digest alone


def test_translation_cache_remembers_and_forgets(store):
    store.cache_translations("ru-en", "v1", {"h1": "one", "h2": "two"}, now=NOW)
    assert store.cached_translations("ru-en", "v1", ["h1", "h3"]) == {"h1": "one"}
    assert store.cached_translations("ru-en", "v2", ["h1"]) == {}
    store.cache_translations("ru-en", "v1", {"h3": "three"}, now=NOW + timedelta(days=31))
    assert store.cached_translations("ru-en", "v1", ["h1", "h3"]) == {"h3": "three"}
    assert store.expired_translations(NOW + timedelta(days=40), delete=False) == 1


def test_retention_counts_then_deletes_what_expired(store):
    old = item(id="old", title="An old story")
    commit(store, FeedState(name="f", url="u", last_parsed_at=NOW), [old],
           [Match("r", old.key, ("x",))], [alert(old)], now=NOW - timedelta(days=100))
    fresh = item(id="new", title="A fresh story")
    commit(store, FeedState(name="f", url="u", last_parsed_at=NOW), [fresh], now=NOW)
    assert store.parsed_feeds() == {"f": NOW}
    cutoff = {"f": NOW - timedelta(days=90)}
    assert store.expired_items(cutoff, delete=False) == (1, 1)
    assert store.expired_items(cutoff, delete=True) == (1, 1)
    assert store.seen_keys([old.key, fresh.key]) == {fresh.key}
    (row,) = store.due_outbox(NOW)
    store.mark_sent([row.id], NOW - timedelta(days=40))
    assert store.expired_alerts(NOW - timedelta(days=30), None, delete=False) == (1, 0)
    assert store.expired_alerts(None, None, delete=True) == (0, 0)
    assert store.expired_alerts(NOW - timedelta(days=30), None, delete=True) == (1, 0)
    assert store.outbox_counts() == {}
    assert store.file_bytes() > 0


def test_text_the_database_keeps_comes_back_unchanged(store):
    odd = item(id="ü\u2028", title="Кавычки «ёлки» 'quote' \\ % _ 🚀")
    commit(store, FeedState(name="f", url="u"), [odd], [], [alert(odd)])
    (row,) = store.due_outbox(NOW)
    assert row.alert.title == odd.title and store.seen_keys([odd.key]) == {odd.key}


def test_a_nul_character_from_a_hostile_feed_is_kept_out_and_the_item_still_seen(store):
    # feedparser's loose parser turns `&#0;` into a NUL, which PostgreSQL text cannot hold.
    odd = item(id="a\x00b", title="x\x00y and more words", link="https://x.org/\x00")
    commit(store, FeedState(name="f", url="u"), [odd], [], [alert(odd)])
    assert store.seen_keys([odd.key]) == {odd.key}
    assert list(store.item_revisions("f", ["a\x00b"])) == ["a\x00b"]
    (row,) = store.due_outbox(NOW)
    assert row.alert.title == odd.title  # the alert's own text is JSON: kept as it came


def test_an_items_article_is_stored_with_it_and_found_by_link(store):
    """full_text: (issue 16): status, text and note with the item, deleted with it; a failed
    read is not offered again (it is tried again); the alert's lead survives the outbox."""
    from monitor.model import Article, ArticleStatus, Translation

    page = "https://x.org/story"
    read = item(id="1", link=page, article=Article(
        url=page, status=ArticleStatus.OK, title="T", text="First paragraph.\nSecond one \x00.",
        lead="First paragraph."))
    failed = item(id="2", link="https://x.org/gone", article=Article(
        url="https://x.org/gone", status=ArticleStatus.FAILED,
        note="article not fetched: HTTP 404 Not Found"))
    plain = item(id="3", link="https://x.org/plain")
    sent = replace(alert(read), article="First paragraph.", article_note="",
                   translation=Translation("ru", "en", "T", "S", article="Первый абзац."))
    commit(store, FeedState(name="f", url="u", last_parsed_at=NOW), [read, failed, plain],
           [], [sent], now=NOW - timedelta(days=100))
    found = store.article_of(page)
    assert (found.status, found.text.split("\n")[0]) == (ArticleStatus.OK, "First paragraph.")
    assert store.article_of("https://x.org/gone") is None
    assert store.article_of("https://x.org/plain") is None
    (row,) = store.due_outbox(NOW)
    assert (row.alert.article, row.alert.translation.article) == \
        ("First paragraph.", "Первый абзац.")
    store.expired_items({"f": NOW - timedelta(days=90)}, delete=True)
    assert store.article_of(page) is None


def test_story_members_reads_on_past_items_without_a_story(store):
    """The story index is caught up from `story_members(after=position)`. The position it hands
    back passes the items without a story (most items) and those dated before the window, so
    the next call reads only what was recorded since: before, the tracker kept the last
    member's position and re-read every item at each commit while no story was in the window
    (bench/cluster.py: 2 checks a second at 10,000 feeds)."""
    from monitor.store import CheckRecord
    old = item(id="old", title="An old report of a story", published=NOW - timedelta(days=30))
    plain = [item(id=f"p{n}", title=f"Plain item number {n}") for n in range(5)]
    state = FeedState(name="f", url="https://x.org/f")
    store.commit_polls([CheckRecord(state, [old, *plain], {}, [], [], {old.key: "st_old"})],
                       now=NOW)
    since = NOW - timedelta(days=3)
    members, position = store.story_members(after=0, published_since=since)
    assert members == []  # the only story item is older than the window
    assert position > 0
    assert store.story_members(after=position, published_since=since) == ([], position)

    fresh = item(id="fresh", title="A fresh report of a story")
    store.commit_polls([CheckRecord(state, [fresh, item(id="p9", title="Plain item nine")],
                                    {}, [], [], {fresh.key: "st_new"})], now=NOW)
    members, newer = store.story_members(after=position, published_since=since)
    assert [(m.key, m.story_id) for m in members] == [(fresh.key, "st_new")]
    assert newer > members[0].position  # past the plain item recorded after it too
    members, paged = store.story_members(after=0, published_since=since, limit=1)
    assert [m.key for m in members] == [fresh.key] and paged == members[0].position


def test_a_sent_alerts_message_ref_is_kept_and_read_back(store):
    """A story's follow-up replies to the message its first alert became (issue 15): the ref
    a channel gave for a sent row is kept with it; a row not sent, or sent by a channel that
    named no message, has none."""
    a, b, c = item(id="1"), item(id="2", title="Another title"), item(id="3", title="Third one")
    commit(store, FeedState(name="f", url="u"), [a, b, c], [],
           [alert(a, channel="tg"), alert(b, channel="tg"), alert(c, channel="tg")])
    first, second, third = store.due_outbox(NOW, keep_order=True)
    store.mark_sent([first.id], NOW, message_ref="-100123 4242")
    store.mark_sent([second.id], NOW)
    assert store.message_refs([first.alert_id, second.alert_id, third.alert_id, "al_none"]) \
        == {first.alert_id: "-100123 4242"}
    assert store.message_refs([]) == {}
