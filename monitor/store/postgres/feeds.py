"""Feeds in the PostgreSQL state: their state between checks, and their leases.

A node checks a feed only while it holds the feed's lease: `claim_feeds` takes due feeds no
one holds (`FOR UPDATE SKIP LOCKED`: two nodes never wait for or take the same row), until
the database's `now()` + the lease; the node renews the leases of checks still running and
gives each back when its check is committed (`record_feed`, fenced by the lease's token: a
node whose lease expired and was taken over commits nothing) or abandoned (`release_feed`).
The next check is due an interval after the lease was taken, on the database's clock, so a
feed is checked once per interval wherever its checks run, and a dead node's feeds are due
again when its leases expire.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Sequence

import psycopg

from monitor.model import FeedState
from monitor.store.leases import FeedLease, LeasableFeed
from monitor.store.postgres.items import pg_text

_STATE_COLUMNS = ("name, url, current_url, etag, last_modified, body_hash, last_success_at, "
                  "last_attempt_at, consecutive_failures, failing_since, last_error, "
                  "last_error_kind, next_due_at, items_total, health_alerted_at, last_parsed_at")


def feed_state_of(row: tuple) -> FeedState:
    (name, url, current_url, etag, last_modified, body_hash, last_success_at, last_attempt_at,
     failures, failing_since, last_error, last_error_kind, next_due_at, items_total,
     health_alerted_at, last_parsed_at) = row
    return FeedState(name=name, url=url, current_url=current_url, etag=etag,
                     last_modified=last_modified, body_hash=body_hash,
                     last_success_at=last_success_at, last_attempt_at=last_attempt_at,
                     consecutive_failures=failures, failing_since=failing_since,
                     last_error=last_error, last_error_kind=last_error_kind,
                     next_due_at=next_due_at, items_total=items_total,
                     health_alerted_at=health_alerted_at, last_parsed_at=last_parsed_at)


def read_state(db: psycopg.Connection, name: str) -> FeedState | None:
    row = db.execute(f"SELECT {_STATE_COLUMNS} FROM feeds WHERE name = %s", (name,)).fetchone()
    return None if row is None else feed_state_of(row)


def read_states(db: psycopg.Connection) -> list[FeedState]:
    # Rows a node registered but no check has written yet are not shown (as in SQLite).
    return [feed_state_of(r) for r in db.execute(
        f"SELECT {_STATE_COLUMNS} FROM feeds WHERE last_attempt_at IS NOT NULL "
        f"OR checked_by IS NOT NULL ORDER BY name")]


def sync_feeds(db: psycopg.Connection, feeds: Iterable[LeasableFeed]) -> None:
    """Make the configured feeds leasable. A new feed is first due after its first-check delay;
    a feed whose interval changed is due no later than the new interval after its last lease;
    a feed not in this config is disabled (no node leases it; its state and items stay)."""
    rows = [(f.name, f.url, f.interval_seconds, f.enabled, f.first_check_delay_seconds)
            for f in feeds]
    with db.transaction():
        with db.cursor() as cur:
            cur.executemany(
                "INSERT INTO feeds (name, url, interval_seconds, enabled, next_due_at) "
                "VALUES (%s, %s, %s, %s, now() + make_interval(secs => %s)) "
                "ON CONFLICT (name) DO UPDATE SET interval_seconds = excluded.interval_seconds, "
                "enabled = excluded.enabled, next_due_at = CASE "
                "WHEN feeds.interval_seconds IS DISTINCT FROM excluded.interval_seconds "
                "AND feeds.consecutive_failures = 0 THEN least(feeds.next_due_at, "
                "coalesce(feeds.leased_at, now()) + make_interval(secs => "
                "excluded.interval_seconds)) ELSE feeds.next_due_at END "
                "WHERE feeds.interval_seconds IS DISTINCT FROM excluded.interval_seconds "
                "OR feeds.enabled IS DISTINCT FROM excluded.enabled", rows)
        db.execute("UPDATE feeds SET enabled = false WHERE enabled AND NOT (name = ANY(%s))",
                   ([r[0] for r in rows],))


CLAIM = """
WITH due AS (
    SELECT name FROM feeds
    WHERE enabled AND (next_due_at IS NULL OR next_due_at <= now())
      AND (lease_until IS NULL OR lease_until <= now())
    ORDER BY next_due_at NULLS FIRST
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE feeds f SET lease_node = %(node)s, lease_token = gen_random_uuid(), leased_at = now(),
                   lease_until = now() + make_interval(secs => %(lease)s)
FROM due WHERE f.name = due.name
RETURNING f.name, f.lease_token, f.leased_at, f.lease_until
"""


def claim(db: psycopg.Connection, node: str, limit: int, lease_seconds: float,
          names: Sequence[str] | None = None, due: bool = True) -> list[FeedLease]:
    """Lease up to `limit` due feeds no one holds (only those in `names`, when given; with
    `due=False` due or not). A feed in `names` that no node registered yet is added."""
    if limit <= 0:
        return []
    sql = CLAIM
    params = {"node": node, "limit": limit, "lease": lease_seconds}
    if names is not None:
        # A one-shot poll may be the first to name a feed: register it (not yet due-checked).
        db.execute("INSERT INTO feeds (name, url) SELECT unnest(%s::text[]), '' "
                   "ON CONFLICT (name) DO NOTHING", (list(names),))
        sql = sql.replace("WHERE enabled AND", "WHERE name = ANY(%(names)s) AND")
        params["names"] = list(names)
    if not due:
        sql = sql.replace("(next_due_at IS NULL OR next_due_at <= now())", "true")
    return [FeedLease(*row) for row in db.execute(sql, params)]


def renew(db: psycopg.Connection, leases: Sequence[FeedLease],
          lease_seconds: float) -> list[FeedLease]:
    """Extend the leases still held; the renewed ones (a lease taken over is not)."""
    if not leases:
        return []
    rows = db.execute(
        "UPDATE feeds SET lease_until = now() + make_interval(secs => %s) "
        "WHERE lease_token = ANY(%s) AND lease_until > now() "
        "RETURNING name, lease_token, leased_at, lease_until",
        (lease_seconds, [lease.token for lease in leases])).fetchall()
    return [FeedLease(*row) for row in rows]


def release(db: psycopg.Connection, leases: Sequence[FeedLease]) -> int:
    """Give leases back without a check: due at once for any node."""
    if not leases:
        return 0
    return db.execute("UPDATE feeds SET lease_node = NULL, lease_token = NULL, "
                      "lease_until = NULL WHERE lease_token = ANY(%s)",
                      ([lease.token for lease in leases],)).rowcount


def shorten(db: psycopg.Connection, lease: FeedLease, seconds: float) -> None:
    """End a lease no later than `seconds` from now (a check that recorded nothing)."""
    db.execute("UPDATE feeds SET lease_until = least(lease_until, now() + make_interval(secs => "
               "%s)) WHERE lease_token = %s", (seconds, lease.token))


def record_feed(db: psycopg.Connection, state: FeedState, *, node: str,
                lease: FeedLease | None) -> bool:
    """Write a checked feed's state and give its lease back; False (nothing written) when the
    lease was lost. Without a lease token (a poll's worker process, which leased through its
    own connection under the same node name), only while no other node holds the feed.

    The next check is due as long after the lease (database time) as the pipeline's
    schedule says after the check's start, so the nodes' clocks never decide it."""
    delay = None
    if state.next_due_at is not None and state.last_attempt_at is not None:
        delay = (state.next_due_at - state.last_attempt_at).total_seconds()
    params = {
        "name": state.name, "url": state.url, "current_url": state.current_url,
        "etag": _text(state.etag), "last_modified": _text(state.last_modified),
        "body_hash": state.body_hash,
        "last_success_at": state.last_success_at, "last_attempt_at": state.last_attempt_at,
        "failures": state.consecutive_failures, "failing_since": state.failing_since,
        "last_error": _text(state.last_error), "last_error_kind": state.last_error_kind,
        "next_due_at": state.next_due_at, "delay": delay, "items_total": state.items_total,
        "health_alerted_at": state.health_alerted_at, "last_parsed_at": state.last_parsed_at,
        "node": node, "token": lease.token if lease else None,
        "leased_at": lease.leased_at if lease else None,
    }
    row = db.execute("""
        INSERT INTO feeds (name, url, current_url, etag, last_modified, body_hash,
            last_success_at, last_attempt_at, consecutive_failures, failing_since, last_error,
            last_error_kind, next_due_at, items_total, health_alerted_at, last_parsed_at,
            checked_by)
        VALUES (%(name)s, %(url)s, %(current_url)s, %(etag)s, %(last_modified)s,
            %(body_hash)s, %(last_success_at)s, %(last_attempt_at)s, %(failures)s,
            %(failing_since)s, %(last_error)s, %(last_error_kind)s,
            CASE WHEN %(delay)s::float8 IS NULL THEN %(next_due_at)s::timestamptz
                 ELSE now() + make_interval(secs => %(delay)s::float8) END,
            %(items_total)s, %(health_alerted_at)s, %(last_parsed_at)s, %(node)s)
        ON CONFLICT (name) DO UPDATE SET
            url = excluded.url, current_url = excluded.current_url, etag = excluded.etag,
            last_modified = excluded.last_modified, body_hash = excluded.body_hash,
            last_success_at = excluded.last_success_at,
            last_attempt_at = excluded.last_attempt_at,
            consecutive_failures = excluded.consecutive_failures,
            failing_since = excluded.failing_since, last_error = excluded.last_error,
            last_error_kind = excluded.last_error_kind,
            next_due_at = CASE WHEN %(delay)s::float8 IS NULL THEN excluded.next_due_at
                ELSE coalesce(%(leased_at)s::timestamptz, now())
                     + make_interval(secs => %(delay)s::float8) END,
            items_total = excluded.items_total, health_alerted_at = excluded.health_alerted_at,
            last_parsed_at = excluded.last_parsed_at, checked_by = excluded.checked_by,
            lease_node = NULL, lease_token = NULL, lease_until = NULL
        WHERE feeds.lease_token = %(token)s::uuid
           OR (%(token)s::uuid IS NULL AND (feeds.lease_until IS NULL
                                            OR feeds.lease_until <= now()
                                            OR feeds.lease_node = %(node)s))
        RETURNING 1""", params).fetchone()
    return row is not None


def with_url(state: FeedState | None, name: str, url: str) -> FeedState:
    """The state to check `name` at `url` with: the config may name another URL now, and then
    what was known about the old one is forgotten (as SQLite's store does)."""
    if state is None:
        return FeedState(name=name, url=url)
    if state.url != url:
        return FeedState(name=name, url=url, items_total=state.items_total)
    return replace(state)


def _text(value: str | None) -> str | None:
    return None if value is None else pg_text(value)
