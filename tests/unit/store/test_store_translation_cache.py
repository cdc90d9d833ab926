"""The translation cache in the state DB (migration 2) and its expiry."""

import sqlite3
from datetime import datetime, timedelta, timezone

from monitor.store import TRANSLATION_CACHE_DAYS, open_store
from monitor.store.sqlite.migrations import MIGRATIONS

NOW = datetime(2024, 3, 2, tzinfo=timezone.utc)


def test_cache_round_trips_per_pair_and_model_version():
    store = open_store(":memory:")
    store.cache_translations("ru-en", "argos/x/1.0/beam2", {"h1": "one", "h2": "two"}, now=NOW)
    store.cache_translations("ru-en", "argos/x/1.1/beam2", {"h1": "newer"}, now=NOW)
    assert store.cached_translations("ru-en", "argos/x/1.0/beam2", ["h1", "h2", "h3"]) == {
        "h1": "one", "h2": "two"}
    assert store.cached_translations("ru-en", "argos/x/1.1/beam2", ["h1", "h2"]) == {
        "h1": "newer"}
    assert store.cached_translations("be-ru", "argos/x/1.0/beam2", ["h1"]) == {}


def test_cache_lookup_of_many_hashes_is_chunked():
    store = open_store(":memory:")
    rows = {f"h{i}": f"t{i}" for i in range(1200)}
    store.cache_translations("ru-en", "v", rows, now=NOW)
    assert store.cached_translations("ru-en", "v", list(rows)) == rows


def test_old_cache_rows_are_forgotten_when_new_ones_are_written():
    store = open_store(":memory:")
    store.cache_translations("ru-en", "v", {"old": "x"}, now=NOW)
    later = NOW + timedelta(days=TRANSLATION_CACHE_DAYS + 1)
    store.cache_translations("ru-en", "v", {"new": "y"}, now=later)
    assert store.cached_translations("ru-en", "v", ["old", "new"]) == {"new": "y"}


def test_a_version_1_state_file_is_migrated_and_keeps_its_data(tmp_path):
    path = tmp_path / "state.db"
    store = open_store(path)
    store.db.execute("DROP TABLE translation_cache")
    store.db.execute("PRAGMA user_version = 1")
    store.db.execute("INSERT INTO meta VALUES ('marker', 'kept')")
    store.close()
    store = open_store(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) >= 2
    assert store.db.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone()[0] == "kept"
    store.cache_translations("ru-en", "v", {"h": "t"}, now=NOW)
    store.close()
    assert sqlite3.connect(path).execute(
        "SELECT translation FROM translation_cache").fetchall() == [("t",)]
