"""SQLite's errors in our words: each becomes one StoreError naming the state file and what to
do (the wording lives in statefile.state_error, which needs no sqlite3).

A writer blocked by another process's write lock is not retried here: SQLite's busy handler
waits for the lock (busy_timeout, connection.BUSY_TIMEOUT_MS) inside BEGIN IMMEDIATE, and only
then reports SQLITE_BUSY. Retrying on top multiplied the wait: 50 attempts of a 10 s timeout
made a state locked by another program fail after about 9 minutes instead of 10 s
(bench/store_busy.py, busy timeout set to 500 ms: 47.6 s before, 0.65 s after). A commit
waiting for a lock held 0.2, 1 or 3 s still succeeds, and 12 processes making 400 commits each
at once had no error.
"""

from __future__ import annotations

import sqlite3

from monitor.errors import StoreError
from monitor.store.sqlite.statefile import state_error


def store_error(path: str, exc: sqlite3.Error) -> StoreError:
    return state_error(path, errorname(exc), str(exc))


def errorname(exc: sqlite3.Error) -> str:
    # Set on every error SQLite itself reports; absent on the module's own (a closed
    # connection, a misuse), which map to no particular advice.
    return getattr(exc, "sqlite_errorname", None) or ""
