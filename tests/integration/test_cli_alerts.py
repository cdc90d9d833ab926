"""Alerts end to end as a user runs them: a real feed server → `monitor poll` (a subprocess)
→ the outbox → a real webhook receiver; `test-alert`; `outbox`, `outbox retry`, `flush`."""

import base64
import json

import pytest
import standardwebhooks

from support.cli import run_cli, write_config
from support.feed_server import rss
from support.webhook_receiver import Reply, WebhookReceiver

pytestmark = pytest.mark.integration
SECRET = "whsec_" + base64.b64encode(b"end-to-end-secret-of-32-bytes!!").decode()



def items(start, stop):
    return [{"guid": f"g{i}", "title": f"Drone story {i}", "link": f"https://e.org/{i}",
             "description": f"Item {i} is about a drone factory.",
             "pubDate": f"Tue, 24 Nov 2026 {10 + i % 10:02d}:00:00 GMT"}
            for i in range(start, stop)]


def configure(tmp_path, feed_server, receiver, **channel):
    url = feed_server.set("/feed.xml", rss(items(0, 3)))
    write_config(tmp_path / "config.yaml", [{"name": "news", "url": url, "language": "en"}],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": "${HOOK_URL}",
                            "secret": "${HOOK_SECRET}", "timeout": "3s", **channel}])
    return {"HOOK_URL": receiver.url("/hook/s3cr3t-path"), "HOOK_SECRET": SECRET}


def received_titles(receiver):
    return [r.json()["data"]["title"] for r in receiver.delivered()]


def test_poll_delivers_signed_alerts_to_a_real_receiver(tmp_path, feed_server, receiver):
    env = configure(tmp_path, feed_server, receiver)
    result = run_cli("poll", cwd=tmp_path, env=env)
    assert result.code == 0, result.stderr
    assert "alerts: 3 sent" in result.stdout
    assert sorted(received_titles(receiver)) == ["Drone story 0", "Drone story 1",
                                                 "Drone story 2"]
    for req in receiver.delivered():
        doc = standardwebhooks.Webhook(SECRET).verify(req.body, req.headers)
        assert doc["data"]["id"] == req.headers["webhook-id"]
        assert doc["data"]["rule"] == "drones" and doc["data"]["feed"] == "news"
    again = run_cli("poll", cwd=tmp_path, env=env)
    assert "alerts: 0 sent" in again.stdout and len(receiver.requests) == 3


def test_receiver_down_for_one_poll_then_every_alert_arrives_once_oldest_first(
        tmp_path, feed_server, receiver):
    env = configure(tmp_path, feed_server, receiver)
    receiver.stop()
    first = run_cli("poll", cwd=tmp_path, env=env)
    assert first.code == 0, first.stderr
    assert "3 waiting (`monitor outbox` lists them)" in first.stdout
    # Why they wait, in the poll's own output (the warning is below its default log level).
    assert first.stdout.splitlines()[-1].startswith(
        "channel hook: cannot connect to http://127.0.0.1"), first.stdout
    assert "s3cr3t-path" not in first.stdout + first.stderr
    listing = run_cli("outbox", "--json", cwd=tmp_path, env=env).json()
    assert [a["status"] for a in listing["alerts"]] == ["pending"] * 3
    assert "cannot connect to http://127.0.0.1" in listing["alerts"][0]["last_error"]

    receiver.start()  # same port
    feed_server.update("/feed.xml", rss(items(0, 5)))
    # The failed alert backs off for about 30 s; flush sends everything now, in order.
    second = run_cli("poll", cwd=tmp_path, env=env)
    assert "2 new items" in second.stdout
    # The new alerts do not jump the queue while the older ones back off.
    assert receiver.delivered() == []
    flushed = run_cli("outbox", "flush", cwd=tmp_path, env=env)
    assert flushed.code == 0, flushed.stderr
    got = received_titles(receiver)
    assert sorted(got) == [f"Drone story {i}" for i in range(5)]
    assert len(got) == len(set(got)) == 5
    # Oldest first: the three from the first poll (in feed order), then the two new ones.
    assert set(got[:3]) == {"Drone story 0", "Drone story 1", "Drone story 2"}
    ids = [r.headers["webhook-id"] for r in receiver.delivered()]
    assert len(set(ids)) == 5
    status = run_cli("outbox", cwd=tmp_path, env=env)
    assert "0 pending" in status.stdout and "5 sent" in status.stdout


