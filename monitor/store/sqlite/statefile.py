"""The state file as a file: its lock, its identity while in use, and what SQLite's errors about
it mean to an operator. No SQL and no sqlite3 here (the modules beside it have both).

Nothing here opens the database file. A plain open()/close() of it in a process that holds
SQLite connections drops every POSIX lock the process has on it (fcntl locks belong to the
process and inode; any close releases them), and then another process's reader, closing last,
deleted the daemon's WAL under it (issue 11). Only SQLite opens the database; this module
stat()s paths and opens the lock file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import StateGoneError, StateInUseError, StoreError

try:
    import fcntl
except ImportError:  # not on Windows: no lock there
    fcntl = None  # type: ignore[assignment]

NOT_OURS_HINT = "point --state at another file; this one is left untouched"
# Below this many free bytes an I/O error while SQLite grows a file is the disk being full
# (on a full tmpfs, sizing the -shm fails with SQLITE_IOERR_SHMSIZE, not SQLITE_FULL).
FULL_BELOW_BYTES = 1 << 20


def lock_state(path: str) -> int | None:
    """Take the flock on `<state>.lock` and write our pid in it; the fd holds the lock until
    closed. Raises StoreError naming the holder when another monitor has it."""
    if fcntl is None:
        return None
    lock_path = path + ".lock"
    try:
        Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"state {path}: cannot create the lock file {lock_path}: "
                         f"{exc.strerror or exc}", hint=_permission_hint(path)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        holder = os.pread(fd, 20, 0).decode("ascii", "replace").strip()
        os.close(fd)
        if isinstance(exc, BlockingIOError):
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise StateInUseError(f"state {path}: in use by another monitor{who}",
                             hint="run one `monitor run` or `monitor poll` per state file; "
                                  "stop the other one or use another --state") from None
        raise StoreError(f"state {path}: cannot lock {lock_path}: {exc.strerror or exc}") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


@dataclass(frozen=True)
class StateFileWatch:
    """Which file the state path and its lock named when a store opened them.

    If the directory is removed, or the file replaced or moved away, the store's connection
    goes on writing to a file no one will read again, and without its lock a second poller may
    start on the path: `check()` raises StateGoneError instead (before every write
    transaction, and periodically in the daemon).
    """

    path: str
    device: int
    inode: int
    lock_fd: int | None = None

    @classmethod
    def of(cls, path: str, lock_fd: int | None) -> StateFileWatch:
        st = os.stat(path)
        return cls(path, st.st_dev, st.st_ino, lock_fd)

    def problem(self) -> str | None:
        """Why the path no longer names the open state, or None."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            gone = "its directory was removed" if not os.path.isdir(os.path.dirname(
                os.path.abspath(self.path))) else "the file was deleted"
            return f"{gone} while in use"
        except OSError as exc:
            return f"cannot stat it: {exc.strerror or exc}"
        if (st.st_dev, st.st_ino) != (self.device, self.inode):
            return "the file was replaced while in use"
        if self.lock_fd is not None:
            lock_path = self.path + ".lock"
            try:
                lock_st = os.stat(lock_path)
            except OSError:
                return f"its lock file {lock_path} was deleted while in use"
            held = os.fstat(self.lock_fd)
            if (lock_st.st_dev, lock_st.st_ino) != (held.st_dev, held.st_ino):
                return f"its lock file {lock_path} was replaced while in use"
        return None

    def check(self) -> None:
        """Raises StateGoneError when the path no longer names the open state."""
        why = self.problem()
        if why is not None:
            raise StateGoneError(
                f"state {self.path}: {why}; stopping so nothing is written where no one will "
                f"read it", hint="restore the state file (or its directory) from a backup, or "
                "start afresh: a new state alerts every item in the feeds again")


def state_error(path: str, errorname: str | None, message: str) -> StoreError:
    """One operator-facing StoreError for an SQLite error on the state file, by its extended
    error name (sqlite3.Error.sqlite_errorname): the real reason, and what to do."""
    name = errorname or ""
    where = os.path.dirname(os.path.abspath(path))
    if name == "SQLITE_NOTADB":
        return StoreError(f"state {path}: not an SQLite file (corrupt or foreign)",
                          hint=NOT_OURS_HINT)
    if name.startswith("SQLITE_CORRUPT"):
        return StoreError(f"state {path}: not a usable SQLite file ({message})",
                          hint="restore it from a backup, or " + NOT_OURS_HINT)
    if name == "SQLITE_FULL" or (name.startswith("SQLITE_IOERR") and _is_full(where)):
        return StoreError(f"state {path}: database or disk is full"
                          + ("" if name == "SQLITE_FULL" else f" ({message})"),
                          hint=f"free space where the state lives ({where}); nothing was "
                               "half-written, and the next try goes on from where this stopped")
    if name == "SQLITE_READONLY_DIRECTORY":
        return StoreError(f"state {path}: cannot write: the directory {where} is read-only "
                          f"(SQLite must create {os.path.basename(path)}-wal and -shm there)",
                          hint=_permission_hint(path))
    if name.startswith("SQLITE_READONLY"):
        return StoreError(f"state {path}: cannot write: {message}", hint=_permission_hint(path))
    if name.startswith("SQLITE_CANTOPEN") or name in ("SQLITE_PERM", "SQLITE_AUTH"):
        return StoreError(f"state {path}: cannot open: {message}", hint=_permission_hint(path))
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreError(f"state {path}: {message}",
                          hint="another program held the state's write lock for longer than "
                               "monitor waits for it; try again when that program is done")
    if name.startswith("SQLITE_IOERR"):
        return StoreError(f"state {path}: {message} ({name})",
                          hint="the disk reported an error; check the filesystem and the "
                               "kernel log")
    return StoreError(f"state {path}: {message}")


def wal_is_empty(path: str) -> bool:
    """No committed data waits in `<state>-wal` (absent or empty): the database file alone
    holds everything, so it can be read as an immutable file."""
    try:
        return os.stat(path + "-wal").st_size == 0
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _is_full(directory: str) -> bool:
    try:
        st = os.statvfs(directory)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < FULL_BELOW_BYTES


def _permission_hint(path: str) -> str:
    where = os.path.dirname(os.path.abspath(path))
    return (f"`monitor poll` and `monitor run` need to write {os.path.basename(path)} and to "
            f"create files beside it in {where}; make both writable by the user running "
            f"monitor, or use another --state (read-only commands such as `monitor status` "
            f"still work)")
