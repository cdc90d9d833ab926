"""The real CLI on a PostgreSQL state (issue 13): `state: postgresql://…` with the password from
`${VAR}`, `monitor migrate`, `poll` taking part in the leasing (a second poll beside the first
does not check the same feeds again), `status` with the nodes, and the daemon and a poll on the
same database sending each alert once."""

from __future__ import annotations

import json
import time

import pytest

from support.cli import run_cli, write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss

pytestmark = pytest.mark.integration



@pytest.fixture
def setup(tmp_path, feed_server, postgres_cluster, pg_database, receiver):
    for n in range(5):
        feed_server.set(f"/f{n}.xml", rss([{"guid": f"g{n}", "title": f"Drone story {n}"}]))
    state = postgres_cluster.url(pg_database).replace(
        "postgres@", "postgres:${MONITOR_TEST_DB_PASSWORD}@")
    write_config(tmp_path / "config.yaml",
                 [{"name": f"f{n}", "url": feed_server.url(f"/f{n}.xml"), "interval": "1h"}
                  for n in range(5)],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook")}],
                 state=state)
    return {"MONITOR_TEST_DB_PASSWORD": "Sup3r-secret"}  # trust auth: any password works


def test_migrate_then_poll_records_and_a_second_poll_leaves_the_checked_feeds(
        tmp_path, setup, feed_server, receiver):
    env = setup
    first = run_cli("migrate", cwd=tmp_path, env=env)
    assert first.code == 0, first.stderr
    from monitor.store.postgres.migrations import MIGRATIONS
    assert f"schema 0 -> {len(MIGRATIONS)}" in first.stdout
    assert "Sup3r-secret" not in first.stdout
    assert "postgres:***@" in first.stdout
    again = run_cli("migrate", cwd=tmp_path, env=env)
    assert f"schema {len(MIGRATIONS)}, up to date" in again.stdout
    poll = run_cli("poll", "--json", cwd=tmp_path, env=env)
    assert poll.code == 0, poll.stderr
    doc = poll.json()
    assert sorted(f["status"] for f in doc["feeds"]) == ["ok"] * 5
    assert len(receiver.delivered("/hook")) == 5
    # The feeds were checked within their interval: a second poll leases none of them.
    second = run_cli("poll", "--json", cwd=tmp_path, env=env)
    assert second.code == 0, second.stderr
    assert {f["status"] for f in second.json()["feeds"]} == {"skipped"}
    assert len(feed_server.requests) == 5
    forced = run_cli("poll", "--force", cwd=tmp_path, env=env)
    assert forced.code == 0 and len(feed_server.requests) == 10
    assert len(receiver.delivered("/hook")) == 5  # nothing new, nothing sent twice


def test_status_shows_the_nodes_and_never_the_password(tmp_path, setup, receiver):
    env = setup
    daemon = DaemonProcess(tmp_path, "--log-format", "json",
                           env={**env, "MONITOR_NODE": "node-a"})
    try:
        wait_for(lambda: len(receiver.delivered("/hook")) == 5, timeout=60,
                 what="the daemon's alerts")
        status = run_cli("status", "--json", cwd=tmp_path, env=env)
        assert status.code == 0, status.stderr
        nodes = status.json()["nodes"]
        assert [(n["name"], n["state"]) for n in nodes] == [("node-a", "alive")]
        table = run_cli("status", cwd=tmp_path, env=env)
        assert "node-a" in table.stdout and "alive" in table.stdout
    finally:
        assert daemon.stop() == 0
    everything = daemon.stderr() + daemon.stdout() + status.stdout + table.stdout
    assert "Sup3r-secret" not in everything
    after = run_cli("status", "--json", cwd=tmp_path, env=env).json()["nodes"]
    assert [(n["name"], n["state"]) for n in after] == [("node-a", "stopped")]
    lines = [json.loads(line) for line in daemon.stderr().splitlines()]
    assert any(line.get("msg") == "Daemon started" and "***" in line.get("state", "")
               for line in lines)


def test_a_database_outage_is_logged_when_it_starts_and_ends_not_every_second(
        tmp_path, setup, receiver, postgres_cluster, pg_database):
    """Found restarting PostgreSQL under a running daemon: it logged 'Could not lease feeds'
    at ERROR every second and 'Delivery failed' for every channel every 5 s (an hour's
    outage: over 5,000 lines), and never said when the database was back. Now: a line when
    it starts, at most one a minute while it lasts, one when it is over."""
    env = setup
    daemon = DaemonProcess(tmp_path, "--log-format", "json", env=env)
    try:
        wait_for(lambda: len(receiver.delivered("/hook")) == 5, timeout=60,
                 what="the daemon's alerts")
        with postgres_cluster.connect() as admin:
            admin.execute(f'ALTER DATABASE "{pg_database}" ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s", (pg_database,))
            wait_for(lambda: "Could not lease feeds" in daemon.stderr(), timeout=30,
                     what="the daemon to notice the outage")
            time.sleep(8)  # the outage: eight lease attempts, one or two drains per channel
            admin.execute(f'ALTER DATABASE "{pg_database}" ALLOW_CONNECTIONS true')
        during = [json.loads(line) for line in daemon.stderr().splitlines()]
        errors = [line["msg"] for line in during if line["level"] == "error"]
        assert errors.count("Could not lease feeds; trying again") == 1, errors
        assert errors.count("Delivery failed") <= 1, errors  # one channel: one line
        wait_for(lambda: "Leasing feeds works again" in daemon.stderr(), timeout=30,
                 what="the daemon to say the database is back")
    finally:
        assert daemon.stop() == 0
