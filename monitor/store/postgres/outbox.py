"""The alert outbox in the PostgreSQL state, and who sends it.

An alert row is inserted once per (rule, item, channel) — `alert_id` is unique — in the
transaction that records its item. Sending is leased per channel: a node sends a channel's
rows only while it holds that channel's lease (`channel_leases`, database time, renewed at
every drain, taken over when it expires), so each alert is sent by one node, and a channel's
order, rate limit (`sent_since` reads every node's sends) and digests hold across the cluster
as in one process. Channels are spread over the nodes: each takes the free ones it drains.
A channel's sends are serial by design (rate limits, order), so one node per channel costs
no throughput. A node that dies holding a channel hands it over when the lease expires; an
alert it sent but had not marked sent then goes out again (the at-least-once window).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable, Sequence
from uuid import UUID, uuid4

import psycopg

from monitor.model import Alert
from monitor.store.postgres.items import pg_text
from monitor.store.turns import lane_of, outbox_turns

CHANNEL_LEASE_SECONDS = 60.0  # longer than any send's total deadline; renewed every drain
_ROW = ("id, alert_id, channel, rule, item_key, kind, status, attempts, next_attempt_at, "
        "last_error, created_at, sent_at, payload, batch_id")


class ChannelLeases:
    """The channels this node may send, renewed as it uses them."""

    def __init__(self, node: str, lease_seconds: float = CHANNEL_LEASE_SECONDS) -> None:
        self.node = node
        self.lease_seconds = lease_seconds
        self.tokens: dict[str, UUID] = {}

    def hold(self, db: psycopg.Connection, channel: str) -> bool:
        """Take or renew `channel`'s lease; False while another node holds it."""
        token = self.tokens.get(channel) or uuid4()
        row = db.execute(
            "INSERT INTO channel_leases (channel, node, token, lease_until) "
            "VALUES (%(c)s, %(n)s, %(t)s, now() + make_interval(secs => %(s)s)) "
            "ON CONFLICT (channel) DO UPDATE SET node = excluded.node, token = excluded.token, "
            "lease_until = excluded.lease_until "
            "WHERE channel_leases.token = excluded.token OR channel_leases.lease_until <= now() "
            "RETURNING token",
            {"c": channel, "n": self.node, "t": token, "s": self.lease_seconds}).fetchone()
        if row is None:
            self.tokens.pop(channel, None)
            return False
        self.tokens[channel] = token
        return True

    def release_all(self, db: psycopg.Connection) -> None:
        if self.tokens:
            db.execute("DELETE FROM channel_leases WHERE token = ANY(%s)",
                       (list(self.tokens.values()),))
            self.tokens.clear()


def send_leases(db: psycopg.Connection) -> dict[str, str]:
    """channel → the node holding its send lease now (database time)."""
    return dict(db.execute("SELECT channel, node FROM channel_leases "
                           "WHERE lease_until > now()").fetchall())


def enqueue(db: psycopg.Connection, alerts: Sequence[Alert], now: datetime,
            to_json: Any) -> int:
    """Insert alert rows (inside the caller's transaction); how many were new."""
    if not alerts:
        return 0
    turns = _turns(db, alerts)
    inserted = 0
    with db.cursor() as cur:
        for a, turn in zip(alerts, turns):
            cur.execute(
                "INSERT INTO outbox (alert_id, channel, rule, item_key, kind, payload, status, "
                "attempts, next_attempt_at, created_at, feed, turn) "
                "VALUES (%s,%s,%s,%s,%s,%s,'pending',0,%s,%s,%s,%s) "
                "ON CONFLICT (alert_id) DO NOTHING",
                (a.id, a.channel, a.rule, a.item_key, a.kind,
                 json.dumps(to_json(a), ensure_ascii=False), now, a.created_at or now, lane_of(a),
                 turn))
            inserted += cur.rowcount
    return inserted


def _turns(db: psycopg.Connection, alerts: Sequence[Alert]) -> list[int]:
    """Each new row's turn (monitor/store/turns.py says the rule). Two nodes enqueueing at
    once may give equal turns; rows of one turn go out by id."""
    def value(sql: str, args: tuple) -> int | None:
        row = db.execute(sql, args).fetchone()
        return row[0] if row else None

    return outbox_turns(alerts, value, "%s")


