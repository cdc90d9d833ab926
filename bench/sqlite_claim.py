#!/usr/bin/env python3
"""CPU of one SQLite feed claim (store/sqlite/leases.py), which the daemon makes at least every
second and whenever a check slot frees, with many feeds configured.

    python bench/sqlite_claim.py [--feeds 10000]

Cases: every feed due at once (after an outage), and the steady state (0.1 % due). Before the
claim read only the due rows it read every feed's row at each call: 21-25 ms (all due) and
11.3 ms (0.1 % due) per call at 10,000 feeds, against 10-12 and 0.7 ms now (same session,
shared 2-core machine; bench/cluster.py measured 18.9 ms of node CPU per check on SQLite with
10,000 feeds all due, before).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    from monitor.model import FeedState
    from monitor.store import CheckRecord, open_store
    from monitor.store.leases import LeasableFeed

    names = [f"f{n:06d}" for n in range(args.feeds)]
    figures = {}
    for case, due_every in (("all due", 1), ("0.1 % due", 1000)):
        with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "state.db") as store:
            now = datetime.now(timezone.utc)
            store.commit_polls([CheckRecord(FeedState(
                name=name, url="http://127.0.0.1/", last_attempt_at=now,
                next_due_at=now - timedelta(seconds=1) if n % due_every == 0
                else now + timedelta(hours=1)), [], {}, [], []) for n, name in enumerate(names)],
                now=now)
            store.sync_feeds([LeasableFeed(name, "http://127.0.0.1/", 3600.0) for name in names])
            started = time.process_time()
            for _ in range(args.calls):
                store.release_feeds(store.claim_feeds(1, 130.0))
            figures[case] = (time.process_time() - started) / args.calls * 1000
    print(f"{args.feeds} feeds, CPU per claim: " + ", ".join(
        f"{case} {ms:.2f} ms" for case, ms in figures.items()) +
        f" (all due / steady: {figures['all due'] / figures['0.1 % due']:.0f}×)")


if __name__ == "__main__":
    main()
