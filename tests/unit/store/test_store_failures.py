"""The store when SQLite refuses: a full database (SQLite's real SQLITE_FULL, from
`max_page_count`, so no mount namespace is needed), the state file replaced or deleted under
an open store, and the one-line reasons each SQLite error name becomes. The same failures with
a real full filesystem and the real daemon: tests/integration/test_state_full.py."""

from __future__ import annotations

import os
import sqlite3

import pytest

from monitor.errors import StateGoneError, StoreError
from monitor.model import FeedState
from monitor.outbox import Outbox
from monitor.store import open_store
from monitor.store.sqlite.statefile import state_error

from support.records import NOW, alert, item, record


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "state.db", exclusive=True) as s:
        yield s


def fill_up(store) -> None:
    """No page may be added to the database from now on."""
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")


def test_a_commit_on_a_full_database_says_so_and_commits_nothing(store):
    first = item(id="0")
    record(store, FeedState(name="f", url="u"), [first], alerts=[alert(first)])
    fill_up(store)
    big = [item(id=str(n), title=f"A title long enough {n} " + "x" * 400) for n in range(1, 200)]

    with pytest.raises(StoreError) as caught:
        record(store, FeedState(name="f", url="u", items_total=199), big,
               alerts=[alert(i) for i in big])

    assert str(caught.value) == f"state {store.path}: database or disk is full"
    assert caught.value.hint.startswith("free space where the state lives")
    assert store.item_count() == 1 and store.outbox_counts() == {"pending": 1}
    assert store.feed_state("f", "u").items_total == 0  # the feed's state was not half-saved
    store.db.execute("PRAGMA max_page_count = 1073741823")  # room again: the same commit works
    record(store, FeedState(name="f", url="u"), big, alerts=[alert(i) for i in big])
    assert store.item_count() == 200


def test_a_send_the_store_cannot_record_is_not_sent_again(store):
    it = item(id="1")
    record(store, FeedState(name="f", url="u"), [it], alerts=[alert(it)])
    outbox = Outbox(store)
    [row] = outbox.due(NOW)
    store.db.execute("PRAGMA query_only = ON")  # the store refuses every write for a while
    with pytest.raises(StoreError):
        outbox.delivered(row, NOW)
    with pytest.raises(StoreError):
        outbox.due(NOW)  # it still owes the store that send: nothing more goes out
    store.db.execute("PRAGMA query_only = OFF")
    assert outbox.due(NOW) == []  # recorded now, and not due again
    assert store.outbox_counts() == {"sent": 1}


@pytest.mark.parametrize("damage", ["delete", "replace", "remove_lock"])
def test_a_state_file_gone_from_under_the_store_stops_writes(store, tmp_path, damage):
    path = tmp_path / "state.db"
    if damage == "delete":
        for name in ("state.db", "state.db-wal", "state.db-shm"):
            (tmp_path / name).unlink(missing_ok=True)
    elif damage == "replace":
        os.replace(path, tmp_path / "moved.db")
        path.write_bytes(b"")
    else:
        (tmp_path / "state.db.lock").unlink()

    with pytest.raises(StateGoneError) as caught:
        record(store, FeedState(name="f", url="u"))

    expected = {"delete": "the file was deleted while in use",
                "replace": "the file was replaced while in use",
                "remove_lock": f"its lock file {path}.lock was deleted while in use"}[damage]
    assert str(caught.value).startswith(f"state {path}: {expected}; stopping")


@pytest.mark.parametrize("name, message, starts", [
    ("SQLITE_NOTADB", "file is not a database", "not an SQLite file (corrupt or foreign)"),
    ("SQLITE_CORRUPT", "database disk image is malformed",
     "not a usable SQLite file (database disk image is malformed)"),
    ("SQLITE_FULL", "database or disk is full", "database or disk is full"),
    ("SQLITE_READONLY", "attempt to write a readonly database",
     "cannot write: attempt to write a readonly database"),
    ("SQLITE_READONLY_DIRECTORY", "attempt to write a readonly database",
     "cannot write: the directory"),
    ("SQLITE_CANTOPEN", "unable to open database file", "cannot open: unable to open database"),
    ("SQLITE_IOERR_FSYNC", "disk I/O error", "disk I/O error (SQLITE_IOERR_FSYNC)"),
    ("SQLITE_BUSY", "database is locked", "database is locked"),
], ids=lambda v: v if isinstance(v, str) and v.startswith("SQLITE") else "")
def test_each_sqlite_error_becomes_one_line_with_its_real_reason(tmp_path, name, message,
                                                                 starts):
    error = state_error(str(tmp_path / "s.db"), name, message)
    assert str(error).startswith(f"state {tmp_path / 's.db'}: {starts}")
    assert "\n" not in str(error) and error.hint


def test_a_commit_behind_another_writer_waits_once_then_says_why(store, tmp_path):
    # SQLite's busy handler does the waiting (busy_timeout, 10 s in monitor; 50 ms here): the
    # transaction begins once, and fails with one line when the other writer keeps the lock.
    other = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    store.db.execute("PRAGMA busy_timeout = 50")
    begun = []
    store.db.set_trace_callback(lambda sql: begun.append(sql) if sql.startswith("BEGIN") else None)

    with pytest.raises(StoreError) as caught:
        record(store, FeedState(name="f", url="u"))

    assert begun == ["BEGIN IMMEDIATE"]
    assert str(caught.value) == f"state {store.path}: database is locked"
    assert "write lock" in caught.value.hint
    other.execute("ROLLBACK")
    other.close()
    record(store, FeedState(name="f", url="u"))  # the lock is free: the same commit works
    assert [s.name for s in store.feed_states()] == ["f"]
