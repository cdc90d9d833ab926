"""`monitor run --health-port`: /healthz and /metrics from the real daemon; JSON logs with no
secrets in them; the Dockerfile's HEALTHCHECK asks the endpoint the daemon serves."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from support.cli import ROOT, run_cli, write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss
from support.ports import free_port

pytestmark = pytest.mark.integration


def get(port: int, path: str, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")
    except urllib.error.URLError:  # not listening (yet)
        return 0, ""


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample, parsed by prometheus_client's reference parser."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


@pytest.fixture
def running(feed_server, tmp_path):
    good = feed_server.set("/good.xml", rss([{"guid": "1", "title": "Drone plant grows"},
                                             {"guid": "2", "title": "Quiet day"}]))
    gone = feed_server.url("/gone.xml")  # 404
    write_config(tmp_path / "config.yaml",
                 [{"name": "good", "url": good, "interval": "1h"},
                  {"name": 'odd "name"', "url": gone, "interval": "1h"}],
                 rules=[{"name": "drones", "query": "drone"}])
    port = free_port()
    daemon = DaemonProcess(tmp_path, "--health-port", str(port))
    yield daemon, port
    daemon.close()


def test_healthz_and_metrics_report_polls_errors_items_alerts_and_feeds(running):
    daemon, port = running
    wait_for(lambda: "[drones] Drone plant grows" in daemon.stdout(), what="the alert")
    wait_for(lambda: samples(get(port, "/metrics")[1]).get(
        ("monitor_alerts_sent_total", ())) == 1, what="the delivery to be counted")
    wait_for(lambda: samples(get(port, "/metrics")[1]).get(("monitor_polls_total", ())) == 2,
             what="both feeds' first checks")  # each starts within 5 s, at random
    assert get(port, "/healthz") == (200, "ok\n")
    status, text = get(port, "/metrics")
    assert status == 200
    m = samples(text)
    assert m[("monitor_up", ())] == 1
    assert m[("monitor_polls_total", ())] == 2
    assert m[("monitor_feed_checks_total", (("status", "ok"),))] == 1
    assert m[("monitor_feed_checks_total", (("status", "error"),))] == 1
    assert m[("monitor_fetch_errors_total", (("kind", "http_gone"),))] == 1
    assert m[("monitor_items_total", ())] == 2
    assert m[("monitor_matches_total", ())] == 1
    assert m[("monitor_alerts_failed_total", ())] == 0
    assert m[("monitor_alerts_dead_total", ())] == 0
    assert m[("monitor_outbox_alerts", (("status", "pending"),))] == 0
    assert m[("monitor_outbox_alerts", (("status", "sent"),))] == 1
    assert m[("monitor_feed_last_success_timestamp_seconds", (("feed", "good"),))] > 1.7e9
    # Both items reach the search index within seconds; the gauge reads the state.
    wait_for(lambda: samples(get(port, "/metrics")[1]).get(
        ("monitor_search_index_backlog", ())) == 0, what="the search index to catch up")
    assert ("monitor_feed_last_success_timestamp_seconds", (("feed", 'odd "name"'),)) not in m
    assert m[("monitor_feed_consecutive_failures", (("feed", 'odd "name"'),))] == 1
    # One process on SQLite: its backend, no node name, no cluster families.
    assert m[("monitor_node_info", (("backend", "sqlite"),))] == 1
    assert m[("monitor_feed_leases_held", ())] == 0
    assert not any(name == "monitor_cluster_nodes" for name, _ in m)
    assert get(port, "/nope")[0] == 404
    assert get(port, "/healthz", method="POST")[0] == 405
    assert daemon.stop() == 0


def test_healthz_is_503_while_the_state_cannot_be_written(running, tmp_path):
    daemon, port = running
    wait_for(lambda: get(port, "/healthz")[0] == 200, what="healthy")
    # Both feeds checked (interval 1h): nothing of the daemon's own will wait on the lock.
    wait_for(lambda: samples(get(port, "/metrics")[1]).get(("monitor_polls_total", ())) == 2,
             what="the first polls")
    blocker = sqlite3.connect(tmp_path / "monitor.db", isolation_level=None, timeout=30)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the state
    try:
        status, body = get(port, "/healthz")
        assert status == 503
        assert body.startswith("unhealthy: state ") and "database is locked" in body
        assert samples(get(port, "/metrics")[1])[("monitor_up", ())] == 0
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert get(port, "/healthz")[0] == 200
    assert daemon.stop() == 0


def test_a_health_port_in_use_is_a_one_line_error(feed_server, tmp_path):
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": feed_server.set("/f", "x")}])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("run", "--health-port", str(port), cwd=tmp_path, timeout=60)
    assert result.code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("monitor: error")]
    assert errors == [f"monitor: error: --health-port {port}: cannot listen on 127.0.0.1: "
                      f"Address already in use"]


def test_json_logs_are_one_object_per_line_and_never_carry_secrets(feed_server, tmp_path):
    token = "T0kenXyz987654321secret"
    url = feed_server.set("/f.xml", rss([{"guid": "1", "title": "Drone plant grows"}]))
    closed = free_port()  # nothing listens: every delivery fails and is logged
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url, "interval": "1h"}],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": "${HOOK_URL}"}])
    daemon = DaemonProcess(tmp_path, "--log-format", "json", "--log-level", "debug",
                           env={"HOOK_URL": f"http://127.0.0.1:{closed}/hooks/{token}?"
                                            f"token={token}"})
    try:
        wait_for(lambda: "Alert delivery failed" in daemon.stderr(), what="a failed delivery")
    finally:
        assert daemon.stop() == 0
    lines = daemon.stderr().splitlines()
    docs = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "msg"} <= set(docs[0])
    failed = [d for d in docs if d["msg"].startswith("Alert delivery failed")]
    assert failed and failed[0]["channel"] == "hook" and failed[0]["level"] == "warning"
    assert any(d["msg"] == "Daemon stopped" for d in docs)
    assert token not in daemon.stderr() and token not in daemon.stdout()


def test_dockerfile_healthcheck_asks_the_port_the_daemon_serves():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    check = re.search(r"HEALTHCHECK .*?CMD (.+?)\n(?!\s)", dockerfile, re.S)
    assert check, "the Dockerfile has no HEALTHCHECK"
    url = re.search(r"http://127\.0\.0\.1:(\d+)/healthz", check.group(1))
    cmd = re.search(r'^CMD \[.*"--health-port", "(\d+)"', dockerfile, re.M)
    assert url and cmd and url.group(1) == cmd.group(1)
