"""Retention in the PostgreSQL state: finding and deleting what monitor.retention lets go, in
short transactions (one per batch of ids) so the nodes' own commits go on meanwhile.
Space is not given back by hand: autovacuum makes deleted rows' space reusable, and a
VACUUM FULL (which locks the tables) is the operator's call, not the daemon's."""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterator, Mapping

import psycopg

_EXPIRED_ITEM = ("coalesce(i.last_seen_at, i.first_seen_at) < "
                 "(SELECT p.before FROM prune_before p WHERE p.feed = i.feed)")


def parsed_feeds(db: psycopg.Connection) -> dict[str, datetime]:
    return dict(db.execute("SELECT name, last_parsed_at FROM feeds "
                           "WHERE last_parsed_at IS NOT NULL").fetchall())


def expired_items(db: psycopg.Connection, before: Mapping[str, datetime], *, delete: bool,
                  batch: int, should_stop: Callable[[], bool] | None) -> tuple[int, int]:
    db.execute("CREATE TEMP TABLE IF NOT EXISTS prune_before "
               "(feed text PRIMARY KEY, before timestamptz NOT NULL)")
    db.execute("TRUNCATE prune_before")
    with db.cursor() as cur:
        cur.executemany("INSERT INTO prune_before VALUES (%s, %s)", list(before.items()))
    if not delete:
        return (db.execute(f"SELECT count(*) FROM items i WHERE {_EXPIRED_ITEM}").fetchone()[0],
                db.execute(f"SELECT count(*) FROM matches m JOIN items i ON i.key = m.item_key "
                           f"WHERE {_EXPIRED_ITEM}").fetchone()[0])
    items = matches = 0
    for low, high in _ranges(db, "items", "seq", batch, should_stop):
        with db.transaction():
            keys = [r[0] for r in db.execute(
                f"SELECT key FROM items i WHERE seq > %s AND seq <= %s AND {_EXPIRED_ITEM}",
                (low, high))]
            if keys:
                matches += db.execute("DELETE FROM matches WHERE item_key = ANY(%s)",
                                      (keys,)).rowcount
                items += db.execute("DELETE FROM items WHERE key = ANY(%s)", (keys,)).rowcount
    return items, matches


def expired_alerts(db: psycopg.Connection, sent_before: datetime | None,
                   dead_before: datetime | None, *, delete: bool, batch: int,
                   should_stop: Callable[[], bool] | None) -> tuple[int, int]:
    """Sent rows before `sent_before`, dead ones queued before `dead_before` (with the alerts
    a deleted dead digest carried); None keeps them. Pending rows are never touched."""
    sent = "(status = 'sent' AND sent_at < %(sent)s)"
    dead = ("((status = 'dead' AND created_at < %(dead)s) OR (status = 'batched' AND batch_id IN "
            "(SELECT d.id FROM outbox d WHERE d.status = 'dead' AND d.created_at < %(dead)s)))")
    # None: no time is before -infinity, so nothing matches.
    args = {"sent": sent_before or "-infinity", "dead": dead_before or "-infinity"}
    if not delete:
        return (db.execute(f"SELECT count(*) FROM outbox WHERE {sent}", args).fetchone()[0],
                db.execute(f"SELECT count(*) FROM outbox WHERE {dead}", args).fetchone()[0])
    totals = [0, 0]
    for low, high in _ranges(db, "outbox", "id", batch, should_stop):
        with db.transaction():
            for n, cond in enumerate((sent, dead)):
                totals[n] += db.execute(f"DELETE FROM outbox WHERE id > %(low)s AND "
                                        f"id <= %(high)s AND {cond}",
                                        {**args, "low": low, "high": high}).rowcount
    return totals[0], totals[1]


def expired_translations(db: psycopg.Connection, before: datetime, *, delete: bool) -> int:
    if not delete:
        return db.execute("SELECT count(*) FROM translation_cache WHERE created_at < %s",
                          (before,)).fetchone()[0]
    return db.execute("DELETE FROM translation_cache WHERE created_at < %s", (before,)).rowcount


def database_bytes(db: psycopg.Connection) -> int:
    return db.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def _ranges(db: psycopg.Connection, table: str, column: str, size: int,
            should_stop: Callable[[], bool] | None) -> Iterator[tuple[int, int]]:
    low, high = db.execute(f"SELECT min({column}), max({column}) FROM {table}").fetchone()
    if low is None:
        return
    for start in range(low - 1, high, size):
        if should_stop is not None and should_stop():
            return
        yield start, start + size
