"""The translation cache: one row per (sentence hash, language pair, model version), so a poll
translates only sentences no earlier poll has (monitor.translate.engine.TranslationCache)."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping, Sequence

from monitor.store import TRANSLATION_CACHE_DAYS
from monitor.store.codec import iso
from monitor.store.sqlite.connection import chunks



class TranslationCacheRows:
    """The translation_cache table, as a part of SqliteStore."""

    db: sqlite3.Connection
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def cached_translations(self, pair: str, model_version: str,
                            text_hashes: Sequence[str]) -> dict[str, str]:
        """Known translations by text hash, for one pair and model version."""
        found: dict[str, str] = {}
        for chunk in chunks(list(dict.fromkeys(text_hashes)), 500):
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
                [(h, pair, model_version, text, iso(now)) for h, text in translations.items()])
            db.execute("DELETE FROM translation_cache WHERE created_at < ?",
                       (iso(now - timedelta(days=TRANSLATION_CACHE_DAYS)),))
