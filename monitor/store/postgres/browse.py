"""The PostgreSQL store's reading methods and search index upkeep (SQL in `reading`)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Any, Callable, Iterator

from monitor.model import MatchFilter, StoredItem, StoredMatch
from monitor.rules.search import LanguageFilter, index_words
from monitor.store.postgres import reading

INDEX_BATCH = 2000


class PostgresBrowse:
    """Mixed into PostgresStore: `self._run(op)` runs `op(db)` with errors as StoreErrors."""

    _run: Callable[[Callable[[Any], Any]], Any]
    db: Any

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees one snapshot (a read-only repeatable-read transaction)."""
        self._run(lambda db: db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        try:
            yield
        finally:
            if not self.db.closed and not self.db.broken:
                self.db.execute("COMMIT")

    def recorded_matches(self, wanted: MatchFilter, *, before: int | None = None,
                         after: int | None = None, limit: int = 50) -> list[StoredMatch]:
        return self._run(lambda db: reading.recorded_matches(db, wanted, before=before,
                                                             after=after, limit=limit))

    def latest_match_id(self) -> int:
        return self._run(reading.latest_match_id)

    def stored_item(self, key: str) -> StoredItem | None:
        return self._run(lambda db: reading.stored_item(db, key))

    def matches_of_item(self, key: str) -> list[StoredMatch]:
        return self._run(lambda db: reading.matches_of_item(db, key))

    def copies_of_item(self, key: str) -> list[StoredItem]:
        return self._run(lambda db: reading.copies_of_item(db, key))

    def newest_items(self, limit: int) -> list[StoredItem]:
        return self._run(lambda db: reading.newest_items(db, limit))

    def items_per_feed(self, since: datetime | None = None) -> dict[str, int]:
        return self._run(lambda db: reading.items_per_feed(db, since))

    def matches_per_day(self, since: datetime) -> dict[str, dict[str, int]]:
        return self._run(lambda db: reading.matches_per_day(db, since))

    def search_candidates(self, language_filter: LanguageFilter, *, before: int | None,
                          limit: int) -> list[StoredItem]:
        return self._run(lambda db: reading.candidates(db, language_filter, before=before,
                                                       limit=limit))

    def unindexed_items(self, *, before: int | None, limit: int) -> list[StoredItem]:
        return self._run(lambda db: reading.unindexed(db, before=before, limit=limit))

    def unindexed_count(self) -> int:
        return self._run(reading.queue_length)

    def index_pending(self, limit: int = INDEX_BATCH) -> int:
        rows = self._run(lambda db: reading.queued(db, limit))
        if not rows:
            return 0
        words = [(seq, index_words(title, summary, language))
                 for seq, title, summary, language in rows]
        return self._run(lambda db: reading.take_in(db, words))

    def reindex_if_stale(self) -> bool:
        return self._run(reading.reindex_if_stale)
