"""Retention's rows: what monitor.store.retention decided may go, found and deleted in short
transactions (the daemon's own commits go on meanwhile), and the space given back."""

from __future__ import annotations

import os
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Callable, Iterator, Mapping

from monitor.store.codec import from_iso, iso
from monitor.store.sqlite.errors import store_error
from monitor.store.sqlite.connection import chunks


class RetentionRows:
    """Retention's queries, as a part of SqliteStore."""

    db: sqlite3.Connection
    path: str
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]
    check_file: Callable[[], None]

    def parsed_feeds(self) -> dict[str, datetime]:
        """Each feed's last parse: retention deletes no item of a feed never parsed since."""
        return {name: from_iso(at) for name, at in self.db.execute(
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
                            [(feed, iso(at)) for feed, at in before.items()])
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
                for chunk in chunks(keys, 500):
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
        args_sent = (iso(sent_before) if sent_before else never,)
        args_dead = (iso(dead_before) if dead_before else never,) * 2
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
                                   (iso(before),)).fetchone()[0]
        with self.transaction() as db:
            return db.execute("DELETE FROM translation_cache WHERE created_at < ?",
                              (iso(before),)).rowcount

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
        try:
            if self.db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2:
                while self.db.execute("PRAGMA freelist_count").fetchone()[0]:
                    if should_stop is not None and should_stop():
                        break
                    self.check_file()
                    self.db.execute(f"PRAGMA incremental_vacuum({step_pages})").fetchall()
                    how = "incremental vacuum"
            elif allow_vacuum and self.db.execute("PRAGMA freelist_count").fetchone()[0]:
                self.check_file()
                self.db.execute("PRAGMA auto_vacuum = INCREMENTAL")
                self.db.execute("VACUUM")
                how = "VACUUM (the file now gives space back by incremental vacuum)"
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None
        try:  # the WAL holds the freed pages' last writes until a checkpoint truncates it
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error:
            pass  # another connection is reading: the WAL is truncated at a later checkpoint
        return how
