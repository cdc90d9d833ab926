"""Outbox rows: alerts waiting for their channel, sent, batched into a digest, or dead.

A channel's due rows are taken in turn, round-robin across feeds (`turns`), each feed's oldest
first, so one feed's flood cannot hold another feed's alerts behind it (issue 11 #12).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence

from monitor.model import Alert
from monitor.store.codec import alert_from_json, alert_to_json, from_iso, iso
from monitor.store import OutboxRow
from monitor.store.sqlite.connection import chunks
from monitor.store.turns import lane_of, outbox_turns


class OutboxRows:
    """The outbox table, as a part of SqliteStore."""

    db: sqlite3.Connection
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def alerts_by_id(self, alert_ids: Sequence[str]) -> dict[str, Alert]:
        """The recorded alerts among `alert_ids` (whatever their status)."""
        found: dict[str, Alert] = {}
        for chunk in chunks(list(dict.fromkeys(alert_ids)), 500):
            marks = ",".join("?" * len(chunk))
            for alert_id, payload in self.db.execute(
                    f"SELECT alert_id, payload FROM outbox WHERE alert_id IN ({marks})", chunk):
                found[alert_id] = alert_from_json(json.loads(payload))
        return found

    def due_outbox(self, now: datetime, *, channel: str | None = None,
                   limit: int = 100, ignore_backoff: bool = False,
                   keep_order: bool = False) -> list[OutboxRow]:
        """Pending rows whose next attempt is due, in turn: each channel's rows round-robin
        across feeds (see `_turns`), each feed's oldest first. One feed's flood cannot hold
        another feed's alert behind its backlog (issue 11 #12).

        With `keep_order`, a channel whose first pending row (in turn) is still backing off
        yields nothing: its later rows wait behind it, so each channel receives alerts in order.
        """
        sql = "SELECT o.* FROM outbox o WHERE status = 'pending'"
        args: list[Any] = []
        if not ignore_backoff:
            if keep_order:
                # Each channel's first row still backing off, found once for all rows (few rows
                # back off: those that failed).
                sql = ("WITH backing AS (SELECT channel, turn, id, ROW_NUMBER() OVER "
                       "(PARTITION BY channel ORDER BY turn, id) AS n FROM outbox "
                       "WHERE status = 'pending' AND next_attempt_at > ?), "
                       "blocked AS (SELECT channel, turn, id FROM backing WHERE n = 1) "
                       "SELECT o.* FROM outbox o LEFT JOIN blocked b ON b.channel = o.channel "
                       "WHERE o.status = 'pending' "
                       "AND (b.channel IS NULL OR (o.turn, o.id) < (b.turn, b.id))")
                args.append(iso(now))
            sql += " AND o.next_attempt_at <= ?"
            args.append(iso(now))
        if channel is not None:
            sql += " AND o.channel = ?"
            args.append(channel)
        sql += " ORDER BY o.turn, o.id LIMIT ?"
        args.append(limit)
        return [outbox_row(r) for r in self.db.execute(sql, args)]

    def waiting_for_digest(self, channel: str, *, limit: int = 500) -> list[OutboxRow]:
        """A digest channel's pending alerts about items (matches, follow-ups, summaries),
        oldest first."""
        return [outbox_row(r) for r in self.db.execute(
            "SELECT * FROM outbox WHERE channel = ? AND status = 'pending' "
            "AND kind IN ('match', 'follow_up', 'more_matches') ORDER BY id LIMIT ?",
            (channel, limit))]

    def create_digest(self, digest: Alert, member_ids: Sequence[int], *, now: datetime) -> int:
        """Enqueue `digest` and move its members to 'batched', at once. Returns the digest's
        row id, or 0 if a member was no longer pending (another process took it)."""
        try:
            with self.transaction() as db:
                if not enqueue(db, [digest], now):
                    raise _MembersTaken()
                row_id = db.execute("SELECT id FROM outbox WHERE alert_id = ?",
                                    (digest.id,)).fetchone()[0]
                changed = 0
                for chunk in chunks([str(i) for i in member_ids], 500):
                    marks = ",".join("?" * len(chunk))
                    changed += db.execute(
                        f"UPDATE outbox SET status = 'batched', batch_id = ? "
                        f"WHERE status = 'pending' AND id IN ({marks})",
                        (row_id, *map(int, chunk))).rowcount
                if changed != len(member_ids):
                    raise _MembersTaken()
                return row_id
        except _MembersTaken:
            return 0

    def sent_since(self, channel: str, since: datetime) -> list[datetime]:
        """When this channel's messages (not the alerts inside a digest) were sent since `since`."""
        return [from_iso(r[0]) for r in self.db.execute(
            "SELECT sent_at FROM outbox WHERE channel = ? AND status = 'sent' "
            "AND batch_id IS NULL AND sent_at >= ? ORDER BY sent_at", (channel, iso(since)))]

    def outbox_rows(self, statuses: Iterable[str] = ("pending", "dead"),
                    limit: int = 1000) -> list[OutboxRow]:
        statuses = list(statuses)
        marks = ",".join("?" * len(statuses))
        return [outbox_row(r) for r in self.db.execute(
            f"SELECT * FROM outbox WHERE status IN ({marks}) ORDER BY id LIMIT ?",
            (*statuses, limit))]

    def pending_channels(self) -> set[str]:
        """The channels that have alerts waiting (configured or not)."""
        return {r[0] for r in self.db.execute(
            "SELECT DISTINCT channel FROM outbox WHERE status = 'pending'")}

    def outbox_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, count(*) FROM outbox GROUP BY status"))

    def mark_sent(self, row_ids: Sequence[int], now: datetime, *,
                  message_ref: str | None = None) -> None:
        """`message_ref`: the channel's name for the message (store/sqlite/threads.py)."""
        with self.transaction() as db:
            db.executemany("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL, "
                           "attempts = attempts + 1, message_ref = ? WHERE id = ?",
                           [(iso(now), message_ref, i) for i in row_ids])
            # A digest's alerts are delivered with it, in the same transaction.
            db.executemany("UPDATE outbox SET status = 'sent', sent_at = ? "
                           "WHERE batch_id = ? AND status = 'batched'",
                           [(iso(now), i) for i in row_ids])

    def mark_failed(self, row_id: int, error: str, next_attempt_at: datetime) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
                       "next_attempt_at = ? WHERE id = ?",
                       (error, iso(next_attempt_at), row_id))

    def mark_dead(self, row_id: int, error: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET status = 'dead', attempts = attempts + 1, "
                       "last_error = ? WHERE id = ?", (error, row_id))

    def dead_alert_ids(self, prefix: str, limit: int = 10) -> list[str]:
        """The ids of dead alerts that start with `prefix` (`monitor outbox retry al_3f2a`)."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [r[0] for r in self.db.execute(
            "SELECT alert_id FROM outbox WHERE status = 'dead' AND alert_id LIKE ? ESCAPE '\\' "
            "ORDER BY id LIMIT ?", (pattern + "%", limit))]

    def retry_dead(self, alert_id: str | None, now: datetime) -> int:
        """Put dead rows (the one with this alert id, or all with None) back in the queue;
        returns how many."""
        with self.transaction() as db:
            if alert_id is None:
                cur = db.execute("UPDATE outbox SET status = 'pending', attempts = 0, "
                                 "next_attempt_at = ? WHERE status = 'dead'", (iso(now),))
            else:
                cur = db.execute("UPDATE outbox SET status = 'pending', attempts = 0, "
                                 "next_attempt_at = ? WHERE status = 'dead' AND alert_id = ?",
                                 (iso(now), alert_id))
            return cur.rowcount


class _MembersTaken(Exception):
    """Rolls back a digest whose alerts another process batched or sent first."""


def enqueue(db: sqlite3.Connection, alerts: Sequence[Alert], now: datetime) -> int:
    """Queue `alerts` (a repeat of an alert id is ignored); returns how many rows were added."""
    before = db.total_changes
    turns = _turns(db, alerts)
    db.executemany(
        "INSERT OR IGNORE INTO outbox (alert_id, channel, rule, item_key, kind, payload, "
        "status, attempts, next_attempt_at, created_at, feed, turn) "
        "VALUES (?,?,?,?,?,?,'pending',0,?,?,?,?)",
        [(a.id, a.channel, a.rule, a.item_key, a.kind, json.dumps(alert_to_json(a),
          ensure_ascii=False), iso(now), iso(a.created_at or now), lane_of(a), turn)
         for a, turn in zip(alerts, turns)])
    return db.total_changes - before


def _turns(db: sqlite3.Connection, alerts: Sequence[Alert]) -> list[int]:
    """Each new row's turn (monitor/store/turns.py says the rule)."""
    def value(sql: str, args: tuple) -> int | None:
        row = db.execute(sql, args).fetchone()
        return row[0] if row else None

    return outbox_turns(alerts, value, "?")


def outbox_row(r: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        id=r["id"], alert_id=r["alert_id"], channel=r["channel"], rule=r["rule"],
        item_key=r["item_key"], kind=r["kind"], status=r["status"], attempts=r["attempts"],
        next_attempt_at=from_iso(r["next_attempt_at"]), last_error=r["last_error"],
        created_at=from_iso(r["created_at"]), sent_at=from_iso(r["sent_at"]),
        alert=alert_from_json(json.loads(r["payload"])),
        batch_id=r["batch_id"] if "batch_id" in r.keys() else None)
