#!/usr/bin/env python3
"""Several `monitor run` nodes on one PostgreSQL state against SQLite with one, measured
(issue 13).

    python bench/cluster.py [--feeds 10000] [--nodes 1,2,3] [--changed 0.1] [--farm DIR]

A farm of --feeds RSS feeds (bench/farm.py, 10 items each) is served by nginx (or the Python
server) on 127.0.0.1. Each state is primed once by `monitor poll` (every feed's first check, its
items stored), then the farm advances: --changed of the feeds gain 1-3 items, the rest answer
304. Each run starts from a copy of the primed state (PostgreSQL: a database made from the
primed one as a template; SQLite: a copy of the file), starts its `monitor run` nodes (feeds
every hour, nothing due), waits until every node has started, then makes every feed due at
once (one UPDATE) and measures until all feeds' checks are recorded: every feed checked once,
by one of the nodes, in the steady state's mix (most 304, some new items, their alerts sent to
a console channel).

Per run: feeds/s (feeds checked ÷ wall time from the UPDATE to the last check recorded); CPU
per node (utime + stime of each node's process tree, /proc); the database server's CPU (the
postmaster and its backends, /proc, including backends that exited); and per feed check: rows
written (pg_stat_user_tables: inserted + updated + deleted, with the tables that wrote most),
statements (pg_stat_statements), commits and WAL bytes. The nodes' heartbeats, channel-lease
renewals and the bench's own progress query (one count a second) are included: they are part
of what a cluster costs. Ratios are against PostgreSQL with one node in the same run.

Figures depend on the machine: this project's is 2 cores shared with other sessions, so the
nodes, the database server and the feed server compete for the same 2 cores; the CPU per check
is what scales, not the feeds/s of several nodes on one machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from farm import Farm, Server  # noqa: E402
from pg_check_load import server_cpu  # noqa: E402

ITEMS_PER_FEED = 10
INTERVAL = "1h"  # nothing comes due again during a run
START_TIMEOUT = 120.0
RUN_TIMEOUT = 600.0


# -- processes -----------------------------------------------------------------------------

def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total / tick


def monitor(args: list[str], cwd: Path, env: dict[str, str] | None = None, *,
            log: Path | None = None) -> subprocess.Popen:
    full = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    full["PYTHONPATH"] = str(ROOT) + os.pathsep + full.get("PYTHONPATH", "")
    full.update(env or {})
    err = open(log, "ab") if log else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, "-m", "monitor", *args], cwd=cwd, env=full,
                            stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)


def write_config(path: Path, farm: Farm, base_url: str, state: str) -> None:
    import yaml

    feeds = [{"name": name.removesuffix(".xml"), "url": base_url + name, "interval": INTERVAL}
             for name in farm.files()]
    path.write_text(yaml.safe_dump({
        "state": state, "feeds": feeds, "rules": [{"name": "drones", "query": "drone"}],
        "channels": [{"name": "out", "type": "console"}]}, sort_keys=False), encoding="utf-8")


def prime(work: Path, state: str) -> float:
    """Every feed's first check, by `monitor poll` (--force: on a shared state, every feed),
    and the search index caught up (a daemon would index the poll's items first thing: that
    backlog is the priming's, not the runs')."""
    from monitor.store import open_store

    started = time.perf_counter()
    proc = monitor(["poll", "--force", "--log-level", "error"], work, log=work / "prime.log")
    if proc.wait() != 0:
        raise SystemExit(f"priming failed: {(work / 'prime.log').read_text()[-2000:]}")
    with open_store(state) as store:
        while store.index_pending(5000):
            pass
    return time.perf_counter() - started


# -- the two backends ------------------------------------------------------------------------

class PostgresRun:
    def __init__(self, cluster, primed: str, serial: int) -> None:
        self.cluster = cluster
        self.database = f"run{serial}"
        with cluster.connect() as db:
            db.execute(f'CREATE DATABASE "{self.database}" TEMPLATE "{primed}"')
        self.state = cluster.url(self.database)
        self.admin = cluster.connect(self.database)

    def started(self, nodes: int) -> bool:
        return self.admin.execute("SELECT count(*) FROM nodes WHERE stopped_at IS NULL AND "
                                  "heartbeat_at > now() - interval '30 s'").fetchone()[0] >= nodes

    def settle(self, nodes: int) -> None:
        """Until the nodes' start-up writes (the first registers every feed: one row each,
        as `monitor poll` left the intervals unset) show in the statistics, which a backend
        publishes lazily, so they stay out of the run's."""
        feeds, = self.admin.execute("SELECT count(*) FROM feeds").fetchone()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.admin.execute(
                "SELECT n_tup_ins + n_tup_upd FROM pg_stat_user_tables "
                "WHERE relname = 'feeds'").fetchone()[0] < feeds:
            time.sleep(0.5)
        time.sleep(1.0)

    def make_due(self) -> dict:
        """Every feed due now; what that UPDATE wrote (taken off the run's figures)."""
        lsn = "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"
        before, = self.admin.execute(lsn).fetchone()
        rows = self.admin.execute("UPDATE feeds SET next_due_at = now()").rowcount
        after, = self.admin.execute(lsn).fetchone()
        return {"feeds": rows, "wal": int(after - before)}

    def checked_since(self, since) -> int:
        return self.admin.execute("SELECT count(*) FROM feeds WHERE last_attempt_at >= %s",
                                  (since,)).fetchone()[0]

    def now(self):
        return self.admin.execute("SELECT now()").fetchone()[0]

    def stats(self) -> dict:
        tables = dict(self.admin.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables"))
        statements, = self.admin.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d "
            "ON d.oid = s.dbid WHERE d.datname = current_database()").fetchone()
        commits, = self.admin.execute("SELECT xact_commit FROM pg_stat_database "
                                      "WHERE datname = current_database()").fetchone()
        wal, = self.admin.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()
        return {"tables": tables, "statements": int(statements), "commits": int(commits),
                "wal": int(wal), "cpu": server_cpu(self.cluster.data)}

    def close(self) -> None:
        self.admin.close()
        self.cluster.drop_database(self.database)


