"""A feed failing for longer than `health.feed_failing_after` alerts once about itself, and
once when it works again, through the outbox to a real webhook receiver."""

from __future__ import annotations

import time

import pytest

from support.cli import run_cli, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration



def test_feed_failing_then_recovered_alerts_each_arrive_exactly_once(
        feed_server, receiver, tmp_path):
    feed = feed_server.set("/f.xml", b"down for maintenance", status=500, etag=False)
    write_config(tmp_path / "config.yaml",
                 [{"name": "svaboda", "url": feed + "?key=s3cr3t-t0ken"}],
                 rules=[{"name": "drones", "query": "drone", "channels": ["out"]}],
                 channels=[{"name": "out", "type": "console"},
                           {"name": "ops", "type": "webhook", "url": receiver.url("/ops")}],
                 health={"feed_failing_after": "2s", "channels": ["ops"]})

    def poll():
        result = run_cli("poll", "--force", cwd=tmp_path)
        assert result.code == 0, result.stderr
        return result

    poll()  # the first failure starts the clock
    assert receiver.requests_to("/ops") == []
    time.sleep(2.2)
    poll()  # failing for over 2 s: one alert
    poll()  # still failing: nothing more
    feed_server.set("/f.xml", rss([{"guid": "1", "title": "Quiet news"}]))
    poll()  # works again: one alert
    poll()  # still fine: nothing more

    got = [r.json() for r in receiver.delivered("/ops")]
    assert [d["type"] for d in got] == ["feed.failing", "feed.recovered"]
    failing, recovered = (d["data"] for d in got)
    assert failing["feed"] == recovered["feed"] == "svaboda"
    assert failing["title"].startswith("Feed svaboda has been failing since ")
    assert "2 failed checks in a row" in failing["summary"]
    assert "HTTP 500" in failing["summary"]
    assert recovered["title"] == "Feed svaboda is working again"
    assert failing["link"] == feed  # without the query that may carry a token
    ids = [r.headers["webhook-id"] for r in receiver.delivered("/ops")]
    assert len(set(ids)) == 2 and ids == [failing["id"], recovered["id"]]


def test_a_feed_failing_briefly_alerts_nothing(feed_server, receiver, tmp_path):
    feed = feed_server.set("/f.xml", b"oops", status=503, etag=False)
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": feed}],
                 channels=[{"name": "ops", "type": "webhook", "url": receiver.url("/ops")}],
                 health={"feed_failing_after": "1h", "channels": ["ops"]})
    assert run_cli("poll", "--force", cwd=tmp_path).code == 0
    feed_server.set("/f.xml", rss([{"guid": "1", "title": "Back"}]))
    assert run_cli("poll", "--force", cwd=tmp_path).code == 0
    assert receiver.requests_to("/ops") == []
