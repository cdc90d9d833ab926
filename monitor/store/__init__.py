"""State store: the only module with SQL. SQLite in WAL mode, versioned schema, migrations.

Holds per-feed state, items seen (with cross-feed duplicate keys), matches and the alert
outbox. `Store.commit_poll` writes one feed's results (state, items, matches, alerts) in one
transaction, so an alert exists exactly when its item is marked seen.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from monitor.errors import StoreError
from monitor.redact import EnvRefs
from monitor.model import (Alert, FeedState, Hit, Item, Match, SeenItem, Source, StoryRoot,
                           Translation)
from monitor.store.sqlite.statefile import StateFileWatch, lock_state, state_error, wal_is_empty

# "mntr" in ASCII: marks the file as ours, so a foreign SQLite file is refused, not migrated.
APPLICATION_ID = 0x6D6E7472
BUSY_TIMEOUT_MS = 10_000


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


# Append-only: each entry moves the schema one version up, in its own transaction.
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


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1, _m2_translation_cache,
                                                          _m3_outbox_digests, _m4_outbox_turns,
                                                          _m5_retention]
# An item seen in a parse has its last_seen_at refreshed at most this often (a write per item
# per day, not per check); retention keeps whatever may have been in a feed's last parse.
LAST_SEEN_REFRESH = timedelta(days=1)
TRANSLATION_CACHE_DAYS = 30


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    dt = dt.astimezone(timezone.utc)
    if dt.year < 1000:  # strftime does not pad the year; isoformat does
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # isoformat is the same text as the strftime above, several times faster (a poll writes
    # a few of these per item).
    return dt.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _dt(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)  # "…Z" is UTC (Python 3.11+)
    except ValueError:  # a year below 1000, written unpadded
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    alert_id: str
    channel: str
    rule: str
    item_key: str
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    alert: Alert
    batch_id: int | None = None  # the digest row that carries this alert


class Store:
    """A connection to one state file. Not shared between threads."""

    def __init__(self, db: sqlite3.Connection, path: str) -> None:
        self.db = db
        self.path = path
        self.lock_fd: int | None = None  # held by connect(exclusive=True) until close()
        self.watch: StateFileWatch | None = None  # set by connect() for a file it can write
        # A feed URL holding a ${VAR} value is kept with `${VAR}` in its place (set by the
        # caller that has the config: pipeline.Deps, `monitor status`).
        self.env_refs = EnvRefs()

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self.db.close()
        if self.lock_fd is not None:
            os.close(self.lock_fd)  # releases the flock
            self.lock_fd = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_file(self) -> None:
        """Raises StateGoneError if the state path no longer names this store's file."""
        if self.watch is not None:
            self.watch.check()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, retried while another process holds the write lock.

        Raises StoreError with SQLite's own reason (disk full, read-only, I/O error), after
        rolling back: nothing of a failed transaction is committed. Raises StateGoneError,
        before writing anything, when the state file was deleted or replaced meanwhile.
        """
        self.check_file()
        _retry_busy(lambda: self.db.execute("BEGIN IMMEDIATE"), self.path)
        try:
            yield self.db
            _retry_busy(lambda: self.db.execute("COMMIT"), self.path)
        except BaseException as exc:
            # SQLite has already rolled back after some errors (a COMMIT that hit a full disk):
            # a second ROLLBACK would raise "no transaction is active" and hide the reason.
            if self.db.in_transaction:
                try:
                    self.db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # the first error is the one to report
            if isinstance(exc, sqlite3.Error):
                raise _error(self.path, exc) from None
            raise

    def is_writable(self) -> bool:
        try:
            with self.transaction() as db:
                db.execute("UPDATE meta SET value = value WHERE key = 'created_at'")
            return True
        except (sqlite3.Error, StoreError):
            return False

    # -- feeds -------------------------------------------------------------------------------

    def feed_state(self, name: str, url: str) -> FeedState:
        row = self.db.execute("SELECT * FROM feeds WHERE name = ?", (name,)).fetchone()
        if row is None:
            return FeedState(name=name, url=url)
        state = self._revealed(_feed_state(row))
        if state.url != url:
            # The config now names another URL: forget what we knew about the old one.
            return FeedState(name=name, url=url, items_total=state.items_total)
        return state

    def _hidden(self, state: FeedState) -> FeedState:
        return replace(state, url=self.env_refs.hide(state.url),
                       current_url=self.env_refs.hide(state.current_url))

    def _revealed(self, state: FeedState) -> FeedState:
        return replace(state, url=self.env_refs.reveal(state.url),
                       current_url=self.env_refs.reveal(state.current_url))

    def feed_states(self) -> list[FeedState]:
        return [self._revealed(_feed_state(r))
                for r in self.db.execute("SELECT * FROM feeds ORDER BY name")]

    def save_feed_state(self, state: FeedState) -> None:
        with self.transaction() as db:
            _upsert_feed(db, self._hidden(state))

    # -- items -------------------------------------------------------------------------------

    def seen_keys(self, keys: Sequence[str]) -> set[str]:
        """Those of `keys` the store has recorded."""
        seen: set[str] = set()
        for chunk in _chunks(list(dict.fromkeys(keys)), 500):
            marks = ",".join("?" * len(chunk))
            seen.update(r[0] for r in self.db.execute(
                f"SELECT key FROM items WHERE key IN ({marks})", chunk))
        return seen

    def seen_links(self, keys: Sequence[str]) -> dict[str, str]:
        """Those of `keys` the store has recorded, each with the item's link as recorded."""
        seen: dict[str, str] = {}
        for chunk in _chunks(list(dict.fromkeys(keys)), 500):
            marks = ",".join("?" * len(chunk))
            seen.update(self.db.execute(
                f"SELECT key, link FROM items WHERE key IN ({marks})", chunk).fetchall())
        return seen

    def item_revisions(self, feed: str, item_ids: Sequence[str]) -> dict[str, list[SeenItem]]:
        """Every recorded item of `feed` under each of `item_ids` (a guid some feeds reuse for
        each new story), oldest first."""
        found: dict[str, list[SeenItem]] = {}
        for chunk in _chunks(list(dict.fromkeys(item_ids)), 500):
            marks = ",".join("?" * len(chunk))
            for key, item_id, link, canonical, title in self.db.execute(
                    f"SELECT key, item_id, link, canonical_link, title FROM items "
                    f"WHERE feed = ? AND item_id IN ({marks}) ORDER BY rowid", (feed, *chunk)):
                found.setdefault(item_id, []).append(
                    SeenItem(key, item_id, link, canonical, title))
        return found

    def unseen(self, items: Sequence[Item]) -> list[Item]:
        """The items whose key the store has not recorded, in input order, first copy only."""
        if not items:
            return []
        seen = self.seen_keys([i.key for i in items])
        out, emitted = [], set()
        for item in items:
            if item.key not in seen and item.key not in emitted:
                out.append(item)
                emitted.add(item.key)
        return out

    def find_duplicate(self, item: Item, *, window: timedelta = timedelta(days=3)) -> str | None:
        """Key of an earlier item from another feed with the same link, or the same folded
        title within `window`; None when the story is new."""
        if item.canonical_link:
            row = self.db.execute(
                "SELECT key FROM items WHERE canonical_link = ? AND feed != ? LIMIT 1",
                (item.canonical_link, item.feed)).fetchone()
            if row:
                return row[0]
        if item.title_key:
            since = _iso(item.published_at - window)
            until = _iso(item.published_at + window)
            row = self.db.execute(
                "SELECT key FROM items WHERE title_key = ? AND feed != ? "
                "AND published_at BETWEEN ? AND ? LIMIT 1",
                (item.title_key, item.feed, since, until)).fetchone()
            if row:
                return row[0]
        return None

    def find_duplicates(self, items: Sequence[Item], *,
                        window: timedelta = timedelta(days=3)) -> dict[str, str]:
        """`find_duplicate` for many items in two queries: item key → earlier item key."""
        by_link: dict[str, list[tuple[str, str]]] = {}
        for chunk in _chunks(list({i.canonical_link for i in items if i.canonical_link}), 500):
            marks = ",".join("?" * len(chunk))
            for link, feed, key in self.db.execute(
                    f"SELECT canonical_link, feed, key FROM items WHERE canonical_link != '' "
                    f"AND canonical_link IN ({marks}) ORDER BY canonical_link, rowid", chunk):
                by_link.setdefault(link, []).append((feed, key))
        by_title: dict[str, list[tuple[str, str, str]]] = {}
        for chunk in _chunks(list({i.title_key for i in items if i.title_key}), 500):
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
                since = _iso(item.published_at - window)
                until = _iso(item.published_at + window)
                earlier = next((key for feed, key, published in by_title[item.title_key]
                                if feed != item.feed and since <= published <= until), None)
            if earlier is not None:
                found[item.key] = earlier
        return found

    def item_count(self, feed: str | None = None) -> int:
        if feed is None:
            return self.db.execute("SELECT count(*) FROM items").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM items WHERE feed = ?", (feed,)).fetchone()[0]

    # -- the poll transaction ----------------------------------------------------------------

    def commit_poll(self, state: FeedState, items: Sequence[Item], duplicates: dict[str, str],
                    matches: Sequence[Match], alerts: Sequence[Alert], *, now: datetime) -> int:
        """Record one feed check at once: state, new items, matches, outbox rows.

        Returns the number of alert rows actually enqueued (a repeat of an alert id is ignored).
        """
        return self.commit_polls([(state, items, duplicates, matches, alerts)], now=now)

    def commit_polls(self, checks: Sequence[tuple[FeedState, Sequence[Item], dict[str, str],
                                                  Sequence[Match], Sequence[Alert]]],
                     *, now: datetime) -> int:
        """`commit_poll` for several feeds in one transaction (a poll commits in chunks: one
        fsync per chunk, not per feed). An alert is still committed with its item."""
        enqueued = 0
        with self.transaction() as db:
            for state, items, duplicates, matches, alerts in checks:
                enqueued += self._record(db, state, items, duplicates, matches, alerts, now)
        return enqueued

    def _record(self, db: sqlite3.Connection, state: FeedState, items: Sequence[Item],
                duplicates: dict[str, str], matches: Sequence[Match], alerts: Sequence[Alert],
                now: datetime) -> int:
        _upsert_feed(db, self._hidden(state))
        seen_at = _iso(now)
        if state.present_ids:  # still in the feed: keep them (see _m5_retention)
            stale = _iso(now - LAST_SEEN_REFRESH)
            for chunk in _chunks(list(state.present_ids), 500):
                db.execute(
                    f"UPDATE items SET last_seen_at = ? WHERE feed = ? AND item_id IN "
                    f"({','.join('?' * len(chunk))}) AND "
                    f"COALESCE(last_seen_at, first_seen_at) < ?",
                    (seen_at, state.name, *chunk, stale))
        if items:
            db.executemany(
                "INSERT OR IGNORE INTO items (key, feed, item_id, title, link, canonical_link, "
                "title_key, published_at, first_seen_at, language, duplicate_of, last_seen_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(i.key, i.feed, i.id, i.title[:500], i.link, i.canonical_link, i.title_key,
                  _iso(i.published_at), seen_at, i.language, duplicates.get(i.key), seen_at)
                 for i in items])
        if matches:
            db.executemany(
                "INSERT OR IGNORE INTO matches (rule, item_key, matched_terms, created_at) "
                "VALUES (?,?,?,?)",
                [(m.rule, m.item_key, json.dumps(m.matched_terms, ensure_ascii=False), seen_at)
                 for m in matches])
        return self._enqueue(db, alerts, now) if alerts else 0

    # -- translation cache (monitor.translate.engine.TranslationCache) -------------------------

    def cached_translations(self, pair: str, model_version: str,
                            text_hashes: Sequence[str]) -> dict[str, str]:
        """Known translations by text hash, for one pair and model version."""
        found: dict[str, str] = {}
        for chunk in _chunks(list(dict.fromkeys(text_hashes)), 500):
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(
                f"SELECT text_hash, translation FROM translation_cache WHERE pair = ? AND "
                f"model_version = ? AND text_hash IN ({marks})", (pair, model_version, *chunk)))
        return found

    def cache_translations(self, pair: str, model_version: str,
                           translations: Mapping[str, str], *,
                           now: datetime | None = None) -> None:
        """Remember translations; forget those older than TRANSLATION_CACHE_DAYS."""
        now = now or datetime.now(timezone.utc)
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO translation_cache (text_hash, pair, model_version, "
                "translation, created_at) VALUES (?,?,?,?,?)",
                [(h, pair, model_version, text, _iso(now)) for h, text in translations.items()])
            db.execute("DELETE FROM translation_cache WHERE created_at < ?",
                       (_iso(now - timedelta(days=TRANSLATION_CACHE_DAYS)),))

    # -- outbox ------------------------------------------------------------------------------

    def enqueue_alerts(self, alerts: Sequence[Alert], *, now: datetime) -> int:
        with self.transaction() as db:
            return self._enqueue(db, alerts, now)

    @staticmethod
    def _enqueue(db: sqlite3.Connection, alerts: Sequence[Alert], now: datetime) -> int:
        before = db.total_changes
        turns = _turns(db, alerts)
        db.executemany(
            "INSERT OR IGNORE INTO outbox (alert_id, channel, rule, item_key, kind, payload, "
            "status, attempts, next_attempt_at, created_at, feed, turn) "
            "VALUES (?,?,?,?,?,?,'pending',0,?,?,?,?)",
            [(a.id, a.channel, a.rule, a.item_key, a.kind, json.dumps(alert_to_json(a),
              ensure_ascii=False), _iso(now), _iso(a.created_at or now), _lane(a), turn)
             for a, turn in zip(alerts, turns)])
        return db.total_changes - before

    def alerts_by_id(self, alert_ids: Sequence[str]) -> dict[str, Alert]:
        """The recorded alerts among `alert_ids` (whatever their status)."""
        found: dict[str, Alert] = {}
        for chunk in _chunks(list(dict.fromkeys(alert_ids)), 500):
            marks = ",".join("?" * len(chunk))
            for alert_id, payload in self.db.execute(
                    f"SELECT alert_id, payload FROM outbox WHERE alert_id IN ({marks})", chunk):
                found[alert_id] = alert_from_json(json.loads(payload))
        return found

    def due_outbox(self, now: datetime, *, channel: str | None = None,
                   limit: int = 100, ignore_backoff: bool = False,
                   keep_order: bool = False) -> list[OutboxRow]:
        """Pending rows whose next attempt is due, in turn: each channel's rows round-robin
        across feeds (see `_turns`), each feed's oldest first. One feed's flood cannot hold
        another feed's alert behind its backlog (issue 11 #12).

        With `keep_order`, a channel whose first pending row (in turn) is still backing off
        yields nothing: its later rows wait behind it, so each channel receives alerts in order.
        """
        sql = "SELECT o.* FROM outbox o WHERE status = 'pending'"
        args: list[Any] = []
        if not ignore_backoff:
            if keep_order:
                # Each channel's first row still backing off, found once for all rows (few rows
                # back off: those that failed).
                sql = ("WITH backing AS (SELECT channel, turn, id, ROW_NUMBER() OVER "
                       "(PARTITION BY channel ORDER BY turn, id) AS n FROM outbox "
                       "WHERE status = 'pending' AND next_attempt_at > ?), "
                       "blocked AS (SELECT channel, turn, id FROM backing WHERE n = 1) "
                       "SELECT o.* FROM outbox o LEFT JOIN blocked b ON b.channel = o.channel "
                       "WHERE o.status = 'pending' "
                       "AND (b.channel IS NULL OR (o.turn, o.id) < (b.turn, b.id))")
                args.append(_iso(now))
            sql += " AND o.next_attempt_at <= ?"
            args.append(_iso(now))
        if channel is not None:
            sql += " AND o.channel = ?"
            args.append(channel)
        sql += " ORDER BY o.turn, o.id LIMIT ?"
        args.append(limit)
        return [_outbox_row(r) for r in self.db.execute(sql, args)]

    def waiting_for_digest(self, channel: str, *, limit: int = 500) -> list[OutboxRow]:
        """A digest channel's pending alerts about items (matches, follow-ups, summaries),
        oldest first."""
        return [_outbox_row(r) for r in self.db.execute(
            "SELECT * FROM outbox WHERE channel = ? AND status = 'pending' "
            "AND kind IN ('match', 'follow_up', 'more_matches') ORDER BY id LIMIT ?",
            (channel, limit))]

    def create_digest(self, digest: Alert, member_ids: Sequence[int], *, now: datetime) -> int:
        """Enqueue `digest` and move its members to 'batched', at once. Returns the digest's
        row id, or 0 if a member was no longer pending (another process took it)."""
        try:
            with self.transaction() as db:
                if not self._enqueue(db, [digest], now):
                    raise _MembersTaken()
                row_id = db.execute("SELECT id FROM outbox WHERE alert_id = ?",
                                    (digest.id,)).fetchone()[0]
                changed = 0
                for chunk in _chunks([str(i) for i in member_ids], 500):
                    marks = ",".join("?" * len(chunk))
                    changed += db.execute(
                        f"UPDATE outbox SET status = 'batched', batch_id = ? "
                        f"WHERE status = 'pending' AND id IN ({marks})",
                        (row_id, *map(int, chunk))).rowcount
                if changed != len(member_ids):
                    raise _MembersTaken()
                return row_id
        except _MembersTaken:
            return 0

    def sent_since(self, channel: str, since: datetime) -> list[datetime]:
        """When this channel's messages (not the alerts inside a digest) were sent since `since`."""
        return [_dt(r[0]) for r in self.db.execute(
            "SELECT sent_at FROM outbox WHERE channel = ? AND status = 'sent' "
            "AND batch_id IS NULL AND sent_at >= ? ORDER BY sent_at", (channel, _iso(since)))]

    def outbox_rows(self, statuses: Iterable[str] = ("pending", "dead"),
                    limit: int = 1000) -> list[OutboxRow]:
        statuses = list(statuses)
        marks = ",".join("?" * len(statuses))
        return [_outbox_row(r) for r in self.db.execute(
            f"SELECT * FROM outbox WHERE status IN ({marks}) ORDER BY id LIMIT ?",
            (*statuses, limit))]

    def pending_channels(self) -> set[str]:
        """The channels that have alerts waiting (configured or not)."""
        return {r[0] for r in self.db.execute(
            "SELECT DISTINCT channel FROM outbox WHERE status = 'pending'")}

    def outbox_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, count(*) FROM outbox GROUP BY status"))

    def mark_sent(self, row_ids: Sequence[int], now: datetime) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL, "
                           "attempts = attempts + 1 WHERE id = ?",
                           [(_iso(now), i) for i in row_ids])
            # A digest's alerts are delivered with it, in the same transaction.
            db.executemany("UPDATE outbox SET status = 'sent', sent_at = ? "
                           "WHERE batch_id = ? AND status = 'batched'",
                           [(_iso(now), i) for i in row_ids])

    def mark_failed(self, row_id: int, error: str, next_attempt_at: datetime) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
                       "next_attempt_at = ? WHERE id = ?",
                       (error, _iso(next_attempt_at), row_id))

    def mark_dead(self, row_id: int, error: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET status = 'dead', attempts = attempts + 1, "
                       "last_error = ? WHERE id = ?", (error, row_id))

    def dead_alert_ids(self, prefix: str, limit: int = 10) -> list[str]:
        """The ids of dead alerts that start with `prefix` (`monitor outbox retry al_3f2a`)."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [r[0] for r in self.db.execute(
            "SELECT alert_id FROM outbox WHERE status = 'dead' AND alert_id LIKE ? ESCAPE '\\' "
            "ORDER BY id LIMIT ?", (pattern + "%", limit))]

    def retry_dead(self, alert_id: str | None, now: datetime) -> int:
        """Put dead rows (the one with this alert id, or all with None) back in the queue;
        returns how many."""
        with self.transaction() as db:
            if alert_id is None:
                cur = db.execute("UPDATE outbox SET status = 'pending', attempts = 0, "
                                 "next_attempt_at = ? WHERE status = 'dead'", (_iso(now),))
            else:
                cur = db.execute("UPDATE outbox SET status = 'pending', attempts = 0, "
                                 "next_attempt_at = ? WHERE status = 'dead' AND alert_id = ?",
                                 (_iso(now), alert_id))
            return cur.rowcount


    # -- retention (monitor.store.retention decides what goes; this finds and deletes it) ------------

    def parsed_feeds(self) -> dict[str, datetime]:
        """Each feed's last parse: retention deletes no item of a feed never parsed since."""
        return {name: _dt(at) for name, at in self.db.execute(
            "SELECT name, last_parsed_at FROM feeds WHERE last_parsed_at IS NOT NULL")}

    def expired_items(self, before: Mapping[str, datetime], *, delete: bool,
                      batch: int = 2000,
                      should_stop: Callable[[], bool] | None = None) -> tuple[int, int]:
        """Items of each feed named in `before` last seen before its time there (the others
        keep all), with their matches: (items, matches), counted or deleted, one short
        transaction per `batch` rowids so the daemon's own commits go on meanwhile."""
        self.db.execute("PRAGMA temp_store = MEMORY")  # a dry run's read-only state too
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS prune_before "
                        "(feed TEXT PRIMARY KEY, before TEXT NOT NULL)")
        self.db.execute("DELETE FROM temp.prune_before")
        self.db.executemany("INSERT INTO temp.prune_before VALUES (?, ?)",
                            [(feed, _iso(at)) for feed, at in before.items()])
        expired = ("COALESCE(i.last_seen_at, i.first_seen_at) < "
                   "(SELECT p.before FROM temp.prune_before p WHERE p.feed = i.feed)")
        if not delete:
            return (self.db.execute(f"SELECT count(*) FROM items i WHERE {expired}").fetchone()[0],
                    self.db.execute(f"SELECT count(*) FROM matches m JOIN items i "
                                    f"ON i.key = m.item_key WHERE {expired}").fetchone()[0])
        items = matches = 0
        for low, high in self._ranges("items", "rowid", batch, should_stop):
            with self.transaction() as db:
                keys = [r[0] for r in db.execute(
                    f"SELECT key FROM items i WHERE rowid > ? AND rowid <= ? AND {expired}",
                    (low, high))]
                for chunk in _chunks(keys, 500):
                    marks = ",".join("?" * len(chunk))
                    matches += db.execute(f"DELETE FROM matches WHERE item_key IN ({marks})",
                                          chunk).rowcount
                    items += db.execute(f"DELETE FROM items WHERE key IN ({marks})",
                                        chunk).rowcount
        return items, matches

    def expired_alerts(self, sent_before: datetime | None, dead_before: datetime | None, *,
                       delete: bool, batch: int = 2000,
                       should_stop: Callable[[], bool] | None = None) -> tuple[int, int]:
        """Outbox rows sent before `sent_before` and dead ones queued before `dead_before`
        (with the alerts a deleted dead digest carried): (sent, dead), counted or deleted.
        Pending rows are never touched."""
        never = ""  # None keeps forever: no time is before ""
        sent = "(status = 'sent' AND sent_at < ?)"
        dead = ("(status = 'dead' AND created_at < ?) OR (status = 'batched' AND batch_id IN "
                "(SELECT d.id FROM outbox d WHERE d.status = 'dead' AND d.created_at < ?))")
        args_sent = (_iso(sent_before) if sent_before else never,)
        args_dead = (_iso(dead_before) if dead_before else never,) * 2
        if not delete:
            return (self.db.execute(f"SELECT count(*) FROM outbox WHERE {sent}",
                                    args_sent).fetchone()[0],
                    self.db.execute(f"SELECT count(*) FROM outbox WHERE {dead}",
                                    args_dead).fetchone()[0])
        counts = [0, 0]
        for low, high in self._ranges("outbox", "id", batch, should_stop):
            with self.transaction() as db:
                for n, (cond, args) in enumerate(((sent, args_sent), (dead, args_dead))):
                    counts[n] += db.execute(f"DELETE FROM outbox WHERE id > ? AND id <= ? "
                                            f"AND ({cond})", (low, high, *args)).rowcount
        return counts[0], counts[1]

    def expired_translations(self, before: datetime, *, delete: bool) -> int:
        if not delete:
            return self.db.execute("SELECT count(*) FROM translation_cache WHERE created_at < ?",
                                   (_iso(before),)).fetchone()[0]
        with self.transaction() as db:
            return db.execute("DELETE FROM translation_cache WHERE created_at < ?",
                              (_iso(before),)).rowcount

    def _ranges(self, table: str, column: str, size: int,
                should_stop: Callable[[], bool] | None) -> Iterator[tuple[int, int]]:
        """Consecutive ranges of `size` ids over the table (ids only grow), until should_stop."""
        low, high = self.db.execute(f"SELECT min({column}), max({column}) FROM {table}").fetchone()
        if low is None:
            return
        for start in range(low - 1, high, size):
            if should_stop is not None and should_stop():
                return
            yield start, start + size

    def file_bytes(self) -> int:
        """The database and its WAL on disk (a stat; the file is never opened outside SQLite)."""
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += os.stat(self.path + suffix).st_size
            except OSError:
                pass
        return total

    def give_back_space(self, *, allow_vacuum: bool, step_pages: int = 1000,
                        should_stop: Callable[[], bool] | None = None) -> str:
        """Return free pages to the filesystem; says how. An incremental-vacuum file frees them
        a step at a time (short transactions beside the daemon's); another file is rebuilt by
        VACUUM (which also switches it to incremental vacuum) only with `allow_vacuum`, when
        nothing else uses the state: VACUUM holds the write lock for the whole rewrite and needs
        free space for a second copy. Without it, free pages are reused by later writes."""
        how = "none"
        if self.db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2:
            while self.db.execute("PRAGMA freelist_count").fetchone()[0]:
                if should_stop is not None and should_stop():
                    break
                self.check_file()
                _retry_busy(lambda: self.db.execute(
                    f"PRAGMA incremental_vacuum({step_pages})").fetchall(), self.path)
                how = "incremental vacuum"
        elif allow_vacuum and self.db.execute("PRAGMA freelist_count").fetchone()[0]:
            self.check_file()
            self.db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            _retry_busy(lambda: self.db.execute("VACUUM"), self.path)
            how = "VACUUM (the file now gives space back by incremental vacuum)"
        try:  # the WAL holds the freed pages' last writes until a checkpoint truncates it
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error:
            pass  # another connection is reading: the WAL is truncated at a later checkpoint
        return how