def test_poll_json_says_what_was_sent_what_waits_and_why(tmp_path, feed_server, receiver):
    env = configure(tmp_path, feed_server, receiver)
    receiver.stop()
    down = run_cli("poll", "--json", cwd=tmp_path, env=env)
    assert down.code == 0, down.stderr
    alerts = down.json()["alerts"]
    assert (alerts["sent"], alerts["waiting"], alerts["dead"]) == (0, 3, 0)
    assert list(alerts["channel_errors"]) == ["hook"]
    assert alerts["channel_errors"]["hook"].startswith("channel hook: cannot connect to ")
    assert "s3cr3t-path" not in down.stdout + down.stderr
    receiver.start()
    flushed = run_cli("outbox", "flush", cwd=tmp_path, env=env)
    assert flushed.code == 0, flushed.stderr
    feed_server.update("/feed.xml", rss(items(0, 4)))
    up = run_cli("poll", "--json", cwd=tmp_path, env=env).json()["alerts"]
    assert up == {"sent": 1, "waiting": 0, "dead": 0, "channel_errors": {}}
    assert run_cli("poll", "--dry-run", "--json", cwd=tmp_path, env=env).json().get(
        "alerts") is None  # a dry run sends nothing


def test_poll_quiet_prints_only_when_something_needs_attention(tmp_path, feed_server,
                                                                receiver):
    env = configure(tmp_path, feed_server, receiver)
    fine = run_cli("poll", "--quiet", cwd=tmp_path, env=env)
    assert (fine.code, fine.stdout, fine.stderr) == (0, "", "")
    assert len(receiver.delivered()) == 3  # it did poll and send
    receiver.stop()
    feed_server.update("/feed.xml", rss(items(0, 4)))
    down = run_cli("poll", "-q", cwd=tmp_path, env=env)
    assert down.code == 0, down.stderr
    assert down.stdout.splitlines()[0].endswith("alerts: 0 sent, 1 waiting (`monitor outbox` "
                                                "lists them)")
    assert down.stdout.splitlines()[1].startswith("channel hook: cannot connect to ")
    receiver.start()
    assert run_cli("outbox", "flush", cwd=tmp_path, env=env).code == 0
    feed_server.set("/feed.xml", b"", status=500)
    broken = run_cli("poll", "-q", "--force", cwd=tmp_path, env=env)
    assert broken.stdout == ("fetch news: HTTP 500 Internal Server Error\n"
                             "1 feed (1 failed); 0 new items; 0 matches; alerts: 0 sent\n")


