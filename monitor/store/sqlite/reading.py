"""SQLite: what the web UI and `monitor matches`/`search` read (no writes but the index's).

Migration `reading_schema` adds what reading needs to the poll's tables: an item's summary
(its title was cut at 500 characters; now whole, as normalised: at most 1,000), each match's
hits, feed and language (so the matches page filters without joining a million items), each
alerted item's translation, and the indexes the pages' questions use.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from monitor.model import MatchFilter, StoredItem, StoredMatch, Translation
from monitor.store.codec import from_iso, hits_from_json, iso


def reading_schema(db: sqlite3.Connection) -> None:
    items = {r[1] for r in db.execute("PRAGMA table_info(items)")}
    if "summary" not in items:
        db.execute("ALTER TABLE items ADD COLUMN summary TEXT NOT NULL DEFAULT ''")
    matches = {r[1] for r in db.execute("PRAGMA table_info(matches)")}
    for column, default in (("hits", "'[]'"), ("feed", "''"), ("language", "''")):
        if column not in matches:
            db.execute(f"ALTER TABLE matches ADD COLUMN {column} TEXT NOT NULL DEFAULT {default}")
    # Matches recorded before: their feed and language from their item (hits stay unknown:
    # the page then shows the item without highlights).
    db.execute("UPDATE matches SET feed = i.feed, language = i.language FROM items AS i "
               "WHERE i.key = matches.item_key AND matches.feed = ''")
    for statement in (
        # The matches page: newest first (rowid order), by rule, feed or language, by date.
        "CREATE INDEX IF NOT EXISTS matches_by_rule ON matches(rule)",
        "CREATE INDEX IF NOT EXISTS matches_by_feed ON matches(feed)",
        "CREATE INDEX IF NOT EXISTS matches_by_language ON matches(language)",
        "CREATE INDEX IF NOT EXISTS matches_by_time ON matches(created_at)",
        "CREATE INDEX IF NOT EXISTS matches_by_item ON matches(item_key)",
        # An item's other sources; the feeds page's items per day.
        "CREATE INDEX IF NOT EXISTS items_by_story ON items(duplicate_of) "
        "WHERE duplicate_of IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS items_by_feed_time ON items(feed, first_seen_at)",
        """CREATE TABLE IF NOT EXISTS item_translations (
            item_key TEXT PRIMARY KEY,
            source_language TEXT NOT NULL,
            target_language TEXT NOT NULL,
            title TEXT,
            summary TEXT,
            route TEXT NOT NULL DEFAULT '',
            note TEXT,
            created_at TEXT NOT NULL
        ) WITHOUT ROWID""",
    ):
        db.execute(statement)


# -- writing what reading needs, in the poll's transaction ----------------------------------

def record_translations(db: sqlite3.Connection, translations: Iterable[tuple[str, Translation]],
                        now_iso: str) -> None:
    """Each alerted item's translation (the first one recorded stays: retries do not move)."""
    translations = list(translations)
    if not translations:
        return
    db.executemany(
        "INSERT OR IGNORE INTO item_translations (item_key, source_language, target_language, "
        "title, summary, route, note, created_at) VALUES (?,?,?,?,?,?,?,?)",
        [(key, t.source_language, t.target_language, t.title, t.summary, t.route, t.note,
          now_iso) for key, t in translations])


# -- reading ---------------------------------------------------------------------------------

_ITEM_COLUMNS = ("i.rowid AS position, i.key, i.feed, i.item_id, i.title, i.summary, i.link, "
                 "i.published_at, i.first_seen_at, i.language, i.duplicate_of, i.story_id, "
                 "t.source_language, t.target_language, t.title AS t_title, "
                 "t.summary AS t_summary, t.route, t.note")
_TRANSLATION = "LEFT JOIN item_translations AS t ON t.item_key = i.key"
_ITEMS = "items AS i " + _TRANSLATION


