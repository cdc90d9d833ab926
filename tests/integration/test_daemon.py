"""`monitor run` as a real process: schedules, survives a broken feed, reloads, stops cleanly."""

import os
import signal
import subprocess
import sys
import time

import pytest

from support.cli import ROOT, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Daemon:
    def __init__(self, tmp_path, *args):
        self.out = open(tmp_path / "stdout.txt", "w+", encoding="utf-8")
        self.err = open(tmp_path / "stderr.txt", "w+", encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "monitor", "run", *args],
                                     cwd=tmp_path, stdout=self.out, stderr=self.err, env=env)

    def stdout(self):
        with open(self.out.name, encoding="utf-8") as fh:
            return fh.read()

    def stderr(self):
        with open(self.err.name, encoding="utf-8") as fh:
            return fh.read()

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.out.close()
            self.err.close()


@pytest.fixture
def daemons():
    started = []

    def start(tmp_path, *args):
        d = Daemon(tmp_path, *args)
        started.append(d)
        return d

    yield start
    for d in started:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()


def test_run_polls_on_schedule_survives_a_broken_feed_and_stops_cleanly(
        feed_server, tmp_path, daemons):
    good = feed_server.set("/good.xml", rss([{"guid": "1", "title": "Дрон упал под Минском"}]))
    bad = feed_server.set("/bad.xml", "<html>not a feed</html>", content_type="text/html")
    write_config(tmp_path / "config.yaml",
                 [{"name": "good", "url": good, "interval": "1s"},
                  {"name": "bad", "url": bad, "interval": "1s"}],
                 rules=[{"name": "drones", "query": "Дрон"}])
    d = daemons(tmp_path)
    wait_for(lambda: "[drones] Дрон упал под Минском" in d.stdout(), what="the first alert")
    wait_for(lambda: len(feed_server.requests_to("/good.xml")) >= 3, what="repeated polls")
    feed_server.update("/good.xml", rss([{"guid": "2", "title": "Второй дрон над Минском"},
                                         {"guid": "1", "title": "Дрон упал под Минском"}]))
    wait_for(lambda: "[drones] Второй дрон над Минском" in d.stdout(), what="the second alert")
    assert d.proc.poll() is None  # the broken feed did not take it down
    assert d.stop() == 0
    err = d.stderr()
    assert "Feed check failed feed_name=bad error_kind=parse" in err
    assert "Feed checked feed_name=good status=ok" in err
    assert "Daemon stopped" in err
    assert d.stdout().count("[drones] Дрон упал под Минском") == 1  # alerted once


def test_run_reloads_config_on_sighup_and_keeps_the_old_one_when_invalid(
        feed_server, tmp_path, daemons):
    a = feed_server.set("/a.xml", rss([{"guid": "1", "title": "Alpha drone story"}]))
    b = feed_server.set("/b.xml", rss([{"guid": "2", "title": "Bravo drone story"}]))
    config = tmp_path / "config.yaml"
    write_config(config, [{"name": "a", "url": a, "interval": "1s"}],
                 rules=[{"name": "drones", "query": "drone"}])
    d = daemons(tmp_path)
    wait_for(lambda: "Alpha drone story" in d.stdout(), what="feed a")
    config.write_text("feeds: [{name: a, url: 'ftp://broken'}]\n", encoding="utf-8")
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "Config reload failed; keeping the old config" in d.stderr(),
             what="the reload error")
    assert "must be an http(s) URL or a file path" in d.stderr()
    write_config(config, [{"name": "a", "url": a, "interval": "1s"},
                          {"name": "b", "url": b, "interval": "1s"}],
                 rules=[{"name": "drones", "query": "drone"}])
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "Bravo drone story" in d.stdout(), what="feed b after reload")
    assert d.stop(signal.SIGINT) == 0


def test_run_matches_with_the_reloaded_rules_after_sighup(feed_server, tmp_path, daemons):
    a = feed_server.set("/a.xml", rss([{"guid": "1", "title": "Alpha drone story"}]))
    config = tmp_path / "config.yaml"
    write_config(config, [{"name": "a", "url": a, "interval": "1s"}],
                 rules=[{"name": "drones", "query": "drone"}])
    d = daemons(tmp_path)
    wait_for(lambda: "Alpha drone story" in d.stdout(), what="the first rule's alert")
    write_config(config, [{"name": "a", "url": a, "interval": "1s"}],
                 rules=[{"name": "missiles", "query": "missile"}])
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "Config reloaded" in d.stderr(), what="the reload")
    feed_server.set("/a.xml", rss([{"guid": "2", "title": "Bravo missile story"},
                                   {"guid": "3", "title": "Charlie drone story"}]))
    wait_for(lambda: "[missiles] Bravo missile story" in d.stdout(), what="the new rule's alert")
    assert d.stop(signal.SIGINT) == 0
    assert "Charlie drone story" not in d.stdout()  # the old rule is gone


def test_run_refuses_an_invalid_config(tmp_path):
    (tmp_path / "config.yaml").write_text("feeds: nope\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "monitor", "run"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2
    assert proc.stderr == "monitor: error: config.yaml:1: feeds: must be a list, got text\n"
