"""Items and matches in the PostgreSQL state: what has been seen, cross-feed copies, and the
rows a feed check adds (in the check's transaction, with its alerts: see outbox.enqueue).

Keys arrive as arrays (`= ANY(%s)`): one statement and one plan for any number of keys,
where SQLite needs chunks of 500 placeholders.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Mapping, Sequence

import psycopg

from monitor.store import matches_oldest_first
from monitor.store.codec import hits_to_json, window_around
from monitor.model import Article, Item, Match, SeenItem
from monitor.store.articles import article_columns, stored_article

# An item seen in a parse has its last_seen_at refreshed at most this often (see the SQLite
# store's LAST_SEEN_REFRESH: the same rule, the same figure).
LAST_SEEN_REFRESH = timedelta(days=1)


def pg_text(text: str) -> str:
    """`text` as PostgreSQL can hold it: a NUL (feedparser's loose parser makes one of
    `&#0;`) becomes U+FFFD. Applied alike when writing and when looking up, so an item id with
    a NUL is still found (and not alerted again)."""
    return text.replace("\0", "\ufffd") if "\0" in text else text


def seen_keys(db: psycopg.Connection, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return {r[0] for r in db.execute("SELECT key FROM items WHERE key = ANY(%s)",
                                     (list(dict.fromkeys(keys)),))}


def seen_links(db: psycopg.Connection, keys: Sequence[str]) -> dict[str, str]:
    if not keys:
        return {}
    return dict(db.execute("SELECT key, link FROM items WHERE key = ANY(%s)",
                           (list(dict.fromkeys(keys)),)).fetchall())


def item_revisions(db: psycopg.Connection, feed: str,
                   item_ids: Sequence[str]) -> dict[str, list[SeenItem]]:
    found: dict[str, list[SeenItem]] = {}
    if not item_ids:
        return found
    asked = {pg_text(i): i for i in item_ids}
    for key, item_id, link, canonical, title in db.execute(
            "SELECT key, item_id, link, canonical_link, title FROM items "
            "WHERE feed = %s AND item_id = ANY(%s) ORDER BY seq", (feed, list(asked))):
        item_id = asked.get(item_id, item_id)
        found.setdefault(item_id, []).append(SeenItem(key, item_id, link, canonical, title))
    return found


def find_duplicates(db: psycopg.Connection, items: Sequence[Item], *,
                    window: timedelta) -> dict[str, str]:
    """Item key → an earlier item of another feed with the same link, or the same folded
    title published within `window`."""
    by_link: dict[str, list[tuple[str, str]]] = {}
    links = list({pg_text(i.canonical_link) for i in items if i.canonical_link})
    if links:
        for link, feed, key in db.execute(
                "SELECT canonical_link, feed, key FROM items WHERE canonical_link <> '' "
                "AND canonical_link = ANY(%s) ORDER BY canonical_link, seq", (links,)):
            by_link.setdefault(link, []).append((feed, key))
    by_title: dict[str, list[tuple[str, str, datetime]]] = {}
    titles = list({pg_text(i.title_key) for i in items if i.title_key})
    if titles:
        for title, feed, key, published in db.execute(
                "SELECT title_key, feed, key, published_at FROM items WHERE title_key <> '' "
                "AND title_key = ANY(%s) ORDER BY title_key, first_seen_at, seq", (titles,)):
            by_title.setdefault(title, []).append((feed, key, published))
    found = {}
    for item in items:
        earlier = next((key for feed, key in by_link.get(pg_text(item.canonical_link), ())
                        if feed != item.feed), None) if item.canonical_link else None
        if earlier is None and pg_text(item.title_key) in by_title:
            since, until = window_around(item.published_at, window)
            earlier = next((key for feed, key, published in by_title[pg_text(item.title_key)]
                            if feed != item.feed and since <= published <= until), None)
        if earlier is not None:
            found[item.key] = earlier
    return found


def item_count(db: psycopg.Connection, feed: str | None = None) -> int:
    if feed is None:
        return db.execute("SELECT count(*) FROM items").fetchone()[0]
    return db.execute("SELECT count(*) FROM items WHERE feed = %s", (feed,)).fetchone()[0]


def record(db: psycopg.Connection, feed: str, present_ids: Sequence[str], items: Sequence[Item],
           duplicates: Mapping[str, str], matches: Sequence[Match], now: datetime,
           stories: Mapping[str, str]) -> None:
    """A check's items and matches (inside the caller's transaction). A key already recorded
    (another node's check of the same body, an earlier copy) is kept as it was."""
    cur = db.cursor()
    if present_ids:  # still in the feed: retention keeps them
        cur.execute("UPDATE items SET last_seen_at = %s WHERE feed = %s AND item_id = ANY(%s) "
                    "AND coalesce(last_seen_at, first_seen_at) < %s",
                    (now, feed, [pg_text(i) for i in present_ids], now - LAST_SEEN_REFRESH))
    if items:
        cur.executemany(
            "INSERT INTO items (key, feed, item_id, title, summary, link, canonical_link, "
            "title_key, published_at, first_seen_at, language, duplicate_of, last_seen_at, "
            "article_status, article_text, article_note, story_id) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
            "ON CONFLICT (key) DO NOTHING",
            [(i.key, i.feed, pg_text(i.id), pg_text(i.title), pg_text(i.summary),
              pg_text(i.link), pg_text(i.canonical_link), pg_text(i.title_key), i.published_at,
              now, pg_text(i.language), duplicates.get(i.key), now,
              *(pg_text(v) if v is not None else None for v in article_columns(i)),
              stories.get(i.key))
             for i in items])
    if matches:
        language = {i.key: i.language for i in items}
        matches = matches_oldest_first(items, matches)
        cur.executemany(
            "INSERT INTO matches (rule, item_key, matched_terms, created_at, hits, feed, "
            "language) VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (rule, item_key) DO NOTHING",
            [(m.rule, m.item_key, json.dumps(m.matched_terms, ensure_ascii=False), now,
              hits_to_json(m.hits), feed, language.get(m.item_key, ""))
             for m in matches])


def article_of(db: psycopg.Connection, link: str) -> Article | None:
    row = db.execute("SELECT article_status, article_text, article_note FROM items "
                     "WHERE link = %s AND article_status IS NOT NULL "
                     "AND article_status <> 'failed' LIMIT 1", (link,)).fetchone()
    return stored_article(link, *row) if row else None