def recorded_matches(db: sqlite3.Connection, wanted: MatchFilter, *, before: int | None,
                     after: int | None, limit: int) -> list[StoredMatch]:
    where, args = ["1"], []
    for column, value in (("m.rule", wanted.rule), ("m.feed", wanted.feed),
                          ("m.language", wanted.language)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if wanted.since is not None:
        where.append("m.created_at >= ?")
        args.append(iso(wanted.since))
    if wanted.until is not None:
        where.append("m.created_at < ?")
        args.append(iso(wanted.until))
    if before is not None:
        where.append("m.rowid < ?")
        args.append(before)
    if after is not None:
        where.append("m.rowid > ?")
        args.append(after)
    rows = db.execute(
        f"SELECT m.rowid AS match_id, m.rule, m.matched_terms, m.hits, m.created_at, "
        f"{_ITEM_COLUMNS} FROM matches AS m JOIN items AS i ON i.key = m.item_key {_TRANSLATION} "
        f"WHERE {' AND '.join(where)} ORDER BY m.rowid DESC LIMIT ?", (*args, limit))
    return [_match(r) for r in rows]


def latest_match_id(db: sqlite3.Connection) -> int:
    return db.execute("SELECT coalesce(max(rowid), 0) FROM matches").fetchone()[0]


def stored_item(db: sqlite3.Connection, key: str) -> StoredItem | None:
    row = db.execute(f"SELECT {_ITEM_COLUMNS} FROM {_ITEMS} WHERE i.key = ?", (key,)).fetchone()
    return _item(row) if row else None


def matches_of_item(db: sqlite3.Connection, key: str) -> list[StoredMatch]:
    rows = db.execute(
        f"SELECT m.rowid AS match_id, m.rule, m.matched_terms, m.hits, m.created_at, "
        f"{_ITEM_COLUMNS} FROM matches AS m JOIN items AS i ON i.key = m.item_key {_TRANSLATION} "
        f"WHERE m.item_key = ? ORDER BY m.rowid", (key,))
    return [_match(r) for r in rows]


def copies_of_item(db: sqlite3.Connection, key: str) -> list[StoredItem]:
    """The other items of its story: its first copy and that copy's later copies, and the
    other reports of its story (matched items grouped across feeds and languages)."""
    root = db.execute("SELECT coalesce(duplicate_of, key), story_id FROM items WHERE key = ?",
                      (key,)).fetchone()
    if root is None:
        return []
    rows = db.execute(
        f"SELECT {_ITEM_COLUMNS} FROM {_ITEMS} WHERE (i.key = ?1 OR i.duplicate_of = ?1 "
        f"OR i.story_id = ?3) AND i.key != ?2 ORDER BY i.rowid LIMIT 200",
        (root[0], key, root[1]))
    return [_item(r) for r in rows]


def newest_items(db: sqlite3.Connection, limit: int) -> list[StoredItem]:
    rows = db.execute(f"SELECT {_ITEM_COLUMNS} FROM {_ITEMS} ORDER BY i.rowid DESC LIMIT ?",
                      (limit,))
    return [_item(r) for r in rows]


def items_per_feed(db: sqlite3.Connection, since: datetime | None) -> dict[str, int]:
    if since is None:
        rows = db.execute("SELECT feed, count(*) FROM items GROUP BY feed")
    else:
        rows = db.execute("SELECT feed, count(*) FROM items WHERE first_seen_at >= ? "
                          "GROUP BY feed", (iso(since),))
    return dict(rows.fetchall())


def matches_per_day(db: sqlite3.Connection, since: datetime) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for rule, day, n in db.execute(
            "SELECT rule, substr(created_at, 1, 10) AS day, count(*) FROM matches "
            "WHERE created_at >= ? GROUP BY rule, day", (iso(since),)):
        out.setdefault(rule, {})[day] = n
    return out


# -- rows → values ---------------------------------------------------------------------------

def _item(r: Any) -> StoredItem:
    translation = None
    if r["source_language"] is not None:
        translation = Translation(r["source_language"], r["target_language"], r["t_title"],
                                  r["t_summary"], r["route"] or "", r["note"])
    return StoredItem(key=r["key"], feed=r["feed"], item_id=r["item_id"], title=r["title"],
                      summary=r["summary"], link=r["link"],
                      published_at=from_iso(r["published_at"]),
                      first_seen_at=from_iso(r["first_seen_at"]), language=r["language"],
                      duplicate_of=r["duplicate_of"], translation=translation,
                      position=r["position"], story_id=r["story_id"])


def _match(r: Any) -> StoredMatch:
    return StoredMatch(id=r["match_id"], rule=r["rule"], item=_item(r),
                       matched_terms=tuple(json.loads(r["matched_terms"])),
                       hits=hits_from_json(r["hits"]), created_at=from_iso(r["created_at"]))


__all__: Sequence[str] = ()
