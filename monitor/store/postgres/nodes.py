"""The nodes sharing a PostgreSQL state: each writes a heartbeat (database time) with what it
holds and its last error; `monitor status` shows them. A node whose heartbeat is older than a
few beats is shown as gone: its leases expire on their own, nothing waits for it."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime

import psycopg

HEARTBEAT_SECONDS = 10.0


@dataclass(frozen=True)
class NodeStatus:
    name: str
    host: str
    pid: int
    version: str
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None
    feeds_leased: int
    checks: int
    last_error: str | None
    last_error_at: datetime | None
    seconds_since_heartbeat: float

    @property
    def is_alive(self) -> bool:
        return self.stopped_at is None and self.seconds_since_heartbeat < 3 * HEARTBEAT_SECONDS

    @property
    def state(self) -> str:
        """stopped (it said goodbye), alive (a recent heartbeat) or gone (silent: killed,
        cut off, or its machine down; its leases expire on their own)."""
        return "stopped" if self.stopped_at else ("alive" if self.is_alive else "gone")


def join(db: psycopg.Connection, name: str, version: str) -> None:
    db.execute("INSERT INTO nodes (name, host, pid, version, started_at, heartbeat_at) "
               "VALUES (%s, %s, %s, %s, now(), now()) ON CONFLICT (name) DO UPDATE SET "
               "host = excluded.host, pid = excluded.pid, version = excluded.version, "
               "started_at = now(), heartbeat_at = now(), stopped_at = NULL, checks = 0, "
               "last_error = NULL, last_error_at = NULL",
               (name, socket.gethostname(), os.getpid(), version))


def beat(db: psycopg.Connection, name: str, *, checks: int, last_error: str | None) -> None:
    db.execute("UPDATE nodes SET heartbeat_at = now(), checks = %s, "
               "feeds_leased = (SELECT count(*) FROM feeds WHERE lease_node = %s "
               "AND lease_until > now()), "
               "last_error = coalesce(%s, last_error), "
               "last_error_at = CASE WHEN %s::text IS NULL THEN last_error_at ELSE now() END "
               "WHERE name = %s", (checks, name, last_error, last_error, name))


def leave(db: psycopg.Connection, name: str) -> None:
    db.execute("UPDATE nodes SET stopped_at = now(), feeds_leased = 0 WHERE name = %s", (name,))


def statuses(db: psycopg.Connection, *, since_seconds: float = 86400.0) -> list[NodeStatus]:
    """Nodes seen within `since_seconds`, newest first. The leases each holds are counted
    now, not read from its last heartbeat: a killed node's count would stay for good, and a
    node that took its feeds over would show none until its next beat."""
    return [NodeStatus(*row) for row in db.execute(
        "SELECT name, host, pid, version, started_at, heartbeat_at, stopped_at, "
        "(SELECT count(*) FROM feeds WHERE lease_node = nodes.name "
        "AND lease_until > now())::int, "
        "checks, last_error, last_error_at, "
        "extract(epoch FROM now() - heartbeat_at)::float8 FROM nodes "
        "WHERE heartbeat_at > now() - make_interval(secs => %s) "
        "ORDER BY stopped_at NULLS FIRST, name", (since_seconds,))]