class _MembersTaken(Exception):
    """Rolls back a digest whose alerts another process batched or sent first."""


def connect(path: str | os.PathLike, *, create: bool = True, readonly: bool = False,
            exclusive: bool = False, untouched: bool = False) -> Store:
    """Open (and create or migrate) a state file; ":memory:" for tests. Raises StoreError.

    `exclusive`: also hold an flock on `<state>.lock` until close(), so a second `monitor run`
    or `monitor poll` on the same file refuses at once instead of polling and alerting twice.
    The kernel drops the lock when the process dies, even by SIGKILL.

    `readonly`: a connection that cannot write (`status`, `outbox`, a poll's workers). It
    works on a read-only file or directory, and it never checkpoints or deletes the WAL.
    A writable store checks at open that it really can write, so a read-only state is
    refused at start with one line, not with a traceback at the first commit. A reader of a
    state written by an older monitor migrates it first.

    `untouched` (with `readonly`, for a dry run, which must write nothing): no migration,
    and no -wal/-shm files created beside a state that has none (no process has it open,
    so its file alone is the state: it is read as immutable).
    """
    path = str(path)
    lock_fd = lock_state(path) if exclusive and path != ":memory:" else None
    try:
        store = _open(path, create=create, readonly=readonly, untouched=untouched)
        if path != ":memory:" and not readonly:
            store.watch = StateFileWatch.of(path, lock_fd)
    except BaseException:
        if lock_fd is not None:
            os.close(lock_fd)
        raise
    store.lock_fd = lock_fd
    return store


