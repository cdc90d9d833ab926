"""The PostgreSQL state's connection: the `state: postgresql://…` URL, connecting, and turning
psycopg's errors into StoreErrors that never show a password.

The URL is libpq's (https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING):
`postgresql://user:password@host:port/db?sslmode=verify-full&sslrootcert=…`; every parameter
passes through to libpq unchanged. `${VAR}` in it is replaced from the environment (so the
password lives in the environment, not in a file or a process list), and that value is a
secret: it is masked in every log line and error, as are the URL's password and a
`password=` parameter.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import parse_qsl, urlsplit

import psycopg

from monitor.errors import StoreError
from monitor.store.urls import redact

# A connection that goes quiet (a cut network) is noticed by TCP keepalives within about
# idle + interval × count = 30 + 10 × 3 s, not after the kernel's two hours; a statement that
# hangs longer than this is cancelled by the server (none of ours takes seconds).
KEEPALIVE = {"keepalives": "1", "keepalives_idle": "30", "keepalives_interval": "10",
             "keepalives_count": "3"}
STATEMENT_TIMEOUT_MS = 60_000


def node_name() -> str:
    """This process's name among the nodes: $MONITOR_NODE, else host name and process id
    (a restarted node is a new node; the old one's leases expire)."""
    return os.environ.get("MONITOR_NODE") or f"{socket.gethostname()}:{os.getpid()}"


def connect(url: str, *, application: str = "monitor") -> psycopg.Connection:
    """An autocommit connection in UTC, with keepalives. Raises StoreError (transient: the
    server may come back)."""
    params = dict(KEEPALIVE)
    given = {k.lower() for k, _ in parse_qsl(urlsplit(url).query)}
    params = {k: v for k, v in params.items() if k not in given}
    if "application_name" not in given:
        params["application_name"] = application
    if "connect_timeout" not in given:
        params["connect_timeout"] = "10"
    try:
        conn = psycopg.connect(url, autocommit=True, **params)
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    except psycopg.Error as exc:
        raise error(url, exc) from None
    return conn


def error(url: str, exc: BaseException) -> StoreError:
    """A StoreError in our words for a psycopg error: one line, no password."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    for secret in _passwords(url):
        text = text.replace(secret, "***")
    transient = isinstance(exc, (psycopg.OperationalError, psycopg.errors.SerializationFailure,
                                 psycopg.errors.DeadlockDetected))
    hint = _hint(text) if isinstance(exc, psycopg.OperationalError) else None
    err = StoreError(f"state {redact(url)}: {text}", hint=hint)
    err.transient = transient
    return err


# libpq's words for a login the server refuses, and for a database it does not have (its
# messages in English, the server's default lc_messages): a refused login is no outage.
_LOGIN_REFUSED = ("password authentication failed", "no password supplied",
                  "role \"", "is not permitted to log in", "authentication failed")


def _hint(text: str) -> str:
    if "database \"" in text and "does not exist" in text:
        return ("create the database (createdb, or CREATE DATABASE), or correct its name in "
                "the state URL; monitor creates its tables")
    if any(words in text for words in _LOGIN_REFUSED):
        return ("check the user name and password in the state URL (its ${VAR} in the "
                "environment, or PGPASSFILE)")
    return "check that the database is up and reachable (a running daemon keeps retrying)"


def _passwords(url: str) -> list[str]:
    found = []
    try:
        parts = urlsplit(url)
        if parts.password:
            found.append(parts.password)
        found += [v for k, v in parse_qsl(parts.query) if k.lower() == "password" and v]
    except ValueError:
        pass
    return [p for p in found if len(p) >= 3]
