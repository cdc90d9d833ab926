"""The daemon's feed scheduling (monitor.check_scheduler) on both backends: due feeds are leased
into free check slots, a recorded check is not due again for its interval, a check that failed
without recording is tried again an interval later, and stopping gives the leases back."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from monitor.check_scheduler import CheckScheduler
from monitor.config import FeedConfig
from monitor.model import FeedState


from support.stores import store  # noqa: E402,F401  (the fixture: both backends)


def feeds(n, interval=900.0):
    return tuple(FeedConfig(name=f"f{i}", url=f"https://x.org/{i}", interval=f"{interval:g}s")
                 for i in range(n))


def recorder(store, interval=900.0, *, fail=(), hold=None):
    """A check that records the feed as checked (what pipeline.poll commits)."""
    seen: list[str] = []
    running = {"now": 0, "max": 0}

    async def check(feed):
        running["now"] += 1
        running["max"] = max(running["max"], running["now"])
        try:
            seen.append(feed.name)
            if hold is not None:
                await hold.wait()
            await asyncio.sleep(0.01)
            if feed.name in fail:
                raise RuntimeError("boom")
            now = datetime.now(timezone.utc)
            store.commit_polls([(FeedState(name=feed.name, url=feed.url, last_attempt_at=now,
                                           next_due_at=now + timedelta(seconds=interval)),
                                 [], {}, [], [])], now=now)
        finally:
            running["now"] -= 1

    return check, seen, running


async def run_for(scheduler, seconds):
    task = asyncio.ensure_future(scheduler.run())
    await asyncio.sleep(seconds)
    scheduler.stopping.set()
    await task
    await scheduler.stop()


def test_each_due_feed_is_checked_once_at_most_slots_at_a_time(store):
    async def main():
        check, seen, running = recorder(store)
        scheduler = CheckScheduler(store, feeds(40), check=check, slots=8, lease_seconds=30,
                                   stopping=asyncio.Event(), spread_first_checks=False)
        await run_for(scheduler, 1.5)
        return seen, running

    seen, running = asyncio.run(main())
    assert sorted(seen) == sorted(f"f{i}" for i in range(40))  # each once: then not due
    assert running["max"] <= 8
    assert store.held == {}


def test_a_check_that_records_nothing_is_tried_again_an_interval_later(store):
    """Not at once (a hot loop on a full disk or a dead database) and not a whole lease later
    (a full disk freed would wait minutes): at the feed's interval, as before leases. Failed
    before (the lease ran out: f0 checked once in 2.5 s with a 30 s lease)."""
    async def main():
        check, seen, _ = recorder(store, fail={"f0"})
        scheduler = CheckScheduler(store, feeds(1, interval=1.0) + feeds(2)[1:], check=check,
                                   slots=4, lease_seconds=30, stopping=asyncio.Event(),
                                   spread_first_checks=False)
        await run_for(scheduler, 2.6)  # claims at least every second
        return seen

    seen = asyncio.run(main())
    assert seen.count("f1") == 1  # recorded: not due for 900 s
    assert 2 <= seen.count("f0") <= 3  # at 0 s, ~1 s, ~2 s: never back-to-back


def test_stopping_cancels_running_checks_and_gives_their_leases_back(store):
    async def main():
        check, seen, _ = recorder(store, hold=asyncio.Event())  # never finishes by itself
        scheduler = CheckScheduler(store, feeds(3), check=check, slots=4, lease_seconds=30,
                                   stopping=asyncio.Event(), spread_first_checks=False)
        await run_for(scheduler, 0.5)
        return seen

    seen = asyncio.run(main())
    assert sorted(seen) == ["f0", "f1", "f2"]
    assert store.held == {}
    # Given back, not run out: due again at once (for another node, or the next start).
    assert sorted(lease.name for lease in store.claim_feeds(10, 30)) == ["f0", "f1", "f2"]


def test_a_feed_not_in_this_config_is_given_back(store):
    async def main():
        check, seen, _ = recorder(store)
        scheduler = CheckScheduler(store, feeds(2), check=check, slots=4, lease_seconds=30,
                                   stopping=asyncio.Event(), spread_first_checks=False)
        scheduler.use(feeds(1))  # a reload dropped f1
        await run_for(scheduler, 0.5)
        return seen

    assert asyncio.run(main()) == ["f0"]


def test_first_checks_of_new_feeds_are_spread_over_the_window(store):
    async def main():
        check, seen, _ = recorder(store, interval=4.0)
        # 100 feeds with a 4 s interval: first checks spread over 4 s, by name.
        scheduler = CheckScheduler(store, feeds(100, interval=4.0), check=check, slots=32,
                                   lease_seconds=30, stopping=asyncio.Event())
        task = asyncio.ensure_future(scheduler.run())
        await asyncio.sleep(1.0)
        early = len(set(seen))
        await asyncio.sleep(4.0)
        scheduler.stopping.set()
        await task
        await scheduler.stop()
        return early, set(seen)

    early, seen = asyncio.run(main())
    assert len(seen) == 100
    assert early < 60, f"{early} of 100 first checks in the first second of a 4 s window"
