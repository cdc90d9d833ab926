"""A throwaway PostgreSQL cluster for the tests: real server, started by the tests themselves.

One cluster per test session (`PostgresCluster.start`), a fresh database per test cloned from a
template (`new_database`, ~50 ms), everything stopped and deleted at the end. The server listens
on 127.0.0.1 only (a port from support.ports.free_port) and on a Unix socket in its own
directory: unit tests, whose sockets are limited to AF_UNIX, use the socket; integration tests
and the CLI use TCP as an operator would. fsync is off (a test's data need not survive a crash
of the machine) and pg_stat_statements is loaded, so tests and benchmarks can count queries.

initdb refuses to run as root, so as root the cluster's files belong to `nobody` and
initdb/pg_ctl run as that user through setpriv (util-linux); as another user they run directly.
Whatever happens to the test process — a failing test, Ctrl-C, SIGKILL — a reaper process
(which waits for the test process to close a pipe) stops the server and deletes its files.

When no cluster can start, `PostgresUnavailable` says why, and the tests that need one fail
with that message: they never skip (.ci/run installs PostgreSQL on a clean machine).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from support.ports import free_port

SUPERUSER = "postgres"
TEMPLATE = "monitor_template"
# The user that owns the cluster when the tests run as root (initdb refuses root).
UNPRIVILEGED = "nobody"

_REAPER = r"""
import os, shutil, subprocess, sys
pg_ctl, data, root, *setpriv = sys.argv[1:]
sys.stdin.read()  # returns when the test process closes the pipe (or dies)
subprocess.run([*setpriv, pg_ctl, "-D", data, "-m", "immediate", "-w", "-t", "20", "stop"],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
shutil.rmtree(root, ignore_errors=True)
"""


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL cluster could be started here; the message says why and what to do."""


def find_binary(name: str) -> str | None:
    """`name` on the PATH, else in Debian's versioned directory (the `postgresql` package
    does not put initdb and pg_ctl on the PATH), newest version first."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    candidates.sort(key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0,
                    reverse=True)
    return candidates[0] if candidates else None


class PostgresCluster:
    def __init__(self, root: Path, data: Path, port: int, pg_ctl: str,
                 reaper: subprocess.Popen, setpriv: list[str]) -> None:
        self.root = root
        self.data = data
        self.port = port
        self.host = "127.0.0.1"
        self.socket_dir = str(data)
        self.pg_ctl = pg_ctl
        self.setpriv = setpriv
        self._reaper = reaper
        self._serial = 0

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def start(cls, attempts: int = 3) -> "PostgresCluster":
        """initdb + pg_ctl start in a new temporary directory. Raises PostgresUnavailable."""
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        if not initdb or not pg_ctl:
            raise PostgresUnavailable(
                "PostgreSQL's initdb/pg_ctl were not found on the PATH or in "
                "/usr/lib/postgresql/*/bin: install the server (Debian: apt-get install "
                "postgresql; .ci/run does it)")
        setpriv = _run_as_owner()
        # Short path: a Unix socket path must fit in 107 bytes.
        root = Path(tempfile.mkdtemp(prefix="monitor-pg-"))
        root.chmod(0o755)  # the owner below must reach its data directory
        data = root / "data"
        data.mkdir(mode=0o700)
        if setpriv:
            os.chown(data, pwd.getpwnam(UNPRIVILEGED).pw_uid, pwd.getpwnam(UNPRIVILEGED).pw_gid)
        reaper = subprocess.Popen(
            [sys.executable, "-c", _REAPER, pg_ctl, str(data), str(root), *setpriv],
            stdin=subprocess.PIPE, start_new_session=True)
        try:
            _checked(setpriv + [initdb, "-D", str(data), "-U", SUPERUSER, "-A", "trust",
                                "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
                                "--no-instructions"], "initdb", root)
            for attempt in range(attempts):
                # The port is free now; another process may take it before the server binds
                # it (then pg_ctl fails and another port is tried).
                port = free_port()
                options = " ".join([
                    f"-p {port}", "-c listen_addresses=127.0.0.1",
                    f"-c unix_socket_directories={data}", "-c fsync=off",
                    "-c synchronous_commit=off", "-c full_page_writes=off",
                    "-c max_connections=200", "-c shared_preload_libraries=pg_stat_statements",
                    "-c log_min_messages=warning", "-c log_connections=off"])
                proc = subprocess.run(
                    setpriv + [pg_ctl, "-D", str(data), "-l", str(data / "server.log"),
                               "-w", "-t", "30", "-o", options, "start"],
                    capture_output=True, text=True)
                if proc.returncode == 0:
                    cluster = cls(root, data, port, pg_ctl, reaper, setpriv)
                    cluster._create_template()
                    return cluster
            raise PostgresUnavailable(
                f"pg_ctl start failed {attempts} times; last: {_tail(proc.stderr)} "
                f"{_tail(_read(data / 'server.log'))}")
        except BaseException:
            reaper.stdin.close()  # the reaper stops whatever started and deletes the files
            reaper.wait(30)
            raise

    def stop(self) -> None:
        """Stop the server and delete its files (the reaper does it, as it would on a crash)."""
        if self._reaper.poll() is None:
            self._reaper.stdin.close()
            self._reaper.wait(60)

    # -- databases -------------------------------------------------------------------------

    def url(self, database: str = "postgres", *, unix: bool = False, user: str = SUPERUSER,
            password: str | None = None, **params: str) -> str:
        """A libpq URL: TCP to 127.0.0.1 by default, the Unix socket with `unix`."""
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        query = dict(params)
        if unix:
            query["host"] = self.socket_dir
            netloc = f"{auth}@:{self.port}"
        else:
            netloc = f"{auth}@{self.host}:{self.port}"
        text = f"postgresql://{netloc}/{quote(database, safe='')}"
        if query:
            text += "?" + "&".join(f"{k}={quote(v, safe='/')}" for k, v in query.items())
        return text

    def connect(self, database: str = "postgres", **kwargs):
        """A psycopg connection (autocommit) over the Unix socket."""
        import psycopg

        return psycopg.connect(self.url(database, unix=True), autocommit=True, **kwargs)

    def new_database(self, prefix: str = "test") -> str:
        """A fresh database cloned from the template; its name."""
        self._serial += 1
        name = f"{prefix}_{os.getpid()}_{self._serial}"
        with self.connect() as db:
            db.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}')
        return name

    def drop_database(self, name: str) -> None:
        """Drop it, ending the connections still open to it (a killed daemon's, a leak)."""
        with self.connect() as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def psql_log(self) -> str:
        return _read(self.data / "server.log")

    def _create_template(self) -> None:
        with self.connect() as db:
            db.execute(f"CREATE DATABASE {TEMPLATE}")
        with self.connect(TEMPLATE) as db:
            db.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")


def _run_as_owner() -> list[str]:
    """The command prefix that runs initdb/pg_ctl as the cluster's owner ([] unless root)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise PostgresUnavailable("running as root, and setpriv (util-linux) is missing to run "
                                  "initdb as an unprivileged user: install util-linux")
    try:
        owner = pwd.getpwnam(UNPRIVILEGED)
    except KeyError:
        raise PostgresUnavailable(f"running as root, and there is no user {UNPRIVILEGED!r} to "
                                  f"own the test cluster (initdb refuses root)") from None
    return [setpriv, f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--clear-groups"]


def _checked(argv: list[str], what: str, root: Path) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=root)
    if proc.returncode != 0:
        raise PostgresUnavailable(f"{what} failed (exit {proc.returncode}): "
                                  f"{_tail(proc.stderr or proc.stdout)}")


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return ""


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(line for line in text.strip().splitlines()[-lines:])