def due_rows(db: psycopg.Connection, now: datetime, *, channels: Sequence[str] | None,
             limit: int, ignore_backoff: bool, keep_order: bool) -> list[tuple]:
    sql = f"SELECT {_ROW} FROM outbox o WHERE status = 'pending'"
    args: list[Any] = []
    if not ignore_backoff:
        if keep_order:
            sql = (f"WITH backing AS (SELECT channel, turn, id, row_number() OVER "
                   f"(PARTITION BY channel ORDER BY turn, id) AS n FROM outbox "
                   f"WHERE status = 'pending' AND next_attempt_at > %s), "
                   f"blocked AS (SELECT channel, turn, id FROM backing WHERE n = 1) "
                   f"SELECT {', '.join('o.' + c for c in _ROW.split(', '))} FROM outbox o "
                   f"LEFT JOIN blocked b ON b.channel = o.channel WHERE o.status = 'pending' "
                   f"AND (b.channel IS NULL OR (o.turn, o.id) < (b.turn, b.id))")
            args.append(now)
        sql += " AND o.next_attempt_at <= %s"
        args.append(now)
    if channels is not None:
        sql += " AND o.channel = ANY(%s)"
        args.append(list(channels))
    sql += " ORDER BY o.turn, o.id LIMIT %s"
    args.append(limit)
    return db.execute(sql, args).fetchall()


def waiting_for_digest(db: psycopg.Connection, channel: str, limit: int) -> list[tuple]:
    return db.execute(f"SELECT {_ROW} FROM outbox WHERE channel = %s AND status = 'pending' "
                      f"AND kind IN ('match', 'follow_up', 'more_matches') ORDER BY id LIMIT %s",
                      (channel, limit)).fetchall()


def create_digest(db: psycopg.Connection, digest: Alert, member_ids: Sequence[int],
                  now: datetime, to_json: Any) -> int:
    """Enqueue the digest and batch its members at once; 0 if a member was taken meanwhile."""
    try:
        with db.transaction():
            if not enqueue(db, [digest], now, to_json):
                raise _MembersTaken()
            row_id = db.execute("SELECT id FROM outbox WHERE alert_id = %s",
                                (digest.id,)).fetchone()[0]
            changed = db.execute("UPDATE outbox SET status = 'batched', batch_id = %s "
                                 "WHERE status = 'pending' AND id = ANY(%s)",
                                 (row_id, list(member_ids))).rowcount
            if changed != len(member_ids):
                raise _MembersTaken()
            return row_id
    except _MembersTaken:
        return 0


class _MembersTaken(Exception):
    """Rolls back a digest whose alerts were batched or sent first."""


def sent_since(db: psycopg.Connection, channel: str, since: datetime) -> list[datetime]:
    return [r[0] for r in db.execute(
        "SELECT sent_at FROM outbox WHERE channel = %s AND status = 'sent' AND batch_id IS NULL "
        "AND sent_at >= %s ORDER BY sent_at", (channel, since))]


def rows_with_status(db: psycopg.Connection, statuses: Iterable[str], limit: int) -> list[tuple]:
    return db.execute(f"SELECT {_ROW} FROM outbox WHERE status = ANY(%s) ORDER BY id LIMIT %s",
                      (list(statuses), limit)).fetchall()


def alerts_by_id(db: psycopg.Connection, alert_ids: Sequence[str]) -> list[tuple[str, str]]:
    if not alert_ids:
        return []
    return db.execute("SELECT alert_id, payload FROM outbox WHERE alert_id = ANY(%s)",
                      (list(dict.fromkeys(alert_ids)),)).fetchall()


def pending_channels(db: psycopg.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT DISTINCT channel FROM outbox "
                                     "WHERE status = 'pending'")}


def counts(db: psycopg.Connection) -> dict[str, int]:
    return dict(db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())


def mark_sent(db: psycopg.Connection, row_ids: Sequence[int], now: datetime,
              message_ref: str | None = None) -> None:
    with db.transaction():
        db.execute("UPDATE outbox SET status = 'sent', sent_at = %s, last_error = NULL, "
                   "attempts = attempts + 1, message_ref = %s WHERE id = ANY(%s)",
                   (now, message_ref, list(row_ids)))
        db.execute("UPDATE outbox SET status = 'sent', sent_at = %s "
                   "WHERE batch_id = ANY(%s) AND status = 'batched'", (now, list(row_ids)))


def mark_failed(db: psycopg.Connection, row_id: int, error: str, when: datetime) -> None:
    db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = %s, "
               "next_attempt_at = %s WHERE id = %s", (pg_text(error), when, row_id))


def mark_dead(db: psycopg.Connection, row_id: int, error: str) -> None:
    db.execute("UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = %s "
               "WHERE id = %s", (pg_text(error), row_id))


def dead_alert_ids(db: psycopg.Connection, prefix: str, limit: int) -> list[str]:
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return [r[0] for r in db.execute(
        "SELECT alert_id FROM outbox WHERE status = 'dead' AND alert_id LIKE %s "
        "ORDER BY id LIMIT %s", (pattern + "%", limit))]


def retry_dead(db: psycopg.Connection, alert_id: str | None, now: datetime) -> int:
    if alert_id is None:
        return db.execute("UPDATE outbox SET status = 'pending', attempts = 0, "
                          "next_attempt_at = %s WHERE status = 'dead'", (now,)).rowcount
    return db.execute("UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = %s "
                      "WHERE status = 'dead' AND alert_id = %s", (now, alert_id)).rowcount
