"""The store's reading side (web UI, `monitor matches`/`search`) on SQLite and PostgreSQL:
what a check records for reading, the questions the pages ask, and the search index."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from monitor.browse import search
from monitor.model import Alert, FeedState, Hit, Item, Match, MatchFilter, Translation
from monitor.rules.search import SearchQuery

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
LANGUAGES = ("en", "ru", "be", "uk")


from support.stores import store  # noqa: E402,F401  (the fixture: both backends)


def item(feed, id, title, summary="", language="ru", link="", published=NOW):
    from monitor.normalize import canonical_link, item_key, title_key
    return Item(feed=feed, id=id, key=item_key(feed, id), title=title, summary=summary,
                link=link or f"https://{feed}.example/{id}", published_at=published,
                language=language, canonical_link=canonical_link(link or f"https://{feed}"
                                                                          f".example/{id}"),
                title_key=title_key(title))


def alert(it, rule, translation=None, channel="c"):
    from monitor.render import alert_id
    return Alert(id=alert_id(rule, it.key, channel), rule=rule, channel=channel, feed=it.feed,
                 item_key=it.key, item_id=it.id, title=it.title, summary=it.summary,
                 link=it.link, published_at=it.published_at, language=it.language,
                 matched_terms=("x",), created_at=NOW, translation=translation)


def commit(store, feed, items, matches=(), alerts=(), duplicates=None, now=NOW):
    store.commit_polls([(FeedState(name=feed, url=f"https://{feed}.example/rss",
                                   last_parsed_at=now), list(items), duplicates or {},
                         list(matches), list(alerts))], now=now)


RU = item("ru", "1", "Завод беспилотников расширяют", "В Елабуге завод по производству "
                                                      "беспилотников растёт.")
RU_COPY = item("copy", "1", "Завод беспилотников расширяют", "Перепечатка.",
               link="https://ru.example/1")
EN = item("en", "1", "Drone factory expands", "Satellite images of the drones' factory.",
          language="en")
BE = item("be", "1", "Беспілотнікі на заводзе", "Зборка беспілотнікаў.", language="be")
TRANSLATION = Translation("ru", "en", "Drone factory expands", "In Yelabuga the factory …",
                          route="argos:ru-en")
HITS = (Hit("беспилотник", "title", 6, 18), Hit("завод", "title", 0, 5))


def fill(store):
    commit(store, "ru", [RU], [Match("drones", RU.key, ("завод", "беспилотник"), HITS)],
           [alert(RU, "drones", TRANSLATION)], now=NOW - timedelta(days=2))
    commit(store, "copy", [RU_COPY], [Match("drones", RU_COPY.key, ("завод",))],
           duplicates={RU_COPY.key: RU.key}, now=NOW - timedelta(days=1))
    commit(store, "en", [EN], [Match("drones", EN.key, ("drone*",)),
                               Match("factories", EN.key, ("factory",))])
    commit(store, "be", [BE])


def test_a_check_keeps_what_reading_needs(store):
    fill(store)
    (m,) = store.recorded_matches(MatchFilter(rule="drones", feed="ru"))
    assert m.item.title == RU.title and m.item.summary == RU.summary
    assert m.hits == HITS and m.matched_terms == ("завод", "беспилотник")
    assert m.item.translation == TRANSLATION and m.item.language == "ru"
    assert m.created_at == NOW - timedelta(days=2)
    long_title = item("ru", "long", "Заголовок " * 90)  # 900 characters: kept whole
    commit(store, "ru", [long_title])
    assert store.stored_item(long_title.key).title == long_title.title


def test_matches_newest_first_with_filters_and_cursors(store):
    fill(store)
    every = store.recorded_matches(MatchFilter())
    assert [(m.rule, m.item.feed) for m in every] == \
        [("factories", "en"), ("drones", "en"), ("drones", "copy"), ("drones", "ru")]
    ids = [m.id for m in every]
    assert ids == sorted(ids, reverse=True) and store.latest_match_id() == ids[0]
    assert [m.item.feed for m in store.recorded_matches(MatchFilter(language="ru"))] == \
        ["copy", "ru"]
    assert [m.rule for m in store.recorded_matches(MatchFilter(feed="en"))] == \
        ["factories", "drones"]
    window = MatchFilter(since=NOW - timedelta(days=1, hours=1), until=NOW)
    assert [m.item.feed for m in store.recorded_matches(window)] == ["copy"]
    assert [m.id for m in store.recorded_matches(MatchFilter(), before=ids[1])] == ids[2:]
    assert [m.id for m in store.recorded_matches(MatchFilter(), after=ids[2])] == ids[:2]
    assert [m.id for m in store.recorded_matches(MatchFilter(), limit=1)] == ids[:1]


def test_an_item_its_matches_and_its_other_sources(store):
    fill(store)
    assert [m.rule for m in store.matches_of_item(EN.key)] == ["drones", "factories"]
    assert [c.key for c in store.copies_of_item(RU_COPY.key)] == [RU.key]
    assert [c.key for c in store.copies_of_item(RU.key)] == [RU_COPY.key]
    assert store.copies_of_item(EN.key) == [] and store.stored_item("nope") is None
    assert store.stored_item(RU_COPY.key).duplicate_of == RU.key


def test_counts_per_feed_and_per_day(store):
    fill(store)
    assert [i.key for i in store.newest_items(2)] == [BE.key, EN.key]
    assert store.items_per_feed() == {"ru": 1, "copy": 1, "en": 1, "be": 1}
    assert store.items_per_feed(since=NOW - timedelta(hours=1)) == {"en": 1, "be": 1}
    days = store.matches_per_day(since=NOW - timedelta(days=7))
    assert days == {"drones": {"2026-11-23": 1, "2026-11-24": 1, "2026-11-25": 1},
                    "factories": {"2026-11-25": 1}}


def found(store, text):
    return [f.item.key for f in search(store, text, LANGUAGES).results]


@pytest.mark.parametrize("query, expected", [
    ("беспилотники", [RU_COPY, RU]),  # inflection: беспилотников
    ("беспілотнік", [BE]),
    ("drone", [EN]),  # drones' (possessive plural)
    ("завод* NEAR/3 беспилотник", [RU_COPY, RU]),
    ("factory -satellite", []),
    ('"завод беспилотников" OR dron*', [EN, RU_COPY, RU]),
    ("title:растёт", []), ("растет", [RU]),
])
def test_search_before_and_after_indexing_and_after_a_delete(store, query, expected):
    fill(store)
    keys = [i.key for i in expected]
    assert store.unindexed_count() == 4
    assert found(store, query) == keys  # read directly: nothing indexed yet
    assert store.index_pending(limit=3) == 3 and store.unindexed_count() == 1
    assert found(store, query) == keys  # half and half
    assert store.index_pending() == 1 and store.index_pending() == 0
    assert found(store, query) == keys  # from the index only
    # Retention deletes an item: it leaves the index with it.
    assert store.expired_items({"ru": NOW}, delete=True) == (1, 1)
    assert found(store, query) == [k for k in keys if k != RU.key]


def test_the_index_narrows_candidates(store):
    fill(store)
    while store.index_pending():
        pass
    query = SearchQuery("беспилотники", LANGUAGES)
    (ru,) = [f for f in query.filters if "ru" in f.languages and not f.is_other]
    got = store.search_candidates(ru, before=None, limit=10)
    assert [i.key for i in got] == [RU_COPY.key, RU.key]  # not EN, not BE: not candidates


def test_a_changed_index_version_queues_every_item_again(store, monkeypatch):
    fill(store)
    while store.index_pending():
        pass
    assert store.reindex_if_stale() is False
    import monitor.rules.search as rules_search
    for module in _modules_with_index_version():
        monkeypatch.setattr(module, "INDEX_VERSION", rules_search.INDEX_VERSION + 1)
    assert store.reindex_if_stale() is True
    assert store.unindexed_count() == 4 and store.reindex_if_stale() is False
    assert found(store, "беспилотник") == [RU_COPY.key, RU.key]
    while store.index_pending():
        pass
    assert found(store, "беспилотник") == [RU_COPY.key, RU.key]


def _modules_with_index_version():
    import monitor.rules.search
    import monitor.store.postgres.reading
    import monitor.store.sqlite.search_index
    return [monitor.rules.search, monitor.store.postgres.reading,
            monitor.store.sqlite.search_index]


def test_sqlite_index_stays_consistent_with_its_items(tmp_path):
    """FTS5's own check: every indexed item's words are what the index holds (the delete
    trigger removed exactly what was indexed, nothing was left behind)."""
    from monitor.store import open_store as connect

    with connect(tmp_path / "state.db") as store:
        fill(store)
        store.index_pending(limit=2)  # two indexed, two still queued
        later = NOW + timedelta(minutes=1)
        store.expired_items({"ru": NOW, "be": later}, delete=True)  # one of each kind goes
        store.index_pending()
        store.db.execute("INSERT INTO item_search (item_search, rank) "
                         "VALUES ('integrity-check', 1)")
        assert store.unindexed_count() == 0
        assert found(store, "беспилотники OR drone OR беспілотнік") == [EN.key, RU_COPY.key]
