"""Counts read as English: "1 feed", "1 new item", "1 match", "2 failed", never "1 feeds" or
"3 error" (each command's summary line, run for real)."""

from __future__ import annotations

import pytest

from support.cli import run_cli, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration


def test_one_of_everything_is_singular(tmp_path):
    (tmp_path / "feed.xml").write_bytes(rss([{"guid": "1", "title": "Drone plant opens"}]))
    write_config(tmp_path / "config.yaml", [{"name": "a", "url": "feed.xml"}],
                 rules=[{"name": "drones", "query": "drone"}])
    check = run_cli("check", cwd=tmp_path)
    assert check.stdout == "config.yaml: ok (1 feed, 1 rule, 1 channel)\n"
    dry = run_cli("poll", "--dry-run", cwd=tmp_path)
    assert dry.stdout.splitlines()[-1] == ("1 feed (1 ok); 1 item (0 already in the state); "
                                           "1 match; 1 alert not sent (dry run: nothing "
                                           "recorded)")
    poll = run_cli("poll", cwd=tmp_path)
    assert poll.stdout.splitlines()[-1] == "1 feed (1 ok); 1 new item; 1 match; alerts: 1 sent"


def test_several_are_plural_and_failures_say_failed(tmp_path, feed_server):
    good = feed_server.set("/good.xml", rss([{"guid": "1", "title": "Drone plant opens"},
                                             {"guid": "2", "title": "Drone factory"}]))
    write_config(tmp_path / "config.yaml",
                 [{"name": "good", "url": good}, {"name": "bad", "url": feed_server.url("/404")},
                  {"name": "worse", "url": feed_server.url("/also-404")}],
                 rules=[{"name": "drones", "query": "drone"}, {"name": "plants", "query": "plant"}],
                 channels=[{"name": "out", "type": "console"}, {"name": "more", "type": "console"}])
    check = run_cli("check", cwd=tmp_path)
    assert check.stdout == "config.yaml: ok (3 feeds, 2 rules, 2 channels)\n"
    poll = run_cli("poll", cwd=tmp_path)
    assert poll.stdout.splitlines()[-1] == ("3 feeds (2 failed, 1 ok); 2 new items; "
                                            "3 matches; alerts: 6 sent")
