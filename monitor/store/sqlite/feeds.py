"""Feed rows: what the store remembers about each feed between checks (FeedState)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from monitor.model import FeedState
from monitor.redact import EnvRefs
from monitor.store.codec import from_iso, iso


class FeedRows:
    """The feeds table, as a part of SqliteStore."""

    db: sqlite3.Connection
    env_refs: EnvRefs

    def feed_state(self, name: str, url: str) -> FeedState:
        """The feed's state; a fresh one when unknown or when its configured URL changed."""
        row = self.db.execute("SELECT * FROM feeds WHERE name = ?", (name,)).fetchone()
        if row is None:
            return FeedState(name=name, url=url)
        state = self._revealed(feed_state_of(row))
        if state.url != url:
            # The config now names another URL: forget what we knew about the old one.
            return FeedState(name=name, url=url, items_total=state.items_total)
        return state

    def _hidden(self, state: FeedState) -> FeedState:
        return replace(state, url=self.env_refs.hide(state.url),
                       current_url=self.env_refs.hide(state.current_url))

    def _revealed(self, state: FeedState) -> FeedState:
        return replace(state, url=self.env_refs.reveal(state.url),
                       current_url=self.env_refs.reveal(state.current_url))

    def feed_states(self) -> list[FeedState]:
        return [self._revealed(feed_state_of(r))
                for r in self.db.execute("SELECT * FROM feeds ORDER BY name")]


def upsert_feed(db: sqlite3.Connection, s: FeedState) -> None:
    db.execute(
        "INSERT INTO feeds (name, url, current_url, etag, last_modified, body_hash, "
        "last_success_at, last_attempt_at, consecutive_failures, failing_since, last_error, "
        "last_error_kind, next_due_at, items_total, health_alerted_at, last_parsed_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET "
        "url=excluded.url, current_url=excluded.current_url, etag=excluded.etag, "
        "last_modified=excluded.last_modified, body_hash=excluded.body_hash, "
        "last_success_at=excluded.last_success_at, last_attempt_at=excluded.last_attempt_at, "
        "consecutive_failures=excluded.consecutive_failures, "
        "failing_since=excluded.failing_since, last_error=excluded.last_error, "
        "last_error_kind=excluded.last_error_kind, next_due_at=excluded.next_due_at, "
        "items_total=excluded.items_total, health_alerted_at=excluded.health_alerted_at, "
        "last_parsed_at=excluded.last_parsed_at",
        (s.name, s.url, s.current_url, s.etag, s.last_modified, s.body_hash,
         iso(s.last_success_at), iso(s.last_attempt_at), s.consecutive_failures,
         iso(s.failing_since), s.last_error, s.last_error_kind, iso(s.next_due_at),
         s.items_total, iso(s.health_alerted_at), iso(s.last_parsed_at)))


def feed_state_of(r: sqlite3.Row) -> FeedState:
    return FeedState(
        name=r["name"], url=r["url"], current_url=r["current_url"], etag=r["etag"],
        last_modified=r["last_modified"], body_hash=r["body_hash"],
        last_success_at=from_iso(r["last_success_at"]),
        last_attempt_at=from_iso(r["last_attempt_at"]),
        consecutive_failures=r["consecutive_failures"],
        failing_since=from_iso(r["failing_since"]),
        last_error=r["last_error"], last_error_kind=r["last_error_kind"],
        next_due_at=from_iso(r["next_due_at"]), items_total=r["items_total"],
        health_alerted_at=from_iso(r["health_alerted_at"]),
        last_parsed_at=from_iso(r["last_parsed_at"]) if "last_parsed_at" in r.keys() else None)
