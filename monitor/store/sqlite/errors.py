"""SQLite's errors in our words: each becomes one StoreError naming the state file and what to
do (the wording lives in statefile.state_error, which needs no sqlite3)."""

from __future__ import annotations

import sqlite3
import time
from typing import Any, Callable

from monitor.errors import StoreError
from monitor.store.sqlite.statefile import state_error


def store_error(path: str, exc: sqlite3.Error) -> StoreError:
    return state_error(path, errorname(exc), str(exc))


def errorname(exc: sqlite3.Error) -> str:
    # Set on every error SQLite itself reports; absent on the module's own (a closed
    # connection, a misuse), which map to no particular advice.
    return getattr(exc, "sqlite_errorname", None) or ""


def retry_busy(op: Callable[[], Any], path: str, attempts: int = 50) -> Any:
    """Run `op`, retrying while SQLite says the database is busy or locked. Any other SQLite
    error becomes a StoreError with its own reason."""
    delay = 0.01
    for attempt in range(attempts):
        try:
            return op()
        except sqlite3.OperationalError as exc:
            busy = errorname(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
            if not busy or attempt == attempts - 1:
                raise store_error(path, exc) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