def probe_writable(path: str | os.PathLike, timeout_seconds: float = 2.0) -> str | None:
    """None when a write transaction commits on the state file within the timeout, else why
    not. Uses its own connection, so it can run in a thread beside the daemon's."""
    try:
        db = sqlite3.connect(_uri(str(path), "rw"), uri=True, timeout=timeout_seconds,
                             isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("UPDATE meta SET value = value WHERE key = 'created_at'")
            db.execute("COMMIT")
        finally:
            db.close()
    except sqlite3.Error as exc:
        return str(_error(str(path), exc))
    return None


def _uri(path: str, mode: str, **params: str) -> str:
    """A `file:` URI (special characters escaped) with `mode` (ro, rw, rwc) and parameters."""
    query = "&".join(f"{k}={v}" for k, v in {"mode": mode, **params}.items())
    return f"{Path(os.path.abspath(path)).as_uri()}?{query}"


def _error(path: str, exc: sqlite3.Error) -> StoreError:
    return state_error(path, _errorname(exc), str(exc))


def _errorname(exc: sqlite3.Error) -> str:
    # Set on every error SQLite itself reports; absent on the module's own (a closed
    # connection, a misuse), which map to no particular advice.
    return getattr(exc, "sqlite_errorname", None) or ""


def _open(path: str, *, create: bool, readonly: bool, untouched: bool = False) -> Store:
    # Never open() the file ourselves to look at its header: see monitor.store.sqlite.statefile. SQLite
    # itself refuses a file that is not a database (SQLITE_NOTADB) before writing anything.
    memory = path == ":memory:"
    if not memory:
        exists = os.path.exists(path)
        if not exists and (readonly or not create):
            raise StoreError(f"state {path}: no such file", hint="run `monitor poll` first")
        if not exists:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"state {path}: cannot create its directory: "
                                 f"{exc.strerror or exc}") from None
    try:
        db, app_id, version, tables = _connect(path, readonly=readonly, create=create,
                                               untouched=untouched)
    except sqlite3.Error as exc:
        raise _error(path, exc) from None
    if tables and app_id != APPLICATION_ID:
        db.close()
        raise StoreError(f"state {path}: this SQLite file belongs to another program",
                         hint="point --state at another file; this one is left untouched")
    if version > len(MIGRATIONS):
        db.close()
        raise StoreError(f"state {path}: written by a newer monitor (schema {version}, "
                         f"this one knows {len(MIGRATIONS)})", hint="upgrade monitor")
    if readonly and not untouched and version < len(MIGRATIONS) and tables:
        # An older schema: a reader cannot migrate it, so open it for writing once.
        db.close()
        return _open(path, create=False, readonly=False)
    if not readonly:
        try:
            if not tables:
                # Space freed by retention goes back to the filesystem (incremental vacuum):
                # only a file with no table yet can take this without a full VACUUM.
                db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            if not memory:
                _retry_busy(lambda: db.execute("PRAGMA journal_mode = WAL"), path)
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            _migrate(db, path, version)
            _require_writable(db, path)
        except (sqlite3.Error, StoreError) as exc:
            db.close()
            if isinstance(exc, StoreError):
                raise
            raise _error(path, exc) from None
    return Store(db, path)


