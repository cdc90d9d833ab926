"""The lease SQL of the shared PostgreSQL state (issue 13), against a real server.

These statements are the ones monitor/store/postgres uses (the schema here is trimmed to the
columns leasing reads): a due feed or outbox row is taken by exactly one node
(`FOR UPDATE SKIP LOCKED`), for a lease measured in the database's time, never a node's clock;
the lease is renewed or released by its holder only (a token fences a holder whose lease
expired and was taken over); an expired lease is taken over; migrations run once under an
advisory lock however many nodes start together.
"""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest

from support.daemon import wait_for

pytestmark = pytest.mark.integration

SCHEMA = """
CREATE TABLE feeds (
    name text PRIMARY KEY,
    interval_seconds double precision NOT NULL,
    next_due_at timestamptz NOT NULL DEFAULT '-infinity',
    lease_owner text,
    lease_token uuid,
    lease_until timestamptz,
    checked_at timestamptz
);
CREATE INDEX feeds_due ON feeds (next_due_at);
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    alert_id text NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'pending',
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_owner text,
    lease_token uuid,
    lease_until timestamptz,
    sent_at timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
"""

# Due and not leased (or its lease expired): leased to the caller until now() + lease. Each
# claim is its own transaction, so now() is this statement's start, on the database's clock.
CLAIM_FEEDS = """
WITH due AS (
    SELECT name FROM feeds
    WHERE next_due_at <= now() AND (lease_until IS NULL OR lease_until <= now())
    ORDER BY next_due_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE feeds f SET lease_owner = %(node)s, lease_token = gen_random_uuid(),
                   lease_until = now() + make_interval(secs => %(lease)s)
FROM due WHERE f.name = due.name
RETURNING f.name, f.lease_token, now() AS leased_at
"""
RENEW_FEED = """
UPDATE feeds SET lease_until = now() + make_interval(secs => %(lease)s)
WHERE name = %(name)s AND lease_token = %(token)s AND lease_until > now()
"""
# The check is done: the next one is due an interval after this one was leased (so a feed is
# checked once per interval wherever it runs), and the lease goes.
FINISH_FEED = """
UPDATE feeds SET next_due_at = %(leased_at)s + make_interval(secs => interval_seconds),
                 checked_at = now(), lease_owner = NULL, lease_token = NULL, lease_until = NULL
WHERE name = %(name)s AND lease_token = %(token)s
"""
# Stopping before the check ran: give it back, due as it was.
RELEASE_FEED = """
UPDATE feeds SET lease_owner = NULL, lease_token = NULL, lease_until = NULL
WHERE name = %(name)s AND lease_token = %(token)s
"""
CLAIM_OUTBOX = """
WITH due AS (
    SELECT id FROM outbox
    WHERE status = 'pending' AND next_attempt_at <= now()
      AND (lease_until IS NULL OR lease_until <= now())
    ORDER BY id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox o SET lease_owner = %(node)s, lease_token = gen_random_uuid(),
                    lease_until = now() + make_interval(secs => %(lease)s)
FROM due WHERE o.id = due.id
RETURNING o.id, o.lease_token
"""
MARK_SENT = """
UPDATE outbox SET status = 'sent', sent_at = now(), lease_owner = NULL, lease_token = NULL,
                  lease_until = NULL
WHERE id = %(id)s AND lease_token = %(token)s AND status = 'pending'
"""

MIGRATION_LOCK = 0x6D6E7472  # "mntr": the key of the advisory lock migrations hold


@pytest.fixture
def db(postgres_cluster, pg_database):
    with postgres_cluster.connect(pg_database) as conn:
        conn.execute(SCHEMA)
        yield conn


def connections(cluster, database, n):
    return [cluster.connect(database) for _ in range(n)]


def add_feeds(db, n, *, interval=900.0, due="now()"):
    db.execute(f"INSERT INTO feeds (name, interval_seconds, next_due_at) "
               f"SELECT 'f' || i, %s, {due} FROM generate_series(1, %s) i", (interval, n))


def claim(conn, node, limit=50, lease=60.0):
    return conn.execute(CLAIM_FEEDS, {"node": node, "limit": limit, "lease": lease}).fetchall()


