"""A connection to the state file: opening it (created, checked, migrated; read-only and
immutable fallbacks for readers), and the lifecycle every SQLite store shares (transactions,
the state-file watch, the lock). Raises StoreError with SQLite's own reason.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from monitor.errors import StoreError
from monitor.redact import EnvRefs
from monitor.store.sqlite.errors import errorname, store_error
from monitor.store.sqlite.migrations import APPLICATION_ID, MIGRATIONS, migrate
from monitor.store.sqlite.search_index import register as register_search_words
from monitor.store.sqlite.statefile import StateFileWatch, wal_is_empty

# The sqlite3 module binds str, int, float and bytearray directly, but sends every other value,
# None included, through its adapter lookup, which ends by building and dropping an
# AttributeError (about 3,300 instructions a value under callgrind). A poll's item rows carry
# five NULL columns, so that was a tenth of a commit's CPU; a registered adapter is found at
# the lookup's first step. It returns None, which is bound as NULL as before.
sqlite3.register_adapter(type(None), lambda value: None)

BUSY_TIMEOUT_MS = 10_000
# Bound parameters per `IN (…)` list: well under SQLITE_MAX_VARIABLE_NUMBER (999 before 3.32).
IN_LIST = 500


class SqliteConnection:
    """A connection to one state file and its lifecycle (SqliteStore's base). Not shared between
    threads."""

    def __init__(self, db: sqlite3.Connection, path: str) -> None:
        self.db = db
        self.path = path
        self.lock_fd: int | None = None  # held by connect(exclusive=True) until close()
        self.watch: StateFileWatch | None = None  # set by connect() for a file it can write
        # A feed URL holding a ${VAR} value is kept with `${VAR}` in its place (set by the
        # caller that has the config: runtime.build_deps, `monitor status`).
        self.env_refs = EnvRefs()

    def close(self) -> None:
        self.db.close()
        if self.lock_fd is not None:
            os.close(self.lock_fd)  # releases the flock
            self.lock_fd = None

    def __enter__(self) -> "SqliteConnection":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_file(self) -> None:
        """Raises StateGoneError if the state path no longer names this store's file."""
        if self.watch is not None:
            self.watch.check()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT. BEGIN waits up to the busy timeout while another process
        holds the write lock (SQLite's busy handler), then raises StoreError.

        Raises StoreError with SQLite's own reason (disk full, read-only, I/O error), after
        rolling back: nothing of a failed transaction is committed. Raises StateGoneError,
        before writing anything, when the state file was deleted or replaced meanwhile.
        """
        self.check_file()
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as exc:
            # SQLite has already rolled back after some errors (a COMMIT that hit a full disk):
            # a second ROLLBACK would raise "no transaction is active" and hide the reason.
            if self.db.in_transaction:
                try:
                    self.db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # the first error is the one to report
            if isinstance(exc, sqlite3.Error):
                raise store_error(self.path, exc) from None
            raise


def probe_writable(path: str | os.PathLike, timeout_seconds: float = 2.0) -> str | None:
    """None when a write transaction commits on the state file within the timeout, else why
    not. Uses its own connection, so it can run in a thread beside the daemon's."""
    try:
        db = sqlite3.connect(file_uri(str(path), "rw"), uri=True, timeout=timeout_seconds,
                             isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("UPDATE meta SET value = value WHERE key = 'created_at'")
            db.execute("COMMIT")
        finally:
            db.close()
    except sqlite3.Error as exc:
        return str(store_error(str(path), exc))
    return None


def file_uri(path: str, mode: str, **params: str) -> str:
    """A `file:` URI (special characters escaped) with `mode` (ro, rw, rwc) and parameters."""
    query = "&".join(f"{k}={v}" for k, v in {"mode": mode, **params}.items())
    return f"{Path(os.path.abspath(path)).as_uri()}?{query}"


def open_connection(path: str, *, create: bool, readonly: bool,
                    untouched: bool = False) -> sqlite3.Connection:
    # Never open() the file ourselves to look at its header: see monitor.store.sqlite.statefile. SQLite
    # itself refuses a file that is not a database (SQLITE_NOTADB) before writing anything.
    memory = path == ":memory:"
    if not memory:
        exists = os.path.exists(path)
        if not exists and (readonly or not create):
            raise StoreError(f"state {path}: no such file", hint="run `monitor poll` first")
        if not exists:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"state {path}: cannot create its directory: "
                                 f"{exc.strerror or exc}") from None
    try:
        db, app_id, version, tables = _connect(path, readonly=readonly, create=create,
                                               untouched=untouched)
    except sqlite3.Error as exc:
        raise store_error(path, exc) from None
    if tables and app_id != APPLICATION_ID:
        db.close()
        raise StoreError(f"state {path}: this SQLite file belongs to another program",
                         hint="point --state at another file; this one is left untouched")
    if version > len(MIGRATIONS):
        db.close()
        raise StoreError(f"state {path}: written by a newer monitor (schema {version}, "
                         f"this one knows {len(MIGRATIONS)})", hint="upgrade monitor")
    if readonly and not untouched and version < len(MIGRATIONS) and tables:
        # An older schema: a reader cannot migrate it, so open it for writing once.
        db.close()
        return open_connection(path, create=False, readonly=False)
    if not readonly:
        try:
            if not tables:
                # Space freed by retention goes back to the filesystem (incremental vacuum):
                # only a file with no table yet can take this without a full VACUUM.
                db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            if not memory:
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            migrate(db, version)
            _require_writable(db, path)
        except (sqlite3.Error, StoreError) as exc:
            db.close()
            if isinstance(exc, StoreError):
                raise
            raise store_error(path, exc) from None
    return db


def _connect(path: str, *, readonly: bool, create: bool,
             untouched: bool = False) -> tuple[sqlite3.Connection, int, int, int]:
    """A connection and the file's application id, schema version and table count."""
    if path == ":memory:":
        uris = [":memory:"]
    elif readonly:
        # A read-only connection to a WAL database needs the -shm file. In a read-only
        # directory, or on a full disk, SQLite cannot create or size it; when no committed
        # data waits in the WAL, the database file alone is the whole state and can be read
        # as immutable instead.
        uris = [file_uri(path, "ro"), file_uri(path, "ro", immutable="1")]
        if untouched and not os.path.exists(path + "-wal"):
            uris.reverse()
    else:
        uris = [file_uri(path, "rwc" if create else "rw")]
    for attempt, uri in enumerate(uris):
        db = sqlite3.connect(uri, uri=uri != ":memory:", isolation_level=None,
                             timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        try:
            db.row_factory = sqlite3.Row
            register_search_words(db)  # the search index's view and triggers call it
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            return db, app_id, version, tables
        except sqlite3.Error as exc:
            db.close()
            name = errorname(exc)
            can_fall_back = name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN",
                                             "SQLITE_IOERR", "SQLITE_FULL"))
            if attempt + 1 == len(uris) or not can_fall_back or not wal_is_empty(path):
                raise
    raise AssertionError("unreachable")


def _require_writable(db: sqlite3.Connection, path: str) -> None:
    """Raise StoreError now if this connection cannot write (a read-only file: SQLite opens it
    read-only without a word, and BEGIN IMMEDIATE alone succeeds in WAL mode). Writes nothing:
    the update is rolled back."""
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE meta SET value = value WHERE key = 'created_at'")
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")


def chunks(seq: Sequence[str], size: int = IN_LIST) -> Iterator[Sequence[str]]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]
