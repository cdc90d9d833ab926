"""SQLite: the full-text index that narrows a search (FTS5), and its upkeep.

What is indexed is decided in `monitor.rules.search.index_words` (each item's word keys and
forms); a query's filter comes from the same module and is written here as FTS5 syntax. The
index narrows, the matcher decides, so it only has to hold a superset.

- `item_search` is an FTS5 table over the view `item_words`, which computes an item's words with
  the SQL function `monitor_index_words` (registered on every connection the store opens): no
  copy of the words is stored, only the index (detail=none: which items hold each word, no
  positions, since the matcher checks NEAR and phrases).
- The `ascii` tokenizer with `'` and `_` as token characters keeps every word whole: every
  non-ASCII character is part of a token, so no Unicode table of SQLite's can split a
  Cyrillic, Greek or newer-script word differently from how the query is written.
- Items are indexed after they are committed, not in the poll's transaction: a trigger puts
  each new item's rowid in `search_queue`, and `index_pending` (the daemon, a few seconds
  later; a search first) takes them in batches. A search reads queued items directly, so it
  never misses one. A poll pays one small insert per item, not the word analysis.
- An item deleted (retention) leaves the index in the same statement (trigger): FTS5 needs the
  words it indexed to remove them, recomputed by the same function. When the words an item
  gives change (INDEX_VERSION), the whole index is dropped and every item queued again, so
  what a delete recomputes is always what was indexed.
"""

from __future__ import annotations

import sqlite3

from monitor.model import StoredItem
from monitor.rules.search import (INDEX_VERSION, Every, Either, Filter, LanguageFilter, Word,
                                  index_words)
from monitor.store.sqlite.reading import _ITEM_COLUMNS, _ITEMS, _TRANSLATION, _item

FUNCTION = "monitor_index_words"
INDEX_BATCH = 2000


def register(db: sqlite3.Connection) -> None:
    """The function the index's view and triggers call (on every connection of the store)."""
    db.create_function(FUNCTION, 3, index_words, deterministic=True)


def search_schema(db: sqlite3.Connection) -> None:
    statements = [
        f"CREATE VIEW IF NOT EXISTS item_words AS SELECT rowid, "
        f"{FUNCTION}(title, summary, language) AS words FROM items",
        "CREATE VIRTUAL TABLE IF NOT EXISTS item_search USING fts5(words, "
        "tokenize=\"ascii tokenchars '''_'\", detail=none, content='item_words', "
        "content_rowid='rowid')",
        "CREATE TABLE IF NOT EXISTS search_queue (item_rowid INTEGER PRIMARY KEY)",
        "CREATE TRIGGER IF NOT EXISTS items_search_queue AFTER INSERT ON items BEGIN "
        "INSERT OR IGNORE INTO search_queue VALUES (new.rowid); END",
        # Titles, summaries and languages are never updated (an edit of an item keeps what was
        # first recorded): only inserts and deletes touch the index.
        f"CREATE TRIGGER IF NOT EXISTS items_search_forget AFTER DELETE ON items BEGIN "
        f"INSERT INTO item_search (item_search, rowid, words) SELECT 'delete', old.rowid, "
        f"{FUNCTION}(old.title, old.summary, old.language) WHERE NOT EXISTS "
        f"(SELECT 1 FROM search_queue WHERE item_rowid = old.rowid); "
        f"DELETE FROM search_queue WHERE item_rowid = old.rowid; END",
        "INSERT OR IGNORE INTO search_queue SELECT rowid FROM items",
        f"INSERT OR REPLACE INTO meta VALUES ('search_index_version', '{INDEX_VERSION}')",
    ]
    for statement in statements:
        db.execute(statement)


def reindex_if_stale(db: sqlite3.Connection) -> bool:
    """In a write transaction: when the stored words came from another INDEX_VERSION, drop
    the index and queue every item again. True when it did."""
    row = db.execute("SELECT value FROM meta WHERE key = 'search_index_version'").fetchone()
    if row is None or row[0] == str(INDEX_VERSION):
        return False
    db.execute("INSERT INTO item_search (item_search) VALUES ('delete-all')")
    db.execute("INSERT OR IGNORE INTO search_queue SELECT rowid FROM items")
    db.execute("UPDATE meta SET value = ? WHERE key = 'search_index_version'",
               (str(INDEX_VERSION),))
    return True


def queued(db: sqlite3.Connection, limit: int) -> list[tuple[int, str, str, str]]:
    return db.execute(
        "SELECT q.item_rowid, i.title, i.summary, i.language FROM search_queue AS q "
        "JOIN items AS i ON i.rowid = q.item_rowid ORDER BY q.item_rowid LIMIT ?",
        (limit,)).fetchall()


def take_in(db: sqlite3.Connection, words: list[tuple[int, str]]) -> int:
    """In a write transaction: index the queued items among `words` (rowid, words) and take
    them off the queue. Items deleted or indexed meanwhile (no longer queued) are skipped."""
    done = 0
    for rowid, text in words:
        if db.execute("DELETE FROM search_queue WHERE item_rowid = ?", (rowid,)).rowcount:
            db.execute("INSERT INTO item_search (rowid, words) VALUES (?, ?)", (rowid, text))
            done += 1
    return done


def queue_length(db: sqlite3.Connection) -> int:
    return db.execute("SELECT count(*) FROM search_queue").fetchone()[0]


def candidates(db: sqlite3.Connection, wanted: LanguageFilter, *, before: int | None,
               limit: int) -> list[StoredItem]:
    languages = sorted(wanted.languages)
    marks = ",".join("?" * len(languages))
    language_test = f"i.language {'NOT IN' if wanted.is_other else 'IN'} ({marks})"
    below = "AND i.rowid < ?" if before is not None else ""
    tail = (*([before] if before is not None else []), limit)
    if wanted.filter is None:  # nothing to narrow with: every indexed item of these languages
        rows = db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM {_ITEMS} WHERE {language_test} {below} AND NOT "
            f"EXISTS (SELECT 1 FROM search_queue WHERE item_rowid = i.rowid) "
            f"ORDER BY i.rowid DESC LIMIT ?", (*languages, *tail))
    else:
        rows = db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM item_search AS s JOIN items AS i ON i.rowid = s.rowid "
            f"{_TRANSLATION} "
            f"WHERE item_search MATCH ? AND {language_test} {below.replace('i.rowid', 's.rowid')} "
            f"ORDER BY s.rowid DESC LIMIT ?", (fts_query(wanted.filter), *languages, *tail))
    return [_item(r) for r in rows]


def unindexed(db: sqlite3.Connection, *, before: int | None, limit: int) -> list[StoredItem]:
    below = "WHERE q.item_rowid < ?" if before is not None else ""
    rows = db.execute(
        f"SELECT {_ITEM_COLUMNS} FROM search_queue AS q JOIN items AS i ON i.rowid = q.item_rowid "
        f"{_TRANSLATION} "
        f"{below} ORDER BY q.item_rowid DESC LIMIT ?",
        (*([before] if before is not None else []), limit))
    return [_item(r) for r in rows]


def fts_query(f: Filter) -> str:
    """The FTS5 query for a filter: words as quoted strings (never operators), prefixes with
    `*`, AND and OR grouped."""
    if isinstance(f, Word):
        return '"' + f.text.replace('"', '""') + '"' + ("*" if f.is_prefix else "")
    joiner = " AND " if isinstance(f, Every) else " OR "
    assert isinstance(f, (Every, Either))
    return "(" + joiner.join(fts_query(p) for p in f.parts) + ")"
