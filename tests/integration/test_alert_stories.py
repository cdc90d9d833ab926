"""Which items are new stories, and who reported them, as an operator meets it: a real feed
server on 127.0.0.1 → `monitor poll` (a subprocess) → a real webhook receiver.

Issue 11 #6: a feed that reuses one guid for each new story. #7: the first feed to publish a
title must not own the story (a hostile feed publishing a real outlet's title first).
"""

import sqlite3

import pytest

from support.cli import run_cli, write_config
from support.feed_server import rss
from support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.integration


@pytest.fixture
def receiver():
    rx = WebhookReceiver("webhook").start()
    yield rx
    rx.stop()


def hook(receiver):
    return [{"name": "hook", "type": "webhook", "url": receiver.url("/hook"), "timeout": "3s"}]


def delivered(receiver):
    return [r.json() for r in receiver.delivered()]


def test_a_feed_reusing_one_guid_gets_every_new_story_alerted(tmp_path, feed_server, receiver):
    # A real pattern: a "latest story" feed (a CMS widget, a bot) whose single item keeps the
    # guid of the slot, not of the story.
    stories = [("Drone plant opens in Yelabuga", "https://news.example.org/1"),
               ("Second drone plant announced in Minsk", "https://news.example.org/2"),
               ("Drone exports to Iran resume", "https://news.example.org/3")]
    url = feed_server.set("/slot.xml", rss([{"guid": "latest", "title": stories[0][0],
                                             "link": stories[0][1],
                                             "description": "About a drone."}]))
    write_config(tmp_path / "config.yaml", [{"name": "slot", "url": url, "language": "en"}],
                 rules=[{"name": "drones", "query": "drone"}], channels=hook(receiver))
    for n, (title, link) in enumerate(stories):
        if n:
            feed_server.update("/slot.xml", rss([{"guid": "latest", "title": title, "link": link,
                                                  "description": "About a drone."}]))
        result = run_cli("poll", cwd=tmp_path)
        assert result.code == 0, result.stderr
        assert "1 new item" in result.stdout, result.stdout
    got = delivered(receiver)
    assert [d["data"]["title"] for d in got] == [t for t, _ in stories]
    assert [d["data"]["link"] for d in got] == [link for _, link in stories]
    assert len({d["data"]["id"] for d in got}) == 3
    # The feed's own guid is still what the alert says the item's id is.
    assert {d["data"]["item_id"] for d in got} == {"latest"}


def test_an_edit_of_only_the_title_or_only_the_link_is_the_same_item(tmp_path, feed_server,
                                                                        receiver):
    first = {"guid": "g1", "title": "Drone plant opens in Yelabuga",
             "link": "https://news.example.org/1", "description": "About a drone."}
    url = feed_server.set("/f.xml", rss([first]))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url, "language": "en"}],
                 rules=[{"name": "drones", "query": "drone"}], channels=hook(receiver))
    assert run_cli("poll", cwd=tmp_path).code == 0
    # Each edit against the version first recorded: the title only, the link only, a tracking
    # parameter only.
    edits = [{**first, "title": "Drone plant opens in Yelabuga (updated)"},
             {**first, "link": "https://news.example.org/1-drone-plant"},
             {**first, "link": "https://news.example.org/1?utm_source=rss"}]
    for edit in edits:
        feed_server.update("/f.xml", rss([edit]))
        result = run_cli("poll", cwd=tmp_path)
        assert result.code == 0, result.stderr
        assert "0 new items" in result.stdout, result.stdout
    assert len(delivered(receiver)) == 1
    # …and a story that changes both under the same guid after those edits is new.
    feed_server.update("/f.xml", rss([{**first, "title": "Border guards shoot down a drone",
                                       "link": "https://news.example.org/9"}]))
    assert "1 new item" in run_cli("poll", cwd=tmp_path).stdout
    assert [d["data"]["title"] for d in delivered(receiver)][-1] == \
        "Border guards shoot down a drone"
