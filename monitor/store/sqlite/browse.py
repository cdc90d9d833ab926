"""The store's reading methods (web UI, `monitor matches`, `monitor search`) and the search
index's upkeep, for the SQLite store. SQL is in `reading` and `search_index`."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from monitor.errors import StoreError
from monitor.model import MatchFilter, StoredItem, StoredMatch
from monitor.rules.search import LanguageFilter, index_words
from monitor.store.sqlite import reading, search_index


class BrowseQueries:
    """Mixed into the SQLite Store: `self.db`, `self.path`, `self.transaction()`."""

    db: sqlite3.Connection

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees the same committed state (one read transaction)."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            if self.db.in_transaction:
                self.db.execute("COMMIT")

    def recorded_matches(self, wanted: MatchFilter, *, before: int | None = None,
                         after: int | None = None, limit: int = 50) -> list[StoredMatch]:
        """Matches newest first (ids below `before`, or above `after`)."""
        return reading.recorded_matches(self.db, wanted, before=before, after=after,
                                        limit=limit)

    def latest_match_id(self) -> int:
        return reading.latest_match_id(self.db)

    def stored_item(self, key: str) -> StoredItem | None:
        return reading.stored_item(self.db, key)

    def matches_of_item(self, key: str) -> list[StoredMatch]:
        return reading.matches_of_item(self.db, key)

    def copies_of_item(self, key: str) -> list[StoredItem]:
        return reading.copies_of_item(self.db, key)

    def newest_items(self, limit: int) -> list[StoredItem]:
        return reading.newest_items(self.db, limit)

    def items_per_feed(self, since: datetime | None = None) -> dict[str, int]:
        return reading.items_per_feed(self.db, since)

    def matches_per_day(self, since: datetime) -> dict[str, dict[str, int]]:
        """rule → day (YYYY-MM-DD, UTC) → matches recorded that day."""
        return reading.matches_per_day(self.db, since)

    # -- search ------------------------------------------------------------------------------

    def search_candidates(self, language_filter: LanguageFilter, *, before: int | None,
                          limit: int) -> list[StoredItem]:
        return search_index.candidates(self.db, language_filter, before=before, limit=limit)

    def unindexed_items(self, *, before: int | None, limit: int) -> list[StoredItem]:
        return search_index.unindexed(self.db, before=before, limit=limit)

    def unindexed_count(self) -> int:
        return search_index.queue_length(self.db)

    def index_pending(self, limit: int = search_index.INDEX_BATCH) -> int:
        """Take up to `limit` queued items into the search index; how many it took. The words
        are computed outside the write transaction, so the daemon's commits wait only for the
        inserts."""
        rows = search_index.queued(self.db, limit)
        if not rows:
            return 0
        words = [(rowid, index_words(title, summary, language))
                 for rowid, title, summary, language in rows]
        with self.transaction() as db:  # type: ignore[attr-defined]
            return search_index.take_in(db, words)

    def reindex_if_stale(self) -> bool:
        try:
            with self.transaction() as db:  # type: ignore[attr-defined]
                return search_index.reindex_if_stale(db)
        except StoreError:
            raise
