"""The PostgreSQL store as several nodes use it (issue 13): feed leases through the store's own
methods, a check whose lease was taken over records nothing, channel send leases, a killed
connection, and a URL whose password never shows."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from monitor.errors import StoreError
from monitor.model import FeedState, Item
from monitor.store.postgres import connect_postgres, migrate_postgres
from monitor.store.leases import LeasableFeed
from monitor.store.postgres.connection import redact
from support.daemon import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def url(postgres_cluster, pg_database):
    return postgres_cluster.url(pg_database)


@pytest.fixture
def nodes(url):
    opened = [connect_postgres(url, node=name) for name in ("a", "b")]
    opened[0].sync_feeds([LeasableFeed(f"f{n}", f"https://x.org/{n}", 900.0)
                          for n in range(100)])
    yield opened
    for store in opened:
        store.close()


def item(feed, id):
    from monitor.normalize import item_key
    now = datetime.now(timezone.utc)
    return Item(feed=feed, id=id, key=item_key(feed, id), title="A title long enough",
                summary="s", link="", published_at=now, canonical_link="", title_key="")


def checked(name, now=None):
    now = now or datetime.now(timezone.utc)
    from datetime import timedelta
    return FeedState(name=name, url="https://x.org/", last_attempt_at=now,
                     last_success_at=now, next_due_at=now + timedelta(seconds=900))


def test_two_nodes_lease_disjoint_feeds_and_a_checked_feed_waits_its_interval(nodes):
    a, b = nodes
    got_a = {lease.name for lease in a.claim_feeds(60, 30)}
    got_b = {lease.name for lease in b.claim_feeds(60, 30)}
    assert len(got_a) == 60 and len(got_b) == 40 and not got_a & got_b
    name = sorted(got_a)[0]
    a.commit_polls([(checked(name), [item(name, "1")], {}, [], [])],
                   now=datetime.now(timezone.utc))
    assert name not in a.held
    assert a.claim_feeds(100, 30) == [] and b.claim_feeds(100, 30) == []
    state = b.feed_state(name, "https://x.org/")
    assert 850 < (state.next_due_at - datetime.now(timezone.utc)).total_seconds() <= 900


def test_a_check_whose_lease_was_taken_over_records_nothing(nodes):
    a, b = nodes
    (lease,) = a.claim_feeds(1, 0.2, names=["f7"])
    wait_for(lambda: b.claim_feeds(1, 30, names=["f7"]), timeout=10,
             what="the lease to expire and b to take f7")
    now = datetime.now(timezone.utc)
    assert a.commit_polls([(checked("f7"), [item("f7", "late")], {}, [], [])], now=now) == 0
    assert a.lost_leases == 1 and a.seen_keys([item("f7", "late").key]) == set()
    b.commit_polls([(checked("f7"), [item("f7", "1")], {}, [], [])], now=now)
    assert b.item_count("f7") == 1
    assert a.renew_feed_leases(30) == []  # a holds nothing any more


def test_renewal_reports_leases_lost_and_close_gives_the_rest_back(url, nodes):
    a, b = nodes
    a.claim_feeds(2, 0.2, names=["f1"])
    a.claim_feeds(2, 60, names=["f2"])
    wait_for(lambda: b.claim_feeds(1, 30, names=["f1"]), timeout=10, what="f1 to expire")
    assert a.renew_feed_leases(60) == ["f1"]
    assert set(a.held) == {"f2"}
    assert b.claim_feeds(1, 30, names=["f2"]) == []
    a.close()
    assert [lease.name for lease in b.claim_feeds(1, 30, names=["f2"])] == ["f2"]



def test_status_counts_the_leases_a_node_holds_now_not_at_its_last_heartbeat(nodes):
    """Found with two daemons: one SIGKILLed mid-check showed `gone … LEASED 1` in `monitor
    status` for good (the count its last heartbeat wrote), long after the other node had
    taken its feed over and shown 0 until its own next heartbeat."""
    a, b = nodes
    a.join_cluster()
    b.join_cluster()
    a.claim_feeds(1, 0.2, names=["f7"])
    a.heartbeat(checks=1)
    b.heartbeat(checks=0)
    wait_for(lambda: b.claim_feeds(1, 30, names=["f7"]), timeout=10,
             what="the lease to expire and b to take f7")
    assert {n.name: n.feeds_leased for n in b.nodes()} == {"a": 0, "b": 1}


def test_one_node_at_a_time_sends_a_channel(nodes):
    from datetime import timedelta

    from monitor.model import Alert
    a, b = nodes
    now = datetime.now(timezone.utc)
    it = item("f1", "1")
    alert = Alert(id="al_1", rule="r", channel="slack", feed="f1", item_key=it.key,
                  item_id="1", title="t", summary="", link="", published_at=now, language="en",
                  matched_terms=(), created_at=now)
    a.commit_polls([(checked("f1"), [it], {}, [], [alert])], now=now)
    later = now + timedelta(seconds=1)
    assert [r.alert_id for r in a.due_outbox(later, channel="slack")] == ["al_1"]
    assert b.due_outbox(later, channel="slack") == []
    assert b.due_outbox(later) == []  # every pending channel is a's
    a.close()
    assert [r.alert_id for r in b.due_outbox(later, channel="slack")] == ["al_1"]


def test_a_killed_connection_fails_one_call_and_the_next_reconnects(postgres_cluster, nodes):
    a, _ = nodes
    pid = a.db.info.backend_pid
    with postgres_cluster.connect() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(StoreError) as caught:
        a.item_count()
    assert caught.value.transient
    assert a.item_count() == 0 and a.db.info.backend_pid != pid


def test_migrations_are_applied_once_and_a_second_migrate_does_nothing(url):
    from monitor.store.postgres.migrations import MIGRATIONS
    latest = len(MIGRATIONS)
    assert migrate_postgres(url) == (0, latest)
    assert migrate_postgres(url) == (latest, latest)


def test_the_password_never_shows_in_an_error(postgres_cluster):
    url = postgres_cluster.url("no_such_db", password="s3cret-Pa55")
    with pytest.raises(StoreError) as caught:
        connect_postgres(url)
    text = str(caught.value)
    assert "s3cret-Pa55" not in text and "no_such_db" in text and "monitor:***@" in \
        text.replace("postgres:***@", "monitor:***@")



@pytest.mark.parametrize("user, database, hint", [
    ("no_such_user", "postgres", "check the user name and password in the state URL"),
    ("postgres", "no_such_db", "create the database"),
])
def test_a_login_or_database_problem_gets_a_hint_that_names_it(postgres_cluster, user,
                                                               database, hint):
    """Found as an operator with a wrong password in ${VAR}: `monitor status` answered
    'password authentication failed' with the hint 'check that the database is up and
    reachable; monitor keeps retrying', which is neither the fix nor true of a command
    that has just exited 1. (This cluster trusts every password, so a user it does not
    know stands in for a refused login: libpq says "password authentication failed" or
    "role … does not exist" for the same mistake, depending on the server's pg_hba.)"""
    url = postgres_cluster.url(database, user=user, password="s3cret-Pa55")
    with pytest.raises(StoreError) as caught:
        connect_postgres(url)
    assert hint in caught.value.hint and "keeps retrying" not in caught.value.hint


def test_a_password_from_the_environment_is_used_and_masked(postgres_cluster, pg_database,
                                                             monkeypatch):
    monkeypatch.setenv("PGPASS_TEST", "pa:ss@w/rd")
    url = postgres_cluster.url(pg_database).replace("postgres@", "postgres:${PGPASS_TEST}@")
    with connect_postgres(url, node="n") as store:
        assert store.item_count() == 0
        assert "pa:ss" not in store.path and "***" in store.path
    monkeypatch.delenv("PGPASS_TEST")
    with pytest.raises(StoreError, match="PGPASS_TEST is not set"):
        connect_postgres(url)


@pytest.mark.parametrize("url, shown", [
    ("postgresql://u:pw@h:5432/db", "postgresql://u:***@h:5432/db"),
    ("postgresql://u@h/db?sslmode=require&password=pw", "postgresql://u@h/db?sslmode=require&password=***"),
    ("postgres://h/db", "postgres://h/db"),
])
def test_urls_are_shown_without_passwords(url, shown):
    assert redact(url) == shown
