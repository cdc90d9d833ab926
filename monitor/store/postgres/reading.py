"""What the web UI and `monitor matches`/`search` read, from the PostgreSQL state, and the
search index (a `tsvector` per item with a GIN index). The same questions as the SQLite
store's (monitor.store.sqlite.reading, search_index), the same answers.

The index holds each item's words as given by `monitor.rules.search.index_words`, as exact
lexemes (`array_to_tsvector`: no text search configuration, no stemming of PostgreSQL's: the
words are already ours), and a query's filter becomes a `tsquery` of quoted lexemes (`:*` for a
prefix). An item's `search_words` is NULL until `index_pending` fills it (after the check's
commit, like SQLite's queue); a search reads those items directly.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from monitor.store.codec import hits_from_json
from monitor.model import MatchFilter, StoredItem, StoredMatch, Translation
from monitor.rules.search import INDEX_VERSION, Every, Either, Filter, LanguageFilter, Word

READING_SCHEMA = f"""
ALTER TABLE items ADD COLUMN summary text NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN search_words tsvector;
ALTER TABLE matches ADD COLUMN id bigserial;
ALTER TABLE matches ADD COLUMN hits text NOT NULL DEFAULT '[]';
ALTER TABLE matches ADD COLUMN feed text NOT NULL DEFAULT '';
ALTER TABLE matches ADD COLUMN language text NOT NULL DEFAULT '';
UPDATE matches AS m SET feed = i.feed, language = i.language FROM items AS i
    WHERE i.key = m.item_key;