def _connect(path: str, *, readonly: bool, create: bool,
             untouched: bool = False) -> tuple[sqlite3.Connection, int, int, int]:
    """A connection and the file's application id, schema version and table count."""
    if path == ":memory:":
        uris = [":memory:"]
    elif readonly:
        # A read-only connection to a WAL database needs the -shm file. In a read-only
        # directory, or on a full disk, SQLite cannot create or size it; when no committed
        # data waits in the WAL, the database file alone is the whole state and can be read
        # as immutable instead.
        uris = [_uri(path, "ro"), _uri(path, "ro", immutable="1")]
        if untouched and not os.path.exists(path + "-wal"):
            uris.reverse()
    else:
        uris = [_uri(path, "rwc" if create else "rw")]
    for attempt, uri in enumerate(uris):
        db = sqlite3.connect(uri, uri=uri != ":memory:", isolation_level=None,
                             timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        try:
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            return db, app_id, version, tables
        except sqlite3.Error as exc:
            db.close()
            name = _errorname(exc)
            can_fall_back = name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN",
                                             "SQLITE_IOERR", "SQLITE_FULL"))
            if attempt + 1 == len(uris) or not can_fall_back or not wal_is_empty(path):
                raise
    raise AssertionError("unreachable")


def _require_writable(db: sqlite3.Connection, path: str) -> None:
    """Raise StoreError now if this connection cannot write (a read-only file: SQLite opens it
    read-only without a word, and BEGIN IMMEDIATE alone succeeds in WAL mode). Writes nothing:
    the update is rolled back."""
    try:
        _retry_busy(lambda: db.execute("BEGIN IMMEDIATE"), path)
        db.execute("UPDATE meta SET value = value WHERE key = 'created_at'")
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")


