"""The SQLite backend: one state file in WAL mode, written by one process at a time (the lock
on `<state>.lock`), read by any number. `SqliteStore` implements monitor.store.Store; each of
its parts lives in the module named for the table it keeps.
"""

from __future__ import annotations

import os

from monitor.store.sqlite.browse import BrowseQueries
from monitor.store.sqlite.connection import SqliteConnection, open_connection
from monitor.store.sqlite.feeds import FeedRows
from monitor.store.sqlite.items import ItemRows
from monitor.store.sqlite.leases import LocalFeedLeases
from monitor.store.sqlite.outbox import OutboxRows
from monitor.store.sqlite.retention import RetentionRows
from monitor.store.sqlite.statefile import StateFileWatch, lock_state
from monitor.store.sqlite.stories import StoryRows
from monitor.store.sqlite.threads import ThreadRows
from monitor.store.sqlite.translations import TranslationCacheRows


class SqliteStore(SqliteConnection, FeedRows, ItemRows, OutboxRows, TranslationCacheRows,
                  RetentionRows, BrowseQueries, LocalFeedLeases, StoryRows,
                  ThreadRows):
    """A connection to one state file (monitor.store.Store). Not shared between threads."""

    def __init__(self, db, path: str) -> None:
        super().__init__(db, path)
        self._leases_init()

    @property
    def is_shareable(self) -> bool:
        return self.path != ":memory:"

    def reopen(self, *, readonly: bool = False) -> SqliteStore:
        return connect(self.path, create=False, readonly=readonly)


def connect(path: str | os.PathLike, *, create: bool = True, readonly: bool = False,
            exclusive: bool = False, untouched: bool = False) -> SqliteStore:
    """Open (and create or migrate) a state file; ":memory:" for tests. Raises StoreError.

    `exclusive`: also hold an flock on `<state>.lock` until close(), so a second `monitor run`
    or `monitor poll` on the same file refuses at once instead of polling and alerting twice.
    The kernel drops the lock when the process dies, even by SIGKILL.

    `readonly`: a connection that cannot write (`status`, `outbox`, a poll's workers). It
    works on a read-only file or directory, and it never checkpoints or deletes the WAL.
    A writable store checks at open that it really can write, so a read-only state is
    refused at start with one line, not with a traceback at the first commit. A reader of a
    state written by an older monitor migrates it first.

    `untouched` (with `readonly`, for a dry run, which must write nothing): no migration,
    and no -wal/-shm files created beside a state that has none (no process has it open,
    so its file alone is the state: it is read as immutable).
    """
    path = str(path)
    lock_fd = lock_state(path) if exclusive and path != ":memory:" else None
    try:
        store = SqliteStore(open_connection(path, create=create, readonly=readonly,
                                            untouched=untouched), path)
        if path != ":memory:" and not readonly:
            store.watch = StateFileWatch.of(path, lock_fd)
    except BaseException:
        if lock_fd is not None:
            os.close(lock_fd)
        raise
    store.lock_fd = lock_fd
    return store


def schema_version(path: str | os.PathLike, *, migrate: bool = False) -> int:
    """The state file's schema version (0: no state yet); with `migrate`, after bringing it up
    to date (creating the file if needed)."""
    if not migrate and not os.path.exists(path):
        return 0
    with connect(path, create=migrate, readonly=not migrate, untouched=not migrate) as store:
        return store.db.execute("PRAGMA user_version").fetchone()[0]
