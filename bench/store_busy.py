#!/usr/bin/env python3
"""The state's write lock under contention: what a writer waits, and when it gives up.

    python bench/store_busy.py [--src DIR] [--timeout-ms 500] [--writers 6] [--commits 150]

Three measurements, each with real processes on one SQLite state file in a temporary
directory (the store as monitor opens it: WAL, busy_timeout):
  wait        another process holds the write lock (BEGIN IMMEDIATE) for 0.2, 1 and 3 s; how
              long monitor's next commit waits, and whether it succeeds;
  contention  `--writers` processes each make `--commits` poll commits (a feed's state and
              5 items) at once; errors, wall time, commits/s;
  give up     the lock is held for longer than the store's busy timeout (set to `--timeout-ms`
              for this run, instead of 10 s, so it ends in seconds): how long until the commit
              fails with StoreError.
`--src DIR` runs the `monitor` package found in DIR (an export of another commit) for a
before/after in one session. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(src: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.Popen([sys.executable, __file__, *args], env=env, stdout=subprocess.PIPE,
                            text=True)


def hold(state: str, seconds: float) -> None:
    """Take the write lock, say so on stdout, keep it `seconds`, commit."""
    db = sqlite3.connect(state, isolation_level=None, timeout=60)
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE meta SET value = value WHERE key = 'created_at'")
    print("held", flush=True)
    time.sleep(seconds)
    db.execute("COMMIT")
    db.close()


def commit_once(store, name: str, n: int) -> None:
    from datetime import datetime, timezone

    from monitor.model import FeedState, Item

    now = datetime.now(timezone.utc)
    items = [Item(feed=name, id=f"{n}-{i}", key=f"{name}:{n}:{i}", title=f"Item {n} {i}",
                  summary="", link="", published_at=now) for i in range(5)]
    store.commit_polls([(FeedState(name=name, url="https://example.org/feed"), items, {}, [],
                         [])], now=now)


def open_state(state: str, timeout_ms: int | None):
    if timeout_ms is not None:  # the store reads its busy timeout when it opens a connection
        try:
            import monitor.store.sqlite.connection as backend
        except ImportError:  # before the store package
            import monitor.store as backend
        backend.BUSY_TIMEOUT_MS = timeout_ms
    try:
        from monitor.store import open_store
    except ImportError:
        from monitor.store import connect as open_store
    return open_store(state)


def write(state: str, name: str, commits: int, timeout_ms: int | None) -> None:
    """Open the state and make `commits` poll commits (opening writes too: the store checks
    that it can); prints one JSON line: errors, seconds from before opening to the end."""
    from monitor.errors import StoreError

    errors: list[str] = []
    started = time.perf_counter()
    try:
        store = open_state(state, timeout_ms)
    except StoreError as exc:
        errors.append(str(exc))
    else:
        for n in range(commits):
            try:
                commit_once(store, name, n)
            except StoreError as exc:
                errors.append(str(exc))
        store.close()
    print(json.dumps({"errors": errors, "seconds": time.perf_counter() - started}), flush=True)


def measure(src: Path, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        state = str(Path(tmp) / "state.db")
        sys.path.insert(0, str(src))
        open_state(state, None).close()  # created and migrated
        for seconds in (0.2, 1.0, 3.0):
            holder = child(src, "--role", "hold", "--state", state, "--seconds", str(seconds))
            assert holder.stdout.readline().strip() == "held"
            writer = child(src, "--role", "write", "--state", state, "--name", "wait",
                           "--commits", "1")
            result = json.loads(writer.stdout.readline())
            writer.wait(), holder.wait()
            print(f"wait: lock held {seconds:4.1f}s -> open and commit after {result['seconds']:5.2f}s, "
                  f"{'failed: ' + result['errors'][0] if result['errors'] else 'ok'}")
        writers = [child(src, "--role", "write", "--state", state, "--name", f"w{n}",
                         "--commits", str(args.commits)) for n in range(args.writers)]
        started = time.perf_counter()
        results = [json.loads(w.stdout.readline()) for w in writers]
        wall = time.perf_counter() - started
        for w in writers:
            w.wait()
        errors = sum(len(r["errors"]) for r in results)
        total = args.writers * args.commits
        print(f"contention: {args.writers} writers x {args.commits} commits: {errors} errors, "
              f"{wall:.2f}s wall, {total / wall:.0f} commits/s, slowest writer "
              f"{max(r['seconds'] for r in results):.2f}s")
        holder = child(src, "--role", "hold", "--state", state, "--seconds", "120")
        assert holder.stdout.readline().strip() == "held"
        writer = child(src, "--role", "write", "--state", state, "--name", "late",
                       "--commits", "1", "--patch-timeout-ms", str(args.timeout_ms))
        result = json.loads(writer.stdout.readline())
        writer.wait()
        holder.kill()
        holder.wait()
        print(f"give up: busy timeout {args.timeout_ms} ms, lock held 120s -> "
              f"{'failed' if result['errors'] else 'succeeded'} after {result['seconds']:.2f}s"
              f"{': ' + result['errors'][0] if result['errors'] else ''}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, default=ROOT, help="directory holding `monitor/`")
    ap.add_argument("--timeout-ms", type=int, default=500)
    ap.add_argument("--writers", type=int, default=6)
    ap.add_argument("--commits", type=int, default=150)
    ap.add_argument("--role", choices=["hold", "write"], help=argparse.SUPPRESS)
    ap.add_argument("--state", help=argparse.SUPPRESS)
    ap.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--name", help=argparse.SUPPRESS)
    ap.add_argument("--patch-timeout-ms", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.role == "hold":
        hold(args.state, args.seconds)
    elif args.role == "write":
        write(args.state, args.name, args.commits, args.patch_timeout_ms)
    else:
        print(f"monitor from {args.src}")
        measure(args.src.resolve(), args)


if __name__ == "__main__":
    main()
