"""`alert_max_age`: a feed's old items are recorded and matched but not alerted. Adding a feed
whose archive reaches back months must not send months of news as alerts; nor may a publisher
re-dating its archive. A real feed server → `monitor poll` → a real webhook receiver."""

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from support.cli import run_cli, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration



def dated(days_ago: float) -> str:
    return format_datetime(datetime.now(timezone.utc) - timedelta(days=days_ago), usegmt=True)


def configure(tmp_path, feed_server, receiver, *, defaults=None, archive_age=None):
    items = [{"guid": "new", "title": "Drone plant opens in Minsk",
              "link": "https://n.example/new", "pubDate": dated(0.1)},
             {"guid": "week", "title": "Drone factory expands shifts",
              "link": "https://n.example/week", "pubDate": dated(7)},
             {"guid": "undated", "title": "Drone exports questioned",
              "link": "https://n.example/u"}]
    archive = [{"guid": "old", "title": "Drone plant planned a year ago",
                "link": "https://a.example/old", "pubDate": dated(365)}]
    feed = {"name": "news", "url": feed_server.set("/news.xml", rss(items)), "language": "en"}
    old = {"name": "archive", "url": feed_server.set("/archive.xml", rss(archive)),
           "language": "en"}
    if archive_age is not None:
        old["alert_max_age"] = archive_age
    write_config(tmp_path / "config.yaml", [feed, old],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook"),
                            "timeout": "3s"}], **({"defaults": defaults} if defaults else {}))


def alerted_links(receiver):
    return sorted(r.json()["data"]["link"] for r in receiver.delivered())


def test_matches_older_than_alert_max_age_are_recorded_not_alerted(tmp_path, feed_server,
                                                                    receiver):
    configure(tmp_path, feed_server, receiver, defaults={"alert_max_age": "3d"})
    poll = run_cli("poll", cwd=tmp_path)
    assert poll.code == 0, poll.stderr
    # The recent item and the undated one (dated when fetched) alert; last week's and last
    # year's do not.
    assert alerted_links(receiver) == ["https://n.example/new", "https://n.example/u"]
    # Every match is still recorded: the analyst finds them in `monitor matches`.
    listed = run_cli("matches", cwd=tmp_path)
    assert listed.code == 0, listed.stderr
    for title in ("Drone plant opens in Minsk", "Drone factory expands shifts",
                  "Drone exports questioned", "Drone plant planned a year ago"):
        assert title in listed.stdout


def test_a_feed_can_set_its_own_alert_max_age_over_the_default(tmp_path, feed_server, receiver):
    configure(tmp_path, feed_server, receiver, defaults={"alert_max_age": "10d"},
              archive_age="any")
    assert run_cli("poll", cwd=tmp_path).code == 0
    assert alerted_links(receiver) == ["https://a.example/old", "https://n.example/new",
                                       "https://n.example/u", "https://n.example/week"]


def test_without_alert_max_age_every_new_match_alerts(tmp_path, feed_server, receiver):
    configure(tmp_path, feed_server, receiver)
    assert run_cli("poll", cwd=tmp_path).code == 0
    assert len(alerted_links(receiver)) == 4


def test_alert_max_age_needs_a_unit(tmp_path, feed_server, receiver):
    configure(tmp_path, feed_server, receiver, defaults={"alert_max_age": 3})
    check = run_cli("check", cwd=tmp_path)
    assert check.code == 2
    assert "alert_max_age" in check.stderr + check.stdout
