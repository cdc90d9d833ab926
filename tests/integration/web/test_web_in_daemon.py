"""`monitor run --web-port N`: the web UI on the daemon's own loop, over what the daemon's
checks commit, the search index kept caught up beside them; SIGTERM stops both."""

from __future__ import annotations

import re
import signal
import socket
import sqlite3

import httpx
import pytest

from support.cli import write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss

pytestmark = pytest.mark.integration
FIRST = {"guid": "1", "title": "Завод беспилотников в Елабуге", "link": "https://x.example/1",
         "description": "Сборка беспилотников растёт."}
LATER = {"guid": "2", "title": "Новый завод беспилотника", "link": "https://x.example/2",
         "description": "Ещё один завод."}


def queued(state) -> int:
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM search_queue").fetchone()[0]
    finally:
        db.close()


def test_web_ui_served_by_the_daemon(tmp_path):
    feed = tmp_path / "f.xml"
    feed.write_bytes(rss([FIRST], language="ru"))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": "f.xml", "interval": "1s"}],
                 rules=[{"name": "d", "query": "беспилотник"}])
    daemon = DaemonProcess(tmp_path, "--web-port", "0")
    try:
        wait_for(lambda: "Web UI listening" in daemon.stderr() or not daemon.alive(),
                 timeout=30, what="the web UI")
        assert daemon.alive(), daemon.stderr()
        base = re.search(r"address=(http://127\.0\.0\.1:\d+)/", daemon.stderr()).group(1)
        with httpx.Client(trust_env=False, timeout=10) as http:
            wait_for(lambda: "<mark>беспилотников</mark>" in http.get(f"{base}/matches").text,
                     what="the first check's match on the page")
            # The daemon takes its items into the search index (no search needed for that).
            wait_for(lambda: queued(tmp_path / "monitor.db") == 0, what="the index to catch up")
            feed.write_bytes(rss([FIRST, LATER], language="ru"))
            wait_for(lambda: "Новый завод <mark>беспилотника</mark>" in
                     http.get(f"{base}/search", params={"q": "беспилотники"}).text,
                     what="the next check's item in a search")
            # A reload (SIGHUP) shows: the rules page lists the new rule.
            write_config(tmp_path / "config.yaml",
                         [{"name": "f", "url": "f.xml", "interval": "1s"}],
                         rules=[{"name": "d", "query": "беспилотник"},
                                {"name": "factories", "query": "завод"}])
            daemon.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "<strong>factories</strong>" in http.get(f"{base}/rules").text,
                     what="the reloaded config on the rules page")
    finally:
        code = daemon.stop(signal.SIGTERM)
    assert code == 0, daemon.stderr()
    assert "Traceback" not in daemon.stderr()


def test_a_taken_web_port_stops_the_daemon_with_one_line(tmp_path):
    (tmp_path / "f.xml").write_bytes(rss([FIRST]))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": "f.xml"}])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        daemon = DaemonProcess(tmp_path, "--web-port", str(port))
        code = daemon.proc.wait(60)
        daemon.close()
    assert code == 1
    assert f"monitor: error: web: --web-port {port}: cannot listen on 127.0.0.1: Address " \
           f"already in use" in daemon.stderr()
    assert "Traceback" not in daemon.stderr()


def test_the_daemon_refuses_a_web_ui_open_to_the_network_without_a_password(tmp_path):
    (tmp_path / "f.xml").write_bytes(rss([FIRST]))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": "f.xml"}])
    daemon = DaemonProcess(tmp_path, "--web-port", "0", "--web-host", "0.0.0.0")
    code = daemon.proc.wait(60)
    daemon.close()
    assert code == 1 and "reachable from other machines" in daemon.stderr()
