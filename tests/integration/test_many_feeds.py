"""2,000 feeds started together, with the real daemon and a real feed server on 127.0.0.1: a
check that outlasts its feed's interval is logged when it starts overrunning and when it keeps
to its interval again, never once per skipped run (on main: 1,994 APScheduler "maximum number
of running instances" warnings in 25 s, and 1,478 tracebacks when stopped), and the daemon
stops at once with its checks cancelled. Where the first checks fall is tested in
tests/unit/test_schedule_spread.py.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict

import pytest

from support.cli import write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FEEDS = 2000
SLOW = 5  # these answer after 6 s: longer than their 5 s interval, on every run
OVERRUN = "Feed check is taking longer than its interval; its next checks wait for it"
RECOVERED = "Feed checks keep to their interval again"


def test_two_thousand_feeds_log_each_overrun_once_not_each_skipped_run(feed_server, tmp_path):
    body = rss([{"guid": "1", "title": "Quiet day"}])
    feeds = [{"name": f"f{i}", "url": feed_server.set(f"/f{i}.xml", body), "interval": "5s"}
             for i in range(FEEDS - SLOW)]
    feeds += [{"name": f"slow{i}", "url": feed_server.set(f"/slow{i}.xml", body,
                                                           delay_seconds=6.0),
               "interval": "5s"} for i in range(SLOW)]
    write_config(tmp_path / "config.yaml", feeds, rules=[{"name": "drones", "query": "drone"}],
                 fetch={"per_host": 16})  # the slow feeds must not hold every connection
    daemon = DaemonProcess(tmp_path, "--log-format", "json")
    try:
        wait_for(lambda: len({r.path for r in feed_server.requests}) == FEEDS, timeout=180,
                 what="every feed checked once", every=0.5)
        wait_for(lambda: daemon.stderr().count('"Feed checked"') >= FEEDS, timeout=60,
                 what="the first round of checks to finish", every=0.5)
        # The fast feeds can make up that count on their own (checked again at 5 s on a quiet
        # machine) before a slow feed's 6 s answer: wait until every slow feed's second check
        # has started, which it does only after the first (that overran) has finished.
        wait_for(lambda: all(len(feed_server.requests_to(f"/slow{i}.xml")) >= 2
                             for i in range(SLOW)), timeout=60,
                 what="each slow feed's first check to finish", every=0.5)
    finally:
        stopping = time.monotonic()
        code = daemon.stop(timeout=60)
    stop_seconds = time.monotonic() - stopping
    err = daemon.stderr()
    assert code == 0, err[-3000:]
    assert "maximum number of running instances" not in err
    assert "Traceback" not in err, err[err.index("Traceback") - 500:][:3000]
    changes = defaultdict(list)  # feed → its overrun / recovered lines, in order
    for line in err.splitlines():
        doc = json.loads(line)
        if doc["msg"] in (OVERRUN, RECOVERED):
            changes[doc["feed_name"]].append(doc["msg"])
    for feed, seen in changes.items():
        # State changes only: overrunning, then back, then overrunning again, …
        assert seen == [OVERRUN, RECOVERED] * (len(seen) // 2) + [OVERRUN] * (len(seen) % 2), \
            (feed, seen)
    for i in range(SLOW):
        assert changes[f"slow{i}"] == [OVERRUN]  # overran every run; said so once
    assert stop_seconds < 10.0, f"stopped after {stop_seconds:.1f} s"
