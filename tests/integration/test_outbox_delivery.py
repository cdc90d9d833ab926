"""The outbox drain against a real receiver: rate limits, 429s that pause a whole channel,
dead letters and retry, digests, max attempts. A settable clock stands in for waiting. Every
test runs on a SQLite state and on a PostgreSQL one (issue 13: rate limits and digests are read
from the shared state, so they hold cluster-wide)."""

import asyncio
import base64
import logging
from datetime import timedelta

import pytest

from monitor.config import parse_config
from monitor.deliver import build_channels
from monitor.outbox import Outbox
from monitor.outbox.policy import RetryPolicy
from monitor.outbox.drain import drain_outbox
from monitor.runtime import build_deps
from monitor.store import open_store
from support.alerts import NOW, make_alert
from support.records import queue_alerts
from support.webhook_receiver import Reply

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)

    async def sleep(self, seconds):
        self.slept = getattr(self, "slept", []) + [seconds]
        self.advance(seconds)



@pytest.fixture
def loop():
    """One event loop per test, as in a real run: the channels' shared client lives in it."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def run(coro):
    return asyncio.get_event_loop_policy().get_event_loop().run_until_complete(coro)


@pytest.fixture
def setup(tmp_path, receiver, loop, any_state):
    made = []
    asyncio.set_event_loop(loop)

    def make(extra="", policy=None, top=""):
        clock = Clock(NOW)
        config = parse_config(
            "feeds: [{name: f, url: 'http://127.0.0.1:9/x'}]\n"
            f"channels:\n  - {{name: hook, type: webhook, url: '{receiver.url()}', "
            f"timeout: 5s{extra}}}\n{top}", base_dir=tmp_path, env={})
        store = open_store(any_state)
        deps = build_deps(config, store, fetcher=None,
                          channels=build_channels(config.channels, stdout=None), clock=clock)
        if policy:
            deps.outbox = Outbox(store, policy)
        made.append(deps)
        return deps, clock

    yield make
    for deps in made:
        loop.run_until_complete(_close(deps))
    asyncio.set_event_loop(None)


async def _close(deps):
    for ch in deps.channels.values():
        await ch.aclose()
    deps.store.close()


def alerts(n, start=0, now=NOW):
    return [make_alert(key=f"k{i}", title=f"Story {i}", channel="hook", now=now)
            for i in range(start, start + n)]


def titles(rx):
    out = []
    for r in rx.delivered():
        data = r.json()["data"]
        out += [a["title"] for a in data["alerts"]] if "alerts" in data else [data["title"]]
    return out


def test_rate_limit_sends_ten_a_minute_and_the_rest_wait(setup, receiver):
    deps, clock = setup(", rate_limit: 10/min")
    queue_alerts(deps.store, alerts(25), now=NOW)
    sent = []
    for step in range(4):
        report = run(drain_outbox(deps))
        sent.append(report.sent)
        clock.advance(61)
    assert sent == [10, 10, 5, 0]
    assert titles(receiver) == [f"Story {i}" for i in range(25)]


def test_rate_limit_counts_sends_of_earlier_runs(setup, receiver):
    deps, clock = setup(", rate_limit: 10/min")
    queue_alerts(deps.store, alerts(6), now=NOW)
    assert run(drain_outbox(deps)).sent == 6
    clock.advance(30)
    queue_alerts(deps.store, alerts(6, start=6, now=clock()), now=clock())
    report = run(drain_outbox(deps))
    assert (report.sent, report.rate_limited) == (4, 1)
    clock.advance(31)  # the first six leave the 60-second window
    assert run(drain_outbox(deps)).sent == 2


def test_flush_paces_a_rate_limited_channel_instead_of_stopping(setup, receiver):
    deps, clock = setup(", rate_limit: 10/min")
    queue_alerts(deps.store, alerts(25), now=NOW)
    report = run(drain_outbox(deps, ignore_backoff=True,
                                      rate_limit_wait_seconds=float("inf"), sleep=clock.sleep))
    assert report.sent == 25 and report.pending == 0
    assert clock.slept == [60.0, 60.0]
    assert titles(receiver) == [f"Story {i}" for i in range(25)]


def test_a_429_pauses_the_whole_channel_for_its_retry_after_and_keeps_order(setup, receiver):
    from monitor.retry import Backoff

    # A backoff shorter than the Retry-After and no jitter: the wait is the server's 30 s exactly.
    deps, clock = setup(policy=RetryPolicy(Backoff(base_seconds=5, jitter=0)))
    queue_alerts(deps.store, alerts(3), now=NOW)
    receiver.script("/hook", Reply.rate_limited("webhook", 30))
    first = run(drain_outbox(deps))
    assert (first.sent, first.failed) == (0, 1)
    clock.advance(10)
    assert run(drain_outbox(deps)).sent == 0  # newer alerts wait behind the first
    assert len(receiver.requests) == 1
    clock.advance(25)
    assert run(drain_outbox(deps)).sent == 3
    assert titles(receiver) == ["Story 0", "Story 1", "Story 2"]
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids[0] == ids[1]  # the retried alert kept its id


def test_a_permanent_failure_goes_dead_with_an_error_line_and_can_be_retried(
        setup, receiver, caplog):
    deps, clock = setup()
    queue_alerts(deps.store, alerts(2), now=NOW)
    receiver.script("/hook", Reply(410, "gone"))
    with caplog.at_level(logging.INFO, logger="monitor.pipeline"):
        report = run(drain_outbox(deps))
    assert (report.sent, report.dead) == (1, 1)
    [line] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "dead" in line.getMessage()
    assert line.fields["channel"] == "hook" and "HTTP 410" in line.fields["error"]
    assert "retry" in line.fields["hint"]
    [dead] = deps.store.outbox_rows(("dead",))
    assert dead.alert.title == "Story 0"
    assert deps.store.retry_dead(None, clock()) == 1
    assert run(drain_outbox(deps)).sent == 1
    assert deps.store.outbox_counts() == {"sent": 2}


def test_transient_failures_go_dead_after_max_attempts(setup, receiver):
    from monitor.retry import Backoff

    policy = RetryPolicy(Backoff(base_seconds=10, factor=2, max_seconds=100, jitter=0),
                         max_attempts=3)
    deps, clock = setup(policy=policy)
    queue_alerts(deps.store, alerts(1), now=NOW)
    receiver.script("/hook", Reply(500), Reply(500), Reply(500))
    outcomes = []
    for _ in range(3):
        r = run(drain_outbox(deps))
        outcomes.append((r.failed, r.dead))
        clock.advance(1000)
    assert outcomes == [(1, 0), (1, 0), (0, 1)]
    [row] = deps.store.outbox_rows(("dead",))
    assert row.attempts == 3


def test_digest_sends_one_message_per_interval_with_every_waiting_alert(setup, receiver):
    deps, clock = setup(", digest: 1h")
    queue_alerts(deps.store, alerts(5), now=clock())
    assert run(drain_outbox(deps)).sent == 0
    clock.advance(1800)
    queue_alerts(deps.store, alerts(2, start=5, now=clock()), now=clock())
    assert run(drain_outbox(deps)).sent == 0
    assert receiver.requests == []
    clock.advance(1800)
    report = run(drain_outbox(deps))
    assert (report.digests, report.sent) == (1, 1)
    [req] = receiver.requests
    doc = req.json()
    assert doc["type"] == "alert.digest" and doc["data"]["count"] == 7
    assert [a["title"] for a in doc["data"]["alerts"]] == [f"Story {i}" for i in range(7)]
    assert req.headers["webhook-id"].startswith("dg_")
    assert deps.store.outbox_counts() == {"sent": 8}  # 7 alerts + the digest row
    # A new alert right after waits a full interval: at most one digest per hour.
    queue_alerts(deps.store, alerts(1, start=7, now=clock()), now=clock())
    clock.advance(1000)
    assert run(drain_outbox(deps)).sent == 0


def test_a_failed_digest_is_retried_as_the_same_digest(setup, receiver):
    deps, clock = setup(", digest: 10m")
    queue_alerts(deps.store, alerts(3), now=clock())
    clock.advance(600)
    receiver.script("/hook", Reply(503))
    assert run(drain_outbox(deps)).failed == 1
    # A new alert waits for the next digest.
    queue_alerts(deps.store, alerts(1, start=3, now=clock()), now=clock())
    clock.advance(3600)
    run(drain_outbox(deps))
    first, retried = receiver.requests[:2]
    assert first.headers["webhook-id"] == retried.headers["webhook-id"]
    assert retried.json()["data"]["count"] == 3
    assert first.body == retried.body


def test_flush_sends_a_digest_before_its_interval(setup, receiver):
    deps, clock = setup(", digest: 1d")
    queue_alerts(deps.store, alerts(4), now=clock())
    report = run(drain_outbox(deps, ignore_backoff=True))
    assert (report.digests, report.sent, report.pending) == (1, 1, 0)
    assert receiver.requests[0].json()["data"]["count"] == 4


def test_a_drain_without_a_row_cap_sends_everything_due(setup, receiver):
    """The daemon's drains are capped (the next one goes on); `monitor poll` drains with no cap,
    so it never exits with due alerts unsent."""
    deps, clock = setup()
    queue_alerts(deps.store, alerts(12), now=NOW)
    assert run(drain_outbox(deps, max_rows=5)).sent == 5
    report = run(drain_outbox(deps, max_rows=None))
    assert (report.sent, report.pending) == (7, 0)
    assert titles(receiver) == [f"Story {i}" for i in range(12)]


def test_the_config_sets_how_long_failed_alerts_are_retried(setup, receiver):
    deps, clock = setup(top="delivery: {retry_first: 10s, retry_max: 20s, max_attempts: 2}\n")
    assert deps.outbox.policy.max_attempts == 2
    queue_alerts(deps.store, alerts(1), now=NOW)
    receiver.script("/hook", Reply(500), Reply(500))
    assert run(drain_outbox(deps)).failed == 1
    clock.advance(5)  # the first retry comes after 10 s ± 20 % jitter
    assert run(drain_outbox(deps)).failed == 0 and len(receiver.requests) == 1
    clock.advance(8)
    assert run(drain_outbox(deps)).dead == 1  # the second failure is the last attempt
    assert len(receiver.requests) == 2
    assert deps.store.outbox_counts() == {"dead": 1}


def test_alerts_of_a_channel_no_longer_configured_go_dead_saying_why(setup, receiver):
    """Each channel is drained on its own; rows of a channel removed from the config get
    their own drain too, and go dead with the reason (never silently left pending)."""
    deps, _ = setup()
    queue_alerts(deps.store, alerts(2) + [make_alert(key="g", title="Gone", channel="old")],
                              now=NOW)
    report = run(drain_outbox(deps))
    assert (report.sent, report.dead, report.pending) == (2, 1, 0)
    assert titles(receiver) == ["Story 0", "Story 1"]
    (dead,) = deps.store.outbox_rows(["dead"])
    assert dead.channel == "old"
    assert dead.last_error == "channel old: channel is no longer in the config"



def test_alerts_of_a_removed_channel_that_was_backing_off_go_dead_too(tmp_path, setup,
                                                                      receiver):
    """Found running a daemon: the channel failed (its oldest alert backing off, the rest
    waiting behind it), then was removed from the config. The drain of a removed channel
    took only due rows, so it found none and every alert stayed pending for good: never
    sent, never dead, nothing said. A removed channel has no backoff to wait for."""
    deps, clock = setup()
    queue_alerts(deps.store, alerts(3), now=NOW)
    receiver.script("/hook", Reply(500))
    assert run(drain_outbox(deps)).failed == 1  # the oldest backs off, the others wait
    assert deps.store.outbox_counts() == {"pending": 3}
    config = parse_config("feeds: [{name: f, url: 'http://127.0.0.1:9/x'}]\n"
                          "channels: [{name: console, type: console}]\n",
                          base_dir=tmp_path, env={})
    without_hook = build_deps(config, deps.store, fetcher=None, channels={}, clock=clock)
    clock.advance(1)
    report = run(drain_outbox(without_hook))
    assert (report.dead, report.pending) == (3, 0)
    assert len(receiver.requests) == 1
    assert {r.last_error for r in deps.store.outbox_rows(["dead"])} == {
        "channel hook: channel is no longer in the config"}


# -- two nodes on one PostgreSQL state (issue 13): one sender per channel, limits shared -------

@pytest.mark.parametrize("any_state", ["postgresql"], indirect=True)
def test_two_nodes_send_a_channel_one_at_a_time_within_one_rate_limit(
        setup, receiver, monkeypatch):
    monkeypatch.setenv("MONITOR_NODE", "node-a")
    a, clock_a = setup(", rate_limit: 10/min")
    monkeypatch.setenv("MONITOR_NODE", "node-b")
    b, clock_b = setup(", rate_limit: 10/min")
    queue_alerts(a.store, alerts(25), now=NOW)
    assert run(drain_outbox(a)).sent == 10
    # node-a holds the channel's send lease: node-b sends none of its rows meanwhile.
    assert run(drain_outbox(b)).sent == 0
    assert a.store.send_leases() == {"hook": "node-a"}
    # node-a stops (its lease given back): node-b takes the channel over, and the minute's
    # ten sends node-a made count against it.
    a.store.close()
    report = run(drain_outbox(b))
    assert (report.sent, report.rate_limited) == (0, 1)
    assert b.store.send_leases() == {"hook": "node-b"}
    clock_b.advance(61)
    assert run(drain_outbox(b)).sent == 10
    assert titles(receiver) == [f"Story {i}" for i in range(20)]  # in order, none twice


@pytest.mark.parametrize("any_state", ["postgresql"], indirect=True)
def test_a_digest_collects_alerts_queued_by_either_node_and_is_sent_once(
        setup, receiver, monkeypatch):
    monkeypatch.setenv("MONITOR_NODE", "node-a")
    a, clock_a = setup(", digest: 1h")
    monkeypatch.setenv("MONITOR_NODE", "node-b")
    b, clock_b = setup(", digest: 1h")
    queue_alerts(a.store, alerts(3), now=NOW)
    queue_alerts(b.store, alerts(2, start=3), now=NOW)
    assert run(drain_outbox(a)).sent == 0  # node-a takes the channel; the hour is not up
    a.store.close()
    clock_b.advance(3600)
    report = run(drain_outbox(b))
    assert (report.digests, report.sent) == (1, 1)
    [req] = receiver.requests
    assert [x["title"] for x in req.json()["data"]["alerts"]] == [f"Story {i}" for i in range(5)]
    assert run(drain_outbox(b)).sent == 0
    assert b.store.outbox_counts() == {"sent": 6}