class SqliteRun:
    def __init__(self, primed: Path, work: Path) -> None:
        self.path = work / "monitor.db"
        for suffix in ("", "-wal", "-shm"):
            if Path(str(primed) + suffix).exists():
                shutil.copyfile(str(primed) + suffix, str(self.path) + suffix)
        self.state = str(self.path)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.logs: list[Path] = []

    def started(self, nodes: int) -> bool:
        return all("Daemon started" in log.read_text("utf-8", "replace") for log in self.logs)

    def settle(self, nodes: int) -> None:
        time.sleep(1.0)  # the node's first look for due feeds is over: none was due

    def make_due(self) -> dict:
        self.db.execute("UPDATE feeds SET next_due_at = ?", (self.now(),))
        return {}

    def checked_since(self, since) -> int:
        return self.db.execute("SELECT count(*) FROM feeds WHERE last_attempt_at >= ?",
                               (since,)).fetchone()[0]

    def now(self) -> str:
        from datetime import datetime, timezone
        return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(
            timespec="microseconds") + "Z"  # the store's fixed-width UTC text

    def stats(self) -> dict:
        return {}

    def close(self) -> None:
        self.db.close()


def measure(run, work: Path, nodes: int, feeds: int) -> dict:
    logs = [work / f"node{n}.log" for n in range(nodes)]
    for log in logs:
        log.unlink(missing_ok=True)
    if isinstance(run, SqliteRun):
        run.logs = logs
    procs = [monitor(["run", "--log-level", "info"], work, {"MONITOR_NODE": f"node{n}"},
                     log=logs[n]) for n in range(nodes)]
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not run.started(nodes):
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise SystemExit("the nodes did not start: " + " | ".join(
                    log.read_text("utf-8", "replace")[-500:] for log in logs))
            time.sleep(0.2)
        run.settle(nodes)
        before, cpu_before = run.stats(), [tree_cpu(p.pid) for p in procs]
        since = run.now()
        wall = time.perf_counter()
        due = run.make_due()
        deadline = time.monotonic() + RUN_TIMEOUT
        while (checked := run.checked_since(since)) < feeds:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {checked} of {feeds} feeds checked in {RUN_TIMEOUT} s")
            time.sleep(1.0)
        wall = time.perf_counter() - wall
        cpu = [tree_cpu(p.pid) - c for p, c in zip(procs, cpu_before)]
        db_cpu = run.stats().get("cpu", 0.0) - before.get("cpu", 0.0)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    # A backend publishes its statistics when it exits, or idle at most every few seconds:
    # the nodes have exited; wait for the rest.
    time.sleep(2.0)
    after = run.stats()
    result = {"feeds_per_s": feeds / wall, "wall": wall, "node_cpu": cpu}
    if before:
        tables = {t: after["tables"].get(t, 0) - before["tables"].get(t, 0)
                  for t in after["tables"]}
        tables["feeds"] -= due["feeds"]  # the bench's UPDATE, not the checks'
        after["wal"] -= due["wal"]
        result.update(
            db_cpu=db_cpu, rows=sum(tables.values()) / feeds,
            tables={t: n / feeds for t, n in sorted(tables.items(), key=lambda kv: -kv[1])
                    if n},
            statements=(after["statements"] - before["statements"]) / feeds,
            commits=(after["commits"] - before["commits"]) / feeds,
            wal=(after["wal"] - before["wal"]) / feeds)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--nodes", default="1,2,3",
                        help="PostgreSQL runs' node counts (empty: SQLite only)")
    parser.add_argument("--changed", type=float, default=0.1,
                        help="share of the feeds that gain 1-3 items before the runs")
    parser.add_argument("--farm", type=Path, help="keep the farm here (made when missing)")
    args = parser.parse_args()
    from support.postgres import PostgresCluster

    scratch = Path(tempfile.mkdtemp(prefix="monitor-cluster-bench-"))
    farm_root = args.farm or scratch / "farm"
    cluster = PostgresCluster.start()
    try:
        if (farm_root / "farm.json").exists():
            farm = Farm(farm_root)
        else:
            farm = Farm.generate(farm_root, args.feeds, items=ITEMS_PER_FEED)
        feeds = len(farm.files())
        with Server(farm) as server:
            print(f"{feeds} feeds × {ITEMS_PER_FEED} items on {server.describe()}; "
                  f"{os.cpu_count()} cores shared with other sessions; PostgreSQL with fsync off")
            # Prime both states (the first check of every feed), then advance the farm.
            pg_work, lite_work = scratch / "pg", scratch / "sqlite"
            pg_work.mkdir()
            lite_work.mkdir()
            pg_nodes = [int(n) for n in args.nodes.split(",") if n]
            primed = cluster.new_database("primed")
            write_config(pg_work / "config.yaml", farm, server.base_url, cluster.url(primed))
            write_config(lite_work / "config.yaml", farm, server.base_url,
                         str(lite_work / "primed.db"))
            pg_priming = prime(pg_work, cluster.url(primed)) if pg_nodes else 0.0
            print(f"priming: PostgreSQL {pg_priming:.0f} s, "
                  f"SQLite {prime(lite_work, str(lite_work / 'primed.db')):.0f} s "
                  f"(monitor poll: every feed's first check; the search index caught up)")
            changed = farm.advance(args.changed)
            print(f"then {len(changed)} feeds gained {sum(changed.values())} items; the other "
                  f"{feeds - len(changed)} answer 304. Every run checks each feed once:")
            results = []
            for serial, nodes in enumerate(pg_nodes):
                run = PostgresRun(cluster, primed, serial)
                write_config(pg_work / "config.yaml", farm, server.base_url, run.state)
                try:
                    results.append((f"PostgreSQL × {nodes}", measure(run, pg_work, nodes, feeds)))
                finally:
                    run.close()
                report(*results[-1], base=results[0][1])
            run = SqliteRun(lite_work / "primed.db", lite_work)
            write_config(lite_work / "config.yaml", farm, server.base_url, run.state)
            try:
                results.append(("SQLite × 1", measure(run, lite_work, 1, feeds)))
            finally:
                run.close()
            report(*results[-1], base=results[0][1])
    finally:
        cluster.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def report(name: str, r: dict, *, base: dict) -> None:
    cpu = "+".join(f"{c:.1f}" for c in r["node_cpu"])
    per_check = sum(r["node_cpu"]) / (r["feeds_per_s"] * r["wall"]) * 1000
    line = (f"  {name:<15} {r['feeds_per_s']:6.0f} feeds/s ({r['feeds_per_s'] / base['feeds_per_s']:.2f}×)"
            f"  {r['wall']:5.1f} s  node CPU {cpu} s ({per_check:.2f} ms/check)")
    if "db_cpu" in r:
        line += (f"  db CPU {r['db_cpu']:.1f} s ({r['db_cpu'] / (r['feeds_per_s'] * r['wall']) * 1000:.2f}"
                 f" ms/check)  per check: {r['rows']:.2f} rows, {r['statements']:.1f} statements, "
                 f"{r['commits']:.2f} commits, {r['wal']:.0f} B WAL")
    print(line)
    if "tables" in r:
        print("      rows per check by table: " + ", ".join(
            f"{t} {n:.3f}" for t, n in list(r["tables"].items())[:8]))


if __name__ == "__main__":
    main()