def run_takers(conns, take):
    """Each connection takes in its own thread until it gets nothing; what each took."""
    taken: list[list] = [[] for _ in conns]
    start = threading.Barrier(len(conns))

    def loop(i):
        start.wait()
        while rows := take(conns[i], f"node{i}"):
            taken[i].extend(rows)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(conns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return taken


def test_every_due_feed_is_leased_by_exactly_one_of_eight_concurrent_takers(
        db, postgres_cluster, pg_database):
    add_feeds(db, 2000)
    conns = connections(postgres_cluster, pg_database, 8)
    try:
        taken = run_takers(conns, lambda c, node: claim(c, node, limit=25))
    finally:
        for c in conns:
            c.close()
    names = [row[0] for rows in taken for row in rows]
    assert len(names) == 2000 and len(set(names)) == 2000
    assert sum(1 for rows in taken if rows) >= 2, "the takers did not run concurrently"
    owners = dict(db.execute("SELECT name, lease_owner FROM feeds").fetchall())
    for i, rows in enumerate(taken):
        assert all(owners[name] == f"node{i}" for name, *_ in rows)


def test_a_feed_not_due_or_leased_is_not_taken(db):
    add_feeds(db, 3, due="now() + interval '1 hour'")
    add_feeds(db, 0)
    db.execute("INSERT INTO feeds (name, interval_seconds, next_due_at) VALUES ('due', 60, now())")
    assert [r[0] for r in claim(db, "a")] == ["due"]
    assert claim(db, "b") == []  # leased by a: b gets nothing


def test_the_lease_is_measured_on_the_database_clock(db):
    db.execute("INSERT INTO feeds (name, interval_seconds) VALUES ('f', 60)")
    (_, _, leased_at), = claim(db, "a", lease=90)
    until, server_now = db.execute("SELECT lease_until, now() FROM feeds").fetchone()
    assert (until - leased_at).total_seconds() == 90
    assert abs((server_now - leased_at).total_seconds()) < 5


def test_an_expired_lease_is_taken_over_and_fences_its_old_holder(db):
    db.execute("INSERT INTO feeds (name, interval_seconds) VALUES ('f', 60)")
    (name, old_token, _), = claim(db, "dead-node", lease=0.2)
    assert claim(db, "b") == []
    wait_for(lambda: db.execute("SELECT lease_until <= clock_timestamp() FROM feeds")
             .fetchone()[0], timeout=10, what="the lease to expire")
    (_, new_token, leased_at), = claim(db, "b")
    assert new_token != old_token
    # The old holder comes back: it can neither renew nor finish (its results are not
    # committed; the new holder's are).
    assert db.execute(RENEW_FEED, {"name": name, "token": old_token, "lease": 60}).rowcount == 0
    assert db.execute(FINISH_FEED, {"name": name, "token": old_token,
                                    "leased_at": leased_at}).rowcount == 0
    assert db.execute("SELECT lease_owner FROM feeds").fetchone()[0] == "b"


def test_renewal_extends_the_holders_lease_only(db):
    db.execute("INSERT INTO feeds (name, interval_seconds) VALUES ('f', 60)")
    (name, token, _), = claim(db, "a", lease=5)
    before = db.execute("SELECT lease_until FROM feeds").fetchone()[0]
    assert db.execute(RENEW_FEED, {"name": name, "token": token, "lease": 120}).rowcount == 1
    after = db.execute("SELECT lease_until FROM feeds").fetchone()[0]
    assert (after - before).total_seconds() > 100
    assert db.execute(RENEW_FEED, {"name": name, "token": uuid.uuid4(), "lease": 999}).rowcount == 0


def test_finishing_schedules_the_next_check_an_interval_after_the_lease(db):
    db.execute("INSERT INTO feeds (name, interval_seconds) VALUES ('f', 600)")
    (name, token, leased_at), = claim(db, "a")
    assert db.execute(FINISH_FEED, {"name": name, "token": token,
                                    "leased_at": leased_at}).rowcount == 1
    due, owner = db.execute("SELECT next_due_at, lease_owner FROM feeds").fetchone()
    assert (due - leased_at).total_seconds() == 600 and owner is None
    assert claim(db, "b") == []  # checked: not due again for an interval


def test_a_released_feed_is_due_at_once_for_another_node(db):
    db.execute("INSERT INTO feeds (name, interval_seconds) VALUES ('f', 600)")
    (name, token, _), = claim(db, "a")
    assert db.execute(RELEASE_FEED, {"name": name, "token": token}).rowcount == 1
    assert [r[0] for r in claim(db, "b")] == ["f"]


def test_each_outbox_row_is_sent_by_one_of_four_takers(db, postgres_cluster, pg_database):
    db.execute("INSERT INTO outbox (alert_id) SELECT 'al_' || i FROM generate_series(1, 1000) i")
    conns = connections(postgres_cluster, pg_database, 4)

    def take_and_send(conn, node):
        rows = conn.execute(CLAIM_OUTBOX, {"node": node, "limit": 10, "lease": 60}).fetchall()
        for row_id, token in rows:
            assert conn.execute(MARK_SENT, {"id": row_id, "token": token}).rowcount == 1
        return rows

    try:
        taken = run_takers(conns, take_and_send)
    finally:
        for c in conns:
            c.close()
    ids = [row[0] for rows in taken for row in rows]
    assert len(ids) == 1000 and len(set(ids)) == 1000
    assert db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0] == 1000


