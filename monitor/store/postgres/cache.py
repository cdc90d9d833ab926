"""The translation cache in the PostgreSQL state (shared by the nodes: a sentence one node
translated is not translated again by another)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping, Sequence

import psycopg

from monitor.store.postgres.items import pg_text


def cached(db: psycopg.Connection, pair: str, model_version: str,
           text_hashes: Sequence[str]) -> dict[str, str]:
    if not text_hashes:
        return {}
    return dict(db.execute(
        "SELECT text_hash, translation FROM translation_cache WHERE pair = %s AND "
        "model_version = %s AND text_hash = ANY(%s)",
        (pair, model_version, list(dict.fromkeys(text_hashes)))).fetchall())


def remember(db: psycopg.Connection, pair: str, model_version: str,
             translations: Mapping[str, str], now: datetime, keep_days: int) -> None:
    with db.transaction():
        with db.cursor() as cur:
            cur.executemany(
                "INSERT INTO translation_cache (text_hash, pair, model_version, translation, "
                "created_at) VALUES (%s,%s,%s,%s,%s) ON CONFLICT (text_hash, pair, "
                "model_version) DO UPDATE SET translation = excluded.translation, "
                "created_at = excluded.created_at",
                [(h, pair, model_version, pg_text(text), now)
                 for h, text in translations.items()])
        db.execute("DELETE FROM translation_cache WHERE created_at < %s",
                   (now - timedelta(days=keep_days),))
