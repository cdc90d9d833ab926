"""A channel whose peer drips its answer (one byte every 2 s: every read succeeds, the answer
never ends) against real receivers on 127.0.0.1: each send has a total deadline (the channel's
`timeout`), a slow channel never delays another channel's alerts, `monitor poll` ends, and the
daemon's /healthz and /metrics name the stalled channel.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from support.channel_configs import channel_config
from monitor.deliver import build_channels
from monitor.deliver.email import EmailChannel
from monitor.errors import DeliveryError
from support.alerts import make_alert
from support.cli import run_cli, write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss
from support.ports import free_port
from support.smtp_server import SmtpServer
from support.webhook_receiver import Reply, WebhookReceiver
from test_health import get, samples

pytestmark = pytest.mark.integration

DRIP = Reply(200, drip_seconds=2.0)


@pytest.fixture
def fast():
    rx = WebhookReceiver().start()
    yield rx
    rx.stop()


@pytest.fixture
def slow():
    rx = WebhookReceiver().start()
    rx.default = DRIP
    yield rx
    rx.stop()


def guarded(coro, seconds: float = 60.0):
    """Run `coro`, failing (not hanging) if it outlives `seconds`: today's code never ends."""
    return asyncio.run(asyncio.wait_for(coro, seconds))


def news(feed_server, count: int, start: int = 0) -> str:
    return feed_server.set("/news.xml", rss([{"guid": f"n{i}", "title": f"Drone report {i}",
                                              "link": f"https://example.org/{i}"}
                                             for i in range(start + count - 1, -1, -1)]))


def test_a_dripping_webhook_fails_at_its_total_deadline(slow):
    async def go():
        (channel,) = build_channels([channel_config({
            "name": "hook", "type": "webhook", "url": slow.url("/hook"), "timeout": "3s"})],
            stdout=None).values()
        try:
            await channel.send(make_alert())
        finally:
            await channel.aclose()

    with pytest.raises(DeliveryError) as info:
        guarded(go())
    assert info.value.transient
    assert str(info.value) == f"channel hook: http://127.0.0.1:{slow.port} did not answer within 3 s"


def test_a_slow_smtp_server_fails_at_the_total_deadline_not_per_reply():
    """Each reply comes within the 2 s timeout; the conversation as a whole does not."""
    server = SmtpServer(security="none").start()
    server.reply_delay_seconds = 1.2  # MAIL, RCPT, DATA: 3.6 s in all
    channel = EmailChannel(channel_config({
        "name": "mail", "type": "email", "host": "127.0.0.1", "port": server.port,
        "security": "none", "timeout": "2s", "from": "m@example.org", "to": ["r@example.org"]}))
    try:
        with pytest.raises(DeliveryError) as info:
            guarded(channel.send(make_alert()))
    finally:
        server.stop()
    assert info.value.transient
    assert str(info.value) == f"channel mail: 127.0.0.1:{server.port} did not answer within 2 s"


def test_poll_ends_and_the_fast_channel_gets_every_alert_past_a_dripping_one(
        feed_server, fast, slow, tmp_path):
    write_config(tmp_path / "config.yaml",
                 [{"name": "news", "url": news(feed_server, 3)}],
                 rules=[{"name": "drones", "query": "drone", "channels": ["slow", "fast"]}],
                 channels=[{"name": "slow", "type": "webhook", "url": slow.url("/hook"),
                            "timeout": "3s"},
                           {"name": "fast", "type": "webhook", "url": fast.url("/hook")}])
    result = run_cli("poll", cwd=tmp_path, timeout=60)  # today: TimeoutExpired, never ends
    assert result.code == 0, result.stderr
    assert len(fast.delivered("/hook")) == 3
    assert len(slow.requests_to("/hook")) == 1  # one try; the rest wait behind it, in order
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        rows = db.execute("SELECT channel, status, last_error FROM outbox ORDER BY id").fetchall()
    assert sorted((c, s) for c, s, _ in rows) == \
        [("fast", "sent")] * 3 + [("slow", "pending")] * 3
    assert "did not answer within 3 s" in [e for c, _, e in rows if c == "slow"][0]


def test_daemon_delivers_past_a_stalled_channel_and_health_names_it(
        feed_server, fast, slow, tmp_path):
    write_config(tmp_path / "config.yaml",
                 [{"name": "news", "url": news(feed_server, 3), "interval": "1s"}],
                 rules=[{"name": "drones", "query": "drone", "channels": ["slow", "fast"]}],
                 channels=[{"name": "slow", "type": "webhook", "url": slow.url("/hook"),
                            "timeout": "4s"},
                           {"name": "fast", "type": "webhook", "url": fast.url("/hook")}],
                 delivery={"retry_first": "1s", "stalled_after": "3s"})
    port = free_port()
    daemon = DaemonProcess(tmp_path, "--health-port", str(port))
    try:
        assert len(fast.wait_for(3, timeout=30, path="/hook")) == 3
        # They went out while the slow channel's first send was still hanging.
        assert "Alert delivery failed" not in daemon.stderr()
        news(feed_server, 2, start=3)  # two more items: the fast channel gets them too
        assert len(fast.wait_for(5, timeout=30, path="/hook")) == 5
        # Stalled from `stalled_after` on: first with its send in flight, then failing.
        wait_for(lambda: get(port, "/healthz")[0] == 503, timeout=30,
                 what="/healthz to report the stalled channel")
        wait_for(lambda: "did not answer" in get(port, "/healthz")[1], timeout=30,
                 what="/healthz to say why")
        status, body = get(port, "/healthz")
        assert status == 503
        assert body.startswith("unhealthy: channel slow: delivery failing for "), body
        assert body.rstrip().endswith(f"last: http://127.0.0.1:{slow.port} did not answer "
                                      f"within 4 s)"), body
        assert "fast" not in body
        metrics = samples(get(port, "/metrics")[1])
        assert metrics[("monitor_channel_stalled", (("channel", "slow"),))] == 1
        assert metrics[("monitor_channel_stalled", (("channel", "fast"),))] == 0
        assert metrics[("monitor_channel_consecutive_failures", (("channel", "slow"),))] >= 1
        assert ("monitor_channel_last_success_timestamp_seconds",
                (("channel", "fast"),)) in metrics
        # The slow channel works again: health recovers with its next successful send.
        slow.default = Reply(200)
        wait_for(lambda: get(port, "/healthz") == (200, "ok\n"), timeout=60,
                 what="/healthz to recover")
        # Health recovers with the first success; the other four follow it, one send at a time.
        assert len(slow.wait_for(5, timeout=30, path="/hook")) == 5
    finally:
        assert daemon.stop() == 0
    assert len(slow.delivered("/hook")) == 5