CREATE UNIQUE INDEX matches_id ON matches (id);
CREATE INDEX matches_rule_id ON matches (rule, id);
CREATE INDEX matches_feed_id ON matches (feed, id);
CREATE INDEX matches_language_id ON matches (language, id);
CREATE INDEX matches_created ON matches (created_at);
CREATE INDEX items_story ON items (duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX items_feed_seen ON items (feed, first_seen_at);
CREATE INDEX items_search ON items USING gin (search_words);
CREATE INDEX items_unindexed ON items (seq) WHERE search_words IS NULL;
CREATE TABLE item_translations (
    item_key text PRIMARY KEY,
    source_language text NOT NULL,
    target_language text NOT NULL,
    title text,
    summary text,
    route text NOT NULL DEFAULT '',
    note text,
    created_at timestamptz NOT NULL
);
INSERT INTO monitor_meta VALUES ('search_index_version', '{INDEX_VERSION}');
"""

_ITEM = ("i.seq AS position, i.key, i.feed, i.item_id, i.title, i.summary, i.link, "
         "i.published_at, i.first_seen_at, i.language, i.duplicate_of, i.story_id, "
         "t.source_language, t.target_language, t.title AS t_title, "
         "t.summary AS t_summary, t.route, t.note")
_TRANSLATION = "LEFT JOIN item_translations AS t ON t.item_key = i.key"
_MATCH = "m.id AS match_id, m.rule, m.matched_terms, m.hits, m.created_at"


def record_translations(db: psycopg.Connection, translations, now: datetime) -> None:
    rows = [(key, t.source_language, t.target_language, t.title, t.summary, t.route, t.note,
             now) for key, t in translations]
    if rows:
        db.cursor().executemany(
            "INSERT INTO item_translations (item_key, source_language, target_language, title, "
            "summary, route, note, created_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s) "
            "ON CONFLICT (item_key) DO NOTHING", rows)


def _rows(db: psycopg.Connection, sql: str, args: tuple | list = ()) -> list[dict]:
    with db.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, args).fetchall()


def recorded_matches(db: psycopg.Connection, wanted: MatchFilter, *, before: int | None,
                     after: int | None, limit: int) -> list[StoredMatch]:
    where, args = ["true"], []
    for column, value in (("m.rule", wanted.rule), ("m.feed", wanted.feed),
                          ("m.language", wanted.language)):
        if value is not None:
            where.append(f"{column} = %s")
            args.append(value)
    for test, value in (("m.created_at >= %s", wanted.since), ("m.created_at < %s", wanted.until),
                        ("m.id < %s", before), ("m.id > %s", after)):
        if value is not None:
            where.append(test)
            args.append(value)
    rows = _rows(db, f"SELECT {_MATCH}, {_ITEM} FROM matches AS m JOIN items AS i "
                     f"ON i.key = m.item_key {_TRANSLATION} WHERE {' AND '.join(where)} "
                     f"ORDER BY m.id DESC LIMIT %s", (*args, limit))
    return [_match(r) for r in rows]


def latest_match_id(db: psycopg.Connection) -> int:
    return db.execute("SELECT coalesce(max(id), 0) FROM matches").fetchone()[0]


def stored_item(db: psycopg.Connection, key: str) -> StoredItem | None:
    rows = _rows(db, f"SELECT {_ITEM} FROM items AS i {_TRANSLATION} WHERE i.key = %s", (key,))
    return _item(rows[0]) if rows else None


def matches_of_item(db: psycopg.Connection, key: str) -> list[StoredMatch]:
    rows = _rows(db, f"SELECT {_MATCH}, {_ITEM} FROM matches AS m JOIN items AS i "
                     f"ON i.key = m.item_key {_TRANSLATION} WHERE m.item_key = %s "
                     f"ORDER BY m.id", (key,))
    return [_match(r) for r in rows]


def copies_of_item(db: psycopg.Connection, key: str) -> list[StoredItem]:
    root = db.execute("SELECT coalesce(duplicate_of, key), story_id FROM items WHERE key = %s",
                      (key,)).fetchone()
    if root is None:
        return []
    rows = _rows(db, f"SELECT {_ITEM} FROM items AS i {_TRANSLATION} WHERE (i.key = %s OR "
                     f"i.duplicate_of = %s OR i.story_id = %s) AND i.key <> %s "
                     f"ORDER BY i.seq LIMIT 200", (root[0], root[0], root[1], key))
    return [_item(r) for r in rows]


def newest_items(db: psycopg.Connection, limit: int) -> list[StoredItem]:
    rows = _rows(db, f"SELECT {_ITEM} FROM items AS i {_TRANSLATION} ORDER BY i.seq DESC "
                     f"LIMIT %s", (limit,))
    return [_item(r) for r in rows]


def items_per_feed(db: psycopg.Connection, since: datetime | None) -> dict[str, int]:
    if since is None:
        return dict(db.execute("SELECT feed, count(*) FROM items GROUP BY feed").fetchall())
    return dict(db.execute("SELECT feed, count(*) FROM items WHERE first_seen_at >= %s "
                           "GROUP BY feed", (since,)).fetchall())


def matches_per_day(db: psycopg.Connection, since: datetime) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for rule, day, n in db.execute(
            "SELECT rule, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*) "
            "FROM matches WHERE created_at >= %s GROUP BY 1, 2", (since,)):
        out.setdefault(rule, {})[day] = n
    return out


# -- search ------------------------------------------------------------------------------------

def queued(db: psycopg.Connection, limit: int) -> list[tuple[int, str, str, str]]:
    return db.execute("SELECT seq, title, summary, language FROM items "
                      "WHERE search_words IS NULL ORDER BY seq LIMIT %s", (limit,)).fetchall()


def take_in(db: psycopg.Connection, words: list[tuple[int, str]]) -> int:
    """Index these items (seq, words), unless indexed meanwhile (another node)."""
    done = 0
    with db.transaction():
        cur = db.cursor()
        for seq, text in words:
            cur.execute("UPDATE items SET search_words = array_to_tsvector(%s::text[]) "
                        "WHERE seq = %s AND search_words IS NULL", (text.split(), seq))
            done += cur.rowcount
    return done


def queue_length(db: psycopg.Connection) -> int:
    return db.execute("SELECT count(*) FROM items WHERE search_words IS NULL").fetchone()[0]


def reindex_if_stale(db: psycopg.Connection) -> bool:
    with db.transaction():
        row = db.execute("SELECT value FROM monitor_meta WHERE key = 'search_index_version' "
                         "FOR UPDATE").fetchone()
        if row is None or row[0] == str(INDEX_VERSION):
            return False
        db.execute("UPDATE items SET search_words = NULL WHERE search_words IS NOT NULL")
        db.execute("UPDATE monitor_meta SET value = %s WHERE key = 'search_index_version'",
                   (str(INDEX_VERSION),))
        return True


def candidates(db: psycopg.Connection, wanted: LanguageFilter, *, before: int | None,
               limit: int) -> list[StoredItem]:
    where = ["i.search_words IS NOT NULL",
             f"{'NOT ' if wanted.is_other else ''}(i.language = ANY(%s))"]
    args: list[Any] = [sorted(wanted.languages)]
    if wanted.filter is not None:
        where.append("i.search_words @@ %s::tsquery")
        args.append(tsquery(wanted.filter))
    if before is not None:
        where.append("i.seq < %s")
        args.append(before)
    rows = _rows(db, f"SELECT {_ITEM} FROM items AS i {_TRANSLATION} WHERE "
                     f"{' AND '.join(where)} ORDER BY i.seq DESC LIMIT %s", (*args, limit))
    return [_item(r) for r in rows]


def unindexed(db: psycopg.Connection, *, before: int | None, limit: int) -> list[StoredItem]:
    below = "AND i.seq < %s" if before is not None else ""
    rows = _rows(db, f"SELECT {_ITEM} FROM items AS i {_TRANSLATION} WHERE i.search_words IS "
                     f"NULL {below} ORDER BY i.seq DESC LIMIT %s",
                 (*([before] if before is not None else []), limit))
    return [_item(r) for r in rows]


def tsquery(f: Filter) -> str:
    """tsquery text: each word a quoted lexeme (quotes doubled, backslashes escaped), `:*` for
    a prefix, & and | grouped. Cast with ::tsquery, which applies no dictionary."""
    if isinstance(f, Word):
        quoted = "'" + f.text.replace("\\", "\\\\").replace("'", "''") + "'"
        return quoted + (":*" if f.is_prefix else "")
    joiner = " & " if isinstance(f, Every) else " | "
    assert isinstance(f, (Every, Either))
    return "(" + joiner.join(tsquery(p) for p in f.parts) + ")"


# -- rows → values -----------------------------------------------------------------------------

def _item(r: dict) -> StoredItem:
    translation = None
    if r["source_language"] is not None:
        translation = Translation(r["source_language"], r["target_language"], r["t_title"],
                                  r["t_summary"], r["route"] or "", r["note"])
    return StoredItem(key=r["key"], feed=r["feed"], item_id=r["item_id"], title=r["title"],
                      summary=r["summary"], link=r["link"], published_at=r["published_at"],
                      first_seen_at=r["first_seen_at"], language=r["language"],
                      duplicate_of=r["duplicate_of"], translation=translation,
                      position=r["position"], story_id=r["story_id"])


def _match(r: dict) -> StoredMatch:
    hits = hits_from_json(r["hits"])
    return StoredMatch(id=r["match_id"], rule=r["rule"], item=_item(r),
                       matched_terms=tuple(json.loads(r["matched_terms"])), hits=hits,
                       created_at=r["created_at"])