def test_dead_alerts_are_listed_and_retried_by_the_id_every_log_and_webhook_shows(
        tmp_path, feed_server, receiver):
    env = configure(tmp_path, feed_server, receiver)
    receiver.script("/hook/s3cr3t-path", *[Reply(403, {"error": "forbidden"})] * 3)
    result = run_cli("poll", "--log-level", "error", cwd=tmp_path, env=env)
    assert "3 failed for good" in result.stdout
    assert "ERROR" in result.stderr and "s3cr3t-path" not in result.stderr
    # The id a webhook carries (webhook-id, data.id) is the one the log names…
    sent_ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert all(f"alert_id={i}" in result.stderr for i in sent_ids)
    # …and the one `monitor outbox` lists and `outbox retry` takes (issue 11 #24).
    listing = run_cli("outbox", cwd=tmp_path, env=env)
    assert listing.stdout.count(" dead ") == 3
    assert "HTTP 403" in listing.stdout
    assert sorted(line.split()[0] for line in listing.stdout.splitlines()
                  if " dead " in line) == sorted(sent_ids)
    as_json = run_cli("outbox", "--json", cwd=tmp_path, env=env).json()
    assert sorted(a["id"] for a in as_json["alerts"]) == sorted(sent_ids)
    ambiguous = run_cli("outbox", "retry", "al_", cwd=tmp_path, env=env)
    assert ambiguous.code == 1 and "al_ matches 3 dead alerts" in ambiguous.stderr
    one = run_cli("outbox", "retry", sent_ids[0], cwd=tmp_path, env=env)
    assert one.stdout.startswith("1 dead alert queued again"), one.stderr
    prefix = run_cli("outbox", "retry", sent_ids[1][:9], cwd=tmp_path, env=env)
    assert prefix.stdout.startswith("1 dead alert queued again"), prefix.stderr
    missing = run_cli("outbox", "retry", "al_000000", cwd=tmp_path, env=env)
    assert missing.code == 1 and "no dead alert with id al_000000" in missing.stderr
    row_number = run_cli("outbox", "retry", "3", cwd=tmp_path, env=env)
    assert row_number.code == 1 and "no dead alert with id 3" in row_number.stderr
    rest = run_cli("outbox", "retry", "--all", cwd=tmp_path, env=env)
    assert rest.stdout.startswith("1 dead alert queued again")
    flushed = run_cli("outbox", "flush", cwd=tmp_path, env=env)
    assert flushed.code == 0 and "alerts: 3 sent" in flushed.stdout
    assert len(receiver.delivered()) == 3


def test_digest_channel_collects_alerts_until_flush(tmp_path, feed_server, receiver):
    env = configure(tmp_path, feed_server, receiver, digest="1h")
    result = run_cli("poll", cwd=tmp_path, env=env)
    assert "alerts: 0 sent" in result.stdout and receiver.requests == []
    listing = run_cli("outbox", "--json", cwd=tmp_path, env=env).json()
    assert listing["counts"] == {"pending": 3}
    flushed = run_cli("outbox", "flush", cwd=tmp_path, env=env)
    assert "alerts: 1 sent (1 digest)" in flushed.stdout
    [req] = receiver.delivered()
    assert req.json()["data"]["count"] == 3


def test_test_alert_sends_a_sample_and_reports_failures_in_one_line(tmp_path, feed_server,
                                                                     receiver):
    env = configure(tmp_path, feed_server, receiver)
    ok = run_cli("test-alert", "hook", cwd=tmp_path, env=env)
    assert ok.code == 0 and ok.stdout == "channel hook: test alert sent (webhook)\n"
    [req] = receiver.requests
    assert req.json()["type"] == "alert.test"
    receiver.script("/hook/s3cr3t-path", Reply(401, "bad token"))
    bad = run_cli("test-alert", "hook", cwd=tmp_path, env=env)
    assert bad.code == 1
    lines = bad.stderr.strip().splitlines()
    assert lines[0].startswith("monitor: error: channel hook: http://127.0.0.1:")
    assert "HTTP 401" in lines[0] and "s3cr3t" not in bad.stderr
    unknown = run_cli("test-alert", "nope", cwd=tmp_path, env=env)
    assert unknown.code == 2 and "no channel named 'nope' (channels: hook)" in unknown.stderr


def test_test_alert_for_teams_says_how_to_confirm(tmp_path):
    rx = WebhookReceiver("teams").start()
    try:
        write_config(tmp_path / "config.yaml", [{"name": "f", "url": "http://127.0.0.1:9/x"}],
                     channels=[{"name": "teams", "type": "teams", "url": rx.url("/wf")}])
        result = run_cli("test-alert", "teams", cwd=tmp_path)
        assert result.code == 0
        assert "HTTP 202" in result.stdout and "check that the card appeared" in result.stdout
        assert rx.requests[0].json()["attachments"][0]["content"]["type"] == "AdaptiveCard"
    finally:
        rx.stop()
