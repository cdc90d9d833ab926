"""Item rows: which items the store has recorded, the copies of a story across feeds, and the
poll transaction that records one chunk of feed checks at once (states, items, matches, alerts).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Callable, Mapping, Sequence

from monitor.model import Alert, Article, FeedState, Item, Match, SeenItem
from monitor.store import LAST_SEEN_REFRESH, CheckRecord, as_record, matches_oldest_first
from monitor.store.articles import article_columns, stored_article
from monitor.store.codec import alert_translations, hits_to_json, iso, window_around
from monitor.store.sqlite.connection import chunks
from monitor.store.sqlite.feeds import upsert_feed
from monitor.store.sqlite.outbox import enqueue
from monitor.store.sqlite.reading import record_translations



class ItemRows:
    """The items and matches tables, as a part of SqliteStore."""

    db: sqlite3.Connection
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _hidden: Callable[[FeedState], FeedState]

    def seen_keys(self, keys: Sequence[str]) -> set[str]:
        """Those of `keys` the store has recorded."""
        seen: set[str] = set()
        for chunk in chunks(list(dict.fromkeys(keys)), 500):
            marks = ",".join("?" * len(chunk))
            seen.update(r[0] for r in self.db.execute(
                f"SELECT key FROM items WHERE key IN ({marks})", chunk))
        return seen

    def seen_links(self, keys: Sequence[str]) -> dict[str, str]:
        """Those of `keys` the store has recorded, each with the item's link as recorded."""
        seen: dict[str, str] = {}
        for chunk in chunks(list(dict.fromkeys(keys)), 500):
            marks = ",".join("?" * len(chunk))
            seen.update(self.db.execute(
                f"SELECT key, link FROM items WHERE key IN ({marks})", chunk).fetchall())
        return seen

    def item_revisions(self, feed: str, item_ids: Sequence[str]) -> dict[str, list[SeenItem]]:
        """Every recorded item of `feed` under each of `item_ids` (a guid some feeds reuse for
        each new story), oldest first."""
        found: dict[str, list[SeenItem]] = {}
        for chunk in chunks(list(dict.fromkeys(item_ids)), 500):
            marks = ",".join("?" * len(chunk))
            for key, item_id, link, canonical, title in self.db.execute(
                    f"SELECT key, item_id, link, canonical_link, title FROM items "
                    f"WHERE feed = ? AND item_id IN ({marks}) ORDER BY rowid", (feed, *chunk)):
                found.setdefault(item_id, []).append(
                    SeenItem(key, item_id, link, canonical, title))
        return found

    def find_duplicates(self, items: Sequence[Item], *,
                        window: timedelta = timedelta(days=3)) -> dict[str, str]:
        """For each of `items` that has one, an earlier item from another feed with the same
        canonical link, or else the same folded title published within `window` of it: item
        key → earlier item key, in two queries."""
        by_link: dict[str, list[tuple[str, str]]] = {}
        for chunk in chunks(list({i.canonical_link for i in items if i.canonical_link}), 500):
            marks = ",".join("?" * len(chunk))
            for link, feed, key in self.db.execute(
                    f"SELECT canonical_link, feed, key FROM items WHERE canonical_link != '' "
                    f"AND canonical_link IN ({marks}) ORDER BY canonical_link, rowid", chunk):
                by_link.setdefault(link, []).append((feed, key))
        by_title: dict[str, list[tuple[str, str, str]]] = {}
        for chunk in chunks(list({i.title_key for i in items if i.title_key}), 500):
            marks = ",".join("?" * len(chunk))
            for title, feed, key, published in self.db.execute(
                    f"SELECT title_key, feed, key, published_at FROM items WHERE title_key != '' "
                    f"AND title_key IN ({marks}) ORDER BY title_key, first_seen_at, rowid",
                    chunk):
                by_title.setdefault(title, []).append((feed, key, published))
        found = {}
        for item in items:
            earlier = next((key for feed, key in by_link.get(item.canonical_link, ())
                            if feed != item.feed), None) if item.canonical_link else None
            if earlier is None and item.title_key in by_title:
                since, until = map(iso, window_around(item.published_at, window))
                earlier = next((key for feed, key, published in by_title[item.title_key]
                                if feed != item.feed and since <= published <= until), None)
            if earlier is not None:
                found[item.key] = earlier
        return found

    def article_of(self, link: str) -> Article | None:
        row = self.db.execute(
            "SELECT article_status, article_text, article_note FROM items WHERE link = ? AND "
            "article_status IS NOT NULL AND article_status != 'failed' LIMIT 1",
            (link,)).fetchone()
        return stored_article(link, *row) if row else None

    def item_count(self, feed: str | None = None) -> int:
        if feed is None:
            return self.db.execute("SELECT count(*) FROM items").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM items WHERE feed = ?", (feed,)).fetchone()[0]

    def commit_polls(self, checks: Sequence[CheckRecord], *, now: datetime) -> int:
        """Several feed checks in one transaction (a poll commits in chunks: one fsync per
        chunk, not per feed): each feed's state, its new items, matches and alerts, so an
        alert exists exactly when its item is recorded. Returns how many alerts were queued
        (an alert id already queued is not queued again)."""
        enqueued = 0
        with self.transaction() as db:
            for state, items, duplicates, matches, alerts, stories in map(as_record, checks):
                enqueued += self._record(db, state, items, duplicates, matches, alerts,
                                         stories, now)
        self._leases_recorded(check[0].name for check in checks)  # store/sqlite/leases.py
        return enqueued

    def _record(self, db: sqlite3.Connection, state: FeedState, items: Sequence[Item],
                duplicates: Mapping[str, str], matches: Sequence[Match], alerts: Sequence[Alert],
                stories: Mapping[str, str], now: datetime) -> int:
        upsert_feed(db, self._hidden(state))
        seen_at = iso(now)
        if state.present_ids:  # still in the feed: keep them (see _m5_retention)
            stale = iso(now - LAST_SEEN_REFRESH)
            for chunk in chunks(list(state.present_ids), 500):
                db.execute(
                    f"UPDATE items SET last_seen_at = ? WHERE feed = ? AND item_id IN "
                    f"({','.join('?' * len(chunk))}) AND "
                    f"COALESCE(last_seen_at, first_seen_at) < ?",
                    (seen_at, state.name, *chunk, stale))
        if items:
            # The whole title (normalisation caps it at 1,000 characters) and summary: the web
            # UI and `monitor search` read them, and hits point into them.
            db.executemany(
                "INSERT OR IGNORE INTO items (key, feed, item_id, title, summary, link, "
                "canonical_link, title_key, published_at, first_seen_at, language, "
                "duplicate_of, last_seen_at, article_status, article_text, article_note, "
                "story_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(i.key, i.feed, i.id, i.title, i.summary, i.link, i.canonical_link,
                  i.title_key, iso(i.published_at), seen_at, i.language,
                  duplicates.get(i.key), seen_at, *article_columns(i), stories.get(i.key))
                 for i in items])
        if matches:
            language = {i.key: i.language for i in items}
            matches = matches_oldest_first(items, matches)
            db.executemany(
                "INSERT OR IGNORE INTO matches (rule, item_key, matched_terms, created_at, "
                "hits, feed, language) VALUES (?,?,?,?,?,?,?)",
                [(m.rule, m.item_key, json.dumps(m.matched_terms, ensure_ascii=False), seen_at,
                  hits_to_json(m.hits), state.name, language.get(m.item_key, ""))
                 for m in matches])
        # Items are translated when they alert: keep the translation their alerts carry.
        record_translations(db, alert_translations(alerts), seen_at)
        return enqueue(db, alerts, now) if alerts else 0
