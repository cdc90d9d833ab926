#!/usr/bin/env python3
"""The database side of a feed check on the shared PostgreSQL state, measured (issue 13).

    python bench/pg_check_load.py [--feeds 10000] [--nodes 1,2,3] [--new 0.1] [--items 3]

Starts a throwaway PostgreSQL 15 cluster (tests/support/postgres.py; fsync off: this measures
work, not the disk), registers --feeds feeds, and lets 1, 2, then 3 node processes check every
feed once through the real store methods, in the order the daemon calls them: claim a batch of
due feeds (lease), read each feed's state, and commit its check. A fraction --new of the checks
find --items new items (one alert each: the seen/duplicate look-ups, items, matches, outbox
rows); the rest find nothing new (a 304: the state alone). No fetching: this is the load one
check puts on the database, not the node's. The same checks run on a SQLite state with one
process for comparison.

Per run: checks/s, CPU per node, the database server's CPU, and per check: statements
(pg_stat_statements), transactions, rows written (inserted + updated + deleted, pg_stat_database)
and WAL bytes. Say the machine was shared when quoting figures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

BATCH = 32  # the leases a node takes at once


def item(feed: str, n: int):
    from monitor.model import Item
    from monitor.normalize import item_key
    now = datetime.now(timezone.utc)
    return Item(feed=feed, id=str(n), key=item_key(feed, str(n)),
                title=f"Drone factory story number {n} of {feed}", summary="s" * 200,
                link=f"https://news.example/{feed}/{n}", published_at=now,
                canonical_link=f"news.example/{feed}/{n}", title_key=f"drone factory {feed} {n}")


def alert(it):
    from monitor.model import Alert
    return Alert(id=f"al_{it.key}", rule="drones", channel="slack", feed=it.feed,
                 item_key=it.key, item_id=it.id, title=it.title, summary=it.summary,
                 link=it.link, published_at=it.published_at, language="en",
                 matched_terms=("drone",), created_at=it.published_at)


def check(store, name: str, new_every: int, items_per_new: int, counter: int):
    """What pipeline + daemon ask of the store for one check of `name`."""
    from monitor.model import FeedState
    now = datetime.now(timezone.utc)
    store.feed_state(name, f"https://news.example/{name}")
    state = FeedState(name=name, url=f"https://news.example/{name}", last_attempt_at=now,
                      last_success_at=now, next_due_at=now + timedelta(minutes=15),
                      etag='"abc123"', last_modified="Wed, 01 Jan 2026 00:00:00 GMT")
    found, alerts = [], []
    if new_every and counter % new_every == 0:
        found = [item(name, n) for n in range(items_per_new)]
        store.item_revisions(name, [i.id for i in found])
        store.seen_keys([i.key for i in found])
        store.find_duplicates(found)
        alerts = [alert(i) for i in found]
        state.present_ids = tuple(i.id for i in found)
    store.commit_polls([(state, found, {}, [], alerts)], now=now)


def pg_node(url: str, node: str, new_every: int, items_per_new: int, out) -> None:
    from monitor.store.postgres import connect_postgres
    started = time.process_time()
    done = 0
    with connect_postgres(url, node=node) as store:
        while leases := store.claim_feeds(BATCH, 60.0):
            for lease in leases:
                done += 1
                check(store, lease.name, new_every, items_per_new, hash(lease.name))
    out.put((node, done, time.process_time() - started))


def server_cpu(data_dir: Path) -> float:
    """CPU seconds of the postmaster, its live children and the children it reaped."""
    pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    tick = os.sysconf("SC_CLK_TCK")

    def stat(p):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        return [int(x) for x in fields[11:15]]  # utime stime cutime cstime

    total = sum(stat(pid))
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            total += sum(stat(child)[:2])
        except OSError:
            pass
    return total / tick


def snapshot(admin, database: str) -> dict:
    calls, = admin.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN "
                           "pg_database d ON d.oid = s.dbid WHERE d.datname = %s",
                           (database,)).fetchone()
    row = admin.execute("SELECT xact_commit, tup_inserted + tup_updated + tup_deleted "
                        "FROM pg_stat_database WHERE datname = %s", (database,)).fetchone()
    lsn, = admin.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()
    return {"statements": int(calls), "commits": row[0], "rows": row[1], "wal": int(lsn)}


def run_pg(cluster, feeds: int, nodes: int, new_every: int, items_per_new: int) -> dict:
    from monitor.store.postgres import connect_postgres
    database = cluster.new_database("bench")
    url = cluster.url(database)
    with connect_postgres(url, node="setup") as store:
        from monitor.store.leases import LeasableFeed
        store.sync_feeds([LeasableFeed(f"feed{n:06d}", f"https://news.example/feed{n:06d}",
                                       900.0) for n in range(feeds)])
    with cluster.connect(database) as admin:
        admin.execute("SELECT pg_stat_reset(); SELECT pg_stat_statements_reset()")
        time.sleep(0.6)  # statistics are flushed to the shared counters every 0.5 s at most
        before, cpu_before, wall = snapshot(admin, database), server_cpu(cluster.data), \
            time.perf_counter()
        out = multiprocessing.Queue()
        procs = [multiprocessing.Process(target=pg_node, args=(
            url, f"node{n}", new_every, items_per_new, out)) for n in range(nodes)]
        for p in procs:
            p.start()
        results = [out.get() for _ in procs]
        for p in procs:
            p.join()
        wall = time.perf_counter() - wall
        cpu_db = server_cpu(cluster.data) - cpu_before
        time.sleep(0.6)
        after = snapshot(admin, database)
    checks = sum(r[1] for r in results)
    cluster.drop_database(database)
    return {"checks": checks, "wall": wall, "node_cpu": [round(r[2], 2) for r in results],
            "db_cpu": cpu_db, **{k: (after[k] - before[k]) / checks for k in before}}


def run_sqlite(feeds: int, new_every: int, items_per_new: int) -> dict:
    from monitor.store import open_store
    with tempfile.TemporaryDirectory() as tmp:
        started, wall = time.process_time(), time.perf_counter()
        with open_store(Path(tmp) / "state.db") as store:
            for n in range(feeds):
                name = f"feed{n:06d}"
                check(store, name, new_every, items_per_new, hash(name))
        return {"checks": feeds, "wall": time.perf_counter() - wall,
                "node_cpu": [round(time.process_time() - started, 2)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--nodes", default="1,2,3")
    parser.add_argument("--new", type=float, default=0.1, help="share of checks with new items")
    parser.add_argument("--items", type=int, default=3, help="new items in such a check")
    args = parser.parse_args()
    new_every = round(1 / args.new) if args.new else 0
    from support.postgres import PostgresCluster
    cluster = PostgresCluster.start()
    try:
        print(f"{args.feeds} feeds; {args.new:.0%} of checks find {args.items} new items "
              f"(one alert each), the rest nothing new; {os.cpu_count()} cores, shared machine")
        print(f"{'backend':<14}{'checks/s':>9}{'node CPU s':>16}{'db CPU s':>9}"
              f"{'stmts':>7}{'commits':>8}{'rows':>6}{'WAL B':>7}   (per check)")
        for nodes in [int(n) for n in args.nodes.split(",")]:
            r = run_pg(cluster, args.feeds, nodes, new_every, args.items)
            print(f"{'pg × ' + str(nodes):<14}{r['checks'] / r['wall']:>9.0f}"
                  f"{'+'.join(map(str, r['node_cpu'])):>16}{r['db_cpu']:>9.1f}"
                  f"{r['statements']:>7.2f}{r['commits']:>8.2f}{r['rows']:>6.2f}"
                  f"{r['wal']:>7.0f}")
        r = run_sqlite(args.feeds, new_every, args.items)
        print(f"{'sqlite × 1':<14}{r['checks'] / r['wall']:>9.0f}"
              f"{'+'.join(map(str, r['node_cpu'])):>16}")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