def _migrate(db: sqlite3.Connection, path: str, version: int) -> None:
    for number in range(version, len(MIGRATIONS)):
        _retry_busy(lambda: db.execute("BEGIN IMMEDIATE"), path)
        try:
            current = db.execute("PRAGMA user_version").fetchone()[0]
            if current > number:  # another process migrated meanwhile
                db.execute("ROLLBACK")
                continue
            if number == 0:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
                db.execute("INSERT INTO meta VALUES ('created_at', ?)",
                           (_iso(datetime.now(timezone.utc)),))
            MIGRATIONS[number](db)
            db.execute(f"PRAGMA user_version = {number + 1}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise


def _retry_busy(op: Callable[[], Any], path: str, attempts: int = 50) -> Any:
    """Run `op`, retrying while SQLite says the database is busy or locked. Any other SQLite
    error becomes a StoreError with its own reason."""
    delay = 0.01
    for attempt in range(attempts):
        try:
            return op()
        except sqlite3.OperationalError as exc:
            busy = _errorname(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
            if not busy or attempt == attempts - 1:
                raise _error(path, exc) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _chunks(seq: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def _lane(alert: Alert) -> str:
    """The feed whose turn an outbox row takes (a digest spans feeds: a lane of its own)."""
    return alert.feed if alert.kind != "digest" else ""


def _turns(db: sqlite3.Connection, alerts: Sequence[Alert]) -> list[int]:
    """Each new row's turn: after its feed's last pending row on the channel, and never before
    the channel's first pending row. Rows go out in turn order, so a feed whose first alert
    arrives behind another feed's backlog of thousands is sent next, and two feeds with
    backlogs alternate (start-time fair queuing with one slot per row)."""
    front: dict[str, int] = {}
    last: dict[tuple[str, str], int] = {}
    turns = []
    for a in alerts:
        lane = (a.channel, _lane(a))
        if lane not in last:
            if a.channel not in front:
                front[a.channel] = db.execute(
                    "SELECT min(turn) FROM outbox WHERE status = 'pending' AND channel = ?",
                    (a.channel,)).fetchone()[0] or 0
            tail = db.execute("SELECT max(turn) FROM outbox WHERE status = 'pending' "
                              "AND channel = ? AND feed = ?", lane).fetchone()[0]
            last[lane] = max(front[a.channel] - 1, tail if tail is not None else -1)
        last[lane] += 1
        turns.append(last[lane])
    return turns


def _upsert_feed(db: sqlite3.Connection, s: FeedState) -> None:
    db.execute(
        "INSERT INTO feeds (name, url, current_url, etag, last_modified, body_hash, "
        "last_success_at, last_attempt_at, consecutive_failures, failing_since, last_error, "
        "last_error_kind, next_due_at, items_total, health_alerted_at, last_parsed_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET "
        "url=excluded.url, current_url=excluded.current_url, etag=excluded.etag, "
        "last_modified=excluded.last_modified, body_hash=excluded.body_hash, "
        "last_success_at=excluded.last_success_at, last_attempt_at=excluded.last_attempt_at, "
        "consecutive_failures=excluded.consecutive_failures, "
        "failing_since=excluded.failing_since, last_error=excluded.last_error, "
        "last_error_kind=excluded.last_error_kind, next_due_at=excluded.next_due_at, "
        "items_total=excluded.items_total, health_alerted_at=excluded.health_alerted_at, "
        "last_parsed_at=excluded.last_parsed_at",
        (s.name, s.url, s.current_url, s.etag, s.last_modified, s.body_hash,
         _iso(s.last_success_at), _iso(s.last_attempt_at), s.consecutive_failures,
         _iso(s.failing_since), s.last_error, s.last_error_kind, _iso(s.next_due_at),
         s.items_total, _iso(s.health_alerted_at), _iso(s.last_parsed_at)))


def _feed_state(r: sqlite3.Row) -> FeedState:
    return FeedState(
        name=r["name"], url=r["url"], current_url=r["current_url"], etag=r["etag"],
        last_modified=r["last_modified"], body_hash=r["body_hash"],
        last_success_at=_dt(r["last_success_at"]), last_attempt_at=_dt(r["last_attempt_at"]),
        consecutive_failures=r["consecutive_failures"], failing_since=_dt(r["failing_since"]),
        last_error=r["last_error"], last_error_kind=r["last_error_kind"],
        next_due_at=_dt(r["next_due_at"]), items_total=r["items_total"],
        health_alerted_at=_dt(r["health_alerted_at"]),
        last_parsed_at=_dt(r["last_parsed_at"]) if "last_parsed_at" in r.keys() else None)


def _outbox_row(r: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        id=r["id"], alert_id=r["alert_id"], channel=r["channel"], rule=r["rule"],
        item_key=r["item_key"], kind=r["kind"], status=r["status"], attempts=r["attempts"],
        next_attempt_at=_dt(r["next_attempt_at"]), last_error=r["last_error"],
        created_at=_dt(r["created_at"]), sent_at=_dt(r["sent_at"]),
        alert=alert_from_json(json.loads(r["payload"])),
        batch_id=r["batch_id"] if "batch_id" in r.keys() else None)


# -- Alert ⇄ JSON (the outbox payload) -------------------------------------------------------


def alert_to_json(a: Alert) -> dict[str, Any]:
    t = a.translation
    return {
        "id": a.id, "kind": a.kind, "rule": a.rule, "channel": a.channel, "feed": a.feed,
        "item_key": a.item_key, "item_id": a.item_id, "title": a.title, "summary": a.summary,
        "link": a.link, "published_at": _iso(a.published_at), "language": a.language,
        "matched_terms": list(a.matched_terms), "snippet": a.snippet,
        "hits": [[h.term, h.field, h.start, h.end] for h in a.hits],
        "translation": None if t is None else {
            "source_language": t.source_language, "target_language": t.target_language,
            "title": t.title, "summary": t.summary, "route": t.route, "note": t.note},
        "created_at": _iso(a.created_at),
        **({"items": [alert_to_json(i) for i in a.items]} if a.items else {}),
        **({"follows": {"alert_id": a.follows.alert_id, "item_key": a.follows.item_key,
                        "title": a.follows.title, "feed": a.follows.feed,
                        "link": a.follows.link}} if a.follows else {}),
        **({"sources": [{"feed": s.feed, "title": s.title, "link": s.link,
                         "published_at": _iso(s.published_at), "language": s.language,
                         "item_key": s.item_key} for s in a.sources]} if a.sources else {}),
        **({"count": a.count} if a.count else {}),
    }


def alert_from_json(d: dict[str, Any]) -> Alert:
    t = d.get("translation")
    return Alert(
        id=d["id"], kind=d.get("kind", "match"), rule=d["rule"], channel=d["channel"],
        feed=d["feed"], item_key=d["item_key"], item_id=d["item_id"], title=d["title"],
        summary=d["summary"], link=d["link"], published_at=_dt(d["published_at"]),
        language=d["language"], matched_terms=tuple(d["matched_terms"]),
        snippet=d.get("snippet", ""),
        hits=tuple(Hit(*h) for h in d.get("hits", ())),
        translation=None if t is None else Translation(**t),
        created_at=_dt(d.get("created_at")),
        items=tuple(alert_from_json(i) for i in d.get("items", ())),
        follows=StoryRoot(**d["follows"]) if d.get("follows") else None,
        sources=tuple(Source(**{**s, "published_at": _dt(s["published_at"])})
                      for s in d.get("sources", ())),
        count=d.get("count", 0),
    )
