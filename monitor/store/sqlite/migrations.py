"""The SQLite schema, version by version: an append-only list of migrations, each run in its own
transaction, `PRAGMA user_version` the version reached (Miniflux's database/migrations.go and
sqlite-utils' migrations are the model). A file with no table yet is ours to create; one with
another application id is refused by the connection before anything here runs.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Callable

from monitor.store.codec import iso
from monitor.store.sqlite.reading import reading_schema
from monitor.store.sqlite.search_index import search_schema
from monitor.store.sqlite.stories import stories_schema
from monitor.store.sqlite.threads import threads_schema

# "mntr" in ASCII: marks the file as ours, so a foreign SQLite file is refused, not migrated.
APPLICATION_ID = 0x6D6E7472


def _script(db: sqlite3.Connection, sql: str) -> None:
    # Not executescript(): it COMMITs first, which would break the migration's transaction.
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _m1(db: sqlite3.Connection) -> None:
    _script(db, """
    CREATE TABLE feeds (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        current_url TEXT,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_success_at TEXT,
        last_attempt_at TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        failing_since TEXT,
        last_error TEXT,
        last_error_kind TEXT,
        next_due_at TEXT,
        items_total INTEGER NOT NULL DEFAULT 0,
        health_alerted_at TEXT
    );
    CREATE TABLE items (
        key TEXT PRIMARY KEY,
        feed TEXT NOT NULL,
        item_id TEXT NOT NULL,
        title TEXT NOT NULL,
        link TEXT NOT NULL,
        canonical_link TEXT NOT NULL,
        title_key TEXT NOT NULL,
        published_at TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        language TEXT NOT NULL,
        duplicate_of TEXT
    );
    CREATE INDEX items_feed ON items(feed);
    CREATE INDEX items_canonical_link ON items(canonical_link) WHERE canonical_link != '';
    CREATE INDEX items_title_key ON items(title_key, first_seen_at) WHERE title_key != '';
    CREATE TABLE matches (
        rule TEXT NOT NULL,
        item_key TEXT NOT NULL,
        matched_terms TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (rule, item_key)
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id TEXT NOT NULL UNIQUE,
        channel TEXT NOT NULL,
        rule TEXT NOT NULL,
        item_key TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'match',
        payload TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
    """)


def _m2_translation_cache(db: sqlite3.Connection) -> None:
    # One row per (sentence hash, language pair, model version): a poll translates only
    # sentences no earlier poll has (a story re-published by several feeds, an edit).
    _script(db, """
    CREATE TABLE translation_cache (
        text_hash TEXT NOT NULL,
        pair TEXT NOT NULL,
        model_version TEXT NOT NULL,
        translation TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (text_hash, pair, model_version)
    ) WITHOUT ROWID;
    CREATE INDEX translation_cache_created ON translation_cache(created_at);
    """)


def _m3_outbox_digests(db: sqlite3.Connection) -> None:
    # A digest is an outbox row of its own (kind 'digest'); the alerts it carries move to
    # status 'batched' with batch_id pointing at it, and become 'sent' when it is sent.
    columns = {r[1] for r in db.execute("PRAGMA table_info(outbox)")}
    if "batch_id" not in columns:
        db.execute("ALTER TABLE outbox ADD COLUMN batch_id INTEGER")
    _script(db, """
    CREATE INDEX IF NOT EXISTS outbox_channel ON outbox(channel, status, id);
    CREATE INDEX IF NOT EXISTS outbox_batch ON outbox(batch_id) WHERE batch_id IS NOT NULL
    """)


def _m4_outbox_turns(db: sqlite3.Connection) -> None:
    # Each row's feed and turn, so a channel's due rows are taken round-robin across feeds: one
    # feed's flood cannot hold every other feed's alerts behind it (issue 11 #12). Rows already
    # queued keep their order (turn = id) and get their feed from the payload.
    columns = {r[1] for r in db.execute("PRAGMA table_info(outbox)")}
    if "feed" not in columns:
        db.execute("ALTER TABLE outbox ADD COLUMN feed TEXT NOT NULL DEFAULT ''")
    if "turn" not in columns:
        db.execute("ALTER TABLE outbox ADD COLUMN turn INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE outbox SET feed = coalesce(json_extract(payload, '$.feed'), ''), "
               "turn = id WHERE status = 'pending'")
    _script(db, """
    CREATE INDEX IF NOT EXISTS outbox_lane ON outbox(status, channel, feed, turn);
    CREATE INDEX IF NOT EXISTS outbox_turn ON outbox(status, turn, id)
    """)


def _m5_retention(db: sqlite3.Connection) -> None:
    # Retention (issue 11 #13) deletes an item only once it has been out of its feed for a
    # while: deleting one still in the feed would make it new, and alert it, at the next check.
    # last_seen_at: the last parse that had the item (NULL: first_seen_at); last_parsed_at:
    # the feed's last parse. Real feeds keep items for years (cnn-international 2023: 1,374
    # days between its oldest and newest item; 11 of 56 dated feeds in tests/data span more
    # than 90 days), so age alone cannot decide.
    if "last_seen_at" not in {r[1] for r in db.execute("PRAGMA table_info(items)")}:
        db.execute("ALTER TABLE items ADD COLUMN last_seen_at TEXT")
    if "last_parsed_at" not in {r[1] for r in db.execute("PRAGMA table_info(feeds)")}:
        db.execute("ALTER TABLE feeds ADD COLUMN last_parsed_at TEXT")


def _m6_articles(db: sqlite3.Connection) -> None:
    # The article of an item of a `full_text:` feed (issue 16), kept with the item and deleted
    # with it by retention; NULL status: not read. Looked up by link, so a page another feed's
    # item (or an earlier poll) read is not fetched again.
    columns = {r[1] for r in db.execute("PRAGMA table_info(items)")}
    for column in ("article_status", "article_text", "article_note"):
        if column not in columns:
            db.execute(f"ALTER TABLE items ADD COLUMN {column} TEXT")
    db.execute("CREATE INDEX IF NOT EXISTS items_article_link ON items(link) "
               "WHERE article_status IS NOT NULL")


def _m7_one_feed_index(db: sqlite3.Connection) -> None:
    # items_by_feed_time (feed, first_seen_at), added for the feeds page, serves every lookup
    # by feed that items_feed (feed) served; keeping both cost each recorded item a second
    # index entry (49 M instructions a 9,000-item poll commit, callgrind).
    db.execute("DROP INDEX IF EXISTS items_feed")


# Append-only: each entry moves the schema one version up, in its own transaction.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1, _m2_translation_cache,
                                                          _m3_outbox_digests, _m4_outbox_turns,
                                                          _m5_retention, reading_schema,
                                                          search_schema, _m6_articles,
                                                          stories_schema, threads_schema,
                                                          _m7_one_feed_index]


def migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring the schema from `version` to the latest, one transaction per step; a step another
    process took meanwhile is skipped."""
    for number in range(version, len(MIGRATIONS)):
        db.execute("BEGIN IMMEDIATE")
        try:
            current = db.execute("PRAGMA user_version").fetchone()[0]
            if current > number:  # another process migrated meanwhile
                db.execute("ROLLBACK")
                continue
            if number == 0:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
                db.execute("INSERT INTO meta VALUES ('created_at', ?)",
                           (iso(datetime.now(timezone.utc)),))
            MIGRATIONS[number](db)
            db.execute(f"PRAGMA user_version = {number + 1}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