def test_an_outbox_row_whose_sender_died_is_taken_over_after_its_lease(db):
    db.execute("INSERT INTO outbox (alert_id) VALUES ('al_1')")
    (row_id, old), = db.execute(CLAIM_OUTBOX, {"node": "a", "limit": 10, "lease": 0.2}).fetchall()
    assert db.execute(CLAIM_OUTBOX, {"node": "b", "limit": 10, "lease": 60}).fetchall() == []
    wait_for(lambda: db.execute("SELECT lease_until <= clock_timestamp() FROM outbox")
             .fetchone()[0], timeout=10, what="the lease to expire")
    (_, new), = db.execute(CLAIM_OUTBOX, {"node": "b", "limit": 10, "lease": 60}).fetchall()
    assert db.execute(MARK_SENT, {"id": row_id, "token": old}).rowcount == 0
    assert db.execute(MARK_SENT, {"id": row_id, "token": new}).rowcount == 1


# -- migrations: versioned, applied once under an advisory lock --------------------------------

MIGRATIONS = [
    "CREATE TABLE applied (n int); INSERT INTO applied VALUES (1)",
    "INSERT INTO applied VALUES (2); SELECT pg_sleep(0.05)",
    "INSERT INTO applied VALUES (3)",
]


def migrate(conn: psycopg.Connection) -> int:
    """Apply what is missing, each migration in one transaction, all under the lock: a node
    that starts meanwhile waits, then finds nothing to do. Returns how many it applied."""
    applied = 0
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version int NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        version = row[0] if row else 0
        if row is None:
            conn.execute("INSERT INTO schema_version VALUES (0)")
        for number in range(version, len(MIGRATIONS)):
            with conn.transaction():  # a savepoint: one migration fails alone, with its reason
                conn.execute(MIGRATIONS[number])
                conn.execute("UPDATE schema_version SET version = %s", (number + 1,))
            applied += 1
    return applied


def test_migrations_run_once_when_six_nodes_start_together(postgres_cluster, pg_database):
    conns = [postgres_cluster.connect(pg_database) for _ in range(6)]
    for c in conns:
        c.autocommit = False
    counts: list[int] = []
    start = threading.Barrier(len(conns))

    def node(conn):
        start.wait()
        counts.append(migrate(conn))
        conn.commit()

    threads = [threading.Thread(target=node, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for c in conns:
        c.close()
    with postgres_cluster.connect(pg_database) as db:
        assert [r[0] for r in db.execute("SELECT n FROM applied ORDER BY n")] == [1, 2, 3]
        assert db.execute("SELECT version FROM schema_version").fetchone()[0] == 3
    assert sorted(counts) == [0, 0, 0, 0, 0, 3]
