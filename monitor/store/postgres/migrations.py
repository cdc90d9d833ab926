"""The PostgreSQL state's schema: versioned migrations, applied once under an advisory lock.

Append-only: each entry moves the schema one version up. `migrate` runs them in one
transaction holding `pg_advisory_xact_lock(MIGRATION_LOCK)`, so nodes that start together
wait for the first, then find nothing to do; a failed migration rolls back whole and every
node refuses to start with its reason. A database written by a newer monitor is refused.

Times are `timestamptz` (the database's clock decides leases and schedules); ids grow
(`bigserial`), so "oldest first" needs no clock. The tables mirror the SQLite state's, plus
the lease columns and the nodes table of a shared state.
"""

from __future__ import annotations

import psycopg

# "mntr" in ASCII, as SQLite's application id: the key of the migration lock.
MIGRATION_LOCK = 0x6D6E7472

_V1 = """
CREATE TABLE monitor_meta (key text PRIMARY KEY, value text NOT NULL);
-- fillfactor: room on each page for the lease update (columns no index covers) to be a HOT
-- update, written beside the old row without touching an index.
CREATE TABLE feeds (
    name text PRIMARY KEY,
    url text NOT NULL,
    current_url text,
    etag text,
    last_modified text,
    body_hash text,
    last_success_at timestamptz,
    last_attempt_at timestamptz,
    consecutive_failures integer NOT NULL DEFAULT 0,
    failing_since timestamptz,
    last_error text,
    last_error_kind text,
    next_due_at timestamptz,
    items_total integer NOT NULL DEFAULT 0,
    health_alerted_at timestamptz,
    last_parsed_at timestamptz,
    -- from the config of the node that last synced it: what leasing needs to know
    interval_seconds double precision,
    enabled boolean NOT NULL DEFAULT true,
    lease_node text,
    lease_token uuid,
    leased_at timestamptz,
    lease_until timestamptz,
    checked_by text
) WITH (fillfactor = 80);
CREATE INDEX feeds_due ON feeds (next_due_at NULLS FIRST) WHERE enabled;
CREATE TABLE items (
    seq bigserial,
    key text PRIMARY KEY,
    feed text NOT NULL,
    item_id text NOT NULL,
    title text NOT NULL,
    link text NOT NULL,
    canonical_link text NOT NULL,
    title_key text NOT NULL,
    published_at timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL,
    last_seen_at timestamptz,
    language text NOT NULL,
    duplicate_of text
);
CREATE INDEX items_feed ON items (feed, item_id);
CREATE INDEX items_seq ON items (seq);
CREATE INDEX items_canonical_link ON items (canonical_link) WHERE canonical_link <> '';
CREATE INDEX items_title_key ON items (title_key, first_seen_at) WHERE title_key <> '';
CREATE TABLE matches (
    rule text NOT NULL,
    item_key text NOT NULL,
    matched_terms text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (rule, item_key)
);
CREATE INDEX matches_item ON matches (item_key);
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    alert_id text NOT NULL UNIQUE,
    channel text NOT NULL,
    rule text NOT NULL,
    item_key text NOT NULL,
    kind text NOT NULL DEFAULT 'match',
    payload text NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    created_at timestamptz NOT NULL,
    sent_at timestamptz,
    batch_id bigint,
    feed text NOT NULL DEFAULT '',
    turn bigint NOT NULL DEFAULT 0,
    lease_node text,
    lease_token uuid,
    lease_until timestamptz
);
CREATE INDEX outbox_lane ON outbox (channel, feed, turn) WHERE status = 'pending';
CREATE INDEX outbox_turn ON outbox (turn, id) WHERE status = 'pending';
CREATE INDEX outbox_sent ON outbox (channel, sent_at) WHERE status = 'sent' AND batch_id IS NULL;
CREATE INDEX outbox_batch ON outbox (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX outbox_status ON outbox (status, id);
CREATE TABLE translation_cache (
    text_hash text NOT NULL,
    pair text NOT NULL,
    model_version text NOT NULL,
    translation text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (text_hash, pair, model_version)
);
CREATE INDEX translation_cache_created ON translation_cache (created_at);
-- One sender per channel at a time, cluster-wide: its order, rate limit and digests hold
-- across nodes as they do in one process.
CREATE TABLE channel_leases (
    channel text PRIMARY KEY,
    node text NOT NULL,
    token uuid NOT NULL,
    lease_until timestamptz NOT NULL
);
CREATE TABLE nodes (
    name text PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    version text NOT NULL,
    started_at timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    stopped_at timestamptz,
    feeds_leased integer NOT NULL DEFAULT 0,
    checks integer NOT NULL DEFAULT 0,
    last_error text,
    last_error_at timestamptz
);
INSERT INTO monitor_meta VALUES ('created_at', now()::text);
"""

from monitor.store.postgres.reading import READING_SCHEMA  # noqa: E402  (after _V1, its base)

# The article of an item of a `full_text:` feed (issue 16), as in SQLite's _m6_articles.
_V2 = """
ALTER TABLE items ADD COLUMN article_status text, ADD COLUMN article_text text,
    ADD COLUMN article_note text;
CREATE INDEX items_article_link ON items (link) WHERE article_status IS NOT NULL;
"""

from monitor.store.postgres.stories import STORIES_SCHEMA  # noqa: E402  (issue 15)
from monitor.store.postgres.threads import THREADS_SCHEMA  # noqa: E402  (issue 15)

MIGRATIONS: list[str] = [_V1, READING_SCHEMA, _V2, STORIES_SCHEMA, THREADS_SCHEMA]


class NewerSchemaError(Exception):
    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


def migrate(conn: psycopg.Connection) -> tuple[int, int]:
    """Bring the schema up to date; (version before, version after). Raises NewerSchemaError
    when the database is ahead of this code, psycopg.Error on failure (rolled back)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS monitor_schema (version integer NOT NULL)")
        row = conn.execute("SELECT version FROM monitor_schema").fetchone()
        if row is None:
            conn.execute("INSERT INTO monitor_schema VALUES (0)")
        before = row[0] if row else 0
        if before > len(MIGRATIONS):
            raise NewerSchemaError(before)
        for number in range(before, len(MIGRATIONS)):
            conn.execute(MIGRATIONS[number])
            conn.execute("UPDATE monitor_schema SET version = %s", (number + 1,))
    return before, len(MIGRATIONS)


def version(conn: psycopg.Connection) -> int:
    """The schema version (0: none yet), without locking or changing anything."""
    exists = conn.execute("SELECT to_regclass('monitor_schema') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT version FROM monitor_schema").fetchone()
    return row[0] if row else 0
